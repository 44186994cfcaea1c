"""The only code that locates the ``.lark`` grammar files and builds Lark parsers.

Grammars ship inside the wheel as ``jexpr/_grammars/*.lark`` (hatch force-include); in a source
checkout they are read from the repository's ``grammar/`` folder. Parsers are LALR with the
contextual lexer, built under ``strict=True`` (no shift/reduce conflicts, no terminal
collisions), cached per process and on disk (Lark's ``cache=True``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token


def grammar_dir() -> Path:
    """The folder holding ``jexpr.lark`` and ``journey.lark``."""
    packaged = Path(__file__).parents[1] / "_grammars"
    if (packaged / "jexpr.lark").is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "grammar"


@cache
def expression_parser() -> Lark:
    """The cached LALR parser of ``jexpr.lark`` (with the keyword-case post-lexer)."""
    # Spans are computed by the AST builder from the tokens (keep_all_tokens), which is
    # cheaper than Lark's propagate_positions on this hot path.
    return build_parser("jexpr.lark", postlex=KeywordCase(), positions=False)


class KeywordCase:
    """Post-lexer: a name that spells a keyword in the wrong case (``AND``, ``Not``, ``TRUE``)
    becomes that keyword, except after a ``.`` (``currentEventField.Null`` is a field), so the
    parse goes on as the user meant. Each repair is reported through :data:`on_repair`."""

    always_accept: tuple[str, ...] = ()
    KEYWORDS = frozenset((
        "and", "or", "not", "is", "null", "has", "if", "then", "else", "true", "false"))

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        after_dot = False
        for token in stream:
            if token.type == "NAME" and not after_dot:
                word = str(token.value)
                lower = word.lower()
                if lower in self.KEYWORDS and word != lower:
                    report = on_repair.get(None)
                    if report is not None:
                        report(token)
                    token = Token.new_borrow_pos(lower.upper(), word, token)
            after_dot = token.type == "DOT"
            yield token


on_repair: ContextVar[Callable[[Token], None] | None] = ContextVar("on_repair", default=None)


@cache
def inline_expression_parser(transformer: Any) -> Lark:
    """``jexpr.lark`` with a transformer applied during the LALR parse itself (no parse tree,
    no second walk): the happy path of :func:`jexpr.syntax.parse.parse`."""
    path = grammar_dir() / "jexpr.lark"
    return Lark(path.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                start="start", strict=True, propagate_positions=False, keep_all_tokens=True,
                maybe_placeholders=True, import_paths=[str(path.parent)],
                source_path=str(path), cache=True, postlex=KeywordCase(),
                transformer=transformer)


@cache
def build_parser(filename: str, start: str = "start", postlex: Any = None,
                 positions: bool = True) -> Lark:
    """A strict LALR parser for one grammar file of :func:`grammar_dir`."""
    path = grammar_dir() / filename
    return Lark(
        path.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        start=start,
        strict=True,
        propagate_positions=positions,
        keep_all_tokens=not positions,
        maybe_placeholders=True,
        import_paths=[str(path.parent)],
        source_path=str(path),
        # The analysed tables are cached on disk, keyed by the grammar text and these options:
        # a changed grammar is rebuilt (and re-checked under strict=True) on first use.
        cache=True,
        postlex=postlex,
    )
