"""The formatter's output: lines at an indentation depth, with the comment cursor.

:class:`Writer` emits one output line per construct and places each source comment exactly
once (see :mod:`jengine.lang.fmt` for the layout rules); :func:`block` writes a braced block.
Comments are visited in source order through a cursor (and found by bisection), so formatting is
linear in the number of comments. Trailing comments that were aligned in the source (two or
more spaces before them) stay aligned: :meth:`Writer.finish` puts each run of such lines at one
column, the source's column unless a line's code has grown past it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from jengine.lang import ast as A
from jexpr.source import Source
from jexpr.syntax import ast as X

__all__ = ["INDENT", "WIDTH", "Writer", "block", "brace_after", "closing_brace", "expression",
           "inline", "joined", "wrap"]

WIDTH = 100
INDENT = "  "
_GAP = re.compile(r"[ \t,]*")


@dataclass
class _Note:
    """The trailing comments of one output line: the code before them, the comments, and the
    source column of the first comment (None when it was inside the line's code) and whether
    it was padded there with two or more spaces."""

    code: str
    notes: str
    column: int | None
    padded: bool


class Writer:
    """Output lines plus the comment cursor."""

    def __init__(self, source: Source, comments: Sequence[A.Comment]) -> None:
        self.text = source.text
        self.index = source.index
        self.comments = list(comments)
        self.starts = [c.span.start for c in self.comments]
        self.done = [False] * len(self.comments)
        self.cursor = 0  # every comment before it is done
        self.lines: list[str] = []
        self.notes: dict[int, _Note] = {}
        self.depth = 0
        self.last_line = -1

    # -- comments

    def _advance(self) -> None:
        while self.cursor < len(self.comments) and self.done[self.cursor]:
            self.cursor += 1

    def _pending(self, before: int) -> list[int]:
        self._advance()
        out = []
        i = self.cursor
        while i < len(self.comments) and self.starts[i] < before:
            if not self.done[i]:
                out.append(i)
            i += 1
        return out

    def leading(self, before: int) -> None:
        """Emit the comments that start before ``before`` on lines of their own."""
        for i in self._pending(before):
            c = self.comments[i]
            self.gap(c.span.start_line)
            self.lines.append(INDENT * self.depth + c.text)
            self.done[i] = True
            self.last_line = c.span.end_line

    def consume(self, start: int, end: int) -> None:
        """Mark the comments inside a verbatim range as written."""
        i = bisect.bisect_left(self.starts, start)
        while i < len(self.comments) and self.starts[i] < end:
            self.done[i] = True
            i += 1

    def trailing(self, end: int) -> tuple[list[str], tuple[int, bool] | None]:
        """The comments to put at the end of the line that ends at ``end``: those left inside
        it, then those after it on the same source line; and, for the first of the latter,
        its source column and whether two or more spaces came before it (aligned)."""
        out = []
        for i in self._pending(end):
            out.append(self.comments[i].text)
            self.done[i] = True
        where: tuple[int, bool] | None = None
        pos = end
        i = bisect.bisect_left(self.starts, end)
        while i < len(self.comments):
            c = self.comments[i]
            if self.done[i]:
                i += 1
                continue
            between = self.text[pos:c.span.start]
            if "\n" in between or "\r" in between or not _GAP.fullmatch(between):
                break
            if not out and pos == end:
                where = (c.span.start_column, "  " in between or "\t" in between)
            out.append(c.text)
            self.done[i] = True
            pos = c.span.end
            i += 1
        return out, where

    def has_comments(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, start)
        return i < len(self.starts) and self.starts[i] < end

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
        self.emit(INDENT * self.depth + text, end)

    def emit(self, code: str, end: int) -> None:
        """Append ``code`` with the comments that trail source offset ``end``."""
        notes, where = self.trailing(end)
        if notes:
            column, padded = where if where else (None, False)
            self.notes[len(self.lines)] = _Note(code, " ".join(notes), column, padded)
        self.lines.append(code + "".join(" " + n for n in notes))
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
        self.emit(INDENT * self.depth + "}" + suffix, end if end is not None else at + 1)

    def finish(self) -> list[str]:
        """The output lines, with the runs of aligned trailing comments aligned again: a
        comment is aligned when padded, or at the same source column as the comment of the
        line before or after it; consecutive aligned lines share one column."""
        keys = sorted(i for i, n in self.notes.items() if n.column is not None)
        aligned = [i for k, i in enumerate(keys) if self.notes[i].padded
                   or (k > 0 and keys[k - 1] == i - 1 and self._same(i, i - 1))
                   or (k + 1 < len(keys) and keys[k + 1] == i + 1 and self._same(i, i + 1))]
        run: list[int] = []
        for i in aligned:
            if run and run[-1] != i - 1:
                self._align(run)
                run = []
            run.append(i)
        self._align(run)
        return self.lines

    def _same(self, a: int, b: int) -> bool:
        return self.notes[a].column == self.notes[b].column

    def _align(self, run: list[int]) -> None:
        if not run:
            return
        notes = [self.notes[i] for i in run]
        width = max(len(n.code.rsplit("\n", 1)[-1]) for n in notes)
        column = max(max(n.column or 0 for n in notes), width + 1)
        for i, n in zip(run, notes, strict=True):
            last = n.code.rsplit("\n", 1)[-1]
            self.lines[i] = n.code + " " * (column - len(last)) + n.notes


def inline(w: Writer, node: A.Node, header: str, items: Sequence[A.Node], end: int,
           extra: int = 0) -> bool:
    """Whether a braced list stays on one line: the source wrote its first entry on the line
    of its ``{`` (or it is empty), no entry spans lines, it holds no comment, and ``header {
    … }`` plus ``extra`` columns fits in :data:`WIDTH`."""
    if w.has_comments(node.span.start, end):
        return False
    texts = [w.text[i.span.start:i.span.end] for i in items]
    if any("\n" in t or "\r" in t for t in texts):
        return False
    if items:
        brace = w.text.find("{", node.span.start, items[0].span.start)
        between = w.text[brace:items[0].span.start]
        if "\n" in between or "\r" in between:
            return False
    length = len(INDENT * w.depth) + len(header) + 4 + sum(len(t) + 2 for t in texts)
    return length + extra <= WIDTH


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


def wrap(w: Writer, head: str, tails: Sequence[str]) -> list[str]:
    """``head`` followed by ``tails`` (``-> t``, ``on error -> e``): on one line when its last
    line fits in :data:`WIDTH`, else each tail on a continuation line one level deeper."""
    joined = head + "".join(" " + t for t in tails)
    if not tails or len(INDENT * w.depth + joined.rsplit("\n", 1)[-1]) <= WIDTH:
        return [joined]
    return [head, *(INDENT + t for t in tails)]


def joined(w: Writer, parts: Sequence[str]) -> str:
    """Lines made by :func:`wrap`, as one block of text at the current depth."""
    return ("\n" + INDENT * w.depth).join(parts)


def expression(w: Writer, expr: X.Expr, used: int) -> str:
    """An expression's source text; a one-line chain ``a and b and c`` (``or``, ``+``, ``-``)
    that would pass :data:`WIDTH` after ``used`` columns is broken before each operator of its
    top level, the continuation lines two levels deeper. Only spaces around those operators
    change (never inside a comment or a string)."""
    text = w.src(expr)
    if ("\n" in text or "\r" in text or len(INDENT * w.depth) + used + len(text) <= WIDTH):
        return text
    chain = _chain(expr)
    if len(chain) < 2:
        return text
    pieces = [w.text[chain[0][1].span.start:chain[0][1].span.end]]
    for (_, left), (op, right) in pairwise(chain):
        if w.text[left.span.end:right.span.start].strip() != op:
            return text
        pieces.append(f"{op} {w.text[right.span.start:right.span.end]}")
    return ("\n" + INDENT * (w.depth + 2)).join(pieces)


def _chain(expr: X.Expr) -> list[tuple[str, X.Expr]]:
    """The operands of a top-level operator chain, each with the operator before it."""
    out: list[tuple[str, X.Expr]] = []
    node = expr
    while True:
        if (isinstance(node, X.Logical) and isinstance(expr, X.Logical) and node.op == expr.op) or (isinstance(node, X.Arith) and isinstance(expr, X.Arith) and node.op in "+-"
              and expr.op in "+-"):
            out.append((node.op, node.right))
            node = node.left
        else:
            break
    out.append(("", node))
    return out[::-1]
