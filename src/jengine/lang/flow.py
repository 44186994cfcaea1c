"""The step graph of a journey: names, targets, cycles, reachability, reactions (spec §3.2).

A journey's steps form a graph: a step flows to its ``-> t`` target or else to the next step in
the text; ``on error``, condition cases, split branches and await triggers add labelled edges.
This module resolves the graph once and checks it: unknown targets and names, repeated tail
clauses, ``J-CYCLE`` (depth-first search), ``J-UNREACHABLE``, ``J-SPLIT``, ``J-TIMEOUT`` of waits,
``J-EVENT-KIND``, ``J-JUMP`` and ``J-REACTION``. One forward data-flow pass computes, for every
step, the events delivered on every path (``J-EVENT-MAYBE-NULL``, :mod:`jengine.lang.sites`);
the steps that precede a step on every path (the reaction check) and those that ran *without
error* on every path (an ``on error`` edge does not count its step; ``J-ACTION-MAYBE-NULL``) are
answered by dominator trees (:mod:`jengine.lang.dominators`), so memory stays linear in the
number of steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from jengine.lang import ast as A
from jengine.lang.dominators import Dominators, StepsBefore
from jengine.lang.index import Index, Reporter
from jengine.lang.model import StepModel
from jexpr.diagnostics import Diagnostic, did_you_mean, error, warning
from jexpr.source import Source

Edge = tuple[str, str, A.Name | None, str | None]  # source, target, target name node, event


@dataclass
class Flow:
    """The resolved graph of one journey."""

    steps: dict[str, StepModel] = field(default_factory=dict)
    first: str | None = None
    edges: list[Edge] = field(default_factory=list)
    events: dict[str, frozenset[str]] = field(default_factory=dict)  # events on every path
    failing: set[int] = field(default_factory=set)  # indexes of the 'on error' edges
    dominators: Dominators = field(default_factory=lambda: Dominators({}))
    success: Dominators = field(default_factory=lambda: Dominators({}))

    def ran_before(self, step: str) -> StepsBefore:
        """The steps that run before ``step`` on every path (a membership test)."""
        return StepsBefore(step, self.dominators.dominates)

    def succeeded_before(self, step: str) -> StepsBefore:
        """The steps that ran without error on every path to ``step``: ``a`` is one when its
        success exit dominates ``step`` in the graph where every step has a success exit and
        an error exit (its ``on error`` edges leave from the latter)."""
        return StepsBefore(step, lambda a, b: self.success.dominates(a + _OK, b))


_OK = "\x00ok"
_ERR = "\x00err"


def check_journey_flow(node: A.Journey, index: Index, reporter: Reporter, source: Source,
                       timeout: int) -> Flow:
    """Resolve and check the step graph of a journey."""
    return _FlowChecker(node, index, reporter, source, timeout).run()


def _steps(node: A.Journey) -> list[A.Step]:
    return [i for i in node.items if isinstance(i, A.Step)]


class _FlowChecker:
    def __init__(self, node: A.Journey, index: Index, reporter: Reporter, source: Source,
                 timeout: int) -> None:
        self.node = node
        self.index = index
        self.reporter = reporter
        self.source = source
        self.timeout = timeout
        self.flow = Flow()
        self.names: dict[str, A.Step] = {}
        self.reached: set[str] = set()

    def report(self, diag: Diagnostic) -> None:
        self.reporter.add(self.source, diag)

    def run(self) -> Flow:
        steps = _steps(self.node)
        self.unique_names(steps)
        self.entry_and_exits()
        unique = [s for s in steps if self.names.get(s.name.text) is s]
        for i, step in enumerate(unique):
            following = unique[i + 1].name.text if i + 1 < len(unique) else None
            self.step(step, following)
        self.flow.first = steps[0].name.text if steps else None
        self.cycles()
        self.dataflow()
        self.unreachable(steps)
        self.reactions(steps)
        return self.flow

    # -- names

    def unique_names(self, steps: list[A.Step]) -> None:
        shared = set(self.index.events) | set(self.index.datasources) | {"ExperiencePlatform"}
        for step in steps:
            name = step.name.text
            if name in self.names:
                self.report(error("J-NAME-DUPLICATE", f"step '{name}' is declared twice in "
                                  f"journey '{self.node.name.text}'", step.name.span,
                                  "step names are unique within a journey"))
                continue
            self.names[name] = step
            if isinstance(step.body, A.Custom) and name in shared:
                self.report(error("J-NAME-DUPLICATE", f"custom-action step '{name}' has the name "
                                  "of an event or data source (they share expression roots)",
                                  step.name.span, "rename the step"))

    def target(self, name: A.Name) -> str | None:
        if name.text in self.names:
            return name.text
        hint = did_you_mean(name.text, self.names)
        self.report(error("J-NAME-UNKNOWN", f"unknown step '{name.text}' in journey "
                          f"'{self.node.name.text}'", name.span,
                          f"did you mean {hint}?" if hint else "-> names a step of this journey"))
        return None

    def declared(self, name: A.Name, table: Iterable[str], what: str) -> bool:
        if name.text in table or name.text in self.index.broken:
            return True
        hint = did_you_mean(name.text, table)
        self.report(error("J-NAME-UNKNOWN", f"unknown {what} '{name.text}'", name.span,
                          f"did you mean {hint}?" if hint else f"declare the {what}"))
        return False

    def event_kind(self, name: A.Name, business: bool, where: str) -> None:
        event = self.index.events.get(name.text)
        if event is None or event.business == business:
            return
        got = "a business event" if event.business else "a profile event"
        want = "a business event" if business else "a profile event (without 'business')"
        self.report(error("J-EVENT-KIND", f"{where} takes {want}; '{name.text}' is {got}",
                          name.span))

    def entry_and_exits(self) -> None:
        for item in self.node.items:
            if isinstance(item, A.EntryEvent):
                if self.declared(item.event, self.index.events, "event"):
                    self.event_kind(item.event, False, "'entry on event'")
            elif isinstance(item, A.EntryAudience | A.EntryRead):
                self.declared(item.audience, self.index.audiences, "audience")
            elif isinstance(item, A.EntryBusiness):
                if self.declared(item.event, self.index.events, "event"):
                    self.event_kind(item.event, True, "'entry on business event'")
                self.declared(item.audience, self.index.audiences, "audience")
            elif isinstance(item, A.Exit) and item.kind == "event":
                if self.declared(item.name, self.index.events, "event"):
                    self.event_kind(item.name, False, "'exit on event'")
            elif isinstance(item, A.Exit):
                self.declared(item.name, self.index.audiences, "audience")

    # -- steps

    def edge(self, src: str, name: A.Name | None, label: str, event: str | None = None) -> None:
        if name is None:
            return
        target = self.target(name)
        if target is not None:
            if label == "on error":
                self.flow.failing.add(len(self.flow.edges))
            self.flow.edges.append((src, target, name, event))

    def step(self, step: A.Step, following: str | None) -> None:
        name, body = step.name.text, step.body
        if self.names.get(name) is not step:
            return  # a duplicate (reported): its edges would belong to the first step
        nxt: str | None = None
        onerr: str | None = None
        branches: list[tuple[str, str]] = []
        if isinstance(body, A.Channel | A.Custom | A.UpdateProfile | A.WaitFor | A.WaitUntil
                      | A.Jump):
            nxt, onerr = self.tail(name, body.tail, following)
            self.simple(step, body)
        elif isinstance(body, A.Condition):
            onerr = self.condition(name, body, branches)
        elif isinstance(body, A.Split):
            self.split(name, body, branches)
        elif isinstance(body, A.Await):
            onerr = self.await_(name, body, branches)
        if name not in self.flow.steps:
            kind = _KIND.get(type(body), "step")
            if isinstance(body, A.Channel):
                kind = body.kind
            self.flow.steps[name] = StepModel(name, kind, step, nxt, onerr, tuple(branches))

    def tail(self, name: str, tail: A.Tail, following: str | None
             ) -> tuple[str | None, str | None]:
        self.at_most_once(tail, A.Goto, "'->'")
        self.at_most_once(tail, A.OnError, "'on error'")
        goto, onerr = A.tail_target(tail)
        nxt = following
        if goto is not None:
            nxt = self.target(goto)
            if nxt is not None:
                self.flow.edges.append((name, nxt, goto, None))
        elif following is not None:
            self.flow.edges.append((name, following, None, None))
        self.edge(name, onerr, "on error")
        return nxt, onerr.text if onerr else None

    def at_most_once(self, items: Iterable[A.Node], kind: type, word: str) -> None:
        found = [i for i in items if isinstance(i, kind)]
        for extra in found[1:]:
            self.report(error("J-CLAUSE", f"{word} is given twice in this step", extra.span,
                              f"a step has at most one {word}"))

    def simple(self, step: A.Step, body: A.Body) -> None:
        if isinstance(body, A.WaitFor):
            self.duration_fits(body.duration, "wait")
        elif isinstance(body, A.Custom):
            self.declared(body.action, self.index.actions, "action")
        elif isinstance(body, A.Jump):
            self.jump(step, body)

    def duration_fits(self, lit: A.Literal_, what: str) -> None:
        if lit.value is not None and lit.value > self.timeout:
            self.report(error("J-TIMEOUT", f"{what} {lit.text} is longer than the journey "
                              "timeout", lit.span, "shorten it or raise the journey timeout"))

    def jump(self, step: A.Step, body: A.Jump) -> None:
        name = body.journey
        if name.text == self.node.name.text:
            self.report(error("J-JUMP", f"journey '{name.text}' cannot jump to itself",
                              name.span, "end the journey and re-enter instead"))
            return
        if not self.declared(name, self.index.journeys, "journey"):
            return
        target = self.index.journeys.get(name.text)
        entry = next((i for i in target.items if isinstance(i, _ENTRY_KINDS)), None) \
            if target else None
        if target is not None and not isinstance(entry, A.EntryEvent):
            self.report(error("J-JUMP", f"journey '{name.text}' cannot be jumped to: its entry "
                              "is not 'entry on event'", name.span))
        del step

    def condition(self, name: str, body: A.Condition, branches: list[tuple[str, str]]
                  ) -> str | None:
        self.at_most_once(body.items, A.ElseBranch, "'else'")
        self.at_most_once(body.items, A.OnError, "'on error'")
        for item in body.items:
            label = item.label.text if isinstance(item, A.Case) else (
                "else" if isinstance(item, A.ElseBranch) else "on error")
            if not isinstance(item, A.OnError):
                self.branch(name, label, item.target, branches)
        onerr = next((i for i in body.items if isinstance(i, A.OnError)), None)
        self.edge(name, onerr.target if onerr else None, "on error")
        return onerr.target.text if onerr else None

    def branch(self, name: str, label: str, target: A.Name, branches: list[tuple[str, str]],
               event: str | None = None) -> None:
        resolved = self.target(target)
        if resolved is not None:
            branches.append((label, resolved))
            self.flow.edges.append((name, resolved, target, event))

    def split(self, name: str, body: A.Split, branches: list[tuple[str, str]]) -> None:
        total = 0
        for b in body.branches:
            weight = int(b.weight.value)
            total += weight
            if weight > 100:
                self.report(error("J-SPLIT", f"split weight {weight}% is over 100%",
                                  b.weight.span, "weights range from 0 to 100"))
            self.branch(name, f"{b.label.text} {weight}%", b.target, branches)
        if total != 100:
            self.report(error("J-SPLIT", f"split weights sum to {total}%, want 100%",
                              body.span, "adjust the weights so that they sum to 100"))

    def await_(self, name: str, body: A.Await, branches: list[tuple[str, str]]) -> str | None:
        self.at_most_once(body.items, A.OnError, "'on error'")
        for item in body.items:
            if isinstance(item, A.OnError):
                continue
            event = None
            if isinstance(item, A.EventTrigger):
                if self.declared(item.event, self.index.events, "event"):
                    self.event_kind(item.event, False, "an await 'event' trigger")
                event = item.event.text
            if isinstance(item, A.AfterTrigger):
                self.duration_fits(item.duration, "after")
            self.branch(name, _trigger_label(item), item.target, branches, event)
        onerr = next((i for i in body.items if isinstance(i, A.OnError)), None)
        self.edge(name, onerr.target if onerr else None, "on error")
        return onerr.target.text if onerr else None

    # -- graph checks

    def successors(self) -> dict[str, list[Edge]]:
        out: dict[str, list[Edge]] = {n: [] for n in self.names}
        for e in self.flow.edges:
            out[e[0]].append(e)
        return out

    def cycles(self) -> None:
        succ = self.successors()
        state: dict[str, int] = {}
        for start in self.names:
            if start not in state:
                self.dfs(start, succ, state)

    def dfs(self, start: str, succ: dict[str, list[Edge]], state: dict[str, int]) -> None:
        stack = [(start, iter(succ[start]))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            edge = next(it, None)
            if edge is None:
                state[node] = 2
                stack.pop()
                continue
            target = edge[1]
            if state.get(target) == 1:
                self.cycle(edge, [n for n, _ in stack])
            elif target not in state:
                state[target] = 1
                stack.append((target, iter(succ[target])))

    def cycle(self, edge: Edge, path: list[str]) -> None:
        loop = [*path[path.index(edge[1]):], edge[1]]
        span = edge[2].span if edge[2] else self.names[edge[0]].name.span
        self.report(error("J-CYCLE", "the steps form a cycle: " + " -> ".join(loop), span,
                          "journeys are acyclic; use a separate journey and jump to repeat"))

    def dataflow(self) -> None:
        """Dominator trees and the events delivered on every path (reverse postorder)."""
        first = self.flow.first
        if first is None:
            return
        preds: dict[str, list[Edge]] = {n: [] for n in self.names}
        succ: dict[str, list[str]] = {n: [] for n in self.names}
        split: dict[str, list[str]] = {}
        for i, e in enumerate(self.flow.edges):
            preds[e[1]].append(e)
            succ[e[0]].append(e[1])
            split.setdefault(e[0] + (_ERR if i in self.flow.failing else _OK), []).append(e[1])
        for n in self.names:
            split[n] = [n + _OK, n + _ERR]
        order = self.postorder(first, succ)
        self.flow.dominators = Dominators.build(first, succ)
        self.flow.success = Dominators.build(first, split)
        self.flow.events = self.delivered(first, order, preds)
        self.reached = set(order)

    @staticmethod
    def postorder(first: str, succ: dict[str, list[str]]) -> list[str]:
        order: list[str] = []
        seen = {first}
        stack = [(first, iter(succ[first]))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                order.append(node)
                stack.pop()
            elif nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, iter(succ[nxt])))
        return order

    def delivered(self, first: str, order: list[str], preds: dict[str, list[Edge]]
                  ) -> dict[str, frozenset[str]]:
        """Events delivered on every path to each step (unreached steps: every event)."""
        everything = frozenset(self.index.events)
        facts = {n: everything for n in self.names}
        facts[first] = frozenset()
        rpo = order[::-1]
        changed = True
        while changed:
            changed = False
            for n in rpo:
                if n == first:
                    continue
                incoming = [facts[p] | {ev} if ev else facts[p] for p, _, _, ev in preds[n]]
                new = frozenset.intersection(*incoming) if incoming else everything
                if new != facts[n]:
                    facts[n], changed = new, True
        return facts

    def unreachable(self, steps: list[A.Step]) -> None:
        reached = self.reached
        for step in steps:
            if step.name.text not in reached and self.names.get(step.name.text) is step:
                self.report(warning("J-UNREACHABLE", f"step '{step.name.text}' is never reached",
                                    step.name.span, "remove it or add a '->' to it"))

    def reactions(self, steps: list[A.Step]) -> None:
        for step in steps:
            if not isinstance(step.body, A.Await):
                continue
            for item in step.body.items:
                if isinstance(item, A.Reaction):
                    self.reaction(item, step.name.text)

    def reaction(self, item: A.Reaction, await_step: str) -> None:
        target = self.names.get(item.step.text)
        if target is None or not isinstance(target.body, A.Channel):
            self.report(error("J-REACTION", f"'{item.kind} {item.step.text}' needs a channel "
                              f"step (email, sms, push, inapp); '{item.step.text}' is not one",
                              item.step.span, "name an email, sms, push or inapp step"))
        elif not self.flow.dominators.dominates(item.step.text, await_step):
            self.report(error("J-REACTION", f"channel step '{item.step.text}' does not come "
                              "before this await on every path", item.step.span,
                              "react only to a channel step every path passes through"))


_KIND = {A.Custom: "action", A.UpdateProfile: "update", A.WaitFor: "wait",
         A.WaitUntil: "wait", A.Jump: "jump", A.Condition: "condition", A.Split: "split",
         A.Await: "await", A.End: "end"}
_ENTRY_KINDS = (A.EntryEvent, A.EntryAudience, A.EntryRead, A.EntryBusiness)


def _trigger_label(item: A.Trigger) -> str:
    if isinstance(item, A.Reaction):
        return f"{item.kind} {item.step.text}"
    if isinstance(item, A.EventTrigger):
        return f"event {item.event.text}"
    if isinstance(item, A.AfterTrigger):
        return f"after {item.duration.text}"
    return "until"


def check_jump_cycles(index: Index, reporter: Reporter) -> None:
    """``J-JUMP`` for journeys that jump to each other in a cycle."""
    jumps: dict[str, list[A.Jump]] = {}
    for name, journey in index.journeys.items():
        jumps[name] = [s.body for s in _steps(journey) if isinstance(s.body, A.Jump)]
    for name in sorted(jumps):
        path = _jump_path(name, jumps)
        if path:
            first_jump = next(j for j in jumps[name] if j.journey.text == path[1])
            reporter.add(index.source_of(index.journeys[name]), error(
                "J-JUMP", "jumps form a cycle: " + " -> ".join(path), first_jump.journey.span,
                "a journey may not be re-entered through a chain of jumps"))


def _jump_path(start: str, jumps: dict[str, list[A.Jump]]) -> list[str] | None:
    """A chain of jumps from ``start`` back to itself (self-jumps are reported elsewhere)."""
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for jump in jumps.get(node, []):
            target = jump.journey.text
            if target == start and node != start:
                return [*path, target]
            if target not in seen and target in jumps and target != node:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None
