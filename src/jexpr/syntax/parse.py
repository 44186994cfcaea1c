"""Parsing: expression text → AST plus syntax diagnostics (spec §2–3).

Lark's LALR parser does the grammar work; this module turns its tree into :mod:`jexpr.syntax.ast` nodes
and its exceptions into diagnostics. Errors are classified from the offending token's *text* and
from the parser's context (the openers still on its value stack), never from the token type
alone, because the contextual lexer may report ``AND`` as a ``SEGMENT``. Recovery skips the
offending input and keeps going, so one parse reports several independent errors; errors that
follow directly from an earlier one (same parser state) are dropped.

This module runs the parser; the AST is built by :mod:`jexpr.syntax.builder` (in the parser's
reductions when the text has no syntax error), the error classification and recovery live in
:mod:`jexpr.syntax.parse_errors` (their public names are re-exported here).
"""

from __future__ import annotations

from typing import Any, cast

from lark.exceptions import UnexpectedInput

from jexpr.diagnostics import Diagnostic, error, sort_diagnostics
from jexpr.source import Source
from jexpr.syntax import ast
from jexpr.syntax.builder import CURRENT, INLINE
from jexpr.syntax.builder import AstBuilder as AstBuilder  # re-exported
from jexpr.syntax.grammar import (
    expression_parser,
    inline_expression_parser,
    on_repair,
    parse_reducing,
)
from jexpr.syntax.literals import TOO_MANY_DIGITS
from jexpr.syntax.parse_errors import KEYWORDS as KEYWORDS  # re-exported
from jexpr.syntax.parse_errors import NAMESPACE as NAMESPACE  # re-exported
from jexpr.syntax.parse_errors import ErrorCollector as ErrorCollector  # re-exported
from jexpr.syntax.parse_errors import base_type as base_type  # re-exported
from jexpr.syntax.parse_errors import keyword_case as keyword_case  # re-exported

INT_MAX = 2**63 - 1


def parse(text: str, name: str = "<expr>") -> tuple[ast.Expr | None, list[Diagnostic]]:
    """Parse an expression; returns the AST (None when it cannot be built) and diagnostics."""
    source = Source(text, name)
    lark_text = " " + text[1:] if text.startswith("\ufeff") else text
    quick = _parse_inline(source, lark_text)
    if quick is not None:
        return quick
    errors = ErrorCollector(source)
    tree: Any = None
    token = on_repair.set(lambda tok: errors.diagnostics.append(keyword_case(
        str(tok.value), source.span(tok.start_pos or 0, tok.end_pos or 0))))
    try:
        tree = expression_parser().parse(lark_text, on_error=errors.on_error)
    except UnexpectedInput as exc:
        errors.record(exc)
    finally:
        on_repair.reset(token)
    if tree is None:
        return None, sort_diagnostics(errors.diagnostics)
    builder = AstBuilder(source)
    try:
        node = builder.build(tree)
    except Exception:  # a builder bug must not hide the syntax errors already found
        if errors.diagnostics:
            return None, sort_diagnostics(errors.diagnostics)
        raise
    diags = errors.diagnostics + builder.diagnostics + check_int_ranges(node, source)
    return node, sort_diagnostics(diags)


def _parse_inline(source: Source, lark_text: str
                  ) -> tuple[ast.Expr | None, list[Diagnostic]] | None:
    """The happy path: the AST built by the parser's own reductions (no parse tree, no second
    walk). None on a syntax error: the tree-based path with error recovery reports it."""
    builder = AstBuilder(source)
    repairs: list[Diagnostic] = []
    token = on_repair.set(lambda tok: repairs.append(keyword_case(
        str(tok.value), source.span(tok.start_pos or 0, tok.end_pos or 0))))
    current = CURRENT.set(builder)
    try:
        node = cast(ast.Expr, parse_reducing(inline_expression_parser(INLINE), lark_text))
    except UnexpectedInput:
        return None
    finally:
        CURRENT.reset(current)
        on_repair.reset(token)
    diags = repairs + builder.diagnostics + [
        _int_range(n) for n in builder.big_ints]
    return node, sort_diagnostics(diags)


def _int_range(n: ast.IntLit) -> Diagnostic:
    shown = "of more than 40 digits" if abs(n.value) >= TOO_MANY_DIGITS else str(n.value)
    return error("E-SYN-INT-RANGE", f"integer literal {shown} is outside the 64-bit range",
                 n.span, "integers range from -9223372036854775808 to 9223372036854775807; "
                 "use a decimal (with a '.') for larger numbers")


def check_int_ranges(node: ast.Node, source: Source) -> list[Diagnostic]:
    """E-SYN-INT-RANGE for integer literals outside 64 bits (after the negative fold)."""
    return [_int_range(n) for n in ast.walk(node)
            if isinstance(n, ast.IntLit) and not -INT_MAX - 1 <= n.value <= INT_MAX]


_ErrorCollector = ErrorCollector  # the former private name, kept for existing imports
