"""Source text, positions and spans: the one place the position conventions live (spec §2.1).

Positions are 0-based lines and 0-based code-point columns; lines end at ``\\n``, ``\\r\\n`` or a
lone ``\\r``; ranges are half-open. Every span is built from character offsets through the
:class:`LineIndex` of its :class:`Source`, never from a parser's own line/column counters.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Position:
    """A 0-based line and code-point column."""

    line: int
    column: int

    def to_dict(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column}


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range of source text, as offsets and as line/column positions."""

    start: int
    end: int
    start_line: int
    start_column: int
    end_line: int
    end_column: int

    @property
    def start_position(self) -> Position:
        return Position(self.start_line, self.start_column)

    @property
    def end_position(self) -> Position:
        return Position(self.end_line, self.end_column)

    def to_dict(self) -> dict[str, dict[str, int]]:
        """The §15.1 ``range`` object."""
        return {
            "start": {"line": self.start_line, "column": self.start_column},
            "end": {"line": self.end_line, "column": self.end_column},
        }

    def cover(self, other: Span) -> Span:
        """The smallest span containing both spans."""
        first = self if self.start <= other.start else other
        last = self if self.end >= other.end else other
        return Span(
            first.start, last.end, first.start_line, first.start_column,
            last.end_line, last.end_column,
        )


class LineIndex:
    """Maps offsets to (line, column) with the line-break rules of spec §2.1."""

    def __init__(self, text: str) -> None:
        self.line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
        self.length = len(text)

    def position(self, offset: int) -> Position:
        offset = max(0, min(offset, self.length))
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return Position(line, offset - self.line_starts[line])

    def offset(self, position: Position) -> int:
        line = max(0, min(position.line, len(self.line_starts) - 1))
        return min(self.line_starts[line] + position.column, self.length)

    def span(self, start: int, end: int) -> Span:
        starts = self.line_starts
        if len(starts) == 1 and 0 <= start <= end <= self.length:  # one line: columns = offsets
            return Span(start, end, 0, start, 0, end)
        a, b = self.position(start), self.position(end)
        return Span(start, end, a.line, a.column, b.line, b.column)


@dataclass(frozen=True)
class Source:
    """A named source text (an expression, or a whole file) with its line index."""

    text: str
    name: str = "<expr>"

    @cached_property
    def index(self) -> LineIndex:
        return LineIndex(self.text)

    def span(self, start: int, end: int) -> Span:
        return self.index.span(start, end)

    def line_text(self, line: int) -> str:
        starts = self.index.line_starts
        if line >= len(starts):
            return ""
        end = starts[line + 1] if line + 1 < len(starts) else len(self.text)
        return self.text[starts[line]:end].rstrip("\r\n")
