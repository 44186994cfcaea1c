"""Inputs that concern a group of profiles: business events, audience reads, window ends.

Each becomes a :class:`~jengine.core.state.Fanout`: the step that receives the input decides
what happens to the group and emits the fan-out; the runner then feeds one
:class:`~jengine.core.state.MemberIn` per member, each a one-profile step with that profile's
slice (:func:`member`). So no step ever needs more than one profile, and a group costs time in
proportion to its members, not to the profile store.

* A business event (§3.1) enters every member of each listening journey's entry audience, in
  profile-id order, journey after journey.
* A ``read audience`` schedule (§3.1) enters its members in profile-id order; with
  ``rate n per D`` the k-th member (0-based) enters at once when k < n, else an ``enter``
  timer for that profile is due at ``now + ⌊k/n⌋·D``. The next read (``every``) is scheduled
  after the last member (its timer sequence number follows theirs).
* A window end exits every active instance of the version, in instance-uid order.
"""

from __future__ import annotations

from jengine.core.entry import enter
from jengine.core.routes import routes
from jengine.core.run import Run
from jengine.core.state import (
    ACTIVE_GROUP,
    AUDIENCE_GROUP,
    BusinessIn,
    Fanout,
    Json,
    MemberIn,
    Schedule,
)
from jengine.lang import ast as A

__all__ = ["member", "read_audience", "route_business", "window_end"]


def route_business(run: Run, inp: BusinessIn) -> None:
    """A business event: one fan-out per listening journey, in journey-name order."""
    interest = False
    for journey in routes(run.spec).for_business(inp.name):
        latest = run.spec.latest(journey)
        entry = latest.journey.entry if latest else None
        if isinstance(entry, A.EntryBusiness) and entry.event.text == inp.name:
            interest = True
            task = {"t": "business", "journey": journey, "event": inp.name,
                    "payload": inp.payload}
            run.effects.append(Fanout((AUDIENCE_GROUP, entry.audience.text),
                                      _template(run, task)))
    if not interest:
        run.journal(None, None, None, None, "discarded", None, "no_interest")


def read_audience(run: Run, journey: str, version: int) -> None:
    """A ``read audience`` schedule fired: its members enter, ``rate n per D`` apart."""
    vs = run.spec.version(journey, version)
    entry = vs.journey.entry if vs else None
    if vs is None or not isinstance(entry, A.EntryRead):
        return
    count = int(entry.rate.count.value) if entry.rate else 0
    per = int(entry.rate.per.value) * 1000 if entry.rate else 0
    then: tuple[Schedule, ...] = ()
    if entry.every is not None and run.spec.open.get(journey) == version:
        then = (Schedule(run.now_us + int(entry.every.value) * 1000, 1, None,
                         {"t": "read", "journey": journey, "version": version}),)
    task = {"t": "read", "journey": journey, "version": version, "count": count, "per": per}
    run.effects.append(Fanout((AUDIENCE_GROUP, entry.audience.text), _template(run, task),
                              then, count or None))


def window_end(run: Run, journey: str, version: int) -> None:
    """The window closed: every active instance of the version will end ``exited``."""
    task = {"t": "window", "journey": journey, "version": version}
    run.effects.append(Fanout((ACTIVE_GROUP, journey, str(version)), _template(run, task)))


def _template(run: Run, task: Json) -> MemberIn:
    return MemberIn(run.inp.line, run.inp.event_time, task)


def member(run: Run, inp: MemberIn) -> None:
    """One member of a fan-out (its profile's slice is in ``run``)."""
    task, pid = inp.task, inp.profile
    kind, journey = task["t"], task["journey"]
    if kind == "business":
        enter(run, journey, pid, task["event"], task["payload"], None)
    elif kind == "read":
        count = task["count"]
        if count and inp.index >= count:
            run.schedule(run.now_us + (inp.index // count) * task["per"], 1, None,
                         {"t": "enter", "journey": journey, "profile": pid})
        else:
            enter(run, journey, pid, None, {}, None)
    elif kind == "window":
        uid = run.active_uid(journey, pid)
        if uid is not None and run.state.instances[uid]["version"] == task["version"]:
            inst = run.inst(uid)
            run.ijournal(inst, inst["step"], "exited", None, "window_end")
            run.end(inst, "exited")
