"""One profile key's state and its processing, independent of Temporal: :class:`KeyMachine`.

The key workflow (:mod:`.keyflow`) owns a KeyMachine and gives it an :class:`IO` whose
methods are activities. The machine feeds :func:`jengine.core.engine.step` with the key's
state slice and carries out the effects generically, by type (:data:`KeyMachine.HANDLERS`):
journal, outbox and dead-letter lines become :class:`OutputRecord` values with deterministic
effect ids (buffered until the workflow commits them); ``Schedule``/``Cancel`` change the
key's timer heap; ``CallAction`` and ``Fetch`` go through the IO and come back as inputs or
data; ``Requeue`` queues a follow-up; a ``Fanout`` runs over the key's own slice (the
members of its group that are this key — a window end's version — step right away, then its
``then`` effects). On the global workflow (whose slice has no profile) a fan-out over an
audience or a journey's active instances goes to :attr:`KeyMachine.remote_fanout`, which
hands each member key the core's member input (:mod:`.fanout`), then ``then`` runs (e.g. the
next read). A new effect type needs one handler here.

Timers fire in (due, kind, seq) order (§4.4). A version's window end is not a stored timer:
it is due for every key holding an active instance of that version, so the machine derives
it from the instances (kind 0, before the key's own timers of the same instant).

``cap`` counters are shared by all keys: the machine steps against its last known values and
claims the increments with a compare-and-set (:meth:`IO.claim`); on a conflict it takes the
current values and steps again (counters only grow, so a stale value never grants a slot
wrongly).

Effect ids: an outbox line is keyed like the embedded effect log, ``o:{instance}:{step}:
{attempt}``; a journal or dead-letter line by the key, the number of the item the key
processed and the line's position, ``j:{key}:{n}:{k}``. Replays compute the same ids.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from jengine.core.context import Spec, is_member
from jengine.core.engine import step
from jengine.core.fanout import expand
from jengine.core.instants import from_micros, to_micros
from jengine.core.state import (
    ACTIVE_GROUP,
    ActionResultIn,
    CallAction,
    Cancel,
    DataValue,
    DeadOut,
    Effect,
    Fanout,
    Fetch,
    Input,
    JournalOut,
    OutboxOut,
    ReactionIn,
    Requeue,
    Schedule,
    State,
    TimerIn,
)
from jengine.runtime.channels.dispatch import applies
from jengine.temporal import specs
from jengine.temporal.codec import OutputRecord
from jengine.temporal.fanout import journey_tag

__all__ = ["IO", "KeyMachine"]

Json = dict[str, Any]
TimerRow = tuple[int, int, int, str | None, Json]  # due µs, kind, seq, instance, payload
SEEN = 2048  # how many recent input ids a key remembers (duplicates are dropped)


class IO(Protocol):
    """What the machine needs from outside (activities in a workflow)."""

    async def fetch(self, spec_id: str, fetches: list[Fetch], now: int) -> dict[str, DataValue]:
        ...

    async def call(self, spec_id: str, call: CallAction, now: int) -> ActionResultIn: ...

    async def claim(self, claim_id: str, changes: dict[str, tuple[int, int]]) -> dict[str, int]:
        ...

    async def deliver(self, arg: Json) -> Json | None:
        """A channel step's message sent: ``{"line", "failed"}`` (None: not delivering)."""
        ...


