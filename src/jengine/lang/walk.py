"""Generic traversal of journey AST nodes (shared by the parser, checker and formatter)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from typing import Any

from jengine.lang import ast as A
from jexpr.syntax import ast as X

_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in fields(kind) if f.name != "span")
    return names


def children(node: A.Node) -> Iterator[A.Node | X.Node]:
    """Direct child nodes (journey or expression), in field order."""
    for name in _field_names(type(node)):
        value = getattr(node, name)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, A.Node | X.Node):
                yield item


def expressions(node: A.Node) -> list[tuple[X.Expr, A.Node]]:
    """Every embedded expression below ``node`` with the journey node that holds it."""
    out: list[tuple[X.Expr, A.Node]] = []
    for child in children(node):
        if isinstance(child, X.Node):
            out.append((child, node))  # type: ignore[arg-type]
        else:
            out.extend(expressions(child))
    return out


def nodes(node: A.Node) -> Iterator[A.Node]:
    """The node and every journey node below it, in pre-order."""
    yield node
    for child in children(node):
        if isinstance(child, A.Node):
            yield from nodes(child)


def first(items: Any, kind: type[Any] | tuple[type[Any], ...]) -> Any:
    """The first item of a given class, or None."""
    return next((i for i in items if isinstance(i, kind)), None)
