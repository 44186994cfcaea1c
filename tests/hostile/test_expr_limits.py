"""Hostile expressions and host values against jexpr (issue 16): each attack ends in a coded
error, never a traceback, and whatever ``check`` accepts also compiles and runs.

The attacks: sums of hundreds of terms and brackets nested thousands deep (``RecursionError``
escaped ``check``/``compile``), integer literals of thousands of digits, field paths tens of
kilobytes long, declared paths thousands of segments deep, and a host handing the evaluator
``nan``, infinities, integers beyond 64 bits and lone surrogates. The ones that could hang or
exhaust memory run in a child process under a memory limit (``RLIMIT_AS``) and a time limit.
Limits are stated in ``docs/security.md`` (section "Expressions").
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest

import jexpr
from jexpr.compiler.interpret import NodeFault
from jexpr.compiler.interpret import evaluate as interpret
from jexpr.syntax.limits import MAX_DEPTH

MEMORY = 1 << 30
SECONDS = 120


def _limits() -> None:  # in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_python(code: str) -> Any:
    """Run ``code`` in a fresh interpreter under the limits; it prints one JSON value."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=SECONDS, preexec_fn=_limits, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _codes(text: str, **kw: Any) -> list[str]:
    return sorted({d.code for d in jexpr.check(text, **kw) if d.is_error})


# ---- depth: bounded with E-SYN-TOO-DEEP, and everything below the bound runs ---------------


def deep(kind: str, n: int) -> str:
    """An expression of kind ``kind`` nested ``n`` levels deep (as counted by the limit)."""
    return {
        "sum": lambda: "+".join(["1"] * n),
        "minus": lambda: "1" + "-1" * (n - 1),
        "and": lambda: "true" + " and true" * (n - 1),
        "paren": lambda: "(" * (n - 1) + "1" + ")" * (n - 1),
        "not": lambda: "not " * (n - 1) + "true",
        "call": lambda: "lower(" * (n - 1) + '"A"' + ")" * (n - 1),
        "if": lambda: "if (true) then (" * (n - 1) + "1" + ") else (2)" * (n - 1),
    }[kind]()


KINDS = ["sum", "minus", "and", "paren", "not", "call", "if"]
VALUES = {"sum": MAX_DEPTH, "minus": 2 - MAX_DEPTH, "and": True, "paren": 1,
          "not": MAX_DEPTH % 2 == 1, "call": "a", "if": 1}


@pytest.mark.parametrize("kind", KINDS)
def test_the_deepest_accepted_expression_compiles_and_runs(kind: str) -> None:
    text = deep(kind, MAX_DEPTH)
    assert _codes(text) == []
    value = jexpr.compile_uncached(text).evaluate({})
    assert value == VALUES[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_one_level_deeper_is_a_coded_error(kind: str) -> None:
    text = deep(kind, MAX_DEPTH + 2)
    diags = [d for d in jexpr.check(text) if d.is_error]
    assert [d.code for d in diags] == ["E-SYN-TOO-DEEP"]
    assert diags[0].hint and diags[0].span.start_line == 0
    with pytest.raises(jexpr.JexprError) as caught:
        jexpr.compile_uncached(text)
    assert [d.code for d in caught.value.diagnostics] == ["E-SYN-TOO-DEEP"]


@pytest.mark.parametrize("terms", [249, 250, 400, MAX_DEPTH - 1])
def test_a_long_sum_checks_compiles_and_runs(terms: int) -> None:
    text = "+".join(["@event{E.n}"] * terms)
    assert _codes(text, fieldTypes={"E.n": "integer"}) == []
    program = jexpr.compile_uncached(text, fieldTypes={"E.n": "integer"})
    assert program.evaluate({"events": {"E": {"n": 2}}}) == 2 * terms
    assert interpret(program.checked, {"events": {"E": {"n": 2}}}) == 2 * terms


def test_the_accepted_depth_runs_on_a_small_thread_stack() -> None:
    results: list[object] = []

    def work() -> None:
        results.append(jexpr.compile_uncached(deep("call", MAX_DEPTH)).evaluate({}))

    old = threading.stack_size(1 << 20)
    try:
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old)
    assert results == ["a"]


def test_huge_nesting_is_refused_within_bounds() -> None:
    codes = run_python("""
        import json, jexpr
        out = []
        for text in ["(" * 10000 + "1" + ")" * 10000, "+".join(["1"] * 10000),
                     "[" * 10000 + "1" + "]" * 10000, "(" * 10000 + "1" + ")" * 10000 + " +"]:
            out.append(sorted({d.code for d in jexpr.check(text) if d.is_error}))
            try:
                jexpr.compile(text)
            except jexpr.JexprError as exc:
                out.append(sorted({d.code for d in exc.diagnostics if d.is_error}))
        print(json.dumps(out))
    """)
    assert codes[:6] == [["E-SYN-TOO-DEEP"]] * 6
    assert codes[6] == codes[7] and codes[6] and "E-SYN-TOO-DEEP" not in codes[6]


