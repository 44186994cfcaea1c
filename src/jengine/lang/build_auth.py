"""The builder methods of the authentication and HTTP-value syntax (``secret(…)``, ``auth …``).

A mixin of :class:`jengine.lang.build.JourneyBuilder` (kept apart to keep that module short):
one method per alias of ``grammar/journey.lark``'s authentication rules, building
:mod:`jengine.lang.ast` nodes with the span helpers the builder provides.
"""

from __future__ import annotations

from typing import Any

from lark import Token, v_args

from jengine.lang import ast as A
from jexpr.source import Span

__all__ = ["AuthBuilder"]


def _meta(fn: Any) -> Any:
    return v_args(meta=True, inline=True)(fn)


class AuthBuilder:
    """Authentication and ``secret()`` values; the span helpers come from the builder."""

    def _span(self, meta: Any) -> Span:
        raise NotImplementedError

    def _req(self, tok: Token) -> A.Literal_:
        raise NotImplementedError

    def _label(self, item: Token | A.Name) -> tuple[A.Name, bool]:
        raise NotImplementedError

    @_meta
    def secret(self, meta: Any, name: Token) -> A.Value:
        return A.Value(self._span(meta), self._req(name), True)

    def _value(self, item: Token | A.Value) -> A.Value:
        if isinstance(item, A.Value):
            return item
        lit = self._req(item)
        return A.Value(lit.span, lit, False)

    @_meta
    def auth_apikey(self, meta: Any, place: A.Name, name: Token, value: A.Value
                    ) -> A.ApiKeyAuth:
        return A.ApiKeyAuth(self._span(meta), place.text,  # type: ignore[arg-type]
                            self._req(name), value)

    @_meta
    def auth_basic(self, meta: Any, user: Token | A.Value, password: A.Value) -> A.BasicAuth:
        return A.BasicAuth(self._span(meta), self._value(user), password)

    @_meta
    def auth_custom(self, meta: Any, *items: Any) -> A.CustomAuth:
        return A.CustomAuth(self._span(meta), items)

    @_meta
    def auth_endpoint(self, meta: Any, url: Token) -> A.AuthSetting:
        return A.AuthSetting(self._span(meta), "endpoint", self._req(url))

    @_meta
    def auth_token(self, meta: Any, path: Token) -> A.AuthSetting:
        return A.AuthSetting(self._span(meta), "token", self._req(path))

    @_meta
    def auth_bearer(self, meta: Any) -> A.AuthSetting:
        return A.AuthSetting(self._span(meta), "bearer", None)

    @_meta
    def auth_target(self, meta: Any, place: A.Name, name: Token) -> A.AuthSetting:
        return A.AuthSetting(self._span(meta), place.text,  # type: ignore[arg-type]
                             self._req(name))

    @_meta
    def auth_cache_from(self, meta: Any, path: Token) -> A.AuthSetting:
        return A.AuthSetting(self._span(meta), "cache from", self._req(path))

    @_meta
    def auth_param(self, meta: Any, name: Any, value: Token | A.Value) -> A.AuthParam:
        label, quoted = self._label(name)
        return A.AuthParam(self._span(meta), label, quoted, self._value(value))

    @_meta
    def auth_body(self, meta: Any, kind: A.Name, *params: A.AuthParam) -> A.AuthBody:
        return A.AuthBody(self._span(meta), kind.text, params)  # type: ignore[arg-type]
