"""The runner's side of the core's data: the :class:`World`, a bounded cache over the store.

The durable state lives in the store; the world keeps a cache of profile *entries* — a
profile, its active instances and its re-entrance memory, as the
:class:`~jengine.core.state.State` slice the core takes — of at most ``capacity`` profiles,
least recently used first out, so memory does not grow with the profile count. An input's
slice is its one profile's entry (read from the store on a miss), or an empty slice for the
inputs about a group (the core fans those out, one profile at a time). The core's result
becomes the entry when an entity changed (compared by identity: the core replaces what it
changes), and the changed entities are remembered as dirty. Dirty entries
stay in memory until :meth:`World.write` stores them (once per batch, or earlier when a large
fan-out fills the memory): changed profile columns, instances (ended ones leave the cache),
re-entrance memory, ``cap`` counters and the audience membership index.

Behind the decoded entries sits a second, compact tier: the entry's rows *as stored* (the
JSON text of the profile columns and instance states, :func:`entry_rows`), for
:data:`ROWS_PER_ENTRY` times as many profiles (50,000 by default, about 1.3 KiB each). A miss
of the decoded tier that hits it only decodes the text (no SQL statement, no page read); a
profile's rows leave it when its entry is written (they are stale) or when the least
recently used rows make room.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Any

from jengine.core.context import Spec
from jengine.core.state import (
    ActionResultIn,
    Fanout,
    Input,
    Json,
    MemberIn,
    State,
    TimerIn,
    pair,
)
from jengine.runtime.entities import (
    Rows,
    active_page,
    decode_entry,
    entry_rows,
    journey_page,
    member_page,
    set_members,
    write_profiles,
)
from jengine.runtime.membership import Row, audience_kind, rows_of, rules_of, sync_rules
from jengine.runtime.records import InstanceRecord
from jengine.runtime.store import Store

__all__ = ["DEFAULT_CACHE", "World", "profile_of", "profile_of_uid"]

DEFAULT_CACHE = 5_000           # profiles whose entries the world keeps in memory
ROWS_PER_ENTRY = 10             # the stored-rows tier holds this many times as many profiles
GROUP_TIMERS = frozenset({"window", "read"})
PAGE = 1000


def profile_of_uid(uid: str) -> str:
    """The profile of an instance uid ``journey/version/profile/n``."""
    return uid.split("/", 2)[2].rsplit("/", 1)[0]


def profile_of(inp: Input) -> str | None:
    """The profile an input concerns (None: the input needs no profile)."""
    if isinstance(inp, TimerIn):
        if inp.instance is not None:
            return profile_of_uid(inp.instance)
        kind = inp.payload.get("t")
        return None if kind in GROUP_TIMERS else inp.payload.get("profile")
    if isinstance(inp, ActionResultIn):
        return profile_of_uid(inp.instance)
    if isinstance(inp, MemberIn):
        return None if inp.bare else inp.profile
    profile = getattr(inp, "profile", None)
    return profile if isinstance(profile, str) else None


class World:
    """The cache of profile entries over the store (see the module docstring)."""

    def __init__(self, spec: Spec, store: Store, capacity: int = DEFAULT_CACHE) -> None:
        self.spec, self.store, self.capacity = spec, store, max(1, capacity)
        self.rows_capacity = self.capacity * ROWS_PER_ENTRY
        self.rows: OrderedDict[str, Rows] = OrderedDict()   # pid → its entry as stored
        self.page = PAGE                                # rows per group-walk query
        self.rules = rules_of(spec)
        self.clean: OrderedDict[str, State] = OrderedDict()
        self.dirty: dict[str, State] = {}
        self.stored: dict[str, Json | None] = {}        # dirty profile → as stored
        self.dirty_instances: dict[str, Json] = {}
        self.dirty_reentrance: set[tuple[str, str]] = set()
        self.dirty_counters: set[str] = set()
        self.counters: dict[str, int] = {
            f"{c.journey}|{c.version}|{c.step}|{c.name}": c.value
            for c in store.counters("cap")}
        sync_rules(store.conn, spec)

    def use(self, spec: Spec) -> None:
        """Run on another spec from now on (live mode: the workspace changed, §4.5); the
        world must have been written (the rule rows may be recomputed)."""
        self.spec = spec
        self.rules = rules_of(spec)
        sync_rules(self.store.conn, spec)

    @property
    def pending(self) -> int:
        """Dirty entities not yet written."""
        return len(self.dirty) + len(self.dirty_instances)

    # -- entries -----------------------------------------------------------------------------

    def entry(self, pid: str) -> State:
        """A profile's entry (its slice of the state), from the cache or the store."""
        found = self.dirty.get(pid)
        if found is not None:
            return found
        found = self.clean.get(pid)
        if found is not None:
            self.clean.move_to_end(pid)
            return found
        rows = self.rows.get(pid)
        if rows is None:
            rows = self.rows[pid] = entry_rows(self.store.conn, pid)
            if len(self.rows) > self.rows_capacity:
                self.rows.popitem(last=False)
        else:
            self.rows.move_to_end(pid)
        found = self.clean[pid] = decode_entry(pid, rows)
        if len(self.clean) + len(self.dirty) > self.capacity:
            self._evict()
        return found

    def _evict(self) -> None:
        clean = self.clean
        while clean and len(clean) + len(self.dirty) > self.capacity:
            clean.popitem(last=False)

    def profile(self, pid: str) -> Json | None:
        """The profile as it is now (the cache or the store)."""
        return self.entry(pid).profiles.get(pid)

    def instance(self, uid: str) -> Json | None:
        """An instance of the cache or of the batch (an instance that ended in this batch is
        still found; one ended and written before is not)."""
        found = self.dirty_instances.get(uid)
        return found if found is not None else self.entry(profile_of_uid(uid)).instances.get(uid)

    def set_profile(self, pid: str, profile: Json) -> None:
        """Replace a profile from outside the core (a consent change of the message
        channels); written with the batch like the core's changes."""
        old = self.entry(pid)
        new = old.copy()
        new.profiles[pid] = profile
        if pid not in self.stored:
            self.stored[pid] = old.profiles.get(pid)
        self.clean.pop(pid, None)
        self.dirty[pid] = new

    def forget(self, pid: str) -> None:
        """Drop a clean entry (the store changed under it: a profile load)."""
        self.clean.pop(pid, None)
        self.rows.pop(pid, None)

    # -- slices ------------------------------------------------------------------------------

    def slice_for(self, inp: Input) -> State:
        """The input's slice: its profile's entry itself (the core never modifies the state it
        is given), or an empty slice for an input about no profile."""
        pid = profile_of(inp)
        out = State() if pid is None else self.entry(pid)
        out.counters = self.counters
        return out

    def merge(self, inp: Input, old: State, new: State) -> None:
        """Take the core's result for ``inp``: ``new`` becomes the profile's entry when an
        entity changed (by identity), and the changed entities are remembered as dirty."""
        pid = profile_of(inp)
        changed = False
        for key, p in new.profiles.items():
            if old.profiles.get(key) is not p:
                changed = True
                if key not in self.stored:
                    self.stored[key] = old.profiles.get(key)
        for uid, inst in new.instances.items():
            if old.instances.get(uid) is not inst:
                changed = True
                self.dirty_instances[uid] = inst
        for key, memory in new.reentrance.items():
            if old.reentrance.get(key) is not memory:
                changed = True
                journey, who = key.split("|", 1)
                self.dirty_reentrance.add((journey, who))
        if changed or new.active != old.active:
            if pid is None:
                raise RuntimeError(f"a step about no profile changed the state: {inp!r}")
            self._adopt(pid, new)
        counters = self.counters
        for key, value in new.counters.items():
            if counters.get(key) != value:
                counters[key] = value
                self.dirty_counters.add(key)

    def _adopt(self, pid: str, new: State) -> None:
        """``new`` (one profile's slice, as the core returned it) becomes the dirty entry of
        ``pid``; its ended instances leave it (they are written from ``dirty_instances``)."""
        for uid in [u for u, inst in new.instances.items() if not inst["active"]]:
            del new.instances[uid]
        suffix = "|" + pid
        if any(not k.endswith(suffix) for k in (*new.active, *new.reentrance)) or \
                any(k != pid for k in new.profiles):
            raise RuntimeError(f"a step about {pid!r} changed another profile")
        self.clean.pop(pid, None)
        self.dirty[pid] = new

    # -- fan-out groups ----------------------------------------------------------------------

    def walk(self, fanout: Fanout) -> Any:
        """The member inputs of a fan-out, read from the store a page at a time (the world
        is written first, so the store holds every change made so far)."""
        self.write()
        template, bare_from = fanout.template, fanout.bare_from
        for k, pid in enumerate(self._group(fanout.group)):
            bare = bare_from is not None and k >= bare_from
            yield replace(template, profile=pid, index=k, bare=bare)

    def _group(self, group: tuple[str, ...]) -> Any:
        conn, after = self.store.conn, ""
        if group[0] == "audience":
            rule = audience_kind(self.spec, group[1])
            while page := member_page(conn, group[1], rule, after, self.page):
                yield from page
                after = page[-1]
        elif group[0] == "journey":
            while pids := journey_page(conn, group[1], after, self.page):
                yield from pids
                after = pids[-1]
        else:
            journey, version = group[1], int(group[2])
            while rows := active_page(conn, journey, version, after, self.page):
                for _, pid in rows:
                    yield pid
                after = rows[-1][0]

    # -- persistence -------------------------------------------------------------------------

    def write(self) -> None:
        """Store the dirty entities (one ``executemany`` per table and column set)."""
        store = self.store
        if self.stored:
            self._write_profiles()
        if self.dirty_instances:
            records = [InstanceRecord(uid, inst["journey"], inst["version"], inst["profile"],
                                      inst["active"], inst)
                       for uid, inst in sorted(self.dirty_instances.items())]
            # ended ones first: a profile's next instance may sort before its previous one
            # (".../10" < ".../9"), and only one may be active in the table at a time
            records.sort(key=lambda r: r.active)
            store.put_instances(records)
            self.dirty_instances.clear()
        if self.dirty_reentrance:
            rows = []
            for journey, pid in sorted(self.dirty_reentrance):
                m = self.entry(pid).reentrance[pair(journey, pid)]
                rows.append((journey, pid, m.get("instances") or 0, m.get("lastEntry"),
                             m.get("lastEnd"), m.get("lastRead")))
            store.conn.executemany(
                "INSERT OR REPLACE INTO reentrance VALUES (?, ?, ?, ?, ?, ?)", rows)
            self.dirty_reentrance.clear()
        for key in sorted(self.dirty_counters):
            j, v, st, label = key.split("|", 3)
            current = store.get_counter("cap", j, int(v), st, label)
            store.add_counter("cap", j, int(v), st, label, self.counters[key] - current)
        self.dirty_counters.clear()
        stored = self.rows
        for pid in self.dirty:
            stored.pop(pid, None)        # stale: read again when next needed
        self.clean.update(self.dirty)
        self.dirty.clear()
        self._evict()

    def _write_profiles(self) -> None:
        changes = [(self.entry(pid).profiles.get(pid), stored)
                   for pid, stored in sorted(self.stored.items())]
        write_profiles(self.store.conn, [(p, s) for p, s in changes if p is not None])
        add: list[Row] = []
        remove: list[Row] = []
        for new, stored in changes:
            if new is None or not self._rows_may_change(new, stored):
                continue
            before, after = rows_of(self.spec, self.rules, stored), \
                rows_of(self.spec, self.rules, new)
            add += sorted(after - before)
            remove += sorted(before - after)
        set_members(self.store.conn, add, remove)
        self.stored.clear()

    def _rows_may_change(self, new: Json, stored: Json | None) -> bool:
        if stored is None or new.get("audiences") is not stored.get("audiences"):
            return True
        return bool(self.rules)
