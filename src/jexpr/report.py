"""Human-readable diagnostics: a compiler-style header, the source line and a caret line.

::

    cart.jexpr:1:5: error E-TYPE-OPERAND operator '+': got integer and boolean, want …
    1 + true
        ^~~~
      hint: …

Lines and columns in the header are **1-based** (spec positions are 0-based; people count from 1).
The source line is shown with tabs expanded to tab stops of :data:`TAB_SIZE`, and the caret line
is laid out in the same display columns, so it stays aligned under tabs, wide (CJK, emoji) and
zero-width (combining, format) characters. A range that spans several lines is underlined to the
end of its first line.

:func:`colourize` adds ANSI colours to a formatted block (severity, code, caret, hint) for a
terminal; :func:`wants_colour` decides: a terminal, and ``NO_COLOR`` unset (https://no-color.org),
or ``FORCE_COLOR`` set.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from typing import TextIO

from jexpr.diagnostics import Diagnostic
from jexpr.source import Source

__all__ = ["TAB_SIZE", "colourize", "format_diagnostic", "format_diagnostics", "paint",
           "wants_colour"]

TAB_SIZE = 8


def format_diagnostic(diag: Diagnostic, text: str, filename: str = "<expr>") -> str:
    """The diagnostic as header, source line, caret line and optional ``  hint: …`` line."""
    span = diag.span
    header = (
        f"{filename}:{span.start_line + 1}:{span.start_column + 1}: "
        f"{diag.severity} {diag.code} {diag.message}"
    )
    line = Source(text, filename).line_text(span.start_line)
    end_column = span.end_column if span.end_line == span.start_line else len(line)
    shown, carets = _underline(line, span.start_column, end_column)
    lines = [header, shown, carets]
    if diag.hint:
        lines.append(f"  hint: {diag.hint}")
    return "\n".join(lines)


def format_diagnostics(diags: Iterable[Diagnostic], text: str, filename: str = "<expr>") -> str:
    """Every diagnostic formatted by :func:`format_diagnostic`, one block after the other."""
    return "\n".join(format_diagnostic(d, text, filename) for d in diags)


def _underline(line: str, start: int, end: int) -> tuple[str, str]:
    """The displayed line and its caret line for code-point columns ``start`` … ``end``."""
    shown, columns = _layout(line)
    start = max(0, min(start, len(line)))
    end = max(start, min(end, len(line)))
    first = columns[start]
    last = columns[end]
    caret = " " * first + "^"
    if last - first > 1:
        caret += "~" * (last - first - 1)
    return shown, caret


def _layout(line: str) -> tuple[str, list[int]]:
    """The line with tabs expanded, and the display column before each code point (plus end)."""
    parts: list[str] = []
    columns = [0]
    col = 0
    for ch in line:
        if ch == "\t":
            width = TAB_SIZE - col % TAB_SIZE
            parts.append(" " * width)
        else:
            width = _char_width(ch)
            parts.append(ch)
        col += width
        columns.append(col)
    return "".join(parts), columns


def _char_width(ch: str) -> int:
    """Terminal cells used by one code point: 2 for wide, 0 for combining and format marks."""
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


_CODES = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35",
          "cyan": "36", "bold": "1", "dim": "2"}
_HEADER = re.compile(r"^(.*?:\d+:\d+: )(error|warning|info)( \S+)(.*)$")


def wants_colour(stream: TextIO) -> bool:
    """Colour for ``stream``: ``FORCE_COLOR`` set, or a terminal without ``NO_COLOR``."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, *names: str) -> str:
    """``text`` in the ANSI colours and weights ``names`` (``"red"``, ``"bold"`` …)."""
    if not names:
        return text
    return f"\x1b[{';'.join(_CODES[n] for n in names)}m{text}\x1b[0m"


def colourize(block: str) -> str:
    """A block of :func:`format_diagnostic` with the severity red (error) or yellow, the code
    bold, the caret line green and the hint cyan."""
    lines = block.split("\n")
    m = _HEADER.match(lines[0])
    if m:
        colour = "red" if m.group(2) == "error" else "yellow"
        lines[0] = (paint(m.group(1), "bold") + paint(m.group(2), "bold", colour)
                    + paint(m.group(3), "bold") + m.group(4))
    if len(lines) >= 3:
        lines[2] = paint(lines[2], "green")
    return "\n".join(lines[:3] + [paint(x, "cyan") for x in lines[3:]])
