"""Which journeys listen to what: the routing index of a :class:`~jengine.core.context.Spec`.

Routing an event (§4.3 step 4) consults, per journey in name order, the exit criteria and the
await ``event`` triggers of the active instance's version and the entry of the journey's
latest version. A journey none of whose runnable versions names the event in an exit or an
await trigger, and whose latest entry is not on that event, cannot react to it: routing skips
it. :class:`Routes` lists, per event name and per audience name, the journeys that *can*
react (in name order), so routing costs the listening journeys, not every journey. Built once
per spec (:func:`routes`, cached on the spec object, which is immutable).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from jengine.core.context import Spec, VersionSpec
from jengine.lang import ast as A

__all__ = ["Routes", "routes"]


@dataclass(frozen=True)
class Routes:
    """Journey names (sorted) per event and per audience (see the module docstring)."""

    events: Mapping[str, tuple[str, ...]]
    audiences: Mapping[str, tuple[str, ...]]
    business: Mapping[str, tuple[str, ...]]

    def for_event(self, name: str) -> tuple[str, ...]:
        """Journeys whose entry, exit criteria or await triggers name profile event ``name``."""
        return self.events.get(name, ())

    def for_audience(self, name: str) -> tuple[str, ...]:
        """Journeys entered on a change of audience ``name`` or exited on joining it."""
        return self.audiences.get(name, ())

    def for_business(self, name: str) -> tuple[str, ...]:
        """Journeys whose latest entry is business event ``name``."""
        return self.business.get(name, ())


def routes(spec: Spec) -> Routes:
    """The routing index of ``spec`` (computed on first use, then cached on the spec)."""
    cached = spec.__dict__.get("_routes")
    if cached is None:
        cached = _build(spec)
        object.__setattr__(spec, "_routes", cached)
    assert isinstance(cached, Routes)
    return cached


def _build(spec: Spec) -> Routes:
    events: dict[str, set[str]] = {}
    audiences: dict[str, set[str]] = {}
    business: dict[str, set[str]] = {}
    by_journey: dict[str, list[VersionSpec]] = {}
    for (journey, _), vs in spec.versions.items():
        by_journey.setdefault(journey, []).append(vs)
    for journey in spec.journey_names:
        for vs in by_journey.get(journey, ()):
            for kind, name in _listens(vs):
                (events if kind == "event" else audiences).setdefault(name, set()).add(journey)
        latest = spec.latest(journey)
        entry = latest.journey.entry if latest is not None else None
        if isinstance(entry, A.EntryEvent):
            events.setdefault(entry.event.text, set()).add(journey)
        elif isinstance(entry, A.EntryAudience):
            audiences.setdefault(entry.audience.text, set()).add(journey)
        elif isinstance(entry, A.EntryBusiness):
            business.setdefault(entry.event.text, set()).add(journey)
    return Routes(_sorted(events), _sorted(audiences), _sorted(business))


def _listens(vs: VersionSpec) -> Iterable[tuple[str, str]]:
    """(``event``/``audience``, name) of a version's exit criteria and await event triggers."""
    for crit in vs.journey.exits:
        yield crit.kind, crit.name.text
    for step in vs.journey.steps.values():
        body = step.node.body
        if isinstance(body, A.Await):
            for trig in body.items:
                if isinstance(trig, A.EventTrigger):
                    yield "event", trig.event.text


def _sorted(index: dict[str, set[str]]) -> dict[str, tuple[str, ...]]:
    return {name: tuple(sorted(journeys)) for name, journeys in index.items()}
