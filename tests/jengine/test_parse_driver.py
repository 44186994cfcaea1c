"""The fast parse (:mod:`jengine.lang.driver`) builds exactly what Lark's own path builds: a
parse tree with ``propagate_positions``, transformed by the same builders through Lark's
``Transformer`` machinery (the reference below). Compared on every ``.journey`` file of the
repository, on the generated benchmark workspace, and on Hypothesis mutants and token soups:
both accept or both reject, and what they build is equal, spans (offsets and positions)
included; declarations parsed alone (the error path) are compared too."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Token, Tree
from lark.exceptions import UnexpectedInput
from lark.visitors import merge_transformers

from jengine.lang import ast as A
from jengine.lang.build import JourneyBuilder
from jengine.lang.driver import SpanSource, _plan, journey_tables, max_depth, run
from jengine.lang.parse import journey_parser, parse
from jengine.lang.recovery import split_declarations
from jexpr.source import Source, Span
from jexpr.syntax import ast as X
from jexpr.syntax.lalr import passes_through
from jexpr.syntax.parse import AstBuilder, check_int_ranges
from textgen import mutants, soups

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for p in ROOT.glob("**/*.journey") if ".venv" not in p.parts)
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_workspace import generate  # noqa: E402

WORDS = ["event", "journey", "entry", "on", "when", "email", "wait", "until", "condition",
         "split", "await", "after", "end", "else", "->", "{", "}", "(", ")", "[", "]", ":",
         ",", ".", "%", "<", ">", "namespace", "key", "fields", "string", "list", "@event{",
         "#{", '"s"', "1d", "09:00", "12", "1.5", "99999999999999999999", "-", "true", "null",
         "and", "not", "//c\n", "/*c*/", "\n", "x", "E", "a.b", "time", "date", "between"]
EXAMPLES = [p.read_text(encoding="utf-8") for p in FILES
            if "examples" in p.parts][:12]


def shape(node: Any) -> Any:
    """Everything a node holds, spans in full."""
    if isinstance(node, A.Node | X.Node):
        return (type(node).__name__, tuple((name, shape(getattr(node, name)))
                                           for name in node.__dataclass_fields__))
    if isinstance(node, tuple | list):
        return tuple(shape(v) for v in node)
    if isinstance(node, Span):
        return (node.start, node.end, node.start_line, node.start_column, node.end_line,
                node.end_column)
    return node


def reference(text: str, source: Source, offset: int = 0) -> tuple[Any, Any]:
    """Lark's path: a tree with positions (moved by ``offset``), then the transformers."""
    tree = journey_parser().parse(text)
    if offset:
        _shift(tree, offset)
    expr = AstBuilder(source)
    decls = merge_transformers(JourneyBuilder(source), jexpr=expr).transform(tree)
    return shape(decls), shape(expr.diagnostics)


def fast(text: str, source: Source, offset: int = 0) -> tuple[Any, Any]:
    decls, diags, _ = run(text, SpanSource(source.text, source.name), offset)
    return shape(decls), shape(diags)


def _shift(tree: Tree[Token], offset: int) -> None:
    for node in tree.iter_subtrees():
        if not node.meta.empty:
            node.meta.start_pos += offset
            node.meta.end_pos += offset
        for tok in node.children:
            if isinstance(tok, Token):
                tok.start_pos = (tok.start_pos or 0) + offset
                tok.end_pos = (tok.end_pos or 0) + offset


def same(text: str) -> None:
    """Both paths agree on the whole text, and on each declaration parsed alone."""
    source = Source(text)
    pieces = [(text, 0)] + [(text[a:b], a) for a, b in split_declarations(text)]
    for piece, offset in pieces:
        try:
            expected = reference(piece, source, offset)
        except UnexpectedInput:
            with pytest.raises(UnexpectedInput):
                fast(piece, source, offset)
            continue
        assert fast(piece, source, offset) == expected


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_journey_file(path: Path) -> None:
    same(path.read_text(encoding="utf-8"))


def test_generated_workspace() -> None:
    for text in list(generate(400, 100).values()):
        same(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutants(EXAMPLES, WORDS, edits=3, max_delete=20), soups(WORDS, 60)))
def test_generated_texts(text: str) -> None:
    same(text)


def test_integer_range_is_checked_only_when_needed() -> None:
    text = "journey j {\n  entry on event E when 99999999999999999999 > -9223372036854775808\n}"
    result = parse(text)
    assert [d.code for d in result.diagnostics] == ["E-SYN-INT-RANGE"]
    decls, _, wide = run(text, SpanSource(text))
    assert wide
    expressions = [decls[0].items[0].when]
    assert [d.span for e in expressions for d in check_int_ranges(e, Source(text))] == [
        d.span for d in result.diagnostics]
    folded = text.replace("99999999999999999999", "9")  # -2**63 alone folds into range
    assert run(folded, SpanSource(folded))[2] and parse(folded).diagnostics == []
    small = folded.replace("9223372036854775808", "1")
    assert not run(small, SpanSource(small))[2]


def test_depth_limit_is_the_recursion_budget() -> None:
    limit = max_depth()
    assert 100 < limit < sys.getrecursionlimit() // 2
    n = limit + 50   # whatever the recursion limit is now (jexpr raises it when it compiles)
    deep = "journey d {\n  entry on event E when " + "(" * n + "1" + ")" * n + "\n}\n"
    with pytest.raises(RecursionError):
        run(deep, SpanSource(deep))


def test_no_single_child_rule_drops_tokens() -> None:
    """A ``?rule`` that returns its one child never has dropped tokens around it: the child's
    own extent is then the rule's, which the driver relies on (Lark would widen it)."""
    rules = journey_parser().rules
    assert len(journey_tables().plans) == len(rules)
    assert not [r for r in rules if r.options.expand1 and not r.alias
                and any(s.is_term and s.filter_out for s in r.expansion)]


def test_spans_match_the_source() -> None:
    text = "a\r\nbc\rd\n\u00e9f"
    spans = SpanSource(text)
    plain = Source(text)
    for start in range(len(text) + 1):
        for end in range(start, len(text) + 1):
            assert spans.span(start, end) == plain.span(start, end)
    assert spans.span(-1, 99) == plain.span(-1, 99)


def test_passes_are_the_shared_loops() -> None:
    """The journey's pass-through reductions are exactly the ones the lean loop shared with the
    expression parser recognises (:func:`jexpr.syntax.lalr.passes_through`)."""
    rules = journey_parser().rules
    assert [r for r in rules if _plan(r).passes] == [r for r in rules if passes_through(r)]
    assert any(passes_through(r) for r in rules)
