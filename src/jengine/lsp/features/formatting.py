"""Formatting: the journey formatter (:func:`jengine.format_text`) as one whole-document edit.

A document with syntax errors is left alone (no edits), as ``jengine fmt`` refuses it.
"""

from __future__ import annotations

from lsprotocol import types

from jengine.lang.fmt import FormatError, format_text
from jengine.lsp.convert import Document


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
