"""The read API (admin token): journeys and versions with status, per-step counts, the journey
graph with live counts, a profile's instances and history, dead letters, the service status.

===============================================  ============================================
``GET /v1/journeys``                              every journey, its versions and statuses
``GET /v1/journeys/{j}``                          one journey, with each version's counts
``GET /v1/journeys/{j}/versions/{v}/counts``      per-step counts (JSON)
``GET /v1/journeys/{j}/versions/{v}/graph``       the graph as DOT with the counts on the
                                                  nodes, and the counts
``GET /v1/profiles/{id}``                         profile, instances, journal history
``GET /v1/deadletters?after=&limit=``             dead letters with their ids (for replay)
``GET /v1/status``                                engine, inbox depth, processed offset
===============================================  ============================================

Queries run on read-only connections in worker threads (:mod:`jengine.service.queries`).
Stored versions are drawn from their stored source (:class:`~jengine.service.catalog.Catalog`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from jengine.lang.graph import Graph, journey_graph, to_graphviz
from jengine.service import queries
from jengine.service.context import Service
from jengine.service.security import admin_allowed

__all__ = ["counted_dot", "require_admin", "routes"]

Handler = Callable[[Request], Awaitable[Response]]


def require_admin(request: Request) -> Response | None:
    """A 401 answer unless the request carries the admin token or session."""
    service: Service = request.app.state.service
    if admin_allowed(request.headers, request.cookies, service.config.admin_token):
        return None
    return JSONResponse({"error": "the admin token is required", "code": "unauthorized"},
                        status_code=401, headers={"WWW-Authenticate": 'Bearer realm="jengine"'})


def admin(fn: Callable[[Request, Service], Any]) -> Handler:
    """An admin endpoint whose body ``fn`` runs in a worker thread and returns JSON data
    (None: 404)."""

    async def endpoint(request: Request) -> Response:
        denied = require_admin(request)
        if denied is not None:
            return denied
        service: Service = request.app.state.service
        body = fn
        if service.cluster is not None:
            on_cluster = CLUSTER.get(fn.__name__)
            if on_cluster is None:
                return not_on_temporal()
            body = on_cluster
        data = await run_in_threadpool(body, request, service)
        if data is None:
            return JSONResponse({"error": "not found", "code": "not_found"}, status_code=404)
        return JSONResponse(data)

    return endpoint


def list_journeys(request: Request, service: Service) -> Any:
    catalog = service.catalog
    with service.read() as conn:
        return {"journeys": queries.journeys(conn, catalog.drafts(), catalog.windows(conn))}


def one_journey(request: Request, service: Service) -> Any:
    name = request.path_params["journey"]
    catalog = service.catalog
    with service.read() as conn:
        found = [j for j in queries.journeys(conn, catalog.drafts(), catalog.windows(conn))
                 if j["journey"] == name]
        if not found:
            return None
        journey = found[0]
        for v in journey["versions"]:
            if v["status"] != "draft":
                v["counts"] = queries.step_counts(conn, name, v["version"])
        return journey


def counts(request: Request, service: Service) -> Any:
    with service.read() as conn:
        return queries.step_counts(conn, request.path_params["journey"],
                                   int(request.path_params["version"]))


def graph(request: Request, service: Service) -> Any:
    journey, version = request.path_params["journey"], int(request.path_params["version"])
    with service.read() as conn:
        jm = service.catalog.version(conn, journey, version)
        if jm is None:
            return None
        found = queries.step_counts(conn, journey, version)
    return {"journey": journey, "version": version, "counts": found,
            "dot": counted_dot(journey_graph(jm), found)}


def counted_dot(graph: Graph, found: dict[str, Any]) -> str:
    """The graph as DOT with each node's counts in its label (what AJO's canvas report shows:
    entered, waiting now, exits and errors)."""
    nodes = []
    for node_id, label, shape in graph.nodes:
        row = found["steps"].get(node_id)
        if node_id == "__entry":
            label = f"entry\\n▶ {found['entered']} entered"
        elif row is not None:
            extra = f"\\n▶ {row['entered']} in · {row['waiting']} waiting"
            if row["exits"] or row["errors"]:
                extra += f"\\n{row['exits']} exits · {row['errors']} errors"
            label += extra
        nodes.append((node_id, label, shape))
    return str(to_graphviz(Graph(graph.name, tuple(nodes), graph.edges)).source)


def not_on_temporal() -> Response:
    """The answer of an endpoint that reads the embedded store (``--engine temporal``)."""
    return JSONResponse({"error": "not available with --engine temporal: the journeys run on "
                         "the cluster (jengine report --store for counts, the Temporal UI for "
                         "workflows)", "code": "not_on_temporal"}, status_code=501)


def cluster_profile(request: Request, service: Service) -> Any:
    """The profile as its workflow last mirrored it, and its journal lines (a scan)."""
    store = service.cluster.store
    pid = request.path_params["profile"]
    stored = store.profile(pid)
    history = [j for j in store.outputs("journal") if j.get("profile") == pid]
    if stored is None and not history:
        return None
    return {"profile": stored, "history": history}


def cluster_dead(request: Request, service: Service) -> Any:
    limit = request.query_params.get("limit", "100")
    size = min(1000, int(limit)) if limit.isdigit() else 100
    records = service.cluster.store.output_records("deadletter")
    return {"deadletters": [dict(r.line, id=r.id) for r in records[-size:]]}


def cluster_status(request: Request, service: Service) -> Any:
    return dict(service.cluster.status(), stopping=service.stopping)


def profile(request: Request, service: Service) -> Any:
    with service.read() as conn:
        return queries.profile_view(conn, request.path_params["profile"])


def dead(request: Request, service: Service) -> Any:
    after = request.query_params.get("after", "0")
    limit = request.query_params.get("limit", "100")
    after_seq = int(after.split(".")[0]) if after.split(".")[0].isdigit() else 0
    size = min(1000, int(limit)) if limit.isdigit() else 100
    with service.read() as conn:
        return {"deadletters": queries.dead_letters(conn, after_seq, size)}


def status(request: Request, service: Service) -> Any:
    processed = service.processed()
    last = getattr(service.writer, "last_seq", 0)
    return {"engine": {"running": service.engine.running, "failure": service.engine.failure},
            "inbox": {"depth": max(0, last - processed), "processed": processed,
                      "last": last, "capacity": service.config.inbox_capacity},
            "stopping": service.stopping}


#: the read endpoints that have a cluster-mode body (the others answer 501)
CLUSTER: dict[str, Callable[[Request, Service], Any]] = {
    "profile": cluster_profile, "dead": cluster_dead, "status": cluster_status}


def routes() -> list[Route]:
    return [
        Route("/v1/journeys", admin(list_journeys)),
        Route("/v1/journeys/{journey}", admin(one_journey)),
        Route("/v1/journeys/{journey}/versions/{version:int}/counts", admin(counts)),
        Route("/v1/journeys/{journey}/versions/{version:int}/graph", admin(graph)),
        Route("/v1/profiles/{profile:path}", admin(profile)),
        Route("/v1/deadletters", admin(dead)),
        Route("/v1/status", admin(status)),
    ]
