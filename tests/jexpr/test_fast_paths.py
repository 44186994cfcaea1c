"""The compiled program's fast paths (issue 11) against the reference interpreter.

Each fast path takes only the common case and falls back to the ordinary code otherwise; these
tests drive every path and its fallbacks with payloads chosen to hit them — the type switch of
run-time overloads, aggregates fused over projections, inline builtins, hoisted data-source
field groups, costly coercions computed once — and require the interpreter's value or error
code, and the error's span where the fast path raises it.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark.exceptions import UnexpectedInput

import jexpr
from jexpr.compiler.interpret import NodeFault
from jexpr.compiler.interpret import evaluate as interpret
from jexpr.runtime import temporal
from jexpr.source import Source
from jexpr.syntax import ast, builder, grammar
from jexpr.syntax import parse as parsing

TYPED = {"E.items": "listObject", "E.items.p": "decimal", "E.items.q": "integer",
         "E.items.s": "string", "E.tags": "listString", "E.d": "decimal", "E.i": "integer",
         "E.ts": "dateTime", "E.when": "dateTime", "DS.FG.n": "integer"}


def outcome(run: Any) -> tuple[str, Any]:
    try:
        return "ok", run()
    except jexpr.EvaluationError as err:
        return "error", err.diagnostic.code
    except NodeFault as fault:
        return "error", fault.fault.code


def same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def agree(text: str, payload: dict[str, Any], types: dict[str, str] | None = None,
          **context: Any) -> tuple[str, Any]:
    """Compile and interpret; both must give the same value (same Python type) or error code."""
    program = jexpr.compile(text, fieldTypes=types)
    ctx = {"events": {"E": payload}, **context}
    compiled = outcome(lambda: program.evaluate(ctx))
    reference = outcome(lambda: interpret(program.checked, ctx))
    assert compiled[0] == reference[0] and same(compiled[1], reference[1]), \
        (text, payload, compiled, reference)
    return compiled


def error_text(text: str, payload: dict[str, Any], types: dict[str, str] | None = None) -> str:
    """The source text the compiled program's evaluation error points at."""
    program = jexpr.compile(text, fieldTypes=types)
    with pytest.raises(jexpr.EvaluationError) as caught:
        program.evaluate({"events": {"E": payload}})
    span = caught.value.diagnostic.span
    return text[span.start:span.end]


# ---- the type switch ---------------------------------------------------------------------

SWITCHED = [None, True, 0, 42, -7, 2**63, 4.7, -0.5, float("inf"), "42", "+17", " 1", "4.5e1",
            "x", [1], {"a": 1}, "2024-03-14T17:45:00+01:00"]


@pytest.mark.parametrize("text", ["toInteger(@event{E.v})", "toDecimal(@event{E.v})",
                                  "round(@event{E.v})", "toBool(@event{E.v})",
                                  "toDateTime(@event{E.v})", "toString(@event{E.v})",
                                  "sum(@event{E.v}, 1)", "max(@event{E.v}, 2.5)",
                                  "toDateOnly(@event{E.v})"])
def test_type_switch_agrees_with_the_dispatcher(text: str) -> None:
    for value in SWITCHED:
        agree(text, {"v": value}, now=jexpr.from_json({"dateTime": "2024-03-15T09:30Z"}))


@pytest.mark.parametrize("values", [[1, 2, None], [1, 2.5], [2**53 + 1, 1.0], [], [None],
                                    [1, "x"], [2**63], [float("nan")], [True], [[1]],
                                    [1.5, 2**70]])
@pytest.mark.parametrize("name", ["sum", "avg", "max", "min"])
def test_aggregates_of_lists_typed_at_run_time(name: str, values: list[Any]) -> None:
    agree(f"{name}(@event{{E.v}})", {"v": values})


# ---- fused aggregates ------------------------------------------------------------------------

ITEMS: list[Any] = [
    [],
    [{"p": 1.5, "q": 2, "s": "a"}, {"p": 3, "q": None, "s": "b"}, {}],
    [{"p": None}, {"p": 2**60}, {"p": 1e308}, {"p": 1e308}],
    [{"p": [1, 2], "q": [3], "s": ["a", "b"]}, {"p": 4, "q": 1, "s": "c"}],  # spliced lists
    [{"p": "x", "q": "y", "s": 5}],  # contradicts the declared types
    [{"p": 2.5, "q": 3, "s": "SKU"}, "not an object", None, {"p": 1, "q": 7, "s": "SKU"}],
    [{"p": 1, "q": 2**63, "s": "a"}],
]
FUSED = ["sum(@event{E.items.p})", "avg(@event{E.items.p})", "max(@event{E.items.p})",
         "min(@event{E.items.q})", "count(@event{E.items.s})", "avg(@event{E.items.q})",
         "distinctCount(@event{E.items.s})", 'in("SKU", @event{E.items.s})',
         "count(@event{E.items.all(currentEventField.q > 1).s})",
         "sum(@event{E.items.all(currentEventField.s == \"SKU\").q})"]


