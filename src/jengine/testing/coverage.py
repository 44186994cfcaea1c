"""Path coverage of journeys by the journals of scenario runs (``jengine test``).

A journey's *steps* are its named steps; its *branches* are the labelled ways out of its
branching steps (condition cases and ``else``, split branches, await triggers) and every
``on error -> t`` edge. The journal does not name the case that was taken, only the step and the
``next`` step, so a branch is identified by (step, target, error or not): cases of one step that
lead to the same target are one branch, labelled ``wave1|wave2``; an ``on error`` edge is told
apart from a case with the same target by the ``error`` outcome.

A step is covered when some instance reached it (it is the ``step`` or the ``next`` of a journal
line that is not a discard); a branch when a journal line went from its step to its target with
the matching outcome. :class:`Coverage` accumulates journals of any number of runs against one
:class:`~jengine.lang.model.Model` and renders one line per journey::

    welcome: 8/8 steps, 6/7 branches; not covered: engaged[vip] -> vipTips
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jengine.lang.model import JourneyModel, Model

__all__ = ["Branch", "Coverage", "JourneyCoverage", "branches_of"]


@dataclass(frozen=True)
class Branch:
    """A way out of a step: ``labels`` (merged when they share a target) to ``target``."""

    step: str
    target: str
    error: bool
    labels: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str, bool]:
        return (self.step, self.target, self.error)

    def __str__(self) -> str:
        label = "on error" if self.error else "|".join(self.labels)
        return f"{self.step}[{label}] -> {self.target}"


def branches_of(journey: JourneyModel) -> list[Branch]:
    """Every branch of a journey, in step order."""
    out: list[Branch] = []
    for step in journey.steps.values():
        merged: dict[str, list[str]] = {}
        for label, target in step.branches:
            merged.setdefault(target, []).append(label)
        out += [Branch(step.name, t, False, tuple(labels)) for t, labels in merged.items()]
        if step.on_error is not None:
            out.append(Branch(step.name, step.on_error, True, ("on error",)))
    return out


@dataclass
class JourneyCoverage:
    """What the journals covered of one journey."""

    journey: JourneyModel
    steps: set[str] = field(default_factory=set)
    edges: set[tuple[str, str, bool]] = field(default_factory=set)

    def add(self, line: Mapping[str, Any]) -> None:
        if line.get("outcome") == "discarded":
            return
        step, target = line.get("step"), line.get("next")
        self.steps |= {s for s in (step, target) if isinstance(s, str)}
        if isinstance(step, str) and isinstance(target, str):
            self.edges.add((step, target, line.get("outcome") == "error"))

    def missing_steps(self) -> list[str]:
        return [s for s in self.journey.steps if s not in self.steps]

    def missing_branches(self) -> list[Branch]:
        return [b for b in branches_of(self.journey) if b.key not in self.edges]

    def summary(self) -> str:
        total_steps, branches = len(self.journey.steps), branches_of(self.journey)
        missing = [*self.missing_steps(), *map(str, self.missing_branches())]
        text = (f"{self.journey.name}: {total_steps - len(self.missing_steps())}/{total_steps} "
                f"steps, {len(branches) - len(self.missing_branches())}/{len(branches)} branches")
        return text + (f"; not covered: {', '.join(missing)}" if missing else "")


class Coverage:
    """Coverage of the journeys of one model, from journal lines of many runs."""

    def __init__(self, model: Model, journeys: Iterable[str] | None = None) -> None:
        names = sorted(model.journeys) if journeys is None else [
            j for j in journeys if j in model.journeys]
        self.journeys = {name: JourneyCoverage(model.journeys[name]) for name in names}

    def add_journal(self, lines: Iterable[Mapping[str, Any]]) -> None:
        for line in lines:
            cov = self.journeys.get(str(line.get("journey")))
            if cov is not None:
                cov.add(line)

    def lines(self) -> list[str]:
        return [cov.summary() for cov in self.journeys.values()]
