"""Dominators of a journey's step graph: which steps come before a step on every path.

The Lengauer–Tarjan algorithm (simple version: path compression without balancing,
O(m log n)) gives the immediate dominator of each reached step; a preorder numbering of the
dominator tree then answers "does a dominate b" in two comparisons. Everything is iterative
and linear in memory (a set of dominators per step is quadratic: a 10,000-step chain needed
gigabytes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Dominators", "StepsBefore"]


@dataclass(frozen=True)
class Dominators:
    """The dominator tree of a graph, as each reached node's preorder interval in it. A node
    that is never reached counts as dominated by every node."""

    interval: dict[str, tuple[int, int]]

    @staticmethod
    def build(first: str, succ: Mapping[str, Sequence[str]]) -> Dominators:
        return Dominators(_intervals(first, immediate_dominators(first, succ)))

    def dominates(self, a: str, b: str) -> bool:
        """Whether every path from the first node to ``b`` passes through ``a`` (a != b)."""
        if b not in self.interval:
            return True
        if a == b or a not in self.interval:
            return False
        (a0, a1), (b0, b1) = self.interval[a], self.interval[b]
        return a0 <= b0 and b1 <= a1


@dataclass(frozen=True)
class StepsBefore:
    """The steps that come before ``step`` in some every-path sense, as a membership test
    (``name in before``) answered by ``test(name, step)``; no set is ever built."""

    step: str
    test: Callable[[str, str], bool]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.test(name, self.step)


def immediate_dominators(first: str, succ: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The immediate dominator of every node reached from ``first`` (``first`` maps to itself)."""
    vertex, parent, preds = _dfs(first, succ)
    n = len(vertex)
    semi = list(range(n))
    label = list(range(n))
    ancestor = [-1] * n
    idom = [0] * n
    bucket: list[list[int]] = [[] for _ in range(n)]
    for w in range(n - 1, 0, -1):
        for v in preds[w]:
            u = _eval(v, ancestor, label, semi)
            semi[w] = min(semi[w], semi[u])
        bucket[semi[w]].append(w)
        ancestor[w] = parent[w]
        for v in bucket[parent[w]]:
            u = _eval(v, ancestor, label, semi)
            idom[v] = u if semi[u] < semi[v] else parent[w]
        bucket[parent[w]] = []
    for w in range(1, n):
        if idom[w] != semi[w]:
            idom[w] = idom[idom[w]]
    return {vertex[w]: vertex[idom[w]] for w in range(n)}


def _dfs(first: str, succ: Mapping[str, Sequence[str]]
         ) -> tuple[list[str], list[int], list[list[int]]]:
    """Preorder numbering: the nodes by number, each node's DFS parent, its reached preds."""
    number = {first: 0}
    vertex, parent = [first], [0]
    stack = [(first, iter(succ.get(first, ())))]
    while stack:
        node, it = stack[-1]
        nxt = next(it, None)
        if nxt is None:
            stack.pop()
        elif nxt not in number:
            number[nxt] = len(vertex)
            vertex.append(nxt)
            parent.append(number[node])
            stack.append((nxt, iter(succ.get(nxt, ()))))
    preds: list[list[int]] = [[] for _ in vertex]
    for node in vertex:
        for nxt in succ.get(node, ()):
            preds[number[nxt]].append(number[node])
    return vertex, parent, preds


def _eval(v: int, ancestor: list[int], label: list[int], semi: list[int]) -> int:
    if ancestor[v] < 0:
        return v
    path = []
    x = v
    while ancestor[ancestor[x]] >= 0:
        path.append(x)
        x = ancestor[x]
    for x in reversed(path):
        a = ancestor[x]
        if semi[label[a]] < semi[label[x]]:
            label[x] = label[a]
        ancestor[x] = ancestor[a]
    return label[v]


def _intervals(first: str, idom: dict[str, str]) -> dict[str, tuple[int, int]]:
    children: dict[str, list[str]] = {}
    for n, d in idom.items():
        if n != first:
            children.setdefault(d, []).append(n)
    out: dict[str, tuple[int, int]] = {}
    start: dict[str, int] = {}
    clock = 0
    stack: list[tuple[str, bool]] = [(first, False)]
    while stack:
        node, done = stack.pop()
        if done:
            out[node] = (start[node], clock)
            continue
        start[node] = clock
        clock += 1
        stack.append((node, True))
        stack.extend((c, False) for c in children.get(node, ()))
    return out
