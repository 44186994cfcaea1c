"""The expression AST: frozen, slotted nodes with no behaviour, each carrying its source span.

One class per grammar alias (``grammar/jexpr.lark``), named in PascalCase. Nodes compare by
identity (``eq=False``) so that passes can key side tables by node; use :func:`dump` to compare
trees structurally. Analysis results (types, resolved calls) live in the checker's side tables,
never on the nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from jexpr.source import Span

RefKind = Literal["event", "legacy", "data", "action", "lookup", "journey"]


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    span: Span


# ---- literals ----

@dataclass(frozen=True, slots=True, eq=False)
class IntLit(Node):
    value: int


@dataclass(frozen=True, slots=True, eq=False)
class DecLit(Node):
    value: float


@dataclass(frozen=True, slots=True, eq=False)
class StrLit(Node):
    value: str


@dataclass(frozen=True, slots=True, eq=False)
class BoolLit(Node):
    value: bool


@dataclass(frozen=True, slots=True, eq=False)
class NullLit(Node):
    pass


@dataclass(frozen=True, slots=True, eq=False)
class ListLit(Node):
    items: tuple[Expr, ...]


# ---- operators ----

@dataclass(frozen=True, slots=True, eq=False)
class Paren(Node):
    expr: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Negate(Node):
    operand: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Not(Node):
    operand: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Logical(Node):
    op: Literal["and", "or"]
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Compare(Node):
    op: str  # == != < <= > >=
    left: Expr
    right: Expr
    op_span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Arith(Node):
    op: str  # + - * / %
    left: Expr
    right: Expr
    op_span: Span


@dataclass(frozen=True, slots=True, eq=False)
class IsNull(Node):
    operand: Expr
    negated: bool


@dataclass(frozen=True, slots=True, eq=False)
class HasNull(Node):
    operand: Expr


@dataclass(frozen=True, slots=True, eq=False)
class IsType(Node):
    operand: Expr
    kind: Literal["numeric", "integer", "decimal"]


@dataclass(frozen=True, slots=True, eq=False)
class If(Node):
    cond: Expr
    then: Expr
    orelse: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Call(Node):
    name: str
    args: tuple[Expr, ...]
    name_span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Ident(Node):
    name: str


# ---- paths ----

@dataclass(frozen=True, slots=True, eq=False)
class FieldStep(Node):
    name: str


@dataclass(frozen=True, slots=True, eq=False)
class FilterStep(Node):
    """``all(c)``, ``first(c)``, ``last(c)``; ``cond`` is None for the empty form."""

    kind: Literal["all", "first", "last"]
    cond: Expr | None


@dataclass(frozen=True, slots=True, eq=False)
class AtStep(Node):
    index: Expr


@dataclass(frozen=True, slots=True, eq=False)
class EntryStep(Node):
    key: Expr


@dataclass(frozen=True, slots=True, eq=False)
class KeysStep(Node):
    first_only: bool  # True for firstEntryKey()


Step = FieldStep | FilterStep | AtStep | EntryStep | KeysStep


@dataclass(frozen=True, slots=True, eq=False)
class Param(Node):
    name: str
    value: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Reference(Node):
    """Any of ``@event{}``, ``@{}``, ``#{}``, ``@action{}``, ``@datasetLookup{}``, ``@journey{}``.

    ``root`` is the event/action/lookup name, the data source, or the journey property;
    ``group`` is the data-source field group.
    """

    kind: RefKind
    root: str
    group: str | None
    steps: tuple[Step, ...]
    default: Expr | None
    params: tuple[Param, ...] | None
    root_span: Span


@dataclass(frozen=True, slots=True, eq=False)
class LoopRef(Node):
    var: str
    steps: tuple[Step, ...]


Expr = (IntLit | DecLit | StrLit | BoolLit | NullLit | ListLit | Paren | Negate | Not | Logical
        | Compare | Arith | IsNull | HasNull | IsType | If | Call | Ident | Reference | LoopRef)

LOOP_VAR_KIND: dict[str, RefKind] = {
    "currentEventField": "event",
    "currentDataPackField": "data",
    "currentActionField": "action",
    "currentDatasetLookupField": "lookup",
}


def loop_kind(kind: RefKind) -> RefKind:
    """The loop-variable family of a reference kind (``@{}`` shares ``@event{}``'s)."""
    return "event" if kind == "legacy" else kind


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(kind)
    if names is None:
        names = _CHILD_FIELDS[kind] = tuple(
            f.name for f in fields(kind) if not f.name.endswith("span"))
    return names


def children(node: Node) -> list[Node]:
    """Direct child nodes, in source order."""
    out: list[Node] = []
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, Node):
            out.append(value)
        elif type(value) is tuple:
            out.extend(v for v in value if isinstance(v, Node))
    return out


def walk(node: Node) -> list[Node]:
    """The node and all its descendants, in pre-order (iterative: no recursion limit)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children(current)))
    return out


def dump(node: Any, spans: bool = False) -> Any:
    """A plain, comparable structure for a tree (spans left out unless asked for)."""
    if isinstance(node, Node):
        out: dict[str, Any] = {"node": type(node).__name__}
        for f in fields(node):
            if f.name.endswith("span") and not spans:
                continue
            out[f.name] = dump(getattr(node, f.name), spans)
        return out
    if isinstance(node, tuple):
        return [dump(v, spans) for v in node]
    if isinstance(node, Span):
        return [node.start_line, node.start_column, node.end_line, node.end_column]
    return node
