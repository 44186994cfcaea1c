"""The HTTP client adapter: custom actions and HTTP data sources (journey spec §2.2, §2.3, §4.6).

Layers, from pure to effectful:

* **Encoding** (pure): :func:`encode_body` (the plain-JSON object of the non-null parameters,
  temporal values as X§11 text), :func:`encode_query` (``name=value`` pairs, a list repeating
  the name, RFC 3986 percent-encoding), :func:`encode_path` (the dynamic path, segment by
  segment; ``.`` and ``..`` refused); :func:`backoff` is 100 ms × 2^(k−1).
* **Transport** (:mod:`jengine.runtime.transport`): one exchange with a total deadline and a
  response size cap; **authentication** (:mod:`jengine.runtime.auth`).
* **Calls** (:class:`HttpClient`): :meth:`HttpClient.attempt_action` makes *one* attempt and
  says what happens next — :class:`Finished`, :class:`RetryAt` (back-off) or :class:`Delayed`
  (throttle). It never sleeps: the driver turns ``RetryAt``/``Delayed`` into timers and calls
  again with the next attempt number and the budget spent so far. :meth:`HttpClient.fetch`
  reads a data source (one attempt) through a response cache keyed by (url, params).

AJO's policy (docs/ajo-compatibility.md): the action's ``timeout`` is the **total budget** of
the call, attempts and the waits between them included; each attempt may use what is left, so
an attempt that times out ends the call (``timedout``). Failures are retried — up to
``retries`` (default 3) — on network errors and every non-2xx status except 401, 403 and 404;
a retry waits the back-off or the server's ``Retry-After``, whichever is longer, and is not made
when that wait would end past the budget. Same-origin redirects are followed (at most 5); a
redirect to another origin is an answer like any other (the credentials stay home). A throttled
attempt waits at most 6 hours, then the call is ``capped``.

Secrets never leave the request they are put in: no log line, ``repr``, result or message holds
a header value, a query string or a token (logs name the URL without its query).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from jengine.core.keys import canonical_params
from jengine.runtime.auth import (
    Authenticator,
    AuthFailure,
    AuthSpec,
    HeaderValue,
    MissingSecret,
    Secret,
    TokenAuth,
    add_query,
)
from jengine.runtime.clock import Clock
from jengine.runtime.encoding import (
    BadParameter,
    backoff,
    encode_body,
    encode_path,
    encode_query,
    header_text,
    retry_after,
)
from jengine.runtime.ratelimit import Rate, RateLimiter
from jengine.runtime.transport import (
    DEFAULT_MAX_BYTES,
    HttpRequest,
    HttpResponse,
    HttpxTransport,
    ResponseTooLarge,
    Transport,
    TransportFailure,
    TransportTimeout,
)

__all__ = [
    "DEFAULT_TIMEOUT", "ActionSpec", "CallResult", "DataSourceResult", "DataSourceSpec",
    "Delayed", "Finished", "HttpClient", "HttpRequest", "HttpResponse", "HttpxTransport",
    "Outcome", "RetryAt", "Secret", "Transport", "TransportFailure", "TransportTimeout",
    "backoff", "call_action_blocking", "encode_body", "encode_path", "encode_query",
]

log = logging.getLogger("jengine.runtime.http")
DEFAULT_TIMEOUT = dt.timedelta(seconds=30)
MAX_THROTTLE_DELAY = dt.timedelta(hours=6)
MAX_REDIRECTS = 5
NOT_RETRIED = frozenset({401, 403, 404})
TIMEDOUT, CAPPED, INTERNAL_ERROR = "timedout", "capped", "internalError"


# ---------------------------------------------------------------------------------------------
# Specs


@dataclass(frozen=True)
class ActionSpec:
    """A declared custom action (§2.3). ``timeout`` is the total budget of a call; the step
    parameters named in ``header_params`` / ``query_params`` (and ``path`` when ``path``) go to
    the headers, the query string and the URL path; the others form the body (GET: query)."""

    name: str
    url: str
    method: str = "POST"
    headers: Mapping[str, HeaderValue] = field(default_factory=dict)
    timeout: dt.timedelta | None = None
    retries: int = 3
    capping: Rate | None = None
    throttle: Rate | None = None
    query: Mapping[str, HeaderValue] = field(default_factory=dict)
    header_params: tuple[str, ...] = ()
    query_params: tuple[str, ...] = ()
    path: bool = False
    auth: AuthSpec | None = None
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class DataSourceSpec:
    """A declared HTTP data source (§2.2); ``cache`` is how long a response is reused."""

    name: str
    url: str
    method: str = "GET"
    headers: Mapping[str, HeaderValue] = field(default_factory=dict)
    timeout: dt.timedelta | None = None
    cache: dt.timedelta | None = None
    auth: AuthSpec | None = None
    max_bytes: int = DEFAULT_MAX_BYTES


# ---------------------------------------------------------------------------------------------
# Results


_FAILURE_KINDS: dict[type[BaseException], str] = {
    MissingSecret: "missing secret", BadParameter: "bad parameter",
    AuthFailure: "authentication failed", ResponseTooLarge: "response too large",
    TransportFailure: "network error"}


def failure_text(exc: BaseException) -> str:
    """A failure in words for a journal line's ``detail``: the exception's kind and message
    (messages name a variable, a method and a URL without its query string, never a secret
    value — the same text the log gets), at most 300 characters."""
    kind = _FAILURE_KINDS.get(type(exc), type(exc).__name__)
    text = str(exc)
    return (f"{kind}: {text}" if text else kind)[:300]


@dataclass(frozen=True)
class CallResult:
    """The result of one attempt: ``status_code`` is the ``jo_status_code`` (§2.5), or
    ``network`` (reported as ``internalError``, retried)."""

    status_code: str
    http_status: int | None = None
    body: Any = None
    elapsed_ms: int = 0
    retry_after: dt.timedelta | None = None
    error: str = ""   # what failed, in words, when no HTTP status came (never a secret)

    @property
    def ok(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300

    @property
    def retryable(self) -> bool:
        """A network error or a non-2xx status other than 401, 403 and 404 (AJO)."""
        if self.http_status is None:
            return self.status_code == "network"
        return not self.ok and self.http_status not in NOT_RETRIED

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


# ---------------------------------------------------------------------------------------------
# The client


def _parse_body(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _ms(d: dt.timedelta) -> int:
    return int(d.total_seconds() * 1000)


@dataclass
class _Exchange:
    """One attempt in progress: its deadline (monotonic seconds) and the time it used."""

    deadline: float
    elapsed_ms: int = 0


class HttpClient:
    """Custom-action attempts and data-source reads; the engine's HTTP adapter."""

    def __init__(self, transport: Transport, clock: Clock, *,
                 limiter: RateLimiter | None = None, env: Mapping[str, str] | None = None,
                 timer: Callable[[], float] = time.monotonic, cache_size: int = 10_000) -> None:
        self.transport, self.clock, self.limiter = transport, clock, limiter
        self.env = os.environ if env is None else env
        self.timer = timer
        self.cache_size = cache_size
        self.auth = Authenticator(transport, clock, self.env)
        self._cache: dict[tuple[str, str], tuple[dt.datetime, dict[str, Any]]] = {}

    # -- building ------------------------------------------------------------------------------

    def _headers(self, declared: Mapping[str, HeaderValue], has_body: bool,
                 key: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json"} if has_body else {}
        for name, value in declared.items():
            headers[name] = self.auth.value(value)
        headers["Idempotency-Key"] = key
        return headers

    def build(self, method: str, url: str, declared: Mapping[str, HeaderValue],
              params: Mapping[str, Any], key: str, timeout: dt.timedelta | None,
              spec: ActionSpec | None = None) -> HttpRequest:
        """The request of §4.6 (GET: query string; otherwise a JSON body), with the variable
        headers, query entries and path of ``spec``; no authentication yet."""
        routed = set(spec.header_params + spec.query_params) if spec else set()
        if spec is not None and spec.path:
            routed.add("path")
            if params.get("path") is not None:
                url = url.rstrip("/") + "/" + encode_path(params["path"])
        body_params = {k: v for k, v in params.items() if k not in routed}
        query: dict[str, Any] = {k: self.auth.value(v)
                                 for k, v in (spec.query if spec else {}).items()}
        query.update({k: params.get(k) for k in (spec.query_params if spec else ())})
        body: bytes | None = None
        if method.upper() == "GET":
            query.update(body_params)
        else:
            body = encode_body(body_params)
        url = add_query(url, encode_query(query))
        headers = self._headers(declared, body is not None, key)
        for name in spec.header_params if spec else ():
            if params.get(name) is not None:
                headers[name] = header_text(name, params[name])
        max_bytes = spec.max_bytes if spec else DEFAULT_MAX_BYTES
        return HttpRequest(method.upper(), url, headers, body, timeout or DEFAULT_TIMEOUT,
                           max_bytes)

    # -- sending -------------------------------------------------------------------------------

    def _left(self, ex: _Exchange) -> dt.timedelta:
        return dt.timedelta(seconds=max(ex.deadline - self.timer(), 0.0))

    def _send(self, request: HttpRequest, owner: str = "",
              auth: AuthSpec | None = None) -> CallResult:
        """One attempt: authentication, the exchange, same-origin redirects, and (custom
        authentication) one fresh token after a 401."""
        ex = _Exchange(self.timer() + request.timeout.total_seconds())
        try:
            for refreshed in (False, True):
                response = self._authorised(request, owner, auth, ex)
                if response.status == 401 and isinstance(auth, TokenAuth) and not refreshed:
                    self.auth.invalidate(owner)
                    continue
                break
        except TransportTimeout:
            return CallResult(TIMEDOUT, elapsed_ms=ex.elapsed_ms,
                              error="no answer within the call's timeout")
        except (TransportFailure, AuthFailure) as e:
            log.info("%s: %s", owner or request.where, e)
            return CallResult("network", elapsed_ms=ex.elapsed_ms, error=failure_text(e))
        except (ResponseTooLarge, MissingSecret) as e:
            log.warning("%s: %s", owner or request.where, e)
            return CallResult(INTERNAL_ERROR, elapsed_ms=ex.elapsed_ms, error=failure_text(e))
        return CallResult(f"http_{response.status}", response.status,
                          _parse_body(response.body), ex.elapsed_ms,
                          retry_after(response.headers, self.clock.now()))

    def _authorised(self, request: HttpRequest, owner: str, auth: AuthSpec | None,
                    ex: _Exchange) -> HttpResponse:
        headers = dict(request.headers)
        url = self.auth.apply(owner, auth, request.url, headers, lambda: self._left(ex))
        return self._follow(HttpRequest(request.method, url, headers, request.body,
                                        request.timeout, request.max_bytes), ex)

    def _follow(self, request: HttpRequest, ex: _Exchange) -> HttpResponse:
        for _ in range(MAX_REDIRECTS + 1):
            response = self._exchange(request, ex)
            target = response.headers.get("location")
            if response.status not in (301, 302, 303, 307, 308) or not target:
                return response
            url = urljoin(request.url, target)
            if _origin(url) != _origin(request.url):
                return response
            keep = response.status in (307, 308)
            request = HttpRequest(request.method if keep else "GET", url, request.headers,
                                  request.body if keep else None, request.timeout,
                                  request.max_bytes)
        return response

    def _exchange(self, request: HttpRequest, ex: _Exchange) -> HttpResponse:
        left = self._left(ex)
        if left <= dt.timedelta(0):
            raise TransportTimeout(f"{request.where}: timed out")
        start = self.timer()
        try:
            response = self.transport.send(HttpRequest(
                request.method, request.url, request.headers, request.body, left,
                request.max_bytes))
        except Exception:
            ex.elapsed_ms += round((self.timer() - start) * 1000)
            raise
        measured = round((self.timer() - start) * 1000)
        ex.elapsed_ms += measured if response.elapsed is None else _ms(response.elapsed)
        return response

    # -- custom actions ------------------------------------------------------------------------

    def attempt_action(self, spec: ActionSpec, params: Mapping[str, Any], key: str,
                       attempt: int = 1, spent_ms: int = 0) -> Outcome:
        """Make attempt ``attempt`` (1-based) of a custom-action call with ``Idempotency-Key``
        ``key``, ``spent_ms`` of its budget used by the earlier attempts and waits."""
        budget = spec.timeout or DEFAULT_TIMEOUT
        left = budget - dt.timedelta(milliseconds=spent_ms)
        try:
            request = self.build(spec.method, spec.url, spec.headers, params, key, left, spec)
        except (MissingSecret, BadParameter) as e:
            log.warning("action %s: %s", spec.name, e)
            return Finished(CallResult(INTERNAL_ERROR, error=failure_text(e)), attempt)
        decision = self._decide(spec, f"{key}#{attempt}")
        if decision is not None:
            return decision if isinstance(decision, Delayed) else Finished(decision, attempt)
        if left <= dt.timedelta(0):
            return Finished(CallResult(TIMEDOUT, error="the call's timeout was spent by "
                                       "earlier attempts"), attempt)
        result = self._send(request, spec.name, spec.auth)
        log.info("action %s attempt %d: %s -> %s (%d ms)", spec.name, attempt, request.where,
                 result.status_code, result.elapsed_ms)
        if result.retryable and attempt <= spec.retries:
            wait = max(backoff(attempt), result.retry_after or dt.timedelta(0))
            used = dt.timedelta(milliseconds=spent_ms + result.elapsed_ms)
            if used + wait < budget:
                return RetryAt(self.clock.now() + wait, result, attempt)
        return Finished(result, attempt)

    def _decide(self, spec: ActionSpec, attempt_key: str) -> Delayed | CallResult | None:
        if self.limiter is None or (spec.capping is None and spec.throttle is None):
            return None
        now = self.clock.now()
        d = self.limiter.decide(spec.name, attempt_key, now, spec.capping, spec.throttle)
        if d.verdict == "delay":
            if d.at - now > MAX_THROTTLE_DELAY:
                return CallResult(CAPPED)
            return Delayed(d.at, int(attempt_key.rsplit("#", 1)[1]))
        return CallResult(CAPPED) if d.verdict == "capped" else None

    # -- data sources --------------------------------------------------------------------------

    def fetch(self, spec: DataSourceSpec, params: Mapping[str, Any],
              key: str) -> DataSourceResult:
        """Read a data source (one attempt within ``timeout``); a cached 2xx object is reused
        for ``spec.cache``."""
        cache_key = (spec.url, canonical_params(params))
        hit = self._cached(cache_key)
        if hit is not None:
            return DataSourceResult(hit, "http_200", 0, cached=True)
        try:
            request = self.build(spec.method, spec.url, spec.headers, params, key, spec.timeout)
        except MissingSecret as e:
            log.warning("data source %s: %s", spec.name, e)
            return DataSourceResult(None, INTERNAL_ERROR)
        request = HttpRequest(request.method, request.url, request.headers, request.body,
                              request.timeout, spec.max_bytes)
        result = self._send(request, spec.name, spec.auth)
        log.info("data source %s: %s -> %s (%d ms)", spec.name, request.where,
                 result.status_code, result.elapsed_ms)
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


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def call_action_blocking(client: HttpClient, spec: ActionSpec, params: Mapping[str, Any],
                         key: str, *, sleep: Callable[[float], None] = time.sleep) -> Finished:
    """Run a custom-action call to the end, sleeping through back-off and throttle delays
    (live mode, scripts). Each step still commits its rate-log change in the caller's store."""
    attempt, spent = 1, 0
    while True:
        outcome = client.attempt_action(spec, params, key, attempt, spent)
        if isinstance(outcome, Finished):
            return outcome
        wait = max(0.0, (outcome.at - client.clock.now()).total_seconds())
        sleep(wait)
        if isinstance(outcome, RetryAt):
            spent += outcome.result.elapsed_ms + round(wait * 1000)
            attempt += 1