class KeyMachine:
    """The state of one profile key (JSON-serialisable through :meth:`to_json`)."""

    def __init__(self, carried: Json) -> None:
        self.key: str = carried["key"]
        st = carried.get("state") or {}
        self.state = State(dict(st.get("profiles", {})), dict(st.get("instances", {})),
                           dict(st.get("active", {})), dict(st.get("reentrance", {})))
        self.caps: dict[str, int] = dict(carried.get("caps", {}))
        self.timers: list[TimerRow] = [(t[0], t[1], t[2], t[3], t[4])
                                       for t in carried.get("timers", [])]
        heapq.heapify(self.timers)
        self.seq: int = carried.get("seq", 0)
        self.items: int = carried.get("items", 0)
        self.claims: int = carried.get("claims", 0)
        self.last_now: int = carried.get("last_now", 0)
        self.spec_id: str = carried.get("spec_id", "")
        self.gen: int = carried.get("gen", 0)
        self.seen: list[str] = list(carried.get("seen", []))
        self.outputs: list[OutputRecord] = []
        self.profile_dirty = False
        self._follow: deque[Input | _Then] = deque()
        self._stepped: dict[str, Json] = {}
        self._base = ""
        self._k = 0
        #: called before each timer the machine fires (the global workflow refreshes the
        #: shared counters a read counts from)
        self.before_timer: Callable[[TimerIn], Awaitable[None]] | None = None
        #: set on the global workflow: hands a fan-out over an audience or a journey's
        #: active instances to the member keys (its own slice holds no member)
        self.remote_fanout: Callable[[Fanout, int], Awaitable[None]] | None = None

    def to_json(self) -> Json:
        s = self.state
        return {"key": self.key, "caps": self.caps, "timers": [list(t) for t in self.timers],
                "state": {"profiles": s.profiles, "instances": s.instances, "active": s.active,
                          "reentrance": s.reentrance},
                "seq": self.seq, "items": self.items, "claims": self.claims,
                "last_now": self.last_now, "spec_id": self.spec_id, "gen": self.gen,
                "seen": self.seen[-SEEN:]}

    # -- spec and duplicates ---------------------------------------------------------------

    def use_spec(self, spec_id: str, gen: int) -> None:
        """Move to a newer published spec (an older one is ignored)."""
        if spec_id and (gen > self.gen or not self.spec_id):
            self.spec_id, self.gen = spec_id, gen

    def fresh(self, input_id: str) -> bool:
        """False for an input id processed recently (a retried signal or fan-out)."""
        if not input_id:
            return True
        if input_id in self.seen:
            return False
        self.seen.append(input_id)
        if len(self.seen) > 2 * SEEN:
            del self.seen[:-SEEN]
        return True

    # -- timers ----------------------------------------------------------------------------

    def _windows(self, spec: Spec) -> list[tuple[int, str, int]]:
        found: set[tuple[int, str, int]] = set()
        for inst in self.state.instances.values():
            vs = spec.version(inst["journey"], inst["version"])
            if vs is not None and inst["active"] and vs.journey.window is not None:
                found.add((to_micros(vs.journey.window[1]), vs.name, vs.version))
        return sorted(found)

    def next_due(self) -> int | None:
        """The due time (µs) of the key's next timer, window ends included."""
        dues = [self.timers[0][0]] if self.timers else []
        if self.spec_id:
            windows = self._windows(specs.cached(self.spec_id))
            dues += [w[0] for w in windows[:1]]
        return min(dues) if dues else None

    def _pop_due(self, spec: Spec, limit: int) -> TimerIn | None:
        windows = self._windows(spec)
        top = self.timers[0] if self.timers else None
        if windows and windows[0][0] <= limit and (top is None or windows[0][0] <= top[0]):
            due, journey, version = windows[0]
            return TimerIn(seq=0, kind=0, due=due, instance=None,
                           payload={"t": "window", "journey": journey, "version": version})
        if top is None or top[0] > limit:
            return None
        due, kind, seq, instance, payload = heapq.heappop(self.timers)
        return TimerIn(seq=seq, kind=kind, due=due, instance=instance, payload=payload)

    async def fire_due(self, limit: int, io: IO, live_now: int | None = None) -> int:
        """Fire every timer due at or before ``limit`` (at its due instant, or at
        ``live_now`` in live mode); how many fired."""
        fired = 0
        spec = specs.cached(self.spec_id)
        while True:
            t = self._pop_due(spec, limit)
            if t is None:
                return fired
            fired += 1
            now = max(t.due if live_now is None else live_now, self.last_now)
            if self.before_timer is not None:
                await self.before_timer(t)
            await self.process(t, now, io)
            if t.payload.get("t") == "window" and (t.due, t.payload["journey"],
                                                   t.payload["version"]) in self._windows(spec):
                raise RuntimeError(f"window end of {t.payload['journey']} did not end it")

    # -- one input ---------------------------------------------------------------------------

    def schedule(self, t: TimerIn) -> None:
        """Add a timer handed over by another workflow (a rate-limited audience entry)."""
        self.seq += 1
        heapq.heappush(self.timers, (t.due, t.kind, self.seq, t.instance, t.payload))

    async def process(self, inp: Input, now_us: int, io: IO) -> None:
        """Run one input, and its follow-ups, through the core at ``now_us`` (never earlier
        than the key's last instant)."""
        spec = specs.cached(self.spec_id)
        now_us = max(now_us, self.last_now)
        self.last_now = now_us
        now = from_micros(now_us)
        self.items += 1
        self._base, self._k = f"{self.key}:{self.items}", 0
        before = self.state.profiles.get(self.key), self._journeys()
        self._follow = deque([inp])
        while self._follow:
            current = self._follow.popleft()
            if isinstance(current, _Then):
                await self._handle(current.effects, spec, now_us, io)
                continue
            new, effects = await self._step(spec, current, now, io)
            self._adopt(new)
            await self._handle(effects, spec, now_us, io)
        if self.state.profiles.get(self.key) is not before[0] or \
                self._journeys() != before[1]:
            self.profile_dirty = True

    def _journeys(self) -> list[str]:
        """The journeys this key has an active instance of (mirrored for force re-entrance)."""
        return sorted({k.split("|", 1)[0] for k in self.state.active})

    async def refresh(self, keys: list[str], io: IO) -> None:
        """Take the shared counters' current values (a compare-and-set that cannot apply:
        no counter is ever -1, so the store answers with the current values)."""
        if keys:
            self.claims += 1
            self.caps.update(await io.claim(f"peek:{self._base}:{self.claims}",
                                            {k: (-1, -1) for k in keys}))

    async def _handle(self, effects: Any, spec: Spec, now_us: int, io: IO) -> None:
        for e in effects:
            handler = self.HANDLERS.get(type(e))
            if handler is None:
                raise TypeError(f"no handler for effect {type(e).__name__}")
            await handler(self, e, spec, now_us, io)

    async def _step(self, spec: Spec, inp: Input, now: dt.datetime,
                    io: IO) -> tuple[State, list[Effect]]:
        data: dict[str, DataValue] = {}
        rounds = 0
        while True:
            state = State(self.state.profiles, self.state.instances, self.state.active,
                          self.state.reentrance, dict(self.caps))
            new, effects = step(spec, state, inp, now, data or None)
            fetches = [e for e in effects if isinstance(e, Fetch)]
            if fetches and rounds < 32:  # the embedded runner's bound: 33 calls at most
                rounds += 1
                data.update(await io.fetch(self.spec_id, fetches, to_micros(now)))
                continue
            changes = {k: (state.counters.get(k, 0), v) for k, v in new.counters.items()
                       if state.counters.get(k, 0) != v}
            if changes:
                self.claims += 1
                current = await io.claim(f"cap:{self._base}:{self.claims}", changes)
                if current:
                    self.caps.update(current)
                    continue
                self.caps.update({k: v for k, (_, v) in changes.items()})
            return new, effects

    def _adopt(self, new: State) -> None:
        self._stepped = new.instances   # ended instances too: a message's template data
        self.state = State(new.profiles, {u: i for u, i in new.instances.items() if i["active"]},
                           new.active, new.reentrance)

    def _record(self, stream: str, obj: Json, eid: str | None = None) -> None:
        self._k += 1
        self.outputs.append(OutputRecord(eid or f"{stream[0]}:{self._base}:{self._k}",
                                         stream, obj))

    def profile_row(self) -> tuple[str, Json, list[str]] | None:
        """The profile and its memberships, for the shared directory."""
        p = self.state.profiles.get(self.key)
        if p is None:
            return None
        spec = specs.cached(self.spec_id)
        member = [a for a in sorted(spec.model.audiences) if is_member(spec, a, p)]
        return self.key, p, member + [journey_tag(j) for j in self._journeys()]

    # -- effect handlers ---------------------------------------------------------------------

    async def _journal(self, e: JournalOut, spec: Spec, now: int, io: IO) -> None:
        self._record("journal", e.obj)

    async def _outbox(self, e: OutboxOut, spec: Spec, now: int, io: IO) -> None:
        eid = f"o:{e.instance}:{e.step}:{e.attempt}"
        if applies(spec, e.obj):
            deliver = getattr(io, "deliver", None)
            got = None if deliver is None else await deliver({
                "spec": self.spec_id, "line": e.obj, "key": f"{e.instance}:{e.step}",
                "now": now, "profile": self.state.profiles.get(e.obj["profile"]),
                "instance": self._stepped.get(e.instance)})
            if got is not None:
                self._record("outbox", got["line"], eid)
                if got["failed"] and (self.state.instances.get(e.instance) or {}).get("active"):
                    o = e.obj
                    self._follow.append(ReactionIn(0, None, o["journey"], o["version"],
                                                   o["profile"], o["step"], "failed"))
                return
        self._record("outbox", e.obj, eid)

    async def _dead(self, e: DeadOut, spec: Spec, now: int, io: IO) -> None:
        self._record("deadletter", e.obj)

    async def _schedule(self, e: Schedule, spec: Spec, now: int, io: IO) -> None:
        self.seq += 1
        heapq.heappush(self.timers, (e.due, e.kind, self.seq, e.instance, e.payload))

    async def _cancel(self, e: Cancel, spec: Spec, now: int, io: IO) -> None:
        kept = [t for t in self.timers if t[3] != e.instance]
        if len(kept) != len(self.timers):
            heapq.heapify(kept)
            self.timers = kept

    async def _call(self, e: CallAction, spec: Spec, now: int, io: IO) -> None:
        self._follow.append(await io.call(self.spec_id, e, now))

    async def _requeue(self, e: Requeue, spec: Spec, now: int, io: IO) -> None:
        self._follow.append(e.input)

    async def _fanout(self, e: Fanout, spec: Spec, now: int, io: IO) -> None:
        """The group's members in this key's slice step first, then ``then``; on the global
        workflow the members are other keys (:attr:`remote_fanout`)."""
        if self.remote_fanout is not None and e.group[0] != ACTIVE_GROUP:
            await self.remote_fanout(e, now)
            if e.then:
                self._follow.appendleft(_Then(e.then))
            return
        first: list[Input | _Then] = [*expand(spec, self.state, e)]
        if e.then:
            first.append(_Then(e.then))
        self._follow.extendleft(reversed(first))

    async def _ignore(self, e: Effect, spec: Spec, now: int, io: IO) -> None:
        """A Fetch left after the last allowed round (the embedded runner ignores it too)."""

    HANDLERS: Mapping[type, Callable[..., Any]] = {
        JournalOut: _journal, OutboxOut: _outbox, DeadOut: _dead, Schedule: _schedule,
        Cancel: _cancel, CallAction: _call, Requeue: _requeue, Fetch: _ignore,
        Fanout: _fanout,
    }


class _Then:
    """Effects a fan-out carries out after its members (an item of the follow-up queue)."""

    def __init__(self, effects: tuple[Effect, ...]) -> None:
        self.effects = effects
