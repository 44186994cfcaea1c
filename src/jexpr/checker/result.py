"""The checker's result: the AST with its side tables and static diagnostics.

One job: the data types :func:`jexpr.checker.check.check` produces and the compiler, the reference
interpreter and the language server read — :class:`Checked`, :class:`RefPlan`, :class:`LoopScope`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jexpr.checker.schema import Path
from jexpr.diagnostics import Diagnostic
from jexpr.functions.registry import CallPlan
from jexpr.source import Source
from jexpr.syntax import ast


@dataclass(frozen=True)
class RefPlan:
    """What evaluation needs to know about a reference or loop-variable path."""

    declared: str | None  # the declared type to coerce the value to, or None
    schema_path: Path


@dataclass(frozen=True)
class LoopScope:
    kind: ast.RefKind
    step: ast.FilterStep
    path: Path
    element: str


@dataclass
class Checked:
    """A checked expression: the AST plus side tables and all static diagnostics."""

    node: ast.Expr
    source: Source
    usage: str
    types: dict[ast.Node, str] = field(default_factory=dict)
    calls: dict[ast.Call, CallPlan] = field(default_factory=dict)
    refs: dict[ast.Node, RefPlan] = field(default_factory=dict)
    loops: dict[ast.LoopRef, ast.FilterStep] = field(default_factory=dict)
    elements: dict[ast.FilterStep, RefPlan] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.types[self.node]

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)
