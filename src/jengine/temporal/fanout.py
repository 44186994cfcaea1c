"""What the global workflow sends to the keys (pure functions of the spec).

The core answers an audience read and a business event with a fan-out over the group
(:class:`jengine.core.state.Fanout`); the embedded runner walks the group from its store.
Here the global workflow runs the core on an empty slice (the fan-out has no member there:
only the journal line of a business event nobody waits for, and the ``then`` of a read — its
next ``every`` schedule — come out) and asks the
:func:`jengine.temporal.activities.Activities.fan_out` activity to hand each member its share:

* a **read** (§3.1 ``entry read audience``): the k-th member (profile-id order) gets the
  ``enter`` timer of the core (``{"t": "enter", journey, profile}``) due at
  ``start + ⌊k/n⌋·D`` under ``rate n per D`` — at once for the first n;
* a **business event**: every member of the audiences of the journeys it enters gets the
  event; on the member's slice the core's fan-outs run over that one profile
  (:class:`jengine.temporal.machine.KeyMachine`), so it enters the journeys whose audience
  holds it.
"""

from __future__ import annotations

from typing import Any

from jengine.core.context import Spec
from jengine.core.instants import to_micros
from jengine.core.reads import rate_of
from jengine.core.state import BusinessIn, TimerIn
from jengine.lang import ast as A
from jengine.temporal.codec import encode_input

__all__ = ["business", "items", "read", "read_timers"]

Json = dict[str, Any]


def read_timers(spec: Spec, journey: str, version: int, now: int | None) -> list[TimerIn]:
    """The first read of a newly opened read-audience version: at its ``at`` instant, else
    now (the first input's time, as the embedded runner; ``None``: no input yet, so only
    the reads with an ``at``)."""
    vs = spec.version(journey, version)
    entry = vs.journey.entry if vs else None
    if not isinstance(entry, A.EntryRead) or (entry.at is None and now is None):
        return []
    due = to_micros(entry.at.value) if entry.at is not None else now
    assert due is not None
    return [TimerIn(kind=1, due=due, payload={"t": "read", "journey": journey,
                                              "version": version})]


def read(spec: Spec, t: TimerIn, now: int) -> Json | None:
    """The fan-out request of a fired read timer (None: the version cannot read)."""
    journey, version = t.payload["journey"], t.payload["version"]
    vs = spec.version(journey, version)
    entry = vs.journey.entry if vs else None
    if not isinstance(entry, A.EntryRead):
        return None
    count, per_ms = rate_of(entry.rate)
    per = per_ms * 1000
    return {"kind": "read", "audiences": [entry.audience.text], "journey": journey,
            "now": now, "count": count, "per": per, "base": f"read:{journey}:{version}:{now}"}


def business(spec: Spec, inp: BusinessIn, now: int, base: str) -> Json | None:
    """The fan-out request of a business event (None: no journey enters on it)."""
    audiences = set()
    for journey in spec.journey_names:
        latest = spec.latest(journey)
        entry = latest.journey.entry if latest else None
        if isinstance(entry, A.EntryBusiness) and entry.event.text == inp.name:
            audiences.add(entry.audience.text)
    if not audiences:
        return None
    return {"kind": "business", "audiences": sorted(audiences), "input": encode_input(inp),
            "now": now, "base": base}


def items(request: Json, members: list[str]) -> list[tuple[str, Json]]:
    """(member, item) for each member, in profile-id order."""
    now, base = request["now"], request["base"]
    common = {"now": now, "spec": request["spec"], "gen": request["gen"]}
    out: list[tuple[str, Json]] = []
    for k, pid in enumerate(members):
        if request["kind"] == "business":
            out.append((pid, {"id": f"{base}:{pid}", "kind": "input",
                              "input": request["input"], **common}))
            continue
        count, per = request["count"], request["per"]
        due = now + (k // count) * per if count and k >= count else now
        timer = TimerIn(kind=1, due=due, payload={"t": "enter", "journey": request["journey"],
                                                  "profile": pid})
        out.append((pid, {"id": f"{base}:{pid}", "kind": "schedule" if due > now else "input",
                          "input": encode_input(timer), **common}))
    return out
