"""The template AST: frozen nodes with their spans in the template file.

Expressions (PQL): :class:`Name`, :class:`AtName`, :class:`Member`, :class:`Call` (a method call
``x.f(a)`` is the call ``f(x, a)``), :class:`Literal`, :class:`Array`, :class:`Binary`,
:class:`Not`, :class:`Neg`, :class:`Fallback`. Template nodes: :class:`Text`, :class:`Output`
(``{{x}}``, ``{{{x}}}``, ``{%= x %}``), :class:`If` (``#if`` / ``#unless`` in either syntax,
with ``else if`` branches), :class:`Each`, :class:`With`, :class:`Let`. A parsed file is a
:class:`Template`. Nodes compare by identity (they key the checker's side tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from typing import Literal as Lit

from jexpr.source import Span

__all__ = [
    "Array", "AtName", "Binary", "Body", "Call", "Each", "Expr", "Fallback", "If", "Let",
    "Literal", "Member", "Name", "Neg", "Node", "Not", "Output", "Template", "Text", "With",
    "path_of",
]


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    span: Span


# ---- expressions ----

@dataclass(frozen=True, slots=True, eq=False)
class Name(Node):
    text: str


@dataclass(frozen=True, slots=True, eq=False)
class AtName(Node):
    """``@index``, ``@first``, ``@last`` (loop metadata)."""

    text: str


@dataclass(frozen=True, slots=True, eq=False)
class Member(Node):
    target: Expr
    name: str
    name_span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Call(Node):
    name: str
    name_span: Span
    args: tuple[Expr, ...]
    method: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Literal(Node):
    """A string, number, boolean or null literal; ``kind`` is its type name."""

    value: Any
    kind: Lit["string", "integer", "decimal", "boolean", "null"]


@dataclass(frozen=True, slots=True, eq=False)
class Array(Node):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Binary(Node):
    """``and``, ``or``, a comparison (``=`` ``!=`` ``<`` ``<=`` ``>`` ``>=``) or arithmetic."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Not(Node):
    operand: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Neg(Node):
    operand: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Fallback(Node):
    """``left ?: right``: ``right`` when ``left`` is null or empty."""

    left: Expr
    right: Expr


Expr = Name | AtName | Member | Call | Literal | Array | Binary | Not | Neg | Fallback


def path_of(expr: Expr) -> tuple[str, ...] | None:
    """The dotted path of a plain path expression (``a.b.c``), else None."""
    parts: list[str] = []
    node: Expr = expr
    while isinstance(node, Member):
        parts.append(node.name)
        node = node.target
    if not isinstance(node, Name | AtName):
        return None
    parts.append(node.text)
    return tuple(reversed(parts))


# ---- template nodes ----

@dataclass(frozen=True, slots=True, eq=False)
class Text(Node):
    text: str


@dataclass(frozen=True, slots=True, eq=False)
class Output(Node):
    """Print an expression: ``form`` is ``hb`` (``{{…}}``, escaped), ``raw`` (``{{{…}}}``)
    or ``pql`` (``{%= … %}``, escaped like ``hb``)."""

    expr: Expr
    form: Lit["hb", "raw", "pql"]


@dataclass(frozen=True, slots=True, eq=False)
class If(Node):
    """``#if`` (or ``#unless``: ``negate``) with ``else if`` branches: ``branches`` are
    (condition, body) pairs tried in order; ``otherwise`` is the ``else`` body. ``form`` is
    the delimiter family (``hb`` or ``pql``)."""

    branches: tuple[tuple[Expr, Body], ...]
    otherwise: Body
    negate: bool
    form: Lit["hb", "pql"]


@dataclass(frozen=True, slots=True, eq=False)
class Each(Node):
    """``{{#each xs [as |x [i]|]}}…{{else}}…{{/each}}``."""

    items: Expr
    alias: str | None
    index_alias: str | None
    body: Body
    otherwise: Body


@dataclass(frozen=True, slots=True, eq=False)
class With(Node):
    """``{{#with x [as |y|]}}…{{else}}…{{/with}}`` (``else`` when ``x`` is null or empty)."""

    value: Expr
    alias: str | None
    body: Body
    otherwise: Body


@dataclass(frozen=True, slots=True, eq=False)
class Let(Node):
    """``{% let name = expr %}``: a message-global variable."""

    name: str
    name_span: Span
    value: Expr


Body = tuple["Text | Output | If | Each | With | Let", ...]


@dataclass(frozen=True, slots=True, eq=False)
class Template(Node):
    """One parsed template file."""

    body: Body
