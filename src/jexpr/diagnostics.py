"""Diagnostics: the value every phase reports problems with, and the two public exceptions.

A :class:`Diagnostic` has the shape of spec §15.1 (severity, code, message, range, optional quick
fix) plus a hint. Phases collect diagnostics in lists and keep going; only the façade raises
:class:`JexprError` (static problems) and :class:`EvaluationError` (one evaluation failure).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from jexpr.source import Span

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Fix:
    """A quick fix: replace the text of ``span`` with ``new_text``."""

    span: Span
    new_text: str

    def to_dict(self) -> dict[str, Any]:
        return {"range": self.span.to_dict(), "newText": self.new_text}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a source, with a stable code and an exact range."""

    severity: Severity
    code: str
    message: str
    span: Span
    hint: str | None = None
    fix: Fix | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict[str, Any]:
        """The §15.1 JSON shape (plus ``hint`` when there is one)."""
        out: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "range": self.span.to_dict(),
        }
        if self.hint:
            out["hint"] = self.hint
        if self.fix:
            out["fix"] = self.fix.to_dict()
        return out


def error(code: str, message: str, span: Span, hint: str | None = None,
          fix: Fix | None = None) -> Diagnostic:
    return Diagnostic("error", code, message, span, hint, fix)


def warning(code: str, message: str, span: Span, hint: str | None = None,
            fix: Fix | None = None) -> Diagnostic:
    return Diagnostic("warning", code, message, span, hint, fix)


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by position, then code, duplicates removed (spec §15.1)."""
    seen: set[tuple[int, int, str, str]] = set()
    out = []
    for d in sorted(diags, key=lambda d: (d.span.start, d.span.end, d.code)):
        key = (d.span.start, d.span.end, d.code, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate, preferring a case-insensitive match, or None."""
    pool = list(candidates)
    for c in pool:
        if c.lower() == name.lower():
            return c
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if close:
        return close[0]
    lowered = {c.lower(): c for c in pool}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


class JexprError(Exception):
    """Raised by ``jexpr.compile``: the expression has static errors (all of them are attached)."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        first = next((d for d in self.diagnostics if d.is_error), None)
        summary = f"{first.code}: {first.message}" if first else "invalid expression"
        more = len([d for d in self.diagnostics if d.is_error]) - 1
        super().__init__(summary + (f" (and {more} more)" if more > 0 else ""))


class EvaluationError(Exception):
    """Raised by ``Program.evaluate``: one evaluation error with the failing sub-expression."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        self.internal = False  # True when raised for an unexpected Python exception
        super().__init__(f"{diagnostic.code}: {diagnostic.message}")
