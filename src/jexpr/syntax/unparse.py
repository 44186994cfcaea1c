"""Printing an AST back to canonical expression text (the inverse of :func:`jexpr.syntax.parse.parse`).

``parse(unparse(tree))`` gives a tree equal to ``tree`` under :func:`jexpr.syntax.ast.dump` for every
tree the parser can build. Parentheses follow the precedence table of spec §3.2: ``Paren`` nodes
are printed as written, and parentheses the tree needs but does not carry are added (the
re-parsed tree then has a ``Paren`` node there). Strings, decimals and path segments are written
so that they decode to the same values (spec §2.6–2.8, §4.2).
"""

from __future__ import annotations

import math
import re

from jexpr.syntax import ast

__all__ = ["format_decimal", "quote_string", "unparse"]

# Binding levels of spec §3.2 (tightest first): an operand at a level above the one its
# position allows is parenthesised.
PRIMARY, UNARY, MUL, ADD, REL, EQ, NOT, AND, OR = range(1, 10)

_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LOOP_VARS = frozenset(ast.LOOP_VAR_KIND)
_OPENERS: dict[ast.RefKind, str] = {
    "event": "@event{", "legacy": "@{", "data": "#{", "action": "@action{",
    "lookup": "@datasetLookup{", "journey": "@journey{",
}
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


def unparse(node: ast.Expr) -> str:
    """Canonical expression text for ``node``."""
    return _expr(node, OR)


def level(node: ast.Expr) -> int:
    """The §3.2 precedence level of a node's outermost construct."""
    if isinstance(node, ast.IntLit | ast.DecLit):
        return UNARY if _negative(node.value) else PRIMARY
    if isinstance(node, ast.Negate):
        return UNARY
    if isinstance(node, ast.Arith):
        return MUL if node.op in ("*", "/", "%") else ADD
    if isinstance(node, ast.Compare):
        return EQ if node.op in ("==", "!=") else REL
    if isinstance(node, ast.IsNull | ast.HasNull | ast.IsType):
        return REL
    if isinstance(node, ast.Not):
        return NOT
    if isinstance(node, ast.Logical):
        return AND if node.op == "and" else OR
    return PRIMARY


def _negative(value: float) -> bool:
    return value < 0 or (value == 0 and math.copysign(1.0, value) < 0)


def _expr(node: ast.Expr, allowed: int) -> str:
    """``node`` printed where a construct of at most level ``allowed`` may stand."""
    text = _bare(node)
    return f"({text})" if level(node) > allowed else text


def _bare(node: ast.Expr) -> str:
    if isinstance(node, ast.IntLit):
        return str(node.value)
    if isinstance(node, ast.DecLit):
        return format_decimal(node.value)
    if isinstance(node, ast.StrLit):
        return quote_string(node.value)
    if isinstance(node, ast.BoolLit):
        return "true" if node.value else "false"
    if isinstance(node, ast.NullLit):
        return "null"
    if isinstance(node, ast.ListLit):
        return "[" + _args(node.items) + "]"
    if isinstance(node, ast.Paren):
        return "(" + _expr(node.expr, OR) + ")"
    if isinstance(node, ast.Negate):
        return "-" + _expr(node.operand, UNARY)
    if isinstance(node, ast.Not):
        return "not " + _expr(node.operand, NOT)
    if isinstance(node, ast.Logical):
        lvl = level(node)
        return f"{_expr(node.left, lvl)} {node.op} {_expr(node.right, lvl - 1)}"
    if isinstance(node, ast.Arith):
        lvl = level(node)
        return f"{_expr(node.left, lvl)} {node.op} {_expr(node.right, lvl - 1)}"
    if isinstance(node, ast.Compare):
        operand = ADD if level(node) == REL else REL
        return f"{_expr(node.left, operand)} {node.op} {_expr(node.right, operand)}"
    if isinstance(node, ast.IsNull):
        return _expr(node.operand, ADD) + (" is not null" if node.negated else " is null")
    if isinstance(node, ast.HasNull):
        return _expr(node.operand, ADD) + " has null"
    if isinstance(node, ast.IsType):
        return f"{_expr(node.operand, ADD)} is {node.kind}"
    if isinstance(node, ast.If):
        return (f"if ({_expr(node.cond, OR)}) then ({_expr(node.then, OR)}) "
                f"else ({_expr(node.orelse, OR)})")
    if isinstance(node, ast.Call):
        return f"{node.name}({_args(node.args)})"
    if isinstance(node, ast.Ident):
        return node.name
    if isinstance(node, ast.Reference):
        return _reference(node)
    if isinstance(node, ast.LoopRef):
        return node.var + "".join(_step(s, loop=True) for s in node.steps)
    raise TypeError(f"not an expression node: {type(node).__name__}")


def _args(items: tuple[ast.Expr, ...]) -> str:
    return ", ".join(_expr(i, OR) for i in items)


def format_decimal(value: float) -> str:
    """A DECIMAL token for a finite double: digits on both sides of the point, ``E`` exponent.

    A negative value is written with a leading ``-`` (a unary minus when parsed)."""
    if not math.isfinite(value):
        raise ValueError(f"a decimal literal must be finite, got {value!r}")
    sign = "-" if _negative(value) else ""
    text = repr(abs(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{sign}{mantissa}E{int(exponent)}"
    return sign + text


def quote_string(value: str) -> str:
    """A string literal decoding to ``value``: double quotes unless the value has only
    ``"`` quotes; backslashes, the chosen quote and control characters escaped."""
    quote = "'" if '"' in value and "'" not in value else '"'
    out = [quote]
    for ch in value:
        if ch == quote:
            out.append("\\" + ch)
        else:
            out.append(_ESCAPES.get(ch, ch))
    out.append(quote)
    return "".join(out)


def _segment(name: str) -> str:
    """A path segment inside a reference body (SEGMENT syntax, §4.2)."""
    return name if _SEGMENT.fullmatch(name) else quote_string(name)


def _loop_segment(name: str) -> str:
    """A segment of a loop-variable path: IDENT syntax, so ``-`` needs quotes (§2.8)."""
    if _IDENT.fullmatch(name) and name not in _LOOP_VARS:
        return name
    return quote_string(name)


def _step(step: ast.Step, loop: bool) -> str:
    if isinstance(step, ast.FieldStep):
        return "." + (_loop_segment(step.name) if loop else _segment(step.name))
    if isinstance(step, ast.FilterStep):
        cond = "" if step.cond is None else _expr(step.cond, OR)
        return f".{step.kind}({cond})"
    if isinstance(step, ast.AtStep):
        return f".at({_expr(step.index, OR)})"
    if isinstance(step, ast.EntryStep):
        return f".entry({_expr(step.key, OR)})"
    return ".firstEntryKey()" if step.first_only else ".keys()"


def _reference(node: ast.Reference) -> str:
    parts = [_OPENERS[node.kind], _segment(node.root)]
    if node.group is not None:
        parts.append("." + _segment(node.group))
    parts.extend(_step(s, loop=False) for s in node.steps)
    if node.params is not None:
        params = ", ".join(f"{_segment(p.name)}: {_expr(p.value, OR)}" for p in node.params)
        parts.append(f", params: {{{params}}}")
    if node.default is not None:
        parts.append(f", defaultValue: {_expr(node.default, OR)}")
    parts.append("}")
    return "".join(parts)
