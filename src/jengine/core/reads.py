"""Batch entries: read-audience runs and business-event executions (AJO's read audience).

A ``read`` timer reads the members of the audience (``realized``/``existing``, rule audiences
evaluated now) and lets them enter at the entry's rate (default 5,000 profiles per second,
AJO's default): the first ``n`` at once, then ``n`` more every ``per``, as ``enter`` timers.

* **Schedule** (:mod:`jengine.core.schedule`): after a read the next one is scheduled while the
  version is open and the schedule not past ``until``; the timer carries the schedule's anchor.
* **Incremental**: the first read takes every member; a later read only the members that were
  not members at the previous read. The member list of a read travels in the next ``read``
  timer's payload (durable with the timer, never copied with the state of other inputs).
* **Force re-entrance**: before each read, every active instance of the journey ends
  ``exited`` (reason ``recurrence``), so its members can enter again.
* **Business events**: each execution reads the audience at the time of the event. With
  ``executions single`` (the default) a version executes once; later events of it are
  discarded (reason ``single_execution``). Members with an active instance are discarded
  (``already_in_journey``).

The membership walk is :func:`members`: the one place that lists an audience's members, over
the profiles of the state slice the runner supplies for these whole-audience inputs.
"""

from __future__ import annotations

from jengine.core.context import is_member
from jengine.core.entry import enter
from jengine.core.run import Run
from jengine.core.schedule import next_read, within
from jengine.core.state import BusinessIn, Json
from jengine.lang import ast as A

__all__ = ["DEFAULT_RATE", "members", "read_audience", "route_business"]

DEFAULT_RATE = (5000, 1000)   # AJO: 5,000 profiles per second


def members(run: Run, audience: str) -> list[str]:
    """The members of an audience among the slice's profiles, in profile-id order."""
    return [pid for pid in sorted(run.state.profiles)
            if is_member(run.spec, audience, run.state.profiles[pid])]


def _rate(rate: A.Rate | None) -> tuple[int, int]:
    if rate is None or rate.per.value is None:
        return DEFAULT_RATE
    return int(rate.count.value), int(rate.per.value)


def _enter_all(run: Run, journey: str, pids: list[str], rate: A.Rate | None, event: str | None,
               payload: Json) -> None:
    """Enter ``pids`` in order: ``count`` now, then ``count`` more every ``per`` ms."""
    count, per = _rate(rate)
    for k, pid in enumerate(pids):
        if count and k >= count:
            run.schedule(run.now_us + (k // count) * per * 1000, 1, None,
                         {"t": "enter", "journey": journey, "profile": pid,
                          **({"event": event, "payload": payload} if event else {})})
        else:
            enter(run, journey, pid, event, payload, None)


def read_audience(run: Run, journey: str, version: int, payload: Json) -> None:
    """A ``read`` timer fired: read the audience, let the chosen members enter, schedule the
    next read."""
    vs = run.spec.version(journey, version)
    entry = vs.journey.entry if vs else None
    if vs is None or not isinstance(entry, A.EntryRead) or not within(entry, run.now_us):
        return
    if entry.force:
        _end_active(run, journey)
    found = members(run, entry.audience.text)
    chosen = found
    previous = payload.get("members")
    if entry.incremental and isinstance(previous, list):
        before = set(previous)
        chosen = [pid for pid in found if pid not in before]
    _enter_all(run, journey, chosen, entry.rate, None, {})
    anchor = int(payload.get("anchor") or run.now_us)
    due = next_read(entry, vs.journey.timezone, anchor, run.now_us)
    if due is not None and run.spec.open.get(journey) == version:
        nxt: Json = {"t": "read", "journey": journey, "version": version, "anchor": anchor}
        if entry.incremental:
            nxt["members"] = found
        run.schedule(due, 1, None, nxt)


def _end_active(run: Run, journey: str) -> None:
    """Force re-entrance: every active instance of the journey exits before the read."""
    prefix = f"{journey}|"
    for key in sorted(k for k in run.state.active if k.startswith(prefix)):
        inst = run.inst(run.state.active[key])
        run.ijournal(inst, inst["step"], "exited", None, "recurrence")
        run.end(inst, "exited")


def route_business(run: Run, inp: BusinessIn) -> None:
    interest = False
    for journey in run.spec.journey_names:
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
    _enter_all(run, journey, members(run, entry.audience.text), entry.rate, inp.name,
               inp.payload)
