"""The base of every journey AST node, and the two leaf nodes all declarations use.

Re-exported by :mod:`jengine.lang.ast`; a module of its own so that the declarations split off
:mod:`jengine.lang.ast` (:mod:`jengine.lang.ast_channels`) can build on it without an import
circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jexpr.source import Span

__all__ = ["Literal_", "Name", "Node"]


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
