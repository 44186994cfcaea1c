"""Diagnostics: the value every phase reports problems with, and the two public exceptions.

A :class:`Diagnostic` has the shape of spec §15.1 (severity, code, message, range, optional quick
fix) plus a hint. Phases collect diagnostics in lists and keep going; only the façade raises
:class:`JexprError` (static problems) and :class:`EvaluationError` (one evaluation failure).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
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


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
    adjacent characters each cost 1 (``lenght`` → ``length`` is 1)."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def max_typo_distance(name: str) -> int:
    """The largest edit distance still taken for a typo of ``name``: max(1, len/3)."""
    return max(1, len(name) // 3)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``name`` is most likely a typo of, or None when none is genuinely close.

    A case-insensitive exact match wins; otherwise the candidate with the smallest edit distance
    (compared case-insensitively), provided it is at most ``max(1, len(name) // 3)``. Ties go to
    the candidate sharing the longest prefix with ``name``, then to the one listed first.
    """
    pool = list(dict.fromkeys(candidates))
    lowered = name.lower()
    for c in pool:
        if c.lower() == lowered:
            return c
    limit = max_typo_distance(name)
    best: tuple[int, int, str] | None = None
    for c in pool:
        if abs(len(c) - len(name)) > limit:
            continue
        d = edit_distance(lowered, c.lower())
        if d > limit:
            continue
        key = (d, -_common_prefix(lowered, c.lower()), c)
        if best is None or key[:2] < best[:2]:
            best = key
    return best[2] if best else None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


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


def strict_ajo(diagnostic: Diagnostic) -> Diagnostic:
    """Strict AJO mode: a ``W-AJO-*`` warning (AJO refuses to save such an expression or
    journey) becomes an error with the same code; anything else is returned unchanged."""
    if diagnostic.is_error or not diagnostic.code.startswith("W-AJO-"):
        return diagnostic
    hint = "strict AJO mode: AJO refuses this" + (f"; {diagnostic.hint}" if diagnostic.hint
                                                   else "")
    return replace(diagnostic, severity="error", hint=hint)

