"""Syntax-error recovery helpers that work on the text alone (no parser): where declarations
start, which ``{`` is never closed, and which keyword a misspelt word was meant to be.

* :func:`split_declarations` cuts a file into its top-level declarations with one scan that
  skips strings and comments. A declaration starts at a top-level keyword at brace depth 0, or
  at a top-level keyword in column 0 that opens a declaration (``event Name {``, ``journey
  name``…) while a brace is still open: the previous declaration then lacks a ``}``, and the
  declarations after it are parsed on their own instead of being lost with it.
* :func:`unclosed_brace` finds the ``{`` that a missing ``}`` belongs to: the innermost open
  brace whose block ends by indentation (a later line indented no deeper than the brace's line
  that is not its ``}``), else the last brace left open.
* :func:`keyword_hint` suggests the keyword a word is a typo of (``reentrence`` →
  ``reentrance``).

Everything here is linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from jexpr.diagnostics import did_you_mean

__all__ = ["SCAN", "TOP_LEVEL", "keyword_hint", "split_declarations", "unclosed_brace"]

SCAN = re.compile(r"""//[^\n\r]*|/\*.*?(?:\*/|\Z)|"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?"""
                  r"""|[{}]|[A-Za-z_][A-Za-z0-9_]*""", re.S)
TOP_LEVEL = ("event", "datasource", "action", "audience", "journey", "channel", "rules")
# "channel", "rules", "quiet", "suppress" and "drop" are keywords only where the grammar takes
# them (a channel or rules declaration): they are not reserved, so existing names stay valid.
_OPENS_DECLARATION = re.compile(
    r"(?:event|datasource|action|audience|journey)[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]*"
    r"(?:\{|business\b|\"|//|/\*|[\r\n]|\Z)")


def split_declarations(text: str) -> list[tuple[int, int]]:
    """Offsets ``(start, end)`` of the top-level declarations (module docstring)."""
    starts: list[int] = []
    depth = 0
    for m in SCAN.finditer(text):
        word = m.group()
        if word == "{":
            depth += 1
        elif word == "}":
            depth = max(0, depth - 1)
        elif word in TOP_LEVEL and _starts_declaration(text, m.start(), depth):
            starts.append(m.start())
            depth = 0
    if not starts or text[:starts[0]].strip():
        starts.insert(0, 0)
    return [(s, e) for s, e in zip(starts, [*starts[1:], len(text)], strict=True)]


def _starts_declaration(text: str, pos: int, depth: int) -> bool:
    line_start = max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1
    before = text[line_start:pos]
    if depth > 0:
        return not before and _OPENS_DECLARATION.match(text, pos) is not None
    before = before.rstrip(" \t")
    if before:
        return before.endswith("*/") or before[-1] == "}"
    return True


def unclosed_brace(text: str, start: int = 0, end: int | None = None) -> int | None:
    """The offset of the ``{`` a missing ``}`` belongs to, or None when the braces of
    ``text[start:end]`` balance."""
    end = len(text) if end is None else end
    stack: list[tuple[int, int, int]] = []  # brace offset, its line start, its line's indent
    suspect: int | None = None  # the first brace whose block ended by indentation
    line_seen = -1
    for m in SCAN.finditer(text, start, end):
        word = m.group()
        if word.startswith(("//", "/*")):
            continue
        line_start = max(text.rfind("\n", 0, m.start()), text.rfind("\r", 0, m.start())) + 1
        if line_start != line_seen:
            line_seen = line_start
            indent = _indent(text, line_start)
            if (suspect is None and stack and word != "}" and stack[-1][1] != line_start
                    and indent <= stack[-1][2]):
                suspect = stack[-1][0]
        if word == "{":
            stack.append((m.start(), line_start, _indent(text, line_start)))
        elif word == "}" and stack:
            stack.pop()
    if not stack:
        return None
    return suspect if suspect is not None else stack[-1][0]


def _indent(text: str, line_start: int) -> int:
    n = line_start
    while n < len(text) and text[n] in " \t":
        n += 1
    return n - line_start


def keyword_hint(word: str, keywords: Iterable[str]) -> str | None:
    """The keyword ``word`` is most likely a misspelling of (never ``word`` itself)."""
    words = [k for k in keywords if k.isalpha() and len(k) > 2]
    if word in words or len(word) < 4:
        return None
    guess = did_you_mean(word, words)
    return guess if guess and guess != word else None