@pytest.mark.parametrize("items", ITEMS)
@pytest.mark.parametrize("text", FUSED)
def test_fused_aggregates_agree_typed_and_untyped(text: str, items: list[Any]) -> None:
    for types in (TYPED, None):
        agree(text, {"items": items}, types)
        agree(text, {"items": {"p": 1.5, "q": 2, "s": "a"}}, types)  # a base that is no list
        agree(text, {}, types)


def test_fused_coercion_error_points_at_the_reference() -> None:
    text = "sum(@event{E.items.p}) > 1"
    assert error_text(text, {"items": [{"p": 1.0}, {"p": "x"}]}, TYPED) == "@event{E.items.p}"


def test_fused_overflow_points_at_the_call() -> None:
    text = "sum(@event{E.items.q})"
    assert error_text(text, {"items": [{"q": 2**62}, {"q": 2**62}]}, TYPED) == text


# ---- inline builtins ---------------------------------------------------------------------------

INLINE = ['substr(@event{E.s}, 1, 3)', 'substr(@event{E.s}, 2)', 'trim(@event{E.s})',
          'indexOf(@event{E.s}, "b")', 'containIgnoreCase(@event{E.s}, "B")',
          'equalIgnoreCase(@event{E.s}, "ABC")', 'isNotEmpty(@event{E.s})',
          'getListItem(@event{E.l}, 1)', 'listSize(@event{E.l})', 'in("b", @event{E.l})',
          'toString(length(@event{E.s}))', '@event{E.s} + toString(true) + 1',
          'concat(@event{E.s}, "!")', 'split(@event{E.s}, ",")', 'replaceAll(@event{E.s}, "b", "$0$0")',
          'replace(@event{E.s}, "[a-c]", "-")', 'matchRegExp(@event{E.s}, "[a-c,]+")',
          'matchRegExp(@event{E.s}, "ab")']


@pytest.mark.parametrize("text", INLINE)
@pytest.mark.parametrize("payload", [{"s": "abc", "l": ["a", "b"]}, {"s": "a", "l": []},
                                     {"s": " b,c, ", "l": ["b", None]}, {},
                                     {"s": 5, "l": "b"}, {"s": "ab", "l": [1, 2]}])
def test_inline_builtins_agree(text: str, payload: dict[str, Any]) -> None:
    agree(text, payload)
    agree(text, payload, {"E.s": "string", "E.l": "listString"})


def test_substr_out_of_range_points_at_the_call() -> None:
    assert error_text('substr(@event{E.s}, 0, 3) + "x"', {"s": "ab"}) == \
        "substr(@event{E.s}, 0, 3)"


# ---- declared fields compared with literals ---------------------------------------------------

COMPARED = ["@event{E.i} > 3", "@event{E.i} == 3", "@event{E.i} != 3", "3 <= @event{E.i}",
            "@event{E.i} < 2.5", "@event{E.i} == 3.0", "@event{E.d} >= 2", "@event{E.d} == 2",
            "2.5 > @event{E.d}", '@event{E.s} == "ab"', '"ab" != @event{E.s}',
            "@event{E.b} == true", "@event{E.b} != false", "@event{E.x.y} > 1",
            "@event{E.b} or false", "not ((@event{E.b}))", "if (@event{E.b}) then (1) else (2)"]
FIELD_VALUES = [None, 3, 2, 2**53 + 1, 2**63, 2.0, 2.5, float("nan"), float("inf"), "3", " 3",
                "2.5", "ab", "x", True, False, "true", [3], {"y": 2}]


@pytest.mark.parametrize("value", FIELD_VALUES)
@pytest.mark.parametrize("text", COMPARED)
def test_declared_fields_compared_with_literals_agree(text: str, value: Any) -> None:
    types = {"E.i": "integer", "E.d": "decimal", "E.s": "string", "E.b": "boolean",
             "E.x.y": "integer"}
    payload = {"i": value, "d": value, "s": value, "b": value, "x": {"y": value}}
    agree(text, payload, types)
    agree(text, {}, types)


def test_declared_field_comparison_error_points_at_the_reference() -> None:
    assert error_text("1 < 2 and @event{E.i} > 3", {"i": "x"}, {"E.i": "integer"}) == "@event{E.i}"


# ---- hoisted data-source groups and once-per-evaluation coercions -----------------------------


def test_data_source_group_hoisted_for_mappings_and_lazy_for_resolvers() -> None:
    text = "#{DS.FG.n} + #{DS.FG.n}"
    program = jexpr.compile(text, fieldTypes=TYPED)
    assert program.evaluate({"dataSources": {"DS": {"FG": {"n": 2}}}}) == 4
    calls: list[Any] = []

    def resolver(ds: str, fg: str, params: dict[str, Any]) -> dict[str, Any]:
        calls.append((ds, fg, params))
        return {"n": 5}
    assert program.evaluate({"dataSources": resolver}) == 10
    assert calls == [("DS", "FG", {})]  # once per evaluation
    lazy = jexpr.compile("false and #{DS.FG.n} > 1", fieldTypes=TYPED)
    assert lazy.evaluate({"dataSources": {"DS": "not a mapping"}}) is False
    assert lazy.evaluate({"dataSources": resolver}) is False and len(calls) == 1
    for bad in ({"DS": "not a mapping"}, {"DS": {"FG": "x"}}, None):
        agree(text, {}, TYPED, dataSources=bad)


