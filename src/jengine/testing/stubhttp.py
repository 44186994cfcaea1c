"""A scripted, in-process HTTP transport for scenario tests (docs/scenarios.md, "http").

:class:`StubTransport` implements :class:`jengine.runtime.http.Transport` without a network: each
:class:`Stub` matches requests by method, URL (without its query string) and, optionally, a
subset of the query parameters, and answers from its script of :class:`Reply` values, one per
request, the last one repeating. A reply whose ``delay`` is at least the request's timeout raises
:class:`~jengine.runtime.http.TransportTimeout` (nothing sleeps: the delay is only compared), ``error:
"network"`` raises :class:`~jengine.runtime.http.TransportFailure`, and so does a request no stub
matches — as an unreachable host would. Every request is recorded (:class:`Recorded`) so a
scenario can assert how many attempts were made, with which body and headers.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from jengine.runtime.transport import (
    HttpRequest,
    HttpResponse,
    ResponseTooLarge,
    TransportFailure,
    TransportTimeout,
)

__all__ = ["Recorded", "Reply", "Stub", "StubTransport", "split_url"]


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a status and JSON body, after ``delay``; or a transport error."""

    status: int = 200
    body: Any = None
    delay: dt.timedelta = dt.timedelta(0)
    error: str | None = None            # "network" or "timeout"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Stub:
    """Requests to ``url`` (and ``method``, and the ``query`` subset, when given)."""

    url: str
    replies: list[Reply]
    method: str | None = None
    query: Mapping[str, Any] = field(default_factory=dict)
    served: int = 0

    def matches(self, method: str, url: str, query: Mapping[str, list[str]]) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return url == self.url and all(_query_has(query, k, v) for k, v in self.query.items())

    def next_reply(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


@dataclass(frozen=True)
class Recorded:
    """A request as the stub saw it (``body`` parsed as JSON when it is JSON)."""

    method: str
    url: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: Any

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url,
                "query": {k: v[0] if len(v) == 1 else v for k, v in self.query.items()},
                "headers": dict(self.headers), "body": self.body}


def split_url(url: str) -> tuple[str, dict[str, list[str]]]:
    """The URL without its query string, and the parsed query."""
    parts = urlsplit(url)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return bare, parse_qs(parts.query, keep_blank_values=True)


def _query_has(query: Mapping[str, list[str]], key: str, value: Any) -> bool:
    wanted = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return query.get(key) == wanted


def _parse(body: bytes | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body.decode("utf-8", errors="replace")


class StubTransport:
    """The scripted transport (thread-safe; the engine calls it from one thread anyway)."""

    def __init__(self, stubs: Sequence[Stub] = ()) -> None:
        self.stubs = list(stubs)
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()

    def send(self, request: HttpRequest) -> HttpResponse:
        url, query = split_url(request.url)
        with self._lock:
            self.requests.append(Recorded(request.method, url, query, dict(request.headers),
                                          _parse(request.body)))
            stub = next((s for s in self.stubs if s.matches(request.method, url, query)), None)
            reply = stub.next_reply() if stub is not None else None
        return _answer(request, reply)


def _answer(request: HttpRequest, reply: Reply | None) -> HttpResponse:
    if reply is None or reply.error == "network":
        raise TransportFailure(f"{request.where}: no stub (connection refused)")
    if reply.error == "timeout" or reply.delay >= request.timeout:
        raise TransportTimeout(f"{request.where}: timed out")
    data = b"" if reply.body is None else json.dumps(reply.body).encode("utf-8")
    if len(data) > request.max_bytes:
        raise ResponseTooLarge(f"the body is over {request.max_bytes} bytes")
    headers = {k.lower(): str(v) for k, v in reply.headers.items()}
    return HttpResponse(reply.status, data, headers, reply.delay)
