"""Folding ranges: every ``{ … }`` block that spans lines, block comments, and runs of line
comments. Found by a scan of the text (skipping strings), so a file with syntax errors folds
too; lines come from the document's line index.
"""

from __future__ import annotations

import re

from lsprotocol import types

from jengine.lsp.convert import Document

_TOKEN = re.compile(r"""//[^\n\r]*|/\*.*?(?:\*/|\Z)|"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|[{}]""",
                    re.S)


def folding_ranges(doc: Document) -> list[types.FoldingRange]:
    """The folding ranges of a document, sorted by start line."""
    out: list[types.FoldingRange] = []
    opens: list[int] = []
    comment_run: list[int] = []
    for m in _TOKEN.finditer(doc.text):
        tok = m.group()
        if tok == "{":
            opens.append(m.start())
        elif tok == "}" and opens:
            _add(out, doc, opens.pop(), m.start(), None, closing=True)
        elif tok.startswith("/*"):
            _add(out, doc, m.start(), m.end(), types.FoldingRangeKind.Comment)
        elif tok.startswith("//"):
            comment_run = _line_comment(out, doc, comment_run, m.start())
    _flush(out, doc, comment_run)
    return sorted(out, key=lambda r: (r.start_line, -r.end_line))


def _line(doc: Document, offset: int) -> int:
    return doc.source.index.position(offset).line


def _add(out: list[types.FoldingRange], doc: Document, start: int, end: int,
         kind: types.FoldingRangeKind | None, closing: bool = False) -> None:
    first, last = _line(doc, start), _line(doc, end)
    if closing:
        last -= 1  # keep the closing brace visible
    if last > first:
        out.append(types.FoldingRange(start_line=first, end_line=last, kind=kind))


def _line_comment(out: list[types.FoldingRange], doc: Document, run: list[int],
                  offset: int) -> list[int]:
    line = _line(doc, offset)
    if run and line == run[-1] + 1:
        return [*run, line]
    _flush(out, doc, run)
    return [line]


def _flush(out: list[types.FoldingRange], doc: Document, run: list[int]) -> None:
    if len(run) > 1:
        out.append(types.FoldingRange(start_line=run[0], end_line=run[-1],
                                      kind=types.FoldingRangeKind.Comment))
