"""The base nodes of the journey AST: a node with its span, names, literal tokens, declared
types and fields, and :func:`dump` (re-exported by :mod:`jengine.lang.ast`, which holds every other node)."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import Any

from jexpr.source import Span
from jexpr.syntax import ast as X

__all__ = ["Field", "ListType", "Literal_", "MapType", "Name", "Node", "ObjectType",
           "ScalarType", "TypeExpr", "dump"]


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Name(Node):
    """A name, label or keyword-as-label, with its span."""

    text: str


@dataclass(frozen=True, slots=True, eq=False)
class Literal_(Node):
    """A DURATION, INSTANT, CLOCK, INT or STRING token: its raw text and decoded value."""

    text: str
    value: Any


# ---- types and fields ----

@dataclass(frozen=True, slots=True, eq=False)
class ScalarType(Node):
    name: str


@dataclass(frozen=True, slots=True, eq=False)
class ObjectType(Node):
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ListType(Node):
    item: TypeExpr


@dataclass(frozen=True, slots=True, eq=False)
class MapType(Node):
    item: TypeExpr


TypeExpr = ScalarType | ObjectType | ListType | MapType


@dataclass(frozen=True, slots=True, eq=False)
class Field(Node):
    name: Name
    quoted: bool
    type: TypeExpr


def dump(node: Any, spans: bool = False) -> Any:
    """A plain, comparable structure (spans and comments left out unless asked for)."""
    if isinstance(node, X.Node):
        return X.dump(node, spans)
    if isinstance(node, Node):
        out: dict[str, Any] = {"node": type(node).__name__}
        for f in fields(node):
            if (f.name == "span" and not spans) or (f.name == "comments" and not spans):
                continue
            value = getattr(node, f.name)
            if f.default is not MISSING and value == f.default:
                continue  # a later optional field left out: the dump (and version hashes) of
                # text that does not use it stay as they were
            out[f.name] = dump(value, spans)
        return out
    if isinstance(node, tuple):
        return [dump(v, spans) for v in node]
    if isinstance(node, Span):
        return [node.start_line, node.start_column, node.end_line, node.end_column]
    return node
