"""The working context of one :func:`jengine.core.engine.step` call: :class:`Run`.

A Run owns a copy of the state slice's maps, collects effects in order, and gives the step
and entry modules their shared verbs: copy-on-touch access to instances and profiles,
journal lines (with the late-event fields of §4.4), timers, ending an instance (§4.2
re-entrance memory, timer cancellation), failing a step (``on error``, §3.2), and building the
evaluation :class:`~jengine.core.context.Env` of a step.

A jump step enters another journey, so the step semantics need the entry router, which itself
runs steps: the router is handed to the steps as :attr:`Run.jump` (set by
:func:`jengine.core.engine.step`), which keeps ``core.steps`` and ``core.entry`` free of an
import circle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from jengine.core.context import Env, Options, Spec, VersionSpec, rule_changes
from jengine.core.instants import render_micros, to_micros
from jengine.core.state import (
    AudienceIn,
    Cancel,
    DataValue,
    Effect,
    Input,
    JournalOut,
    Json,
    Requeue,
    Schedule,
    State,
    pair,
)

__all__ = ["ENDED", "JumpInto", "Run"]

#: Enter a journey from a jump step: ``(run, origin instance, journey) -> None`` when entered,
#: else the reason (``jump_skipped`` or a refusal code).
JumpInto = Callable[["Run", "Json", str], "str | None"]

ENDED = frozenset({"completed", "error", "timed_out", "exited"})


class Run:
    """Mutable scratch space for one input; its ``state`` is a fresh copy of the slice."""

    def __init__(self, spec: Spec, state: State, inp: Input, now: dt.datetime,
                 data: Mapping[str, DataValue], jump: JumpInto) -> None:
        self.spec, self.state, self.inp, self.data = spec, state.copy(), inp, data
        self.jump = jump
        self.now = now
        self.now_us = to_micros(now)
        self.time = render_micros(self.now_us)
        self.effects: list[Effect] = []
        self._touched: set[str] = set()
        self._touched_profiles: set[str] = set()

    @property
    def options(self) -> Options:
        return self.spec.options

    # -- entities (copy on first touch) --------------------------------------------------------

    def inst(self, uid: str) -> Json:
        """The instance, copied on first access in this run (safe to modify)."""
        inst = self.state.instances[uid]
        if uid not in self._touched:
            inst = dict(inst)
            self.state.instances[uid] = inst
            self._touched.add(uid)
        return inst

    def profile(self, pid: str, create: bool = False) -> Json | None:
        """The profile, copied on first access (None when unknown and not ``create``)."""
        p = self.state.profiles.get(pid)
        if p is None and not create:
            return None
        if pid not in self._touched_profiles:
            p = dict(p) if p is not None else new_profile(pid)
            self.state.profiles[pid] = p
            self._touched_profiles.add(pid)
        assert p is not None
        return p

    def peek_profile(self, pid: str) -> Json | None:
        return self.state.profiles.get(pid)

    def put_profile(self, pid: str, record: Json) -> Json:
        """Replace the profile with a copy of ``record`` (a profile load)."""
        p = {**new_profile(pid), **record, "id": pid}
        self.state.profiles[pid] = p
        self._touched_profiles.add(pid)
        return p

    def requeue_rule_changes(self, pid: str, before: Mapping[str, bool]) -> None:
        """Every rule audience whose membership of ``pid`` differs from ``before`` becomes a
        follow-up audience change, processed after this input at the same time (§2.4)."""
        for audience, member in rule_changes(self.spec, before, self.peek_profile(pid)):
            self.effects.append(Requeue(AudienceIn(
                profile=pid, audience=audience, status="realized" if member else "exited",
                raw=False)))

    def active_uid(self, journey: str, profile: str) -> str | None:
        return self.state.active.get(pair(journey, profile))

    def vspec(self, inst: Json) -> VersionSpec | None:
        return self.spec.version(inst["journey"], inst["version"])

    # -- outputs -------------------------------------------------------------------------------

    def journal(self, journey: str | None, version: int | None, profile: str | None,
                step: str | None, outcome: str, nxt: str | None = None,
                reason: str | None = None, extra: Json | None = None) -> None:
        obj: Json = {"time": self.time, "journey": journey, "version": version,
                     "profile": profile, "step": step, "outcome": outcome, "next": nxt}
        if reason is not None:
            obj["reason"] = reason
        if extra:
            obj.update(extra)   # an error's code, message and detail (core.errdetail)
        if self.inp.event_time is not None:
            obj["late"] = True
            obj["eventTime"] = render_micros(self.inp.event_time)
        self.effects.append(JournalOut(obj))

    def ijournal(self, inst: Json, step: str | None, outcome: str, nxt: str | None = None,
                 reason: str | None = None, extra: Json | None = None) -> None:
        self.journal(inst["journey"], inst["version"], inst["profile"], step, outcome, nxt,
                     reason, extra)

    def schedule(self, due: int, kind: int, instance: str | None, payload: Json) -> None:
        self.effects.append(Schedule(due, kind, instance, payload))

    # -- instance lifecycle --------------------------------------------------------------------

    def end(self, inst: Json, status: str) -> None:
        """End an instance: inactive, re-entrance memory, timers cancelled."""
        inst["status"] = status
        inst["active"] = False
        inst["ended"] = self.now_us
        key = pair(inst["journey"], inst["profile"])
        if self.state.active.get(key) == inst["uid"]:
            del self.state.active[key]
        memory = dict(self.state.reentrance.get(key) or {"instances": 0, "lastEntry": None})
        memory["lastEnd"] = self.now_us
        self.state.reentrance[key] = memory
        self.effects.append(Cancel(inst["uid"]))

    def env(self, vs: VersionSpec, inst: Json, step: str,
            extra: tuple[str, Json] | None = None, site: str | None = None) -> Env:
        """The evaluation environment of a step of an instance (fresh seeded generator);
        ``site`` (default: the step) names it in the seed and idempotency keys (``exit``)."""
        events = inst.get("events") or {}
        if extra is not None:
            events = {**events, extra[0]: extra[1]}
        uid = inst["uid"]

        def fetched(error: str | None, ms: int | None) -> None:
            if uid in self.state.instances:
                record = self.inst(uid)
                record["fetchError"], record["fetchMs"] = error, ms

        return Env(vs, self.spec, self.peek_profile(inst["profile"]), inst["profile"],
                   self.now, instance=inst, step=step, events=events, data=self.data,
                   uid=uid, entry_us=inst["entry"], previous=inst.get("prev"), site=site,
                   on_fetch=fetched)


def new_profile(pid: str) -> Json:
    return {"id": pid, "namespace": None, "timeZone": None, "test": False, "attributes": {},
            "audiences": {}, "events": []}


def new_instance(vs: VersionSpec, profile: str, n: int, now_us: int, entry_event: str | None,
                 payload: Json) -> Json:
    """A fresh instance record (JSON data) about to run its first step."""
    return {
        "uid": f"{vs.name}/{vs.version}/{profile}/{n}", "journey": vs.name,
        "version": vs.version, "profile": profile, "n": n, "entry": now_us,
        "entryEvent": entry_event, "payload": payload, "active": True, "status": "running",
        "step": None, "prev": None, "token": 0, "arrival": now_us,
        "events": {entry_event: payload} if entry_event else {}, "actions": {},
        "reactions": [], "delivered": [], "attempt": 0, "error": None,
        "actionError": None, "actionMs": None, "fetchError": None, "fetchMs": None,
        "ended": None,
    }