def test_costly_coercion_once_but_lazily() -> None:
    text = "inLastDays(@event{E.when}, 7) or toString(@event{E.when}) == \"x\""
    now = jexpr.from_json({"dateTime": "2024-03-15T09:30Z"})
    agree(text, {"when": "2024-03-14T10:00:00Z"}, TYPED, now=now)
    agree(text, {"when": "garbage"}, TYPED, now=now)
    lazy = jexpr.compile("false and listSize(@event{E.tags}) + listSize(@event{E.tags}) > 0",
                         fieldTypes=TYPED)
    assert lazy.evaluate({"events": {"E": {"tags": [1]}}}) is False


# ---- parsing in the parser's reductions ----------------------------------------------------


@pytest.mark.parametrize("text", [
    "@event{E.a} > 1 and not in(@event{E.b}, [\"x\", 'y']) or @event{E.c.all(currentEventField.d"
    " is not null).e.first().f, defaultValue: -9223372036854775808}",
    "#{DS.FG.'a b'.entry(\"k\").keys(), params: {p: 1 + 2 * 3}} has null",
    "if (currentEventField.x.if == true) then (1.5E3) else (date(\"2024-01-01\"))",
    "1 AND 2 OR TRUE", "9223372036854775808 + 1", "@{E.x} is decimal",
])
def test_reduction_built_ast_equals_the_tree_built_one(text: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    quick = parsing.parse(text)
    monkeypatch.setattr(parsing, "_parse_inline", lambda source, lark_text: None)
    slow = parsing.parse(text)
    assert quick[0] is not None and slow[0] is not None
    assert ast.dump(quick[0], spans=True) == ast.dump(slow[0], spans=True)
    assert [d.to_dict() for d in quick[1]] == [d.to_dict() for d in slow[1]]


REDUCED = ["1 +", "in(@event{E.a}, [1, 2]", "", "   ", "@event{E.a} >= 1 and (", ")", "1 2",
           "@event{E.a.all(currentEventField.b > 1).c}", "not not true", "'x' + \"y\""]


@pytest.mark.parametrize("text", REDUCED)
def test_lean_lalr_loop_is_larks_parse(text: str) -> None:
    parser = grammar.inline_expression_parser(builder.INLINE)
    source = Source(text, "<expr>")

    def run(parse: Any) -> Any:
        current = builder.CURRENT.set(builder.AstBuilder(source))
        try:
            node = parse()
            return "ok", ast.dump(node, spans=True)
        except UnexpectedInput as exc:
            return "error", type(exc).__name__, getattr(exc, "pos_in_stream", None)
        finally:
            builder.CURRENT.reset(current)
    assert run(lambda: grammar.parse_reducing(parser, text)) == run(lambda: parser.parse(text))


def test_lean_lalr_loop_falls_back_to_lark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grammar, "_reducing_tables", lambda parser: None)
    node, diags = parsing.parse("@event{E.a} > 1 and true")
    assert node is not None and not diags


# ---- offset date-times recognised by position ---------------------------------------------

_DATE_TIMES = ["2024-03-16T10:00:00+05:30", "2024-03-16T10:00+18:00", "2024-03-16T10:00+18:01",
               "2024-03-16T10:00:00.123456Z", "2024-02-30T10:00Z", "2024-03-16T10:00:00+05:75",
               "9999-12-31T23:59:59.999999-18:00", "2024-03-16T10:00:00.1234567Z",
               "2024-03-16t10:00Z", "2024-03-16T24:00Z", "2024-03-16T10:00:00-00:00"]


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(_DATE_TIMES), st.lists(st.tuples(st.integers(0, 40),
                                                        st.sampled_from("0123456789-:T.Z+z t")),
                                              max_size=2))
def test_offset_date_times_parse_as_the_exact_grammar(text: str, edits: list[Any]) -> None:
    """The position check before ``fromisoformat`` accepts exactly what the grammar of §12.2
    does, with the same value and offset."""
    chars = list(text)
    for index, char in edits:
        chars[index % len(chars)] = char
    text = "".join(chars)
    fast = temporal.parse_offset_datetime(text)
    m = temporal._OFFSET_RE.fullmatch(text)
    exact = None
    if m is not None:
        local, tz = temporal._build_local(m.groups()[:7]), temporal._build_offset(m.groups()[7:])
        exact = None if local is None or tz is None else local.replace(tzinfo=tz)
    assert fast == exact and (fast is None or fast.utcoffset() == exact.utcoffset())
