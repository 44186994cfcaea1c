"""Formatting: the journey formatter (:func:`jengine.format_text`) as one whole-document edit.

A document with syntax errors is left alone (no edits), as ``jengine fmt`` refuses it. A
document over ``MAX_FORMAT_BYTES`` is refused (:func:`too_large`): formatting re-parses the
whole text, and the editor must never wait minutes for it.
"""

from __future__ import annotations

from lsprotocol import types

from jengine.lang.fmt import FormatError, format_text
from jengine.lsp.convert import Document

MAX_FORMAT_BYTES = 200_000


def too_large(doc: Document) -> str | None:
    """Why a document is not formatted (it is too large), or None."""
    size = len(doc.text.encode("utf-8", "surrogatepass")) if len(doc.text) * 4 > \
        MAX_FORMAT_BYTES else 0
    if size > MAX_FORMAT_BYTES:
        return (f"the document is {size:,} bytes; documents over {MAX_FORMAT_BYTES:,} bytes "
                "are not formatted in the editor (run jengine fmt)")
    return None


def format_document(doc: Document) -> list[types.TextEdit]:
    """The edits that give a document its canonical layout (none when it cannot be parsed
    or is already formatted)."""
    try:
        formatted = format_text(doc.text, doc.source.name)
    except FormatError:
        return []
    if formatted == doc.text:
        return []
    return [doc.edit(doc.source.span(0, len(doc.text)), formatted)]