# ---- literals, paths and declarations -------------------------------------------------------


@pytest.mark.parametrize("text", ["1" * 5000, "-" + "9" * 5000, "1" * 41, "[" + "7" * 100000 + "]"])
def test_a_huge_integer_literal_is_out_of_range(text: str) -> None:
    diags = [d for d in jexpr.check(text) if d.is_error]
    assert [d.code for d in diags] == ["E-SYN-INT-RANGE"]
    assert "more than 40 digits" in diags[0].message


def test_a_long_field_path_compiles_and_evaluates() -> None:
    n = 5000
    text = "@event{E." + ".".join(["ab"] * n) + "}"
    value: Any = 7
    for _ in range(n):
        value = {"ab": value}
    types = {"E.ab": "object", "E.ab.ab": "object"}
    for program in (jexpr.compile_uncached(text), jexpr.compile_uncached(text, fieldTypes=types)):
        assert program.evaluate({"events": {"E": value}}) == 7
    complete = jexpr.check(text, schema={"E.ab.x": "string"})
    assert [d.code for d in complete] == ["E-FIELD-UNKNOWN"]


def test_a_deep_declared_path_is_refused() -> None:
    with pytest.raises(ValueError, match="over the limit of 128"):
        jexpr.check("1", fieldTypes={"E." + ".".join(["a"] * 5000): "string"})


def test_compile_uncached_takes_field_types() -> None:
    program = jexpr.compile_uncached("@event{E.n} + 1", fieldTypes={"E.n": "integer"})
    assert program.type == "integer"
    assert program.evaluate({"events": {"E": {"n": 41}}}) == 42


# ---- the host boundary: E-EVAL-PAYLOAD ------------------------------------------------------

BAD = {"nan": float("nan"), "inf": float("-inf"), "big": 2**70, "surrogate": "a\ud800"}
SHAPES = [
    ("@event{E.x}", lambda v: {"events": {"E": {"x": v}}}),
    ("@event{E.l}", lambda v: {"events": {"E": {"l": [1, v]}}}),
    ("@event{E.m}", lambda v: {"events": {"E": {"m": {"k": [v]}}}}),
    ("#{DS.FG.x}", lambda v: {"dataSources": {"DS": {"FG": {"x": v}}}}),
    ("@action{A.x}", lambda v: {"actions": {"A": {"x": v}}}),
    ("if (true) then (@event{E.x}) else (null)", lambda v: {"events": {"E": {"x": v}}}),
]
NUMERIC = ["@event{E.x} > 0", "@event{E.x} == 0", "@event{E.x} == @event{E.x}",
           "@event{E.x} + 1", "@event{E.l.all(currentEventField.v > 0).v}",
           "sum(@event{E.l.all().v})"]


@pytest.mark.parametrize("bad", sorted(BAD))
@pytest.mark.parametrize("shape", range(len(SHAPES)))
def test_an_invalid_host_value_never_reaches_a_result(bad: str, shape: int) -> None:
    text, context = SHAPES[shape]
    program = jexpr.compile_uncached(text)
    with pytest.raises(jexpr.EvaluationError) as caught:
        program.evaluate(context(BAD[bad]))
    assert caught.value.diagnostic.code == "E-EVAL-PAYLOAD"
    with pytest.raises(NodeFault) as fault:
        interpret(program.checked, context(BAD[bad]))
    assert fault.value.fault.code == "E-EVAL-PAYLOAD"


@pytest.mark.parametrize("bad", ["nan", "inf", "big"])
@pytest.mark.parametrize("text", NUMERIC)
def test_operations_refuse_invalid_host_numbers(bad: str, text: str) -> None:
    context = {"events": {"E": {"x": BAD[bad], "l": [{"v": BAD[bad]}]}}}
    with pytest.raises(jexpr.EvaluationError) as caught:
        jexpr.compile_uncached(text).evaluate(context)
    assert caught.value.diagnostic.code == "E-EVAL-PAYLOAD"


@pytest.mark.parametrize("declared", ["decimal", "integer", "string"])
def test_declared_fields_refuse_invalid_host_values(declared: str) -> None:
    for bad in BAD.values():
        if declared == "string" and isinstance(bad, float | int):
            continue
        with pytest.raises(jexpr.EvaluationError) as caught:
            jexpr.compile_uncached("@event{E.x}", fieldTypes={"E.x": declared}).evaluate(
                {"events": {"E": {"x": bad}}})
        assert caught.value.diagnostic.code == "E-EVAL-PAYLOAD"


def test_valid_host_values_pass_unchanged() -> None:
    value = {"k": [1, 2.5, "é", None, True, {"n": -(2**63)}]}
    assert jexpr.compile_uncached("@event{E.m}").evaluate({"events": {"E": {"m": value}}}) \
        == value
