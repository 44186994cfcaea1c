"""A Pygments lexer for jexpr expressions (spec §2–3), used by the REPL and by documentation.

Registered as a Pygments plugin (entry point ``pygments.lexers``: ``jexpr``), so once jexpr is
installed, Markdown or Sphinx code blocks marked ``jexpr`` are highlighted, and
``pygmentize -l jexpr`` works.

Token types: keywords ``if then else is has`` (and ``numeric integer decimal`` after ``is``) are
``Keyword``, ``and or not`` ``Operator.Word``, ``true false null`` ``Keyword.Constant``; a name
followed by ``(`` is ``Name.Function``; loop variables are ``Name.Builtin.Pseudo``. A reference
opener and its closing ``}`` are ``Name.Tag``, path segments ``Name.Variable`` (quoted ones
``String.Symbol``), collection steps ``Keyword.Pseudo``, options ``Name.Attribute``. Anything that
is not part of the language (``&&``, ``1e5``, ``@Event{``) is an ``Error`` token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from pygments.lexer import RegexLexer, include, words
from pygments.lexer import bygroups as _untyped_bygroups
from pygments.token import (
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

__all__ = ["JexprLexer"]

_SEGMENT = r"[A-Za-z_][A-Za-z0-9_-]*"
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DQ = r'"(?:[^"\\]|\\.)*"'
_SQ = r"'(?:[^'\\]|\\.)*'"
_STEPS = r"(?:all|first|last|at|entry|firstEntryKey|keys)"
_OPENER = r"@event\{|@action\{|@datasetLookup\{|@journey\{|@\{|#\{"
_LOOP_VARS = ("currentEventField", "currentDataPackField", "currentActionField",
              "currentDatasetLookupField")

_Rules = list[Any]  # Pygments rules: (regex, action[, new state]), include(…)
bygroups: Callable[..., Any] = _untyped_bygroups  # untyped in the stubs


def _string_states() -> dict[str, _Rules]:
    escapes: _Rules = [(r"\\u[0-9A-Fa-f]{4}", String.Escape), (r"\\.", String.Escape)]
    return {
        "dq-string": [*escapes, (r'[^"\\]+', String.Double), (r'"', String.Double, "#pop"),
                      (r"\\", String.Double)],
        "sq-string": [*escapes, (r"[^'\\]+", String.Single), (r"'", String.Single, "#pop"),
                      (r"\\", String.Single)],
    }


class JexprLexer(RegexLexer):
    """Journey expressions of Adobe Journey Optimizer, as specified for jexpr."""

    name = "jexpr"
    aliases: ClassVar[Sequence[str]] = ["jexpr"]
    filenames: ClassVar[Sequence[str]] = ["*.jexpr"]
    mimetypes: ClassVar[Sequence[str]] = ["text/x-jexpr"]
    url = "https://experienceleague.adobe.com/docs/journey-optimizer/using/orchestrate-journeys/building-advanced-conditions-journeys/expression/expressionadvanced.html"

    tokens: ClassVar[dict[str, _Rules]] = {
        "root": [include("expression")],
        "expression": [
            (r"[ \t\r\n]+", Whitespace),
            (r'"', String.Double, "dq-string"),
            (r"'", String.Single, "sq-string"),
            (_OPENER, Name.Tag, "reference"),
            (r"[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?(?![0-9A-Za-z_.])", Number.Float),
            (r"[0-9]+(?![0-9A-Za-z_.])", Number.Integer),
            (r"\.?[0-9][0-9A-Za-z_.]*", Error),
            (r"(is)(\s+)(?:(not)(\s+))?(null|numeric|integer|decimal)\b",
             bygroups(Keyword, Whitespace, Operator.Word, Whitespace, Keyword)),
            (words(("and", "or", "not"), suffix=r"\b"), Operator.Word),
            (words(("true", "false", "null"), suffix=r"\b"), Keyword.Constant),
            (words(("if", "then", "else", "is", "has"), suffix=r"\b"), Keyword),
            (words(_LOOP_VARS, suffix=r"\b"), Name.Builtin.Pseudo),
            (rf"(\.)(\s*)({_STEPS})(?=\s*\()", bygroups(Punctuation, Whitespace, Keyword.Pseudo)),
            (rf"(\.)(\s*)({_IDENT})", bygroups(Punctuation, Whitespace, Name.Attribute)),
            (rf"(\.)(\s*)({_DQ}|{_SQ})", bygroups(Punctuation, Whitespace, String.Symbol)),
            (rf"{_IDENT}(?=\s*\()", Name.Function),
            (_IDENT, Name),
            (r"==|!=|<=|>=|[<>+\-*/%]", Operator),
            (r"[(),\[\].:]", Punctuation),
        ],
        # a reference body: path segments, collection steps, then options
        "reference": [
            (r"[ \t\r\n]+", Whitespace),
            (r"\}", Name.Tag, "#pop"),
            (rf"({_STEPS})(\s*)(\()", bygroups(Keyword.Pseudo, Whitespace, Punctuation),
             "nested"),
            (r"(defaultValue)(\s*)(:)", bygroups(Name.Attribute, Whitespace, Punctuation),
             "default-value"),
            (r"(params)(\s*)(:)(\s*)(\{)",
             bygroups(Name.Attribute, Whitespace, Punctuation, Whitespace, Punctuation),
             "params"),
            (_SEGMENT, Name.Variable),
            (rf"{_DQ}|{_SQ}", String.Symbol),
            (r"[.,]", Punctuation),
        ],
        # expression mode inside parentheses: ends at the matching ")"
        "nested": [
            (r"\(", Punctuation, "#push"),
            (r"\)", Punctuation, "#pop"),
            (r"\[", Punctuation, "nested-list"),
            include("expression"),
        ],
        "nested-list": [
            (r"\[", Punctuation, "#push"),
            (r"\]", Punctuation, "#pop"),
            (r"\(", Punctuation, "nested"),
            include("expression"),
        ],
        # the value of defaultValue: or of a parameter: ends at "," or "}" at its level
        "default-value": [
            (r",", Punctuation, "#pop"),
            (r"\}", Name.Tag, ("#pop", "#pop")),
            include("option-value"),
        ],
        "param-value": [
            (r",", Punctuation, "#pop"),
            (r"\}", Punctuation, ("#pop", "#pop")),
            include("option-value"),
        ],
        "option-value": [
            (r"\(", Punctuation, "nested"),
            (r"\[", Punctuation, "nested-list"),
            include("expression"),
        ],
        "params": [
            (r"[ \t\r\n]+", Whitespace),
            (r"\}", Punctuation, "#pop"),
            (rf"({_SEGMENT}|{_DQ}|{_SQ})(\s*)(:)",
             bygroups(Name.Attribute, Whitespace, Punctuation), "param-value"),
            (r",", Punctuation),
        ],
        **_string_states(),
    }
