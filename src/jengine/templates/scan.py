"""The tag scanner: template text → literal text pieces and tag bodies, with offsets.

Text is kept byte-exact (whitespace is never dropped). Tags: ``{{!-- … --}}`` and ``{{! … }}``
(comments), ``{{{ … }}}`` (raw output), ``{{ … }}`` (Handlebars), ``{% … %}`` (PQL). A
backslash before ``{{`` makes it literal text (``\\{{`` prints ``{{``), as in Handlebars. An
opening without its closing delimiter is a ``T-SYNTAX`` diagnostic; the rest of the file is then
text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jexpr.diagnostics import Diagnostic, error
from jexpr.source import Source

__all__ = ["Piece", "scan"]

Kind = Literal["text", "hb", "raw", "pql", "comment"]
_CLOSERS: dict[str, str] = {"comment-long": "--}}", "comment": "}}", "raw": "}}}", "hb": "}}",
                            "pql": "%}"}
_OPENERS: dict[str, str] = {"comment-long": "{{!--", "comment": "{{!", "raw": "{{{",
                            "hb": "{{", "pql": "{%"}


@dataclass(frozen=True, slots=True)
class Piece:
    """A text piece (``kind == "text"``: ``start``–``end`` is the text) or a tag (the whole tag
    is ``start``–``end``, its body ``body_start``–``body_end``)."""

    kind: Kind
    start: int
    end: int
    body_start: int
    body_end: int

    def body(self, text: str) -> str:
        return text[self.body_start:self.body_end]


def _opener(text: str, at: int) -> str:
    if text.startswith("{%", at):
        return "pql"
    if text.startswith("{{!--", at):
        return "comment-long"
    if text.startswith("{{!", at):
        return "comment"
    if text.startswith("{{{", at):
        return "raw"
    return "hb"


def _next_open(text: str, pos: int) -> int:
    a, b = text.find("{{", pos), text.find("{%", pos)
    if a < 0:
        return b
    if b < 0:
        return a
    return min(a, b)


def scan(source: Source) -> tuple[list[Piece], list[Diagnostic]]:
    """Cut a template into pieces; unclosed tags are reported and left as text."""
    text = source.text
    pieces: list[Piece] = []
    diags: list[Diagnostic] = []
    pos = text_start = 0
    while True:
        at = _next_open(text, pos)
        if at < 0:
            break
        if at > 0 and text[at - 1] == "\\" and text.startswith("{{", at):
            _text(pieces, text_start, at - 1)
            text_start, pos = at, at + 2          # the "{{" stays, as text
            continue
        kind = _opener(text, at)
        opener, closer = _OPENERS[kind], _CLOSERS[kind]
        end = text.find(closer, at + len(opener))
        if end < 0:
            diags.append(error("T-SYNTAX", f"'{opener}' is never closed with '{closer}'",
                               source.span(at, at + len(opener)),
                               f"close the tag with '{closer}', or write '\\{opener}' to print "
                               "it as text"))
            break
        _text(pieces, text_start, at)
        tag_kind: Kind = "comment" if kind.startswith("comment") else kind  # type: ignore[assignment]
        pieces.append(Piece(tag_kind, at, end + len(closer), at + len(opener), end))
        pos = text_start = end + len(closer)
    _text(pieces, text_start, len(text))
    return pieces, diags


def _text(pieces: list[Piece], start: int, end: int) -> None:
    if end > start:
        pieces.append(Piece("text", start, end, start, end))
