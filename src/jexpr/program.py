"""Programs: compile an expression once, evaluate it many times (spec §16.3).

``compile_program`` runs the phases — parse, check, generate — and returns an immutable
:class:`Program`. ``Program.evaluate`` calls the generated function; when a runtime helper raises
an :class:`EvalFault`, the traceback's innermost generated line names the failing
sub-expression, whose span goes into the :class:`EvaluationError`. A program holds no mutable
state, so one program may be evaluated from many threads at once.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from jexpr.checker.check import Checked, check, check_usage
from jexpr.checker.schema import Declarations
from jexpr.compiler.codegen import FILENAME, generate
from jexpr.diagnostics import Diagnostic, EvaluationError, JexprError, error, sort_diagnostics
from jexpr.errors import EvalFault
from jexpr.source import Source
from jexpr.syntax import ast
from jexpr.syntax.limits import ensure_headroom
from jexpr.syntax.parse import parse

_INTERNAL_CODES: dict[type[BaseException], str] = {
    OverflowError: "E-EVAL-OVERFLOW", RecursionError: "E-EVAL-OVERFLOW"}


@dataclass(frozen=True, eq=False)
class Program:
    """A compiled expression: its static type, its warnings, and an evaluator."""

    source: Source
    checked: Checked
    diagnostics: list[Diagnostic]
    _function: Callable[[Mapping[str, Any] | None], Any] = field(repr=False)
    _lines: list[ast.Node] = field(repr=False)

    @property
    def type(self) -> str:
        """The static result type (spec §5.1 name; ``any`` when known only at run time)."""
        t = self.checked.type
        return "list" if t == "listAny" else t

    @property
    def text(self) -> str:
        return self.source.text

    def __post_init__(self) -> None:
        # The generated function is the evaluator itself (its own try/except maps failures
        # through the two hooks below), so evaluation costs one Python call.
        object.__setattr__(self, "evaluate", self._function)

    def evaluate(self, context: Mapping[str, Any] | None = None) -> Any:
        """Evaluate with a context of spec §16.2; raises :class:`EvaluationError`.

        (Replaced per instance by the generated function, which behaves exactly so.)"""
        return self._function(context)

    def on_fault(self, fault: EvalFault) -> EvaluationError:
        return self._error(fault.code, fault.message, fault.__traceback__)

    def on_internal(self, exc: BaseException) -> EvaluationError:
        code = _INTERNAL_CODES.get(type(exc), "E-EVAL-TYPE")
        err = self._error(code, f"{type(exc).__name__}: {exc}", exc.__traceback__)
        err.internal = True
        return err

    def _error(self, code: str, message: str, tb: TracebackType | None) -> EvaluationError:
        node = self.failing_node(tb)
        return EvaluationError(error(code, message, node.span))

    def failing_node(self, tb: TracebackType | None) -> ast.Node:
        """The sub-expression of the innermost generated line in a traceback."""
        node: ast.Node = self.checked.node
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == FILENAME:
                line = tb.tb_lineno or 0
                if 1 <= line <= len(self._lines):
                    node = self._lines[line - 1]
            tb = tb.tb_next
        return node


def analyse(text: str, field_types: Mapping[str, str] | None = None,
            schema: Mapping[str, str] | None = None, usage: str = "value",
            name: str = "<expr>") -> tuple[Checked | None, list[Diagnostic]]:
    """Parse and check; returns the checked expression (None on syntax errors) and all
    diagnostics, sorted by position."""
    check_usage(usage)
    decls = Declarations.build(field_types, schema)
    node, diags = parse(text, name)
    if node is None or not all(_repaired(d) for d in diags if d.is_error):
        return None, diags
    checked = check(node, Source(text, name), decls, usage)
    return checked, sort_diagnostics([*diags, *checked.diagnostics])


_REPAIRED = frozenset(("E-SYN-KEYWORD-CASE", "E-SYN-INT-RANGE", "E-SYN-ESCAPE", "E-REF-OPTION"))


def _repaired(diag: Diagnostic) -> bool:
    """A syntax error the parser repaired in place (a keyword's case, a mistyped operator …):
    the tree is what the user meant, so type checking it finds more errors, not cascades."""
    return diag.code in _REPAIRED or (diag.code == "E-SYN-CHAR" and diag.fix is not None)


def compile_program(text: str, field_types: Mapping[str, str] | None = None,
                    schema: Mapping[str, str] | None = None, usage: str = "value",
                    name: str = "<expr>") -> Program:
    """Compile an expression; raises :class:`JexprError` with every diagnostic on errors."""
    with _no_cyclic_gc():
        checked, diags = analyse(text, field_types, schema, usage, name)
        if checked is None or any(d.is_error for d in diags):
            raise JexprError(diags)
        return _program(checked, diags)


class _no_cyclic_gc:
    """Compiling allocates thousands of small containers (syntax trees, Python ``ast`` nodes)
    that all live until it ends: the cyclic collector's passes over them are pure cost (a
    quarter of a long expression's compile time). Pause it for the compile when it is on, and
    turn it back on after; a host that turned it off keeps it off."""

    __slots__ = ("paused",)

    def __enter__(self) -> None:
        self.paused = gc.isenabled()
        if self.paused:
            gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.paused:
            gc.enable()


def from_checked(checked: Checked) -> Program:
    """The program of an expression that checked without errors (hosts that check
    expressions themselves, such as the journey loader, compile them with this)."""
    if checked.has_errors:
        raise JexprError(sort_diagnostics(checked.diagnostics))
    return _program(checked, sort_diagnostics(checked.diagnostics))


def _program(checked: Checked, diags: list[Diagnostic]) -> Program:
    ensure_headroom()  # the checker refused any tree deeper than the limit
    function, namespace, lines = generate(checked)
    program = Program(checked.source, checked, diags, function, lines)
    namespace["_on_fault"] = program.on_fault
    namespace["_on_internal"] = program.on_internal
    return program


def compile_node(node: ast.Expr, source: Source, decls: Declarations, usage: str = "value"
                 ) -> tuple[Program | None, list[Diagnostic]]:
    """Check and compile an already-parsed expression (for hosts such as ``.journey`` files,
    whose parser builds the AST and whose ``source`` is the whole file). Returns the program
    (None when there are errors) and the check diagnostics."""
    check_usage(usage)
    checked = check(node, source, decls, usage)
    diags = sort_diagnostics(checked.diagnostics)
    if any(d.is_error for d in diags):
        return None, diags
    return _program(checked, diags), diags
