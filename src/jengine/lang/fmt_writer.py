"""The formatter's output: lines at an indentation depth, with the comment cursor.

:class:`Writer` emits one output line per construct and places each source comment exactly
once (see :mod:`jengine.lang.fmt` for the layout rules); :func:`block` writes a braced block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from jengine.lang import ast as A
from jexpr.source import Source
from jexpr.syntax import ast as X

__all__ = ["INDENT", "WIDTH", "Writer", "block", "brace_after", "closing_brace"]

WIDTH = 100
INDENT = "  "



class Writer:
    """Output lines plus the comment cursor."""

    def __init__(self, source: Source, comments: Sequence[A.Comment]) -> None:
        self.text = source.text
        self.index = source.index
        self.comments = list(comments)
        self.done: set[int] = set()
        self.lines: list[str] = []
        self.depth = 0
        self.last_line = -1

    # -- comments

    def _pending(self, before: int) -> list[int]:
        return [i for i, c in enumerate(self.comments)
                if i not in self.done and c.span.start < before]

    def leading(self, before: int) -> None:
        """Emit the comments that start before ``before`` on lines of their own."""
        for i in self._pending(before):
            c = self.comments[i]
            self.gap(c.span.start_line)
            self.lines.append(INDENT * self.depth + c.text)
            self.done.add(i)
            self.last_line = c.span.end_line

    def consume(self, start: int, end: int) -> None:
        """Mark the comments inside a verbatim range as written."""
        for i, c in enumerate(self.comments):
            if start <= c.span.start < end:
                self.done.add(i)

    def trailing(self, end: int) -> list[str]:
        out = []
        for i in self._pending(end):
            out.append(self.comments[i].text)
            self.done.add(i)
        pos = end
        for i, c in enumerate(self.comments):
            if i in self.done or c.span.start < end:
                continue
            between = self.text[pos:c.span.start]
            if "\n" in between or "\r" in between or not re.fullmatch(r"[ \t,]*", between):
                break
            out.append(c.text)
            self.done.add(i)
            pos = c.span.end
        return out

    def has_comments(self, start: int, end: int) -> bool:
        return any(start <= c.span.start < end for c in self.comments)

    # -- lines

    def gap(self, source_line: int) -> None:
        if (self.last_line >= 0 and source_line > self.last_line + 1 and self.lines
                and self.lines[-1] != "" and not self.lines[-1].endswith("{")):
            self.lines.append("")

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")
        self.last_line = -1

    def line(self, text: str, node: A.Node | None, start: int | None = None,
             end: int | None = None) -> None:
        """One output line for the source range of ``node`` (or ``start``–``end``)."""
        start = node.span.start if start is None and node is not None else (start or 0)
        end = node.span.end if end is None and node is not None else (end or start)
        self.leading(start)
        self.gap(self.line_of(start))
        notes = self.trailing(end)
        self.lines.append(INDENT * self.depth + text + "".join(" " + n for n in notes))
        self.last_line = self.line_of(end)

    def src(self, node: A.Node | X.Node) -> str:
        span = node.span
        self.consume(span.start, span.end)
        return self.text[span.start:span.end]

    def line_of(self, offset: int) -> int:
        return self.index.position(offset).line

    def close(self, at: int, suffix: str = "", end: int | None = None) -> None:
        self.leading(at)
        self.depth -= 1
        end = end if end is not None else at + 1
        self.lines.append(INDENT * self.depth + "}" + suffix
                          + "".join(" " + n for n in self.trailing(end)))
        self.last_line = self.line_of(end)


def closing_brace(text: str, start: int, limit: int) -> int:
    pos = text.rfind("}", start, limit)
    return pos if pos >= 0 else limit


def block(w: Writer, header: str, node: A.Node, items: Sequence[A.Node],
           emit: object, suffix: str = "", limit: int | None = None) -> None:
    """``header {`` … items … ``}`` with one item per line."""
    first_item = items[0].span.start if items else node.span.end
    w.line(header + " {", node, node.span.start, brace_after(w.text, node.span.start,
                                                               first_item))
    w.depth += 1
    for item in items:
        emit(w, item)  # type: ignore[operator]
    end = limit if limit is not None else node.span.end
    w.close(closing_brace(w.text, node.span.start, end), suffix,
            node.span.end if suffix else None)


def brace_after(text: str, start: int, limit: int) -> int:
    pos = text.find("{", start, max(limit, start + 1))
    return pos + 1 if pos >= 0 else start
