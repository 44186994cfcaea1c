"""The tree matches docs/architecture.md: its package list, no module over 500 lines, and no
import circle between modules (the layering itself is `lint-imports`' job in CI)."""

from __future__ import annotations

import re
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
MAX_LINES = 500


def _documented_packages() -> set[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Packages", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_.]+)` \|", section, re.M))


def _subpackages() -> set[str]:
    found = set()
    for init in SRC.rglob("__init__.py"):
        parts = init.parent.relative_to(SRC).parts
        if len(parts) > 1:
            found.add(".".join(parts))
    return found


def test_documented_packages_are_the_tree() -> None:
    assert _documented_packages() == _subpackages()


def test_no_module_over_the_budget() -> None:
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v) & modules:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for m in sorted(modules):
        if m not in index:
            visit(m)
    return found


def test_no_import_circle_between_modules() -> None:
    graph = grimp.build_graph("jexpr", "jengine")
    modules = {m for m in graph.modules if m.split(".")[0] in ("jexpr", "jengine")}
    assert _cycles(graph, modules) == []
