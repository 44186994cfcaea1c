"""Generated code: deterministic, injection-proof, and every line maps back to a jexpr node."""

from __future__ import annotations

import ast as py

import pytest

import jexpr
from jexpr.compiler.codegen import CodeGen, python_source

HOSTILE = [
    "'); __import__('os').system('echo pwned') #",
    "__builtins__",
    "a\\nb\"'\\u0000",
    "ctx",
    "_ctx_events",
    "lambda: 1",
]


def names_and_strings(source: str) -> tuple[set[str], list[str]]:
    tree = py.parse(source)
    names = {n.id for n in py.walk(tree) if isinstance(n, py.Name)}
    strings = [n.value for n in py.walk(tree)
               if isinstance(n, py.Constant) and isinstance(n.value, str)]
    return names, strings


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_only_ever_appears_as_a_constant(hostile: str) -> None:
    quoted = hostile.replace("\\", "\\\\").replace("'", "\\'")
    text = (f"@event{{'{quoted}'.'{quoted}'}} == '{quoted}' or "
            f"#{{DS.FG.'{quoted}', params: {{'{quoted}': '{quoted}'}}}} == 1")
    program = jexpr.compile(text)
    gen = CodeGen(program.checked)
    source = py.unparse(gen.function())
    names, strings = names_and_strings(source)
    decoded = program.checked.node.left.left.root  # type: ignore[union-attr]
    assert decoded in strings                       # the user's text is a constant …
    allowed = set(gen.namespace) | set(gen.namespace["__builtins__"]) | {
        "ctx", "_e", "_on_fault", "_on_internal"}
    for name in names:                              # … and every name is ours
        assert name in allowed or name.startswith(("_ctx_", "_p", "_t", "_k", "_l", "_d", "_n",
                                                   "_items", "_out", "_loop"))
    assert "os" not in names and "__import__" not in names


def test_generation_is_deterministic() -> None:
    text = 'count(@event{E.items.all(currentEventField.price > 50).sku}) > 2 and lower(@event{E.n}) == "x"'
    first = python_source(jexpr.compile_uncached(text).checked)
    second = python_source(jexpr.compile_uncached(text).checked)
    assert first == second


def test_every_generated_line_names_a_jexpr_node() -> None:
    program = jexpr.compile_uncached('substr(@event{E.s}, 1) + toString(@event{E.n} * 2)')
    gen = CodeGen(program.checked)
    module = gen.function()
    lines = {n.lineno for n in py.walk(module) if hasattr(n, "lineno")}
    assert lines <= set(range(1, len(gen.lines) + 1))
    with pytest.raises(jexpr.EvaluationError) as caught:
        program.evaluate({"events": {"E": {"s": "", "n": 1}}})
    span = caught.value.diagnostic.span
    assert program.text[span.start:span.end] == "substr(@event{E.s}, 1)"
