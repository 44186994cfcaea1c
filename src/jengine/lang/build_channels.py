"""Lark tree → AST for channel and rules declarations (a mixin of the journey builder).

Part of the parse phase, like :mod:`jengine.lang.build` (whose ``JourneyBuilder`` inherits
these methods); it lives apart to keep both files short.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Tree, v_args

from jengine.lang import ast as A
from jengine.lang.literals import duration_ms
from jexpr.source import Source, Span
from jexpr.syntax.literals import decode_string

__all__ = ["ChannelBuilding"]


def _meta(fn: Any) -> Any:
    return v_args(meta=True, inline=True)(fn)


class ChannelBuilding:
    """Transformer methods for ``channel_decl`` and ``rules_decl`` (see the grammar), and the
    span helpers (``_span``, ``_tspan``, ``_name``) the whole journey builder uses."""

    source: Source

    def _span(self, meta: Any) -> Span:
        return self.source.span(meta.start_pos, meta.end_pos)

    def _tspan(self, tok: Token) -> Span:
        return self.source.span(tok.start_pos or 0, tok.end_pos or 0)

    def _name(self, tok: Token | A.Name) -> A.Name:
        return tok if isinstance(tok, A.Name) else A.Name(self._tspan(tok), str(tok))

    def _literal(self, tok: Token) -> A.Literal_:
        text, kind = str(tok), tok.type
        value: Any = text
        if kind == "STRING":
            value = decode_string(text)[0]
        elif kind == "INT":
            value = int(text)
        elif kind == "DURATION":
            value = duration_ms(text)
        return A.Literal_(self._tspan(tok), text, value)

    def _kinds(self, tree: Any) -> tuple[A.Name, ...]:
        return tuple(self._name(k.children[0]) for k in tree.children)  # channel_kind trees

    @_meta
    def channel_decl(self, meta: Any, name: Token, kind: Any,
                     *settings: A.ChannelSetting) -> A.ChannelDecl:
        return A.ChannelDecl(self._span(meta), self._name(name), self._name(kind.children[0]),
                             settings)

    @_meta
    def channel_setting(self, meta: Any, name: A.Name, value: Any) -> A.ChannelSetting:
        if isinstance(value, tuple):
            return A.ChannelSetting(self._span(meta), name, self._literal(value[1]), True)
        if isinstance(value, Token) and value.type in ("STRING", "INT", "DURATION"):
            return A.ChannelSetting(self._span(meta), name, self._literal(value), False)
        return A.ChannelSetting(self._span(meta), name, self._name(value), False)

    def secret_value(self, children: list[Token]) -> tuple[str, Token]:
        return ("secret", children[0])

    @_meta
    def rules_decl(self, meta: Any, name: Token, *rules: A.Rule) -> A.RulesDecl:
        return A.RulesDecl(self._span(meta), self._name(name), rules)

    @_meta
    def cap_rule(self, meta: Any, kinds: Any, count: Token, per: Token) -> A.CapRule:
        return A.CapRule(self._span(meta), self._kinds(kinds), self._literal(count), self._literal(per))

    @_meta
    def quiet_rule(self, meta: Any, kinds: Any, days: Any, time: Any, zone: Any,
                   action: Tree[Token]) -> A.QuietRule:
        day_names = tuple(d for d in days.children) if days is not None else ()
        start = self._literal(time.children[0]) if time is not None else None
        end = self._literal(time.children[1]) if time is not None else None
        profile = zone is not None and zone.children[0] is not None
        zone_lit = self._literal(zone.children[1]) if zone is not None else None
        return A.QuietRule(self._span(meta), self._kinds(kinds), day_names, start, end, profile,
                           zone_lit, str(action.children[0]))  # type: ignore[arg-type]

    @_meta
    def suppress_rule(self, meta: Any, *entries: Token) -> A.SuppressRule:
        return A.SuppressRule(self._span(meta), tuple(self._literal(e) for e in entries))

    def rule_kinds(self, children: list[Any]) -> Tree[Any]:
        return Tree("rule_kinds", children)

    def quiet_days(self, children: list[Any]) -> Tree[Any]:
        return Tree("quiet_days", children)

    def quiet_time(self, children: list[Any]) -> Tree[Any]:
        return Tree("quiet_time", children)

    def quiet_zone(self, children: list[Any]) -> Tree[Any]:
        return Tree("quiet_zone", children)
