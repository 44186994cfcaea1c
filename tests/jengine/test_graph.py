"""Journey pictures: dot text, Mermaid text, and SVG when Graphviz is installed."""

from __future__ import annotations

import shutil

import pytest

from jengine import load_texts
from jengine.lang.graph import GraphError, render

TEXT = """
event E { namespace email key @event{E.a} fields { a: string } }
action crm { url "https://x.example/a" body { a: string } }
journey j {
  entry on event E
  hello: email { template: "t" }
  call: action crm { a: @event{E.a} } on error -> oops
  pick: condition {
    yes: @event{E.a} == "x" -> done
  }
  oops: push { template: "sorry" }
  done: end
}
"""


@pytest.fixture(scope="module")
def journey():  # type: ignore[no-untyped-def]
    ws = load_texts({"main.journey": TEXT})
    assert not ws.has_errors, ws.diagnostics
    return ws.model.journeys["j"]


def test_dot_has_nodes_shapes_and_dashed_error_edge(journey) -> None:  # type: ignore[no-untyped-def]
    dot = render(journey, "dot")
    for node in ("hello", "call", "pick", "oops", "done"):
        assert f"\t{node} [" in dot
    assert "shape=diamond" in dot and "shape=doublecircle" in dot
    assert "call -> oops [label=error color=firebrick style=dashed]" in dot
    assert "pick -> done [label=yes]" in dot
    assert 'pick -> __completed [label="no case"]' in dot


def test_mermaid(journey) -> None:  # type: ignore[no-untyped-def]
    text = render(journey, "mermaid")
    assert text.startswith("flowchart TD\n")
    assert "  call -.->|error| oops" in text
    assert '  pick{"pick<br/>condition"}' in text
    assert "  pick -->|yes| done" in text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_svg(journey) -> None:  # type: ignore[no-untyped-def]
    svg = render(journey, "svg")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "stroke-dasharray" in svg


def test_unknown_format(journey) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(GraphError):
        render(journey, "png")
