"""The HTTP client adapter: custom actions and HTTP data sources (journey spec §2.2, §2.3, §4.6).

Layers, from pure to effectful:

* **Encoding** (pure): :func:`encode_body` (the plain-JSON object of the non-null parameters,
  temporal values as X§11 text) and :func:`encode_query` (``name=value`` pairs, a list repeating
  the name, RFC 3986 percent-encoding); the ``Idempotency-Key`` values come from
  :mod:`jengine.core.keys`; :func:`backoff` is 100 ms × 2^(k−1).
* **Transport** (:class:`Transport`): send one request with a timeout; :class:`HttpxTransport`
  is the real one. It raises :class:`TransportTimeout` or :class:`TransportFailure`.
* **Calls** (:class:`HttpClient`): :meth:`HttpClient.attempt_action` makes *one* attempt and
  says what happens next — :class:`Finished`, :class:`RetryAt` (back-off) or :class:`Delayed`
  (throttle). It never sleeps: the driver turns ``RetryAt``/``Delayed`` into timers (simulated
  time in simulated mode) and calls again with the next attempt number.
  :meth:`HttpClient.fetch` reads a data source (no retries) through a response cache keyed by
  (url, params) for ``cache D``, measured on the engine clock. :func:`call_action_blocking` is
  the sleeping loop for live use and scripts.

Secrets: ``secret("N")`` header values are read from the environment when the request is built,
only into the request headers. They are never logged, never part of a ``repr`` (the headers
field is hidden), and never in a result. An unset variable fails the call with
``internalError``, without an attempt.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from jengine.core.keys import canonical_params
from jengine.runtime.clock import Clock
from jengine.runtime.ratelimit import Rate, RateLimiter
from jexpr.runtime.jsonenc import to_plain_json
from jexpr.runtime.render import render_value

__all__ = [
    "DEFAULT_TIMEOUT", "ActionSpec", "CallResult", "DataSourceResult", "DataSourceSpec",
    "Delayed", "Finished", "HttpClient", "HttpRequest", "HttpResponse", "HttpxTransport",
    "Outcome", "RetryAt", "Secret", "Transport", "TransportFailure", "TransportTimeout",
    "backoff", "call_action_blocking", "encode_body", "encode_query",
]

log = logging.getLogger("jengine.runtime.http")
DEFAULT_TIMEOUT = dt.timedelta(seconds=5)
RETRY_BASE = dt.timedelta(milliseconds=100)
TIMEDOUT, CAPPED, INTERNAL_ERROR = "timedout", "capped", "internalError"


# ---------------------------------------------------------------------------------------------
# Specs


@dataclass(frozen=True)
class Secret:
    """A header value read from environment variable ``name`` when a call is made."""

    name: str


HeaderValue = str | Secret


@dataclass(frozen=True)
class ActionSpec:
    """A declared custom action (§2.3)."""

    name: str
    url: str
    method: str = "POST"
    headers: Mapping[str, HeaderValue] = field(default_factory=dict)
    timeout: dt.timedelta | None = None
    retries: int = 0
    capping: Rate | None = None
    throttle: Rate | None = None


@dataclass(frozen=True)
class DataSourceSpec:
    """A declared HTTP data source (§2.2); ``cache`` is how long a response is reused."""

    name: str
    url: str
    method: str = "GET"
    headers: Mapping[str, HeaderValue] = field(default_factory=dict)
    timeout: dt.timedelta | None = None
    cache: dt.timedelta | None = None


# ---------------------------------------------------------------------------------------------
# Encoding


def encode_body(params: Mapping[str, Any]) -> bytes:
    """The JSON request body: {parameter → value} of the non-null parameters (§4.6)."""
    obj = {k: to_plain_json(v) for k, v in params.items() if v is not None}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _query_text(value: Any) -> str:
    if isinstance(value, list | tuple | Mapping):
        return json.dumps(to_plain_json(value), ensure_ascii=False, separators=(",", ":"))
    text = render_value(value)
    assert text is not None
    return text


def encode_query(params: Mapping[str, Any]) -> str:
    """``name=value&…`` of the non-null parameters; a list repeats the name per non-null
    element; values as X§11 text; percent-encoded per RFC 3986 (unreserved kept)."""
    pairs: list[str] = []
    for name, value in params.items():
        items = value if isinstance(value, list | tuple) else [value]
        pairs += [f"{quote(name, safe='')}={quote(_query_text(v), safe='')}"
                  for v in items if v is not None]
    return "&".join(pairs)


def backoff(retry: int) -> dt.timedelta:
    """The wait before retry ``retry`` (1-based): 100 ms × 2^(retry−1)."""
    return RETRY_BASE * (1 << (retry - 1))


# ---------------------------------------------------------------------------------------------
# Transport


@dataclass(frozen=True)
class HttpRequest:
    """One request; ``headers`` may hold secrets and is kept out of ``repr``."""

    method: str
    url: str
    headers: Mapping[str, str] = field(repr=False)
    body: bytes | None
    timeout: dt.timedelta


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes


class TransportTimeout(Exception):
    """The attempt exceeded its timeout."""


class TransportFailure(Exception):
    """A network error: no HTTP response."""


class Transport(Protocol):
    """Sends one request; raises :class:`TransportTimeout` or :class:`TransportFailure`."""

    def send(self, request: HttpRequest) -> HttpResponse: ...


class HttpxTransport:
    """The default transport, over one pooled :class:`httpx.Client` (no redirects)."""

    def __init__(self, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(follow_redirects=False)

    def send(self, request: HttpRequest) -> HttpResponse:
        try:
            r = self.client.request(request.method, request.url, content=request.body,
                                    headers=dict(request.headers),
                                    timeout=request.timeout.total_seconds())
        except httpx.TimeoutException:
            raise TransportTimeout(f"{request.method} {request.url}: timed out") from None
        except httpx.HTTPError as e:
            raise TransportFailure(f"{request.method} {request.url}: {type(e).__name__}") from None
        return HttpResponse(r.status_code, r.content)

    def close(self) -> None:
        self.client.close()


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class CallResult:
    """The result of one attempt: ``status_code`` is the ``jo_status_code`` (§2.5)."""

    status_code: str
    http_status: int | None = None
    body: Any = None
    elapsed_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300

    @property
    def retryable(self) -> bool:
        """A timeout, a network error, a 5xx or a 429 (§4.6); never a missing secret."""
        if self.http_status is None:
            return self.status_code == TIMEDOUT or self.status_code == "network"
        return self.http_status >= 500 or self.http_status == 429

    @property
    def outbox_status(self) -> str:
        return "sent" if self.ok else CAPPED if self.status_code == CAPPED else "failed"

    def action_payload(self) -> dict[str, Any]:
        """The ``@action{S}`` value: the response fields, ``jo_status_code``, ``errorResponse``."""
        response = self.body if self.ok and isinstance(self.body, dict) else {}
        error = None if self.ok else self.body
        return {**response, "jo_status_code": self.jo_status_code, "errorResponse": error}

    @property
    def jo_status_code(self) -> str:
        return INTERNAL_ERROR if self.status_code == "network" else self.status_code


@dataclass(frozen=True)
class Finished:
    """The call is over (success, or failure after the last attempt, or capped)."""

    result: CallResult
    attempt: int


@dataclass(frozen=True)
class RetryAt:
    """Attempt ``attempt`` failed and may be retried: call again with ``attempt + 1`` at ``at``."""

    at: dt.datetime
    result: CallResult
    attempt: int


@dataclass(frozen=True)
class Delayed:
    """Throttled: call again with the same ``attempt`` at ``at`` (the slot is reserved)."""

    at: dt.datetime
    attempt: int


Outcome = Finished | RetryAt | Delayed


@dataclass(frozen=True)
class DataSourceResult:
    """A data-source read: ``payload`` is the 2xx JSON object, else ``None`` (an error)."""

    payload: dict[str, Any] | None
    status_code: str
    elapsed_ms: int = 0
    cached: bool = False


class MissingSecret(Exception):
    """An environment variable named by ``secret()`` is unset (the name only, never a value)."""


# ---------------------------------------------------------------------------------------------
# The client


def _parse_body(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return None


class HttpClient:
    """Custom-action attempts and data-source reads; the engine's HTTP adapter."""

    def __init__(self, transport: Transport, clock: Clock, *,
                 limiter: RateLimiter | None = None, env: Mapping[str, str] | None = None,
                 timer: Callable[[], float] = time.monotonic, cache_size: int = 10_000) -> None:
        self.transport, self.clock, self.limiter = transport, clock, limiter
        self.env = os.environ if env is None else env
        self.timer = timer
        self.cache_size = cache_size
        self._cache: dict[tuple[str, str], tuple[dt.datetime, dict[str, Any]]] = {}

    # -- building and sending ------------------------------------------------------------------

    def _headers(self, declared: Mapping[str, HeaderValue], has_body: bool,
                 key: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json"} if has_body else {}
        for name, value in declared.items():
            if isinstance(value, Secret):
                secret = self.env.get(value.name)
                if secret is None:
                    raise MissingSecret(f"environment variable {value.name} is not set")
                headers[name] = secret
            else:
                headers[name] = value
        headers["Idempotency-Key"] = key
        return headers

    def build(self, method: str, url: str, declared: Mapping[str, HeaderValue],
              params: Mapping[str, Any], key: str, timeout: dt.timedelta | None) -> HttpRequest:
        """The request of §4.6 (GET: query string; otherwise a JSON body)."""
        body: bytes | None = None
        if method.upper() == "GET":
            query = encode_query(params)
            if query:
                url = url + ("&" if "?" in url else "?") + query
        else:
            body = encode_body(params)
        headers = self._headers(declared, body is not None, key)
        return HttpRequest(method.upper(), url, headers, body, timeout or DEFAULT_TIMEOUT)

    def _send(self, request: HttpRequest) -> CallResult:
        start = self.timer()
        try:
            response = self.transport.send(request)
        except TransportTimeout:
            return CallResult(TIMEDOUT, elapsed_ms=self._elapsed(start))
        except TransportFailure:
            return CallResult("network", elapsed_ms=self._elapsed(start))
        return CallResult(f"http_{response.status}", response.status,
                          _parse_body(response.body), self._elapsed(start))

    def _elapsed(self, start: float) -> int:
        return round((self.timer() - start) * 1000)

    # -- custom actions ------------------------------------------------------------------------

    def attempt_action(self, spec: ActionSpec, params: Mapping[str, Any], key: str,
                       attempt: int = 1) -> Outcome:
        """Make attempt ``attempt`` (1-based) of a custom-action call with ``Idempotency-Key``
        ``key``; rate-limit state goes to the store in the caller's transaction."""
        try:
            request = self.build(spec.method, spec.url, spec.headers, params, key, spec.timeout)
        except MissingSecret as e:
            log.warning("action %s: %s", spec.name, e)
            return Finished(CallResult(INTERNAL_ERROR), attempt)
        decision = self._decide(spec, f"{key}#{attempt}")
        if decision is not None:
            return decision if isinstance(decision, Delayed) else Finished(decision, attempt)
        result = self._send(request)
        log.info("action %s attempt %d: %s %s -> %s (%d ms)", spec.name, attempt,
                 request.method, request.url, result.status_code, result.elapsed_ms)
        if result.retryable and attempt <= spec.retries:
            return RetryAt(self.clock.now() + backoff(attempt), result, attempt)
        return Finished(result, attempt)

    def _decide(self, spec: ActionSpec, attempt_key: str) -> Delayed | CallResult | None:
        if self.limiter is None or (spec.capping is None and spec.throttle is None):
            return None
        now = self.clock.now()
        d = self.limiter.decide(spec.name, attempt_key, now, spec.capping, spec.throttle)
        if d.verdict == "delay":
            return Delayed(d.at, int(attempt_key.rsplit("#", 1)[1]))
        return CallResult(CAPPED) if d.verdict == "capped" else None

    # -- data sources --------------------------------------------------------------------------

    def fetch(self, spec: DataSourceSpec, params: Mapping[str, Any],
              key: str) -> DataSourceResult:
        """Read a data source (no retries); a cached 2xx object is reused for ``spec.cache``."""
        cache_key = (spec.url, canonical_params(params))
        hit = self._cached(cache_key)
        if hit is not None:
            return DataSourceResult(hit, "http_200", 0, cached=True)
        try:
            request = self.build(spec.method, spec.url, spec.headers, params, key, spec.timeout)
        except MissingSecret as e:
            log.warning("data source %s: %s", spec.name, e)
            return DataSourceResult(None, INTERNAL_ERROR)
        result = self._send(request)
        log.info("data source %s: %s %s -> %s (%d ms)", spec.name, request.method,
                 request.url, result.status_code, result.elapsed_ms)
        if not (result.ok and isinstance(result.body, dict)):
            return DataSourceResult(None, result.jo_status_code, result.elapsed_ms)
        if spec.cache:
            self._store(cache_key, self.clock.now() + spec.cache, result.body)
        return DataSourceResult(result.body, result.status_code, result.elapsed_ms)

    def _cached(self, cache_key: tuple[str, str]) -> dict[str, Any] | None:
        entry = self._cache.get(cache_key)
        if entry is None or entry[0] <= self.clock.now():
            return None
        return entry[1]

    def _store(self, cache_key: tuple[str, str], expires: dt.datetime,
               payload: dict[str, Any]) -> None:
        if len(self._cache) >= self.cache_size:
            now = self.clock.now()
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            while len(self._cache) >= self.cache_size:
                del self._cache[next(iter(self._cache))]
        self._cache[cache_key] = (expires, payload)


def call_action_blocking(client: HttpClient, spec: ActionSpec, params: Mapping[str, Any],
                         key: str, *, sleep: Callable[[float], None] = time.sleep) -> Finished:
    """Run a custom-action call to the end, sleeping through back-off and throttle delays
    (live mode, scripts). Each step still commits its rate-log change in the caller's store."""
    attempt = 1
    while True:
        outcome = client.attempt_action(spec, params, key, attempt)
        if isinstance(outcome, Finished):
            return outcome
        sleep(max(0.0, (outcome.at - client.clock.now()).total_seconds()))
        if isinstance(outcome, RetryAt):
            attempt += 1
