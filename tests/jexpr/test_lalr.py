"""The lean LALR loop (:mod:`jexpr.syntax.lalr`) run by the expression parser
(:func:`jexpr.syntax.grammar.parse_reducing`) agrees with Lark's own parse: on Hypothesis token
soups and mutated conformance-like expressions, both accept or both reject, and the ASTs (spans
included) are equal. The journey parser's side is ``tests/jengine/test_parse_driver.py``."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Token
from lark.exceptions import UnexpectedInput

from jexpr.source import Source
from jexpr.syntax import ast, builder, grammar, lalr
from textgen import mutants, soups

WORDS = ["@event{", "E", ".", "a", "b", "}", "#{", "ExperiencePlatform", "(", ")", "[", "]", ",",
         "1", "2.5", "-", "+", "*", "/", "%", "'s'", '"t"', "and", "AND", "or", "Not", "not",
         "true", "NULL", "is", "null", "has", "if", "then", "else", "==", "!=", "<", ">=",
         "in", "all", "currentEventField", "first", "at", "count", "toInteger", "x", "@{", "->"]
SEEDS = ["@event{E.a} > 1 and not @event{E.b}", "if (1 < 2) then ('a') else (\"b\")",
         "sum(@event{E.items.all(currentEventField.q > 1).p}) * 2",
         "in(@event{E.c}, ['x', 'y']) or @event{E.d} is null"]


def _run(parse: Any, text: str) -> Any:
    current = builder.CURRENT.set(builder.AstBuilder(Source(text, "<expr>")))
    try:
        return "ok", ast.dump(parse(), spans=True)
    except UnexpectedInput as exc:
        return "error", getattr(exc, "pos_in_stream", None)
    finally:
        builder.CURRENT.reset(current)


def _same(text: str) -> None:
    parser = grammar.inline_expression_parser(builder.INLINE)
    lean = _run(lambda: grammar.parse_reducing(parser, text), text)
    assert lean == _run(lambda: parser.parse(text), text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutants(SEEDS, WORDS, edits=2, max_delete=8), soups(WORDS, 30)))
def test_lean_loop_is_larks_parse(text: str) -> None:
    _same(text)


@pytest.mark.parametrize("text", SEEDS)
def test_seeds_parse(text: str) -> None:
    _same(text)
    assert _run(lambda: grammar.parse_reducing(
        grammar.inline_expression_parser(builder.INLINE), text), text)[0] == "ok"


def test_pass_through_rules_exist_and_are_single_symbol() -> None:
    rules = grammar.inline_expression_parser(builder.INLINE).rules
    passing = [r for r in rules if lalr.passes_through(r)]
    assert passing and all(len(r.expansion) == 1 and r.options.expand1 for r in passing)


def test_a_stream_without_end_is_refused() -> None:
    table, _ = grammar._reducing_tables(grammar.inline_expression_parser(builder.INLINE)) \
        or pytest.fail("no tables")
    with pytest.raises(ValueError):
        lalr.drive(table, [], [table.start_state], lambda t: None, lambda p: None)
    with pytest.raises(UnexpectedInput):  # the tokens end before the end state
        lalr.drive(table, [Token("$END", "", 0, 1, 1)], [table.start_state],
                   lambda t: None, lambda p: None)
