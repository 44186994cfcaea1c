"""Generic traversal of journey AST nodes and of their embedded expressions (shared by the
parser, checker, formatter and language server).

The walks are iterative and read each node class's fields from a table built once per class
(the fields that can hold nodes: not the span, not the ``str``/``bool``/``Literal[…]`` ones),
because they run over every node of a workspace on each analysis. :func:`expression_nodes`
is :func:`jexpr.syntax.ast.walk` (the same nodes in the same order) on that footing.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from jengine.lang import ast as A
from jexpr.syntax import ast as X

_NODE = (A.Node, X.Node)
_FIELDS: dict[type, tuple[str, ...]] = {}
_LEAF_TYPES = ("str", "bool", "int")


def _field_names(kind: type) -> tuple[str, ...]:
    """The fields of a node class that can hold child nodes, in declaration order."""
    names = _FIELDS.get(kind)
    if names is None:
        x_node = issubclass(kind, X.Node)
        names = _FIELDS[kind] = tuple(
            f.name for f in fields(kind)
            if not (f.name.endswith("span") if x_node else f.name == "span")
            and not (isinstance(f.type, str) and (f.type in _LEAF_TYPES
                                                  or f.type.startswith("Literal[")))
            and f.type not in (str, bool, int))
    return names


def children(node: A.Node | X.Node) -> list[A.Node | X.Node]:
    """Direct child nodes (journey or expression), in field order."""
    out: list[A.Node | X.Node] = []
    for name in _field_names(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple):
            out.extend(item for item in value if isinstance(item, _NODE))
        elif isinstance(value, _NODE):
            out.append(value)
    return out


def expressions(node: A.Node) -> list[tuple[X.Expr, A.Node]]:
    """Every embedded expression below ``node`` with the journey node that holds it, in
    source order."""
    out: list[tuple[X.Expr, A.Node]] = []
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            out.append(item)
            continue
        for child in reversed(children(item)):
            stack.append((child, item) if isinstance(child, X.Node) else child)
    return out


def nodes(node: A.Node) -> list[A.Node]:
    """The node and every journey node below it, in pre-order."""
    out: list[A.Node] = []
    stack: list[A.Node] = [node]
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(c for c in reversed(children(item)) if isinstance(c, A.Node))
    return out


def expression_nodes(expr: X.Node) -> list[X.Node]:
    """The expression node and all its descendants, in pre-order (as ``jexpr``'s ``walk``)."""
    out: list[X.Node] = []
    stack: list[Any] = [expr]
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(children(item)))
    return out


def references(expr: X.Node) -> list[X.Reference]:
    """The references of an expression (``@event{…}``, ``#{…}`` …), in pre-order."""
    return [n for n in expression_nodes(expr) if isinstance(n, X.Reference)]


def first(items: Any, kind: type[Any] | tuple[type[Any], ...]) -> Any:
    """The first item of a given class, or None."""
    return next((i for i in items if isinstance(i, kind)), None)
