"""From the checked model to the HTTP client's specs: :class:`ActionSpec`, :class:`DataSourceSpec`.

The language keeps a declaration's HTTP clauses as syntax (:class:`jengine.lang.model.HttpSettings`);
this module turns them into the plain values :mod:`jengine.runtime.http` and
:mod:`jengine.runtime.auth` work with: constant and ``secret()`` headers and query entries, the
names of the variable ones, the authentication, the size cap, the timeout budget.
"""

from __future__ import annotations

import datetime as dt

from jengine.core.context import Spec
from jengine.lang import ast as A
from jengine.lang.model import HttpSettings
from jengine.runtime.auth import ApiKey, AuthSpec, Basic, HeaderValue, Secret, TokenAuth
from jengine.runtime.http import ActionSpec, DataSourceSpec
from jengine.runtime.ratelimit import Rate

__all__ = ["action_spec", "datasource_spec"]


def _ms(ms: int | None) -> dt.timedelta | None:
    return None if ms is None else dt.timedelta(milliseconds=ms)


def _rate(limit: tuple[int, int] | None) -> Rate | None:
    return None if limit is None else Rate(limit[0], dt.timedelta(milliseconds=limit[1]))


def _value(v: A.Value) -> HeaderValue:
    return Secret(str(v.text.value)) if v.secret else str(v.text.value)


def _constants(entries: tuple[A.Header, ...]) -> dict[str, HeaderValue]:
    out: dict[str, HeaderValue] = {}
    for h in entries:
        if h.type is None and h.value is not None:
            out[str(h.name.value)] = Secret(str(h.value.value)) if h.secret else str(
                h.value.value)
    return out


def _variables(entries: tuple[A.Header, ...]) -> tuple[str, ...]:
    return tuple(str(h.name.value) for h in entries if h.type is not None)


def _auth(auth: A.Auth | None) -> AuthSpec | None:
    if isinstance(auth, A.ApiKeyAuth):
        return ApiKey(auth.place, str(auth.name.value), _value(auth.value))
    if isinstance(auth, A.BasicAuth):
        return Basic(_value(auth.user), _value(auth.password))
    if not isinstance(auth, A.CustomAuth):
        return None
    settings: dict[str, A.AuthSetting] = {
        s.keyword: s for s in auth.items if isinstance(s, A.AuthSetting)}
    method = next((m.value.text for m in auth.items if isinstance(m, A.Method)), None)
    body = next((b for b in auth.items if isinstance(b, A.AuthBody)), None)
    headers = next((h for h in auth.items if isinstance(h, A.Headers)), None)
    cache = next((c for c in auth.items if isinstance(c, A.Cache)), None)
    place = next((k for k in ("header", "query") if k in settings), "bearer")
    target = settings[place].value if place in settings else None

    def text(keyword: str) -> str | None:
        s = settings.get(keyword)
        return str(s.value.value) if s is not None and s.value is not None else None

    return TokenAuth(
        endpoint=text("endpoint") or "", method=method or ("POST" if body else "GET"),
        headers=_constants(headers.headers) if headers else {},
        body_kind=body.kind if body else None,
        body={p.name.text: _value(p.value) for p in body.params} if body else {},
        token_path=text("token") or "access_token", place=place,
        target=str(target.value) if target is not None else None,
        cache=_ms(cache.duration.value) or dt.timedelta(hours=1) if cache else
        dt.timedelta(hours=1),
        cache_from=text("cache from"))


def action_spec(spec: Spec, name: str) -> ActionSpec:
    decl = spec.model.actions[name]
    http: HttpSettings = decl.http
    return ActionSpec(name, decl.url or "", decl.method, _constants(http.headers),
                      _ms(decl.timeout_ms), decl.retries, _rate(decl.capping),
                      _rate(decl.throttle), _constants(http.query), _variables(http.headers),
                      _variables(http.query), http.path, _auth(http.auth), http.max_bytes)


def datasource_spec(spec: Spec, name: str) -> DataSourceSpec:
    decl = spec.model.datasources[name]
    http: HttpSettings = decl.http
    return DataSourceSpec(name, decl.url or "", decl.method, _constants(http.headers),
                          _ms(decl.timeout_ms), _ms(decl.cache_ms), _auth(http.auth),
                          http.max_bytes)
