"""REPL names: ``_`` (the last value) and ``let NAME = EXPR``.

jexpr has no variables, so a bound name is given to the checker and the evaluator as a field of
a reserved event, :data:`ROOT`: each bare identifier that names a binding is replaced, in the
syntax tree, by the reference ``@event{_repl.NAME}`` with the same span (diagnostics still
point at the name as typed), its type is declared (the static type of the expression it was
bound to, or the kind of its value when that type is ``any``), and its value is put in the
evaluation context. A name that is not bound stays an identifier (``E-NAME-IDENT``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from typing import Any, cast

from jexpr.checker.schema import Declarations
from jexpr.diagnostics import JexprError, sort_diagnostics
from jexpr.errors import EvalFault
from jexpr.program import Program, compile_node
from jexpr.runtime.values import kind
from jexpr.source import Source
from jexpr.syntax import ast
from jexpr.syntax.limits import ensure_headroom
from jexpr.syntax.parse import parse
from jexpr.types import DECLARABLE

ROOT = "_repl"
"""The event that holds the bound names (a name no AJO event can have: it starts with ``_``)."""

LAST = "_"
_LET = re.compile(r"let\s+([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)\Z", re.S)


def let_form(text: str) -> tuple[str, str] | None:
    """``(name, expression)`` of ``let NAME = EXPR``; None for any other input."""
    m = _LET.match(text.strip())
    return (m.group(1), m.group(2).strip()) if m else None


@dataclass
class Bindings:
    """The bound names, their values and their declared types."""

    values: dict[str, Any] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)

    def bind(self, name: str, value: Any, static_type: str) -> None:
        self.values[name] = value
        declared = static_type if static_type in DECLARABLE and static_type != "any" else None
        if declared is None and value is not None:
            try:
                declared = kind(value)
            except EvalFault:
                declared = None
        if declared in DECLARABLE:
            self.types[name] = declared
        else:
            self.types.pop(name, None)

    def field_types(self) -> dict[str, str]:
        """The declarations of the bound names (``_repl.NAME`` → type)."""
        return {f"{ROOT}.{name}": t for name, t in self.types.items()}

    def payload(self) -> dict[str, Any]:
        return dict(self.values)

    def rewrite(self, node: ast.Expr) -> ast.Expr:
        """The tree with every identifier naming a binding read from :data:`ROOT`."""
        if not self.values:
            return node
        ensure_headroom()
        return cast(ast.Expr, self._rewrite(node))

    def _rewrite(self, node: Any) -> Any:
        if isinstance(node, ast.Ident):
            if node.name not in self.values:
                return node
            step = ast.FieldStep(node.span, node.name)
            return ast.Reference(node.span, "event", ROOT, None, (step,), None, None, node.span)
        changes: dict[str, Any] = {}
        for f in fields(node):
            value = getattr(node, f.name)
            if isinstance(value, ast.Node):
                new = self._rewrite(value)
            elif type(value) is tuple:
                new = tuple(self._rewrite(v) if isinstance(v, ast.Node) else v for v in value)
            else:
                continue
            if new is not value and new != value:
                changes[f.name] = new
        return replace(node, **changes) if changes else node


def compile_bound(bindings: Bindings, text: str, name: str, field_types: dict[str, str],
                  schema: dict[str, str] | None, usage: str) -> Program:
    """Compile ``text`` with its bound names read from :data:`ROOT`; ``field_types`` include
    the bindings' declarations. Raises :class:`JexprError` like ``jexpr.compile``."""
    node, diags = parse(text, name)
    if node is None or any(d.is_error for d in diags):
        raise JexprError(diags)
    decls = Declarations.build(field_types, schema)
    program, checked = compile_node(bindings.rewrite(node), Source(text, name), decls, usage)
    if program is None:
        raise JexprError(sort_diagnostics([*diags, *checked]))
    return program
