"""Batch entries: read-audience runs and business-event executions (AJO's read audience), as
fan-outs over the audience's members.

A ``read`` timer reads the members of the audience (``realized``/``existing``, rule audiences
evaluated now) and lets them enter at the entry's rate (default 5,000 profiles per second,
AJO's default): the first ``n`` at once, then ``n`` more every ``per``, as ``enter`` timers.
The step that receives the timer or the business event decides and emits
:class:`~jengine.core.state.Fanout` effects; each member is then a one-profile step
(:func:`read_member`, :func:`business_member`), so a read costs time in its members, not in
the profile store (issue 12).

* **Schedule** (:mod:`jengine.core.schedule`): after a read the next one is scheduled (the
  fan-out's ``then``, after every member) while the version is open and the schedule not
  past ``until``; the timer carries the schedule's anchor (and, incremental, the read's
  number ``n``, 1-based).
* **Incremental**: the first read takes every member; a later read only the members that were
  not members at the previous read. Each member of a read gets the read's mark
  (``lastRead = "<version>:<n>"`` in its re-entrance memory, stored with its entry); a member
  enters when its mark is not the previous read's. The k-th entering member (for the rate) is
  counted by the ``<journey>|<version>|@read|entered`` counter (the task carries its value
  when the read began).
* **Force re-entrance**: before each read, every active instance of the journey (any
  version) ends ``exited`` (reason ``recurrence``) — a fan-out over those instances, in
  profile-id order — so its members can enter again.
* **Business events**: each execution reads the audience at the time of the event. With
  ``executions single`` (the default) a version executes once; later events of it are
  discarded (reason ``single_execution``). Members with an active instance are discarded
  (``already_in_journey``).
"""

from __future__ import annotations

from jengine.core.entry import enter
from jengine.core.routes import routes
from jengine.core.run import Run
from jengine.core.schedule import next_read, within
from jengine.core.state import (
    AUDIENCE_GROUP,
    JOURNEY_GROUP,
    BusinessIn,
    Fanout,
    Json,
    MemberIn,
    Schedule,
    pair,
)
from jengine.lang import ast as A

__all__ = ["DEFAULT_RATE", "business_member", "rate_of", "read_audience", "read_member",
           "recurrence_member", "route_business"]

DEFAULT_RATE = (5000, 1000)   # AJO: 5,000 profiles per second


def rate_of(rate: A.Rate | None) -> tuple[int, int]:
    """``(count, per_ms)`` of an entry's rate (AJO's default when none is given)."""
    if rate is None or rate.per.value is None:
        return DEFAULT_RATE
    return int(rate.count.value), int(rate.per.value)


def _template(run: Run, task: Json) -> MemberIn:
    return MemberIn(run.inp.line, run.inp.event_time, task)


# ---- read audience --------------------------------------------------------------------------


def read_audience(run: Run, journey: str, version: int, payload: Json) -> None:
    """A ``read`` timer fired: end the active instances (force), fan out over the members,
    then schedule the next read."""
    vs = run.spec.version(journey, version)
    entry = vs.journey.entry if vs else None
    if vs is None or not isinstance(entry, A.EntryRead) or not within(entry, run.now_us):
        return
    if entry.force:
        run.effects.append(Fanout((JOURNEY_GROUP, journey),
                                  _template(run, {"t": "recurrence", "journey": journey})))
    n = int(payload.get("n") or 1)
    count, per = rate_of(entry.rate)
    task: Json = {"t": "read", "journey": journey, "version": version, "count": count,
                  "per": per * 1000}
    if entry.incremental:
        key = f"{journey}|{version}|@read|entered"
        task.update(n=n, base=run.state.counters.get(key, 0))
    anchor = int(payload.get("anchor") or run.now_us)
    due = next_read(entry, vs.journey.timezone, anchor, run.now_us)
    then: tuple[Schedule, ...] = ()
    if due is not None and run.spec.open.get(journey) == version:
        nxt: Json = {"t": "read", "journey": journey, "version": version, "anchor": anchor}
        if entry.incremental:
            nxt["n"] = n + 1
        then = (Schedule(due, 1, None, nxt),)
    bare_from = None if entry.incremental else count or None
    run.effects.append(Fanout((AUDIENCE_GROUP, entry.audience.text), _template(run, task),
                              then, bare_from))


def read_member(run: Run, inp: MemberIn) -> None:
    """One member of a read: enter now or at its turn (``rate``); incremental reads first
    check and set the member's read mark."""
    task, pid = inp.task, inp.profile
    journey, k = task["journey"], inp.index
    if "n" in task:
        version, n = task["version"], task["n"]
        key = pair(journey, pid)
        memory = run.state.reentrance.get(key)
        previous = memory.get("lastRead") if memory else None
        run.state.reentrance[key] = {**(memory or {"instances": 0, "lastEntry": None,
                                                    "lastEnd": None}),
                                     "lastRead": f"{version}:{n}"}
        if previous == f"{version}:{n - 1}":
            return  # a member at the previous read too
        counter = f"{journey}|{version}|@read|entered"
        k = run.state.counters.get(counter, 0) - task["base"]
        run.state.counters[counter] = run.state.counters.get(counter, 0) + 1
    count = task["count"]
    if count and k >= count:
        run.schedule(run.now_us + (k // count) * task["per"], 1, None,
                     {"t": "enter", "journey": journey, "profile": pid})
    else:
        enter(run, journey, pid, None, {}, None)


def recurrence_member(run: Run, inp: MemberIn) -> None:
    """Force re-entrance: the member's active instance of the journey exits."""
    uid = run.active_uid(inp.task["journey"], inp.profile)
    if uid is not None:
        inst = run.inst(uid)
        run.ijournal(inst, inst["step"], "exited", None, "recurrence")
        run.end(inst, "exited")


# ---- business events ------------------------------------------------------------------------


def route_business(run: Run, inp: BusinessIn) -> None:
    """A business event: one fan-out per listening journey, in journey-name order."""
    interest = False
    for journey in routes(run.spec).for_business(inp.name):
        latest = run.spec.latest(journey)
        entry = latest.journey.entry if latest else None
        if isinstance(entry, A.EntryBusiness) and entry.event.text == inp.name:
            interest = True
            _execute(run, journey, entry, inp)
    if not interest:
        run.journal(None, None, None, None, "discarded", None, "no_interest")


def _execute(run: Run, journey: str, entry: A.EntryBusiness, inp: BusinessIn) -> None:
    vs = run.spec.open_version(journey)
    if vs is not None and entry.executions != "multiple":
        key = f"{journey}|{vs.version}|@business|executions"
        if run.state.counters.get(key, 0) > 0:
            run.journal(journey, vs.version, None, None, "discarded", None,
                        "single_execution")
            return
        run.state.counters[key] = run.state.counters.get(key, 0) + 1
    count, per = rate_of(entry.rate)
    task = {"t": "business", "journey": journey, "event": inp.name, "payload": inp.payload,
            "count": count, "per": per * 1000}
    run.effects.append(Fanout((AUDIENCE_GROUP, entry.audience.text), _template(run, task),
                              (), count or None))


def business_member(run: Run, inp: MemberIn) -> None:
    """One member of a business execution: enter now or at its turn (``rate``)."""
    task, pid, k = inp.task, inp.profile, inp.index
    count = task.get("count") or 0
    if count and k >= count:
        run.schedule(run.now_us + (k // count) * task["per"], 1, None,
                     {"t": "enter", "journey": task["journey"], "profile": pid,
                      "event": task["event"], "payload": task["payload"]})
    else:
        enter(run, task["journey"], pid, task["event"], task["payload"], None)
