"""Hostile expression texts and contexts against ``jexpr`` (issue 16): never a traceback.

Hypothesis builds texts three ways — token soups over the expression vocabulary, the
conformance vectors' expressions with random cuts, insertions and deletions, and raw text —
and contexts of JSON-like values sprinkled with what a host may hand over (``nan``,
infinities, integers beyond 64 bits, lone surrogates, deep nesting). For every text:
``check`` returns diagnostics; ``compile`` gives a program exactly when ``check`` found no error
(what check accepts compiles); evaluating gives a value or an :class:`EvaluationError` with an
``E-`` code — never another exception, never an internal error, never an invalid value.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import jexpr
from jexpr.syntax.limits import MAX_DEPTH
from textgen import mutants, soups

VECTORS = Path(__file__).resolve().parents[1] / "conformance" / "expressions.jsonl"
EXPRESSIONS = [json.loads(line)["expr"] for line in
               VECTORS.read_text(encoding="utf-8").splitlines() if line.strip()]
WORDS = [
    "@event{E.x}", "@event{E.l}", "@event{E.m}", "@event{E.l.all(currentEventField.v > 0).v}",
    "@event{E.l.first(currentEventField.v == 1)}", "#{DS.FG.x}", "@action{A.x}",
    "@event{E.x, defaultValue: 1}", "(", ")", "[", "]", "{", "}", ",", ".", "+", "-", "*", "/",
    "%", "==", "!=", "<", "<=", ">", ">=", "and", "or", "not", "AND", "if", "then", "else",
    "is null", "is not null", "true", "null", "0", "1", "-1", "9223372036854775807",
    "9223372036854775808", "1.5", "1E308", "1" * 50, '"s"', "'q'", '"\\ud800"', '"é"',
    "count(", "sum(", "length(", "toString(", "toInteger(", "toDecimal(", "concat(", "lower(",
    "matchRegExp(", "replaceAll(", "split(", "substr(", "toDateTime(", "now()", "inAudience(",
    "listSize(", "in(", "max(", "avg(", "distinct(", "sort(", "limit(", '"a+"', '"(a|a)*b"',
    "currentEventField", "\\", "\x00", "\u00a0", "\ufeff",
]
HOSTILE = [float("nan"), float("inf"), -float("inf"), 2**64, -(2**70), "\ud800", "a\udfffb",
           1e308, -0.0, "", "9" * 30]


def deep_texts() -> st.SearchStrategy[str]:
    return st.builds(lambda open_, n, tail: open_ * n + "1" + tail,
                     st.sampled_from(["(", "[", "not ", "-", "lower(", "1+"]),
                     st.integers(MAX_DEPTH - 5, MAX_DEPTH + 5), st.sampled_from(["", ")", "]"]))


TEXTS = st.one_of(soups(WORDS, 40), mutants(EXPRESSIONS, WORDS, edits=3, max_delete=10), st.text(max_size=200), deep_texts())
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
                    st.sampled_from(HOSTILE))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["v", "x", "k", "\ud800"]),
                                                 inner, max_size=4)), max_leaves=12)
CONTEXTS = st.fixed_dictionaries({
    "events": st.fixed_dictionaries({"E": st.fixed_dictionaries(
        {"x": VALUES, "l": VALUES, "m": VALUES})}),
    "actions": st.fixed_dictionaries({"A": st.fixed_dictionaries({"x": VALUES})}),
    "dataSources": st.fixed_dictionaries({"DS": st.fixed_dictionaries(
        {"FG": st.fixed_dictionaries({"x": VALUES})})}),
})


def _valid(value: Any) -> bool:
    """No value jexpr must refuse at the boundary is in a result."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, float) and not math.isfinite(v):
            return False
        if isinstance(v, int) and not isinstance(v, bool) and not -(2**63) <= v < 2**63:
            return False
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return False
        if isinstance(v, list | tuple):
            stack.extend(v)
        if isinstance(v, dict):
            stack.extend([*v.keys(), *v.values()])
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, CONTEXTS)
@example("+".join(["@event{E.x}"] * 400), {"events": {"E": {"x": 1}}})
@example("@event{E.x} == @event{E.x}", {"events": {"E": {"x": float("nan")}}})
@example("1" * 5000, {})
def test_check_compile_evaluate_only_coded_errors(text: str, context: dict[str, Any]) -> None:
    diags = jexpr.check(text)
    assert all(d.code.startswith(("E-", "W-")) for d in diags)
    try:
        program = jexpr.compile_uncached(text)
    except jexpr.JexprError as exc:
        assert any(d.is_error for d in diags), "check accepted what compile refused"
        assert all(d.code.startswith("E-") for d in exc.diagnostics if d.is_error)
        return
    assert not any(d.is_error for d in diags), "compile accepted what check refused"
    try:
        value = program.evaluate(context)
    except jexpr.EvaluationError as exc:
        assert exc.diagnostic.code.startswith("E-EVAL-")
        assert not exc.internal, str(exc)
        return
    assert _valid(value), repr(value)
