"""Pictures of journeys: Graphviz (dot source and SVG) and Mermaid flowcharts.

Both renderings draw the same graph, built once from the checked model: an ``entry`` node, one
node per step shaped by its kind (channel and action boxes, wait hexagons, condition and split
diamonds, await octagons, jump arrows, end circles), a ``completed`` node where the flow falls
off the last step or a condition matches nothing, labelled branch edges, and dashed ``error``
edges for ``on error``. Dot text and SVG go through the ``graphviz`` package (SVG needs the
Graphviz ``dot`` program); Mermaid text needs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jengine.lang.model import JourneyModel

FORMATS = ("svg", "dot", "mermaid")
_DOT_SHAPES = {"email": "box", "sms": "box", "push": "box", "inapp": "box", "action": "box",
               "update": "parallelogram", "wait": "hexagon", "condition": "diamond",
               "split": "diamond", "await": "octagon", "jump": "cds", "end": "doublecircle"}
_MERMAID = {"box": '["{}"]', "parallelogram": '[/"{}"/]', "hexagon": '{{{{"{}"}}}}',
            "diamond": '{{"{}"}}', "octagon": '[["{}"]]', "cds": '>"{}"]',
            "doublecircle": '(("{}"))', "circle": '(("{}"))', "ellipse": '(["{}"])'}
ENTRY, COMPLETED = "__entry", "__completed"


class GraphError(Exception):
    """The picture cannot be made (unknown format, Graphviz missing)."""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str | None
    error: bool


@dataclass(frozen=True)
class Graph:
    """Nodes (id, label, shape) and edges of one journey."""

    name: str
    nodes: tuple[tuple[str, str, str], ...]
    edges: tuple[Edge, ...]


def journey_graph(journey: JourneyModel) -> Graph:
    """The graph of a journey, in step order."""
    nodes = [(ENTRY, "entry", "circle")]
    edges = [Edge(ENTRY, journey.first, None, False)] if journey.first else []
    completes = False
    for step in journey.steps.values():
        nodes.append((step.name, f"{step.name}\\n{step.kind}", _DOT_SHAPES.get(step.kind, "box")))
        edges.extend(Edge(step.name, t, label, False) for label, t in step.branches)
        if step.kind in ("condition", "split", "await", "end"):
            if step.kind == "condition" and not any(lb == "else" for lb, _ in step.branches):
                edges.append(Edge(step.name, COMPLETED, "no case", False))
                completes = True
        elif step.next is not None:
            edges.append(Edge(step.name, step.next, None, False))
        else:
            edges.append(Edge(step.name, COMPLETED, None, False))
            completes = True
        if step.on_error:
            edges.append(Edge(step.name, step.on_error, "error", True))
    if completes:
        nodes.append((COMPLETED, "completed", "ellipse"))
    return Graph(journey.name, tuple(nodes), tuple(edges))


def render(journey: JourneyModel, fmt: str = "mermaid") -> str:
    """The journey as ``svg``, ``dot`` or ``mermaid`` text."""
    if fmt not in FORMATS:
        raise GraphError(f"unknown format '{fmt}': want svg, dot or mermaid")
    graph = journey_graph(journey)
    if fmt == "mermaid":
        return to_mermaid(graph)
    dot = to_graphviz(graph)
    if fmt == "dot":
        return str(dot.source)
    try:
        return str(dot.pipe(format="svg", encoding="utf-8"))
    except Exception as exc:  # graphviz.ExecutableNotFound, CalledProcessError
        raise GraphError(f"cannot run Graphviz 'dot' ({exc}); install Graphviz, or use "
                         "--format dot or mermaid") from exc


def to_graphviz(graph: Graph) -> Any:
    """A ``graphviz.Digraph`` of the graph."""
    import graphviz  # type: ignore[import-untyped]

    dot = graphviz.Digraph(graph.name, graph_attr={"rankdir": "TB", "label": graph.name},
                           node_attr={"fontname": "Helvetica", "fontsize": "11"},
                           edge_attr={"fontname": "Helvetica", "fontsize": "10"})
    for node_id, label, shape in graph.nodes:
        dot.node(node_id, label, shape=shape)
    for e in graph.edges:
        attrs = {"style": "dashed", "color": "firebrick"} if e.error else {}
        if e.label:
            attrs["label"] = e.label
        dot.edge(e.source, e.target, **attrs)
    return dot


def to_mermaid(graph: Graph) -> str:
    """Mermaid flowchart text."""
    lines = ["flowchart TD", f"  %% journey {graph.name}"]
    for node_id, label, shape in graph.nodes:
        text = _mermaid_text(label.replace("\\n", "<br/>"))
        lines.append(f"  {node_id}" + _MERMAID[shape].format(text))
    for e in graph.edges:
        arrow = "-.->" if e.error else "-->"
        label = f"|{_mermaid_text(e.label)}|" if e.label else ""
        lines.append(f"  {e.source} {arrow}{label} {e.target}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return re.sub(r'["|]', "'", text)
