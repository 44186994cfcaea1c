"""Authentication of custom actions and data sources, as AJO configures it (docs/security.md).

* :class:`ApiKey` — a ``secret()`` value in a header or a query parameter;
* :class:`Basic` — ``Authorization: Basic base64(user:password)``;
* :class:`TokenAuth` — AJO's *custom* authentication: a call to a token endpoint (form or JSON
  body of flat constants and secrets) whose answer holds the token (a dotted JSON path, default
  ``access_token``), injected as a bearer token, a header or a query parameter. The token is
  cached per declaration for ``cache`` (default 1h), or for the number of seconds the answer
  says (``cache from "expires_in"``), measured on the engine clock; a 401 from the main call
  drops it (:meth:`Authenticator.invalidate`) so the next exchange fetches a fresh one.

Secrets (``secret("N")``: environment variable N) are read when a request is built and go only
into that request; tokens live only in this process's memory. Neither is logged, put in a
``repr`` or an error message: :class:`AuthFailure` messages name the endpoint without its query.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from jengine.runtime.clock import Clock
from jengine.runtime.transport import (
    HttpRequest,
    HttpResponse,
    Transport,
    TransportTimeout,
    safe_url,
)

__all__ = ["ApiKey", "AuthFailure", "AuthSpec", "Authenticator", "Basic", "MissingSecret",
           "Secret", "TokenAuth", "add_query"]

TOKEN_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class Secret:
    """A value read from environment variable ``name`` when a call is made."""

    name: str


HeaderValue = str | Secret


class MissingSecret(Exception):
    """An environment variable named by ``secret()`` is unset (the name only, never a value)."""


class AuthFailure(Exception):
    """The token endpoint gave no usable token."""


@dataclass(frozen=True)
class ApiKey:
    place: str                     # "header" or "query"
    name: str
    value: HeaderValue


@dataclass(frozen=True)
class Basic:
    user: HeaderValue
    password: HeaderValue


@dataclass(frozen=True)
class TokenAuth:
    endpoint: str
    method: str = "POST"
    headers: Mapping[str, HeaderValue] = field(default_factory=dict)
    body_kind: str | None = None   # "form" or "json"
    body: Mapping[str, HeaderValue] = field(default_factory=dict)
    token_path: str = "access_token"
    place: str = "bearer"          # "bearer", "header" or "query"
    target: str | None = None
    cache: dt.timedelta = dt.timedelta(hours=1)
    cache_from: str | None = None


AuthSpec = ApiKey | Basic | TokenAuth


def add_query(url: str, pairs: str) -> str:
    """``url`` with the encoded ``pairs`` appended to its query string."""
    if not pairs:
        return url
    return url + ("&" if "?" in url else "?") + pairs


def _path(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


class Authenticator:
    """Applies an authentication to a request being built; keeps the token cache."""

    def __init__(self, transport: Transport, clock: Clock, env: Mapping[str, str]) -> None:
        self.transport, self.clock, self.env = transport, clock, env
        self._tokens: dict[str, tuple[dt.datetime, str]] = {}

    def value(self, v: HeaderValue) -> str:
        if isinstance(v, Secret):
            found = self.env.get(v.name)
            if found is None:
                raise MissingSecret(f"environment variable {v.name} is not set")
            return found
        return v

    def apply(self, owner: str, auth: AuthSpec | None, url: str, headers: dict[str, str],
              timeout: Callable[[], dt.timedelta]) -> str:
        """Add the credentials to ``headers`` (in place); the URL, with a query credential
        when there is one. ``timeout`` gives the time left for a token call."""
        if isinstance(auth, ApiKey):
            return self._place(auth.place, auth.name, self.value(auth.value), url, headers)
        if isinstance(auth, Basic):
            pair = f"{self.value(auth.user)}:{self.value(auth.password)}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        elif isinstance(auth, TokenAuth):
            token = self._token(owner, auth, timeout())
            if auth.place == "bearer":
                headers["Authorization"] = f"Bearer {token}"
            else:
                return self._place(auth.place, auth.target or "token", token, url, headers)
        return url

    @staticmethod
    def _place(place: str, name: str, value: str, url: str, headers: dict[str, str]) -> str:
        if place == "query":
            return add_query(url, f"{quote(name, safe='')}={quote(value, safe='')}")
        headers[name] = value
        return url

    def invalidate(self, owner: str) -> None:
        """Forget the cached token of ``owner`` (its main call answered 401)."""
        self._tokens.pop(owner, None)

    def _token(self, owner: str, auth: TokenAuth, timeout: dt.timedelta) -> str:
        cached = self._tokens.get(owner)
        now = self.clock.now()
        if cached is not None and cached[0] > now:
            return cached[1]
        response = self._call(auth, timeout)
        try:
            answer = json.loads(response.body) if response.body else None
        except (ValueError, UnicodeDecodeError):
            answer = None
        token = _path(answer, auth.token_path) if auth.token_path != "response" else (
            response.body.decode("utf-8", errors="replace").strip())
        if not isinstance(token, str) or not token:
            raise AuthFailure(f"{safe_url(auth.endpoint)}: no token at '{auth.token_path}'")
        self._tokens[owner] = (now + self._lifetime(auth, answer), token)
        return token

    def _lifetime(self, auth: TokenAuth, answer: Any) -> dt.timedelta:
        if auth.cache_from is not None:
            seconds = _path(answer, auth.cache_from)
            if isinstance(seconds, int | float) and not isinstance(seconds, bool) and (
                    0 < seconds <= 91 * 86_400):
                return dt.timedelta(seconds=seconds)
        return auth.cache

    def _call(self, auth: TokenAuth, timeout: dt.timedelta) -> HttpResponse:
        headers = {k: self.value(v) for k, v in auth.headers.items()}
        params = {k: self.value(v) for k, v in auth.body.items()}
        body: bytes | None = None
        url = auth.endpoint
        if auth.method == "GET":
            url = add_query(url, urlencode(params))
        elif auth.body_kind == "json":
            body = json.dumps(params, separators=(",", ":")).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urlencode(params).encode("ascii")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = HttpRequest(auth.method, url, headers, body, timeout, TOKEN_MAX_BYTES)
        try:
            response = self.transport.send(request)
        except TransportTimeout:
            raise
        except Exception as e:  # a transport error of any kind: no token
            raise AuthFailure(f"{request.where}: {type(e).__name__}") from None
        if not 200 <= response.status < 300:
            raise AuthFailure(f"{request.where}: http_{response.status}")
        return response
