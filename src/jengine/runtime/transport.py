"""One HTTP exchange with a hard total deadline and a response size cap (docs/security.md).

:class:`HttpRequest` / :class:`HttpResponse` are the plain values every transport speaks;
:class:`Transport` is the port (the scenario stub implements it too). :class:`HttpxTransport`,
the real one, runs on ``httpcore`` (the engine under ``httpx``) with a network backend whose
every socket operation waits at most until the request's *deadline*: a server that trickles one
byte a second cannot stretch a ``timeout 2s`` call past 2 s, because each ``recv`` is given
only the time left, not a fresh read timeout. The body is read in chunks and the exchange is
cut as soon as it passes the request's ``max_bytes`` (a ``Content-Length`` over the cap is
refused before reading). Nothing is decompressed (``Accept-Encoding: identity``).

Errors: :class:`TransportTimeout` (the deadline passed), :class:`TransportFailure` (no usable
HTTP answer: connection refused, protocol error, invalid URL or header), :class:`ResponseTooLarge`.
Messages name the method and the URL *without its query string* (an API key may sit there).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpcore

__all__ = ["DEFAULT_MAX_BYTES", "HttpRequest", "HttpResponse", "HttpxTransport",
           "ResponseTooLarge", "Transport", "TransportFailure", "TransportTimeout", "safe_url"]

DEFAULT_MAX_BYTES = 1024 * 1024
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline",
                                                                         default=None)


def safe_url(url: str) -> str:
    """The URL without its query string and fragment (for logs and messages)."""
    return url.split("?", 1)[0].split("#", 1)[0]


@dataclass(frozen=True)
class HttpRequest:
    """One request; ``url`` and ``headers`` may hold secrets and are kept out of ``repr``.
    ``timeout`` is the total deadline of the exchange; ``max_bytes`` the body size cap."""

    method: str
    url: str = field(repr=False)
    headers: Mapping[str, str] = field(repr=False)
    body: bytes | None
    timeout: dt.timedelta
    max_bytes: int = DEFAULT_MAX_BYTES

    @property
    def where(self) -> str:
        return f"{self.method} {safe_url(self.url)}"


@dataclass(frozen=True)
class HttpResponse:
    """A response: ``headers`` with lower-case names; ``elapsed`` when the transport knows
    the exchange's duration better than a stopwatch (the scenario stub's scripted delay)."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    elapsed: dt.timedelta | None = None


class TransportTimeout(Exception):
    """The exchange passed its deadline."""


class TransportFailure(Exception):
    """A network or protocol error: no usable HTTP response."""


class ResponseTooLarge(Exception):
    """The response body is larger than the request's ``max_bytes``."""


class Transport(Protocol):
    """Sends one request; raises :class:`TransportTimeout`, :class:`TransportFailure` or
    :class:`ResponseTooLarge`."""

    def send(self, request: HttpRequest) -> HttpResponse: ...


# ---- the deadline-bounded network backend ------------------------------------------------------


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    """The timeout for one socket operation: the smaller of httpcore's and the time left."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self.inner.start_tls(ssl_context, server_hostname,
                                                    _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self.inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        stream = self.inner.connect_tcp(host, port, _left(timeout, httpcore.ConnectTimeout),
                                        local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        return _DeadlineStream(self.inner.connect_unix_socket(
            path, _left(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


_FAILURES = (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol,
             httpcore.ProxyError, OSError, ValueError, TypeError)


class HttpxTransport:
    """The default transport: one pooled ``httpcore`` connection pool, no redirects followed
    here (:class:`~jengine.runtime.http.HttpClient` follows same-origin ones)."""

    def __init__(self, pool: httpcore.ConnectionPool | None = None) -> None:
        self.pool = pool or httpcore.ConnectionPool(
            network_backend=_DeadlineBackend(), max_connections=64, keepalive_expiry=30.0)

    def send(self, request: HttpRequest) -> HttpResponse:
        seconds = max(request.timeout.total_seconds(), 0.0)
        token = _DEADLINE.set(time.monotonic() + seconds)
        limits = {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}
        headers = [("Accept-Encoding", "identity"), *request.headers.items()]
        try:
            with self.pool.stream(request.method, request.url, headers=headers,
                                  content=request.body, extensions={"timeout": limits}) as r:
                found = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in r.headers}
                return HttpResponse(r.status, _read(r, found, request.max_bytes), found)
        except httpcore.TimeoutException:
            raise TransportTimeout(f"{request.where}: timed out") from None
        except _FAILURES as e:
            raise TransportFailure(f"{request.where}: {type(e).__name__}") from None
        finally:
            _DEADLINE.reset(token)

    def close(self) -> None:
        self.pool.close()


def _read(response: httpcore.Response, headers: Mapping[str, str], limit: int) -> bytes:
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLarge(f"Content-Length {declared} is over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_stream():
        size += len(chunk)
        if size > limit:
            raise ResponseTooLarge(f"the body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
