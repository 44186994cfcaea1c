"""The ingestion endpoints: native events and profiles, and the Segment-compatible API.

===========================  ==============================================================
``POST /v1/events``          one event, a JSON array, or NDJSON (journey spec §5.1)
``POST /v1/profiles``        one profile, a JSON array, or NDJSON (§5.2), replacing the stored
``POST /v1/track``           a Segment ``track`` call
``POST /v1/identify``        a Segment ``identify`` call
``POST /v1/batch``           a Segment batch (what the Segment SDKs send)
``POST /v1/page`` …          Segment ``page``, ``screen``, ``group``, ``alias``: accepted,
                             ignored
===========================  ==============================================================

Every one needs a write key (:mod:`jengine.service.security`) and answers only once what it
accepted is committed to the inbox: ``200 {"success": true, "accepted": n, "duplicates": d}``.
Errors: 401 (no or a wrong write key), 400 (malformed; the same coded messages as ``jengine
run``'s dead letters, with the 0-based item ``index`` or ``line``), 413 (too large), 415 (an
encoding other than gzip/deflate), 429 + ``Retry-After`` (the inbox is full), 503 +
``Retry-After`` (the store cannot commit, or the service is stopping).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from jengine.service.bodies import BodyError, error_json, parse_json
from jengine.service.context import Service
from jengine.service.inbox import InboxFull, StoreUnavailable
from jengine.service.native import Item, ItemErrors, event_items, profile_items
from jengine.service.security import matches, write_key_of
from jengine.service.segment import segment_items

__all__ = ["routes"]

Handler = Callable[[Request], Awaitable[Response]]


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _unauthorized(service: Service) -> Response:
    service.metrics.refused.labels("auth").inc()
    return JSONResponse({"error": "a valid write key is required", "code": "unauthorized"},
                        status_code=401, headers={"WWW-Authenticate": 'Basic realm="jengine"'})


def _retry(service: Service, status: int, code: str, message: str) -> Response:
    service.metrics.refused.labels(code).inc()
    return JSONResponse({"error": message, "code": code}, status_code=status,
                        headers={"Retry-After": str(service.config.retry_after)})


async def _store(service: Service, items: list[Item], source: str, started: float,
                 ignored: int = 0) -> Response:
    if service.stopping:
        return _retry(service, 503, "stopping", "the service is stopping")
    try:
        accepted = await service.writer.submit(items) if items else None
    except InboxFull as e:
        return _retry(service, 429, "inbox_full", str(e))
    except StoreUnavailable:
        return _retry(service, 503, "store_unavailable", "the store cannot commit now")
    stored = len(accepted.seqs) if accepted else 0
    duplicates = accepted.duplicates if accepted else 0
    service.metrics.ingested.labels(source).inc(stored)
    service.metrics.duplicates.inc(duplicates)
    service.metrics.ignored.inc(ignored)
    service.metrics.ack.observe(time.perf_counter() - started)
    return JSONResponse({"success": True, "accepted": stored, "duplicates": duplicates,
                         "ignored": ignored})


def _refused(service: Service, errors: list[BodyError]) -> Response:
    service.metrics.refused.labels(errors[0].code).inc()
    return error_json(errors)


def native(kind: str) -> Handler:
    """``/v1/events`` or ``/v1/profiles``."""
    parse = event_items if kind == "events" else profile_items

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        service = _service(request)
        if not matches(write_key_of(request.headers), service.config.write_keys):
            return _unauthorized(service)
        body = await request.body()
        try:
            items = parse(body, request.headers.get("content-type", ""),
                          service.config.max_event_bytes)
        except BodyError as e:
            return _refused(service, [e])
        except ItemErrors as e:
            return _refused(service, e.errors)
        return await _store(service, items, kind, started)

    return endpoint


def segment(path_type: str | None) -> Handler:
    """A Segment endpoint (``path_type`` None: ``/v1/batch``)."""

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        service = _service(request)
        cfg = service.config
        body = await request.body()
        limit = cfg.max_batch_bytes if path_type is None else cfg.max_event_bytes
        if len(body) > limit:
            service.metrics.refused.labels("too_large").inc()
            return error_json([BodyError("too_large", f"the body is over {limit} bytes", 413)])
        header_key = write_key_of(request.headers)
        try:
            data = parse_json(body)
            result = segment_items(data, path_type, cfg.segment, service.model(),
                                   cfg.max_event_bytes, cfg.max_batch_items)
        except BodyError as e:
            if not matches(header_key, cfg.write_keys):
                return _unauthorized(service)
            return _refused(service, [e])
        except ItemErrors as e:
            body_key = data.get("writeKey") if isinstance(data, dict) else None
            if not matches(header_key or body_key, cfg.write_keys):
                return _unauthorized(service)
            return _refused(service, e.errors)
        if not matches(header_key or result.write_key, cfg.write_keys):
            return _unauthorized(service)
        return await _store(service, result.items, "segment", started, result.ignored)

    return endpoint


def routes() -> list[Route]:
    """The ingestion routes."""
    out = [Route("/v1/events", native("events"), methods=["POST"]),
           Route("/v1/profiles", native("profiles"), methods=["POST"]),
           Route("/v1/batch", segment(None), methods=["POST"])]
    for kind in ("track", "identify", "page", "screen", "group", "alias"):
        out.append(Route(f"/v1/{kind}", segment(kind), methods=["POST"]))
    return out
