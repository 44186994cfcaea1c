"""The ASGI application of ``jengine serve``: routes, middleware, start and stop.

:func:`build_service` opens (and migrates) the store, starts the inbox writer and wraps the
engine; :func:`create_app` assembles the Starlette application around it. The lifespan starts
the engine; at shutdown (SIGTERM, after uvicorn has let the open requests finish) it refuses new
input (503), lets the writer commit what is queued, and stops the engine once it has processed
the whole inbox — so a clean stop leaves nothing acknowledged unprocessed.

Middleware, outermost first: the access log (one JSON line and one metric per request), CORS
(only when ``cors_origins`` is set; off by default), and the gzip request decoder with its
decoded-size bound. Starlette's ``max_body_size`` bounds the wire size of every body (413).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from jengine.runtime.store import Store
from jengine.service import dashboard, ingest, manage, readapi
from jengine.service.bodies import GzipRequest, Message, Receive, Scope, Send
from jengine.service.config import ServeConfig
from jengine.service.context import EngineHandle, Service
from jengine.service.inbox import InboxWriter
from jengine.service.logs import log
from jengine.service.metrics import Metrics
from jengine.service.readapi import require_admin

__all__ = ["build_service", "create_app"]


def build_service(config: ServeConfig, engine: Callable[[Service], EngineHandle],
                  write_lock: Any = None, cluster: Any = None) -> Service:
    """Open the store (migrating it), start the inbox writer, make the engine. With
    ``cluster`` (a :class:`jengine.service.cluster.ClusterFeed`) there is no local store:
    the feed is both the writer and the engine."""
    if cluster is not None:
        service = Service(config, cluster, Metrics(None), cluster)
        service.cluster = cluster
        return service
    Store(config.state, synchronous=config.synchronous).close()
    metrics = Metrics(config.state)
    holder: dict[str, Service] = {}

    def wake() -> None:
        service = holder.get("service")
        if service is not None:
            wake_engine = getattr(service.engine, "wake", None)
            if wake_engine is not None:
                wake_engine()

    writer = InboxWriter(config.state, capacity=config.inbox_capacity,
                         dedup_ms=config.dedup_ms, synchronous=config.synchronous,
                         wake=wake, write_lock=write_lock, on_commit=metrics.commit)
    service = Service(config, writer, metrics, _Pending())
    holder["service"] = service
    service.engine = engine(service)
    return service


class _Pending:
    """The engine slot while the engine is being made."""

    running = False
    failure = None

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def model(self) -> None:
        return None

    def published_changed(self) -> None:
        return None


class AccessLog:
    """One JSON log line and one ``jengine_http_requests`` count per request."""

    def __init__(self, app: Any, service: Service) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]
        size = [0]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            elif message["type"] == "http.response.body":
                size[0] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = str(scope.get("path", ""))
            self.service.metrics.requests.labels(_route(path), str(status[0])).inc()
            log.info("request", extra={
                "method": scope.get("method"), "path": path, "status": status[0],
                "ms": round((time.perf_counter() - started) * 1000, 2), "bytes": size[0]})


def _route(path: str) -> str:
    """A bounded route label: the first two path segments."""
    parts = [p for p in path.split("/") if p][:2]
    return "/" + "/".join(parts)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def metrics(request: Request) -> Response:
    service: Service = request.app.state.service
    if not service.config.public_metrics:
        denied = require_admin(request)
        if denied is not None:
            return denied
    body = await run_in_threadpool(generate_latest, service.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own HTTP errors (404, 405, 413 …) as the API's JSON errors."""
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
    return JSONResponse({"error": exc.detail, "code": codes.get(exc.status_code, "error")},
                        status_code=exc.status_code, headers=exc.headers)


async def readyz(request: Request) -> Response:
    service: Service = request.app.state.service
    problems = []
    if service.stopping:
        problems.append("stopping")
    if not service.engine.running:
        problems.append(service.engine.failure or "engine not running")
    if not service.writer.alive:
        problems.append("inbox writer stopped")
    if problems:
        return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready", "inbox_depth": service.writer.depth})


def create_app(service: Service, mounts: Mapping[str, Any] | None = None) -> Starlette:
    """The application (see the module docstring). ``mounts``: path → ASGI sub-application
    mounted beside the API — the mount point for the channels' tracking and provider-feedback
    app, which takes :meth:`Service.submit` to turn opens, clicks and bounces into
    ``@reaction`` inputs (docs/serve.md, "Mounting the tracking endpoints")."""
    cfg = service.config

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service.engine.start()
        if service.cluster is not None:
            await service.cluster.astart()
        service.metrics.engine_up.set(1)
        log.info("started", extra={"state": str(cfg.state), "workspace": str(cfg.workspace)})
        if cfg.publish_on_start:
            answer = await manage.publish_workspace(service)
            if answer.status_code != 200:
                log.error("publication at start refused", extra={
                    "status": answer.status_code, "answer": bytes(answer.body).decode()})
                raise RuntimeError("the workspace could not be published")
        try:
            yield
        finally:
            service.stopping = True
            log.info("stopping: draining the inbox")
            service.writer.close()
            service.engine.stop()
            service.metrics.engine_up.set(0)
            log.info("stopped")

    routes: list[BaseRoute] = [
        Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics),
        *ingest.routes(), *manage.routes(), *readapi.routes(), *dashboard.routes(),
        Mount("/static", StaticFiles(packages=[("jengine.service", "static")]), name="static"),
        *(Mount(path, app=sub) for path, sub in (mounts or {}).items()),
    ]
    middleware = [Middleware(AccessLog, service=service)]
    if cfg.cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(cfg.cors_origins),
                                     allow_methods=["GET", "POST"],
                                     allow_headers=["Authorization", "Content-Type",
                                                    "Content-Encoding"]))
    middleware.append(Middleware(GzipRequest, max_decoded=cfg.max_decoded_bytes))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    max_body_size=cfg.max_request_bytes,
                    exception_handlers={HTTPException: http_error})
    app.state.service = service
    return app
