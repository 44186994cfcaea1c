"""A Pygments lexer for ``.journey`` files, for the documentation's code blocks.

Its keywords are the words of ``grammar/journey.lark`` (read through the parser), so a keyword
added to the grammar is highlighted without editing this file. Embedded expressions are
highlighted with the same rules (jexpr's keywords and functions are words too).
"""

from __future__ import annotations

from functools import cache
from typing import ClassVar

from pygments.lexer import RegexLexer, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text

__all__ = ["JourneyLexer", "keywords"]


@cache
def keywords() -> tuple[str, ...]:
    """Every word of the journey grammar (which includes the expression grammar's)."""
    from jengine.lang.parse import journey_parser

    found = {str(t.pattern.value) for t in journey_parser().terminals
             if t.pattern.type == "str" and str(t.pattern.value).isalpha()}
    return tuple(sorted(found, key=lambda w: (-len(w), w)))


class JourneyLexer(RegexLexer):
    """``.journey`` files: declarations, journeys, steps, embedded expressions."""

    name = "Journey"
    aliases: ClassVar[list[str]] = ["journey"]
    filenames: ClassVar[list[str]] = ["*.journey"]

    tokens: ClassVar[dict[str, list[object]]] = {
        "root": [
            (r"\s+", Text),
            (r"//[^\n]*", Comment.Single),
            (r"/\*.*?\*/", Comment.Multiline),
            (r'"(\\.|[^"\\])*"', String.Double),
            (r"'(\\.|[^'\\])*'", String.Single),
            (r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9:.]+([Zz]|[+-][0-9]{2}:[0-9]{2})", Number),
            (r"([01][0-9]|2[0-3]):[0-5][0-9]", Number),
            (r"[0-9]+(ms|d|h|m|s)([0-9]+(ms|d|h|m|s))*\b", Number),
            (r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", Number),
            (r"(@event|@action|@journey|@datasetLookup|@audience|@reaction|@)\{", Name.Builtin),
            (r"#\{", Name.Builtin),
            (r"->", Operator),
            (r"==|!=|<=|>=|[<>+\-*/%]", Operator),
            (words(keywords(), suffix=r"\b"), Keyword),
            (r"[A-Za-z_][A-Za-z0-9_]*(?=\s*\()", Name.Function),
            (r"[A-Za-z_][A-Za-z0-9_]*", Name),
            (r"[{}()\[\],.:;]", Punctuation),
            (r".", Text),
        ],
    }
