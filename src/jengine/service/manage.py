"""The management endpoints (admin token): publish, the journey lifecycle, dead-letter replay.

==========================================  =================================================
``POST /v1/publish``                         check the workspace folder and publish its
                                             journey versions (422 with the diagnostics when
                                             it has errors, 409 on ``J-VERSION-REUSED`` /
                                             ``J-VERSION-OLD``)
``POST /v1/journeys/{j}/pause``              ``{"mode": "hold" | "discard"}`` (default hold)
``POST /v1/journeys/{j}/resume``
``POST /v1/journeys/{j}/close``              close to new entrances
``POST /v1/journeys/{j}/stop``               every instance exits
``POST /v1/deadletters/replay``              ``{"ids": […]}``: the inputs again, once each
==========================================  =================================================

A publication or a lifecycle command is an ``@journey`` input through the inbox, so it is
ordered with the events around it, committed before it is acknowledged, and applied by the
engine exactly once, in the same transaction as its effects; the endpoint waits (up to 30 s)
until the engine has applied it and answers the new status (``202`` if it is still queued).
A transition the journey's status does not allow answers 409 (see docs/serve.md, "Lifecycle").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from jengine.lang.workspace import Workspace, load_workspace
from jengine.runtime.channels import senders
from jengine.runtime.io import DeadLetter, SourceLine, parse_event_line
from jengine.runtime.lifecycle import publish_problems
from jengine.runtime.records import VersionRecord
from jengine.runtime.versions import plan
from jengine.service import queries
from jengine.service.bodies import BodyError, parse_json
from jengine.service.context import Service
from jengine.service.inbox import InboxFull, StoreUnavailable
from jengine.service.native import CHECK_ARRIVAL, JOURNEY_EVENT, Item, dumps
from jengine.service.readapi import not_on_temporal, require_admin
from jengine.templates.workspace import template_files

__all__ = ["ALLOWED", "publish_workspace", "routes"]

Handler = Callable[[Request], Awaitable[Response]]
WAIT_S = 30.0
# the statuses each command may start from (AJO: a paused journey may be closed or stopped)
ALLOWED = {"pause": {"live"}, "resume": {"paused"}, "close": {"live", "paused"},
           "stop": {"live", "paused", "closed"}}


def _error(status: int, code: str, message: str, **extra: Any) -> Response:
    return JSONResponse({"error": message, "code": code, **extra}, status_code=status)


async def _json_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    value = parse_json(body)
    if not isinstance(value, dict):
        raise BodyError("bad_input", "the body is not a JSON object")
    return value


async def _submit(service: Service, items: list[Item]) -> tuple[int, Response | None]:
    """Store items; their last seq, or an error answer."""
    try:
        accepted = await service.writer.submit(items)
    except InboxFull as e:
        return 0, JSONResponse({"error": str(e), "code": "inbox_full"}, status_code=429,
                               headers={"Retry-After": str(service.config.retry_after)})
    except StoreUnavailable:
        return 0, JSONResponse({"error": "the store cannot commit now",
                                "code": "store_unavailable"}, status_code=503,
                               headers={"Retry-After": str(service.config.retry_after)})
    return accepted.last, None


def _mark(service: Service) -> int:
    """The last output row now (a refusal of what is submitted next comes after it)."""
    with service.read() as conn:
        row = conn.execute("SELECT max(seq) FROM outputs").fetchone()
    return int(row[0] or 0)


def _refusal(service: Service, seq: int, mark: int) -> str | None:
    """The message of the dead letter the ``@journey`` input at ``seq`` became, if any."""
    with service.read() as conn:
        for letter in queries.dead_letters(conn, after=mark, limit=1_000_000):
            if letter.get("line") == seq:
                return str(letter.get("message"))
    return None


def _diagnostics(ws: Workspace) -> list[dict[str, Any]]:
    return [dict(d.diagnostic.to_dict(), file=d.source.name) for d in ws.diagnostics]


def _stored(service: Service) -> dict[str, list[VersionRecord]]:
    out: dict[str, list[VersionRecord]] = {}
    with service.read() as conn:
        for j, v, src, h, o in conn.execute(
                "SELECT journey, version, source, hash, is_open FROM versions "
                "ORDER BY journey, version"):
            out.setdefault(j, []).append(VersionRecord(j, v, src, h, bool(o)))
    return out


async def publish(request: Request) -> Response:
    denied = require_admin(request)
    if denied is not None:
        return denied
    return await publish_workspace(request.app.state.service)


async def publish_workspace(service: Service) -> Response:
    """Check the workspace folder and publish it (see the module docstring)."""
    if service.cluster is not None:
        response: Response = await service.cluster.publish()
        return response
    ws = await run_in_threadpool(load_workspace, service.config.workspace)
    diagnostics = _diagnostics(ws)
    if ws.has_errors:
        return _error(422, "workspace_errors", "the workspace has errors: nothing is published",
                      diagnostics=diagnostics)
    stored = await run_in_threadpool(_stored, service)
    lifecycle = await run_in_threadpool(_lifecycle, service)
    decisions = plan(ws, lambda name: stored.get(name, []))
    problems = publish_problems(decisions, lifecycle, stored)
    if problems:
        return _error(409, "version_conflict", problems[0], problems=problems,
                      diagnostics=diagnostics)
    files = {ws.sources[p].name: ws.sources[p].text for p in ws.files if p in ws.sources}
    texts, problems = await run_in_threadpool(_templates, service, ws)
    if problems:
        return _error(422, "template_errors", "the templates or channel settings have errors: "
                      "nothing is published", problems=problems, diagnostics=diagnostics)
    line = {"event": JOURNEY_EVENT, "payload": {"command": "publish", "files": files,
                                                "templates": texts}}
    mark = await run_in_threadpool(_mark, service)
    seq, failed = await _submit(service, [Item(None, dumps(line))])
    if failed is not None:
        return failed
    answer = {"published": [{"journey": d.journey, "version": d.version}
                            for d in decisions if d.action == "open"],
              "reopened": [{"journey": d.journey, "version": d.version}
                           for d in decisions if d.action == "reopen"],
              "unchanged": [{"journey": d.journey, "version": d.version}
                            for d in decisions if d.action == "keep"],
              "diagnostics": diagnostics}
    response = await _applied(service, seq, mark, answer)
    service.engine.published_changed()
    return response


def _templates(service: Service, ws: Workspace) -> tuple[dict[str, str], list[str]]:
    """The workspace's template files (``templates/…`` → text), published with the journeys
    so the engine renders what was published; and, when the service delivers, what stops
    them from being used (template errors, settings the environment lacks)."""
    root = ws.root if ws.root.is_dir() else ws.root.parent
    texts = {path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
             for parts in template_files(root).values() for path in parts.values()}
    if not service.config.deliver:
        return texts, []
    _, problems = senders.prepare(ws, True, None)
    return texts, problems


def _lifecycle(service: Service) -> dict[tuple[str, int], tuple[str, str | None]]:
    with service.read() as conn:
        rows = conn.execute("SELECT journey, version, state, mode FROM lifecycle").fetchall()
    return {(j, v): (st, m) for j, v, st, m in rows}


async def _applied(service: Service, seq: int, mark: int,
                   answer: dict[str, Any]) -> Response:
    if not await service.wait_processed(seq, WAIT_S):
        return JSONResponse(dict(answer, queued=True), status_code=202)
    refused = await run_in_threadpool(_refusal, service, seq, mark)
    if refused is not None:
        return _error(409, "refused", refused)
    return JSONResponse(answer)


def _journey_status(service: Service, name: str) -> dict[str, Any] | None:
    with service.read() as conn:
        found = [j for j in queries.journeys(conn, None, service.catalog.windows(conn))
                 if j["journey"] == name]
    return found[0] if found else None


def command(name: str) -> Handler:
    """``POST /v1/journeys/{j}/<name>``."""

    async def endpoint(request: Request) -> Response:
        denied = require_admin(request)
        if denied is not None:
            return denied
        service: Service = request.app.state.service
        if service.cluster is not None:
            return not_on_temporal()
        journey = request.path_params["journey"]
        try:
            body = await _json_body(request)
        except BodyError as e:
            return _error(400, e.code, e.message)
        mode = body.get("mode", "hold")
        if name == "pause" and mode not in ("hold", "discard"):
            return _error(400, "bad_input", '`mode` must be "hold" or "discard"')
        current = await run_in_threadpool(_journey_status, service, journey)
        if current is None:
            return _error(404, "not_found", f"no published journey '{journey}'")
        if current["status"] not in ALLOWED[name]:
            done = "stopped" if name == "stop" else f"{name}d"
            return _error(409, "invalid_transition", f"journey '{journey}' is "
                          f"{current['status']}: it cannot be {done}", current=current["status"])
        payload: dict[str, Any] = {"command": name, "journey": journey,
                                   "version": current["version"]}
        if name == "pause":
            payload["mode"] = mode
        mark = await run_in_threadpool(_mark, service)
        seq, failed = await _submit(service, [Item(None, dumps(
            {"event": JOURNEY_EVENT, "payload": payload}))])
        if failed is not None:
            return failed
        response = await _applied(service, seq, mark, {"journey": journey})
        if response.status_code == 200:
            after = await run_in_threadpool(_journey_status, service, journey)
            return JSONResponse({"journey": journey, "status": after["status"] if after
                                 else None, "version": current["version"]})
        return response

    return endpoint


async def replay(request: Request) -> Response:
    denied = require_admin(request)
    if denied is not None:
        return denied
    service: Service = request.app.state.service
    if service.cluster is not None:
        return not_on_temporal()
    try:
        body = await _json_body(request)
    except BodyError as e:
        return _error(400, e.code, e.message)
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        return _error(400, "bad_input", "`ids` must be a non-empty list of dead-letter ids")

    def find() -> dict[str, Any]:
        with service.read() as conn:
            return queries.find_dead_letters(conn, ids)

    found = await run_in_threadpool(find)
    missing = [i for i in ids if i not in found]
    if missing:
        return _error(404, "not_found", f"no dead letter {missing[0]}", missing=missing)
    items = []
    for ident in ids:
        text = str(found[ident].get("input", ""))
        parsed = parse_event_line(SourceLine(1, text), CHECK_ARRIVAL)
        if isinstance(parsed, DeadLetter):
            return _error(400, parsed.reason, f"dead letter {ident}: {parsed.message}")
        items.append(Item(f"replay:{ident}", text))
    try:
        accepted = await service.writer.submit(items)
    except InboxFull as e:
        return _error(429, "inbox_full", str(e))
    except StoreUnavailable:
        return _error(503, "store_unavailable", "the store cannot commit now")
    return JSONResponse({"replayed": len(accepted.seqs), "duplicates": accepted.duplicates})


def routes() -> list[Route]:
    out = [Route("/v1/publish", publish, methods=["POST"]),
           Route("/v1/deadletters/replay", replay, methods=["POST"])]
    for name in ALLOWED:
        out.append(Route(f"/v1/journeys/{{journey}}/{name}", command(name), methods=["POST"]))
    return out
