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

from jexpr.syntax.lalr import Table, drive, ended, passes_through


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


def parse_reducing(parser: Lark, text: str) -> Any:
    """``parser.parse(text)`` for a parser with a transformer (the values of its reductions),
    by the lean LALR loop of :mod:`jexpr.syntax.lalr` (the one the journey parser runs too):
    the same tables, lexer and callbacks, but each reduction's size, callback and goto symbol
    looked up once per grammar instead of through the rule objects at every step, and the
    reductions that return their one child (:func:`~jexpr.syntax.lalr.passes_through`) only
    change the state (the parser's time is most of an expression's compile time). Raises Lark's ``UnexpectedInput`` on a
    syntax error, as ``parse`` does."""
    tables = _reducing_tables(parser)
    if tables is None:  # a Lark whose internals differ from the ones this loop knows
        return parser.parse(text)
    table, terminal_callbacks = tables
    interactive = parser.parse_interactive(text)
    state = interactive.parser_state
    values: list[Any] = state.value_stack
    lexer: Any = interactive.lexer_thread

    def reduce(plan: _Reduction) -> None:
        size = plan.size
        if size:
            children = values[-size:]
            del values[-size:]
        else:
            children = []
        values.append(plan.callback(children))

    def shift(token: Token) -> None:
        callback = terminal_callbacks.get(token.type)
        values.append(token if callback is None else callback(token))

    drive(table, ended(lexer.lex(state)), state.state_stack,
          shift if terminal_callbacks else values.append, reduce)
    return values[-1]


class _Reduction:
    """A rule of a parser with a transformer: what it pops, the symbol it makes, its
    callback (the transformer's method, as Lark's parser calls it)."""

    __slots__ = ("callback", "origin", "passes", "size")

    def __init__(self, rule: Any, callback: Callable[[list[Any]], Any]) -> None:
        self.size, self.origin = len(rule.expansion), rule.origin.name
        self.callback = callback
        self.passes = passes_through(rule)  # returns its one child: only the state changes


@cache
def _reducing_tables(parser: Lark) -> tuple[Table[_Reduction], dict[str, Any]] | None:
    try:
        callbacks = parser.parse_interactive("").parser_state.parse_conf.callbacks
        table = Table(parser, lambda rule: _Reduction(rule, callbacks[rule]),
                      lambda plan: plan.passes)
        terminals = {k: v for k, v in callbacks.items() if isinstance(k, str)}
        return table, terminals
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


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
