"""What the global workflow sends to the keys (pure functions of the spec).

The core answers an audience read and a business event with fan-outs over a group
(:class:`jengine.core.state.Fanout`: a template :class:`~jengine.core.state.MemberIn` and the
group); the embedded runner walks the group from its store and steps each member on its
slice. Here the global workflow (whose slice holds no profile) runs the core, which decides
everything that concerns the execution as a whole — a business execution is counted once
(``executions single``), a read's next schedule and, incremental, the entry counter's value
when it began — and hands each fan-out to the
:func:`jengine.temporal.activities.Activities.fan_out` activity (:func:`request`): the
activity lists the group's members in the shared store's profile directory, in profile-id
order (:func:`items`), and sends the k-th member the core's own member input (``MemberIn``
with ``profile`` and ``index`` k). The member's workflow steps it on its own slice, exactly
as the embedded runner does: it enters now or schedules its ``enter`` timer at its turn under
the entry's ``rate``, checks and sets its incremental read mark (kept in its re-entrance
memory), or — force re-entrance — ends its active instance (``exited``, ``recurrence``).

Groups: an audience is its members (the directory's memberships); a journey's active
instances (force re-entrance) are the profiles whose mirror lists ``@journey:<name>``
(:func:`journey_tag`; each key mirrors the journeys it has an active instance of). A
version's window end is not fanned out: every key derives it from its own instances.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from jengine.core.context import Spec
from jengine.core.instants import to_micros
from jengine.core.state import AUDIENCE_GROUP, JOURNEY_GROUP, Fanout, MemberIn, TimerIn
from jengine.lang import ast as A
from jengine.temporal.codec import decode_input, encode_input

__all__ = ["counter_keys", "items", "journey_tag", "read_timers", "request"]

Json = dict[str, Any]


def journey_tag(journey: str) -> str:
    """The pseudo-audience of the profiles with an active instance of ``journey``."""
    return f"@journey:{journey}"


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


def counter_keys(spec: Spec, t: TimerIn) -> list[str]:
    """The shared counters the core reads when this timer fires on the global workflow (an
    incremental read's entry counter: the read's members are counted from its value)."""
    if t.payload.get("t") != "read":
        return []
    journey, version = t.payload["journey"], t.payload["version"]
    vs = spec.version(journey, version)
    entry = vs.journey.entry if vs else None
    if not isinstance(entry, A.EntryRead) or not entry.incremental:
        return []
    return [f"{journey}|{version}|@read|entered"]


def request(fan: Fanout, now: int, base: str) -> Json | None:
    """The fan-out activity's request for a core fan-out (None: a group no directory holds;
    the window-end group never reaches here)."""
    if fan.group[0] == AUDIENCE_GROUP:
        audience = fan.group[1]
    elif fan.group[0] == JOURNEY_GROUP:
        audience = journey_tag(fan.group[1])
    else:
        return None
    return {"kind": "member", "audiences": [audience], "template": encode_input(fan.template),
            "bare_from": fan.bare_from, "now": now, "base": base}


def items(req: Json, members: list[str]) -> list[tuple[str, Json]]:
    """(member, item) for each member, in profile-id order: the core's member input with
    the member's profile and index."""
    common = {"now": req["now"], "spec": req["spec"], "gen": req["gen"]}
    template = decode_input(req["template"])
    assert isinstance(template, MemberIn)
    bare_from = req.get("bare_from")
    out: list[tuple[str, Json]] = []
    for k, pid in enumerate(members):
        bare = bare_from is not None and k >= bare_from
        member = replace(template, profile=pid, index=k, bare=bare)
        out.append((pid, {"id": f"{req['base']}:{pid}", "kind": "input",
                          "input": encode_input(member), **common}))
    return out
