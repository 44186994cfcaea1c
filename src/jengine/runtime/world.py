"""The runner's side of the core's data: the in-memory :class:`World`.

:class:`World` holds every profile, every active instance, the re-entrance memory and the
``cap`` counters; it cuts a :class:`~jengine.core.state.State` slice for an input and merges the
core's result back by entity identity (changed entities are new objects), tracking what is
dirty. :meth:`World.write` stores the dirty entities (once per batch). The
core's effects are carried out by :mod:`jengine.runtime.effects`.
"""

from __future__ import annotations

import datetime as dt

from jengine.core.context import Spec
from jengine.core.instants import from_micros
from jengine.core.state import (
    ActionResultIn,
    BusinessIn,
    Input,
    State,
    TimerIn,
    pair,
)
from jengine.runtime.records import (
    InstanceRecord,
    Json,
    Profile,
    Reentrance,
)
from jengine.runtime.store import Store

__all__ = ["GLOBAL_TIMERS", "World", "profile_json", "profile_record"]

GLOBAL_TIMERS = frozenset({"window", "read", "enter"})


def profile_json(p: Profile) -> Json:
    return {"id": p.id, "namespace": p.namespace, "timeZone": p.time_zone, "test": p.test,
            "attributes": p.attributes, "audiences": p.audiences, "events": p.events}


def profile_record(p: Json) -> Profile:
    return Profile(p["id"], p.get("namespace"), p.get("timeZone"), bool(p.get("test")),
                   p.get("attributes") or {}, p.get("audiences") or {}, p.get("events") or [])


class World:
    """The whole engine state in memory (see the module docstring)."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.state = State()
        self.dirty_profiles: set[str] = set()
        self.dirty_instances: set[str] = set()
        self.dirty_reentrance: set[str] = set()
        self.dirty_counters: set[str] = set()
        self.journeys = spec.journey_names

    def use(self, spec: Spec) -> None:
        """Run on another spec from now on (live mode: the workspace changed, §4.5)."""
        self.spec = spec
        self.journeys = spec.journey_names

    @staticmethod
    def load(store: Store, spec: Spec) -> World:
        w = World(spec)
        s = w.state
        for p in store.all_profiles():
            s.profiles[p.id] = profile_json(p)
        records = {rec.uid: rec for rec in store.active_instance_records()}
        rows = store.execute("SELECT uid FROM instances WHERE active = 1").fetchall()
        for (uid,) in rows:
            rec = records.get(uid)
            if rec is not None:
                s.instances[uid] = rec.state
                s.active[pair(rec.journey, rec.profile)] = uid
        for j, p, n, le, lend in store.execute("SELECT * FROM reentrance").fetchall():
            s.reentrance[pair(j, p)] = {"instances": n, "lastEntry": le, "lastEnd": lend}
        for c in store.counters("cap"):
            s.counters[f"{c.journey}|{c.version}|{c.step}|{c.name}"] = c.value
        return w

    def put_profile(self, p: Profile) -> None:
        self.state.profiles[p.id] = profile_json(p)
        self.dirty_profiles.add(p.id)

    # -- slices ------------------------------------------------------------------------------

    def slice_for(self, inp: Input) -> State:
        profile = _profile_of(inp, self.state)
        if profile is None:
            return self.state.copy()
        s = self.state
        out = State(counters=s.counters)
        p = s.profiles.get(profile)
        if p is not None:
            out.profiles[profile] = p
        for j in self.journeys:
            key = pair(j, profile)
            uid = s.active.get(key)
            if uid is not None:
                out.active[key] = uid
                out.instances[uid] = s.instances[uid]
            memory = s.reentrance.get(key)
            if memory is not None:
                out.reentrance[key] = memory
        return out

    def merge(self, old: State, new: State) -> None:
        s = self.state
        for pid, p in new.profiles.items():
            if old.profiles.get(pid) is not p:
                s.profiles[pid] = p
                self.dirty_profiles.add(pid)
        for uid, inst in new.instances.items():
            if old.instances.get(uid) is not inst:
                s.instances[uid] = inst
                self.dirty_instances.add(uid)
        for key in old.active.keys() - new.active.keys():
            s.active.pop(key, None)
        for key, uid in new.active.items():
            s.active[key] = uid
        for key, memory in new.reentrance.items():
            if old.reentrance.get(key) is not memory:
                s.reentrance[key] = memory
                self.dirty_reentrance.add(key)
        if new.counters is not old.counters:
            for key, value in new.counters.items():
                if s.counters.get(key) != value:
                    s.counters[key] = value
                    self.dirty_counters.add(key)

    # -- persistence -------------------------------------------------------------------------

    def write(self, store: Store) -> list[str]:
        """Store the dirty entities (one ``executemany`` per table); drop the ended instances
        from memory and return their uids."""
        s = self.state
        if self.dirty_profiles:
            store.put_profiles([profile_record(s.profiles[pid])
                                for pid in sorted(self.dirty_profiles)])
        ended: list[str] = []
        if self.dirty_instances:
            records = []
            for uid in sorted(self.dirty_instances):
                inst = s.instances[uid]
                records.append(InstanceRecord(uid, inst["journey"], inst["version"],
                                              inst["profile"], inst["active"], inst))
                if not inst["active"]:
                    ended.append(uid)
                    del s.instances[uid]
            # ended ones first: a profile's next instance may sort before its previous one
            # (".../10" < ".../9"), and only one may be active in the table at a time
            records.sort(key=lambda r: r.active)
            store.put_instances(records)
        if self.dirty_reentrance:
            rows = []
            for key in sorted(self.dirty_reentrance):
                j, p = key.split("|", 1)
                m = s.reentrance[key]
                rows.append(Reentrance(j, p, m.get("instances") or 0, _time(m.get("lastEntry")),
                                       _time(m.get("lastEnd"))))
            store.put_reentrances(rows)
        for key in sorted(self.dirty_counters):
            j, v, st, label = key.split("|", 3)
            current = store.get_counter("cap", j, int(v), st, label)
            store.add_counter("cap", j, int(v), st, label, s.counters[key] - current)
        self.dirty_profiles.clear()
        self.dirty_instances.clear()
        self.dirty_reentrance.clear()
        self.dirty_counters.clear()
        return ended


def _time(us: int | None) -> dt.datetime | None:
    return None if us is None else from_micros(us)


def _profile_of(inp: Input, state: State) -> str | None:
    """The profile an input concerns (None: the input needs the whole world)."""
    if isinstance(inp, BusinessIn):
        return None
    if isinstance(inp, TimerIn):
        if inp.payload.get("t") in GLOBAL_TIMERS or inp.instance is None:
            return None
        inst = state.instances.get(inp.instance)
        return inst["profile"] if inst else ""
    if isinstance(inp, ActionResultIn):
        inst = state.instances.get(inp.instance)
        return inst["profile"] if inst else ""
    return str(getattr(inp, "profile", ""))
