"""Carrying out the core's effects: timers, effect records, output rows, HTTP calls.

:class:`Effects` carries out the core's effects: output rows (outbox lines recorded as effects
under (instance, step, attempt)), timers, custom-action attempts (whose outcomes return as
inputs) and data-source reads (returned as ``data`` for a replay of the step). Report
counters are aggregated from the journal lines and written once per batch.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter as Tally
from typing import Any

from jengine.core.context import Spec
from jengine.core.instants import from_micros, to_micros
from jengine.core.state import (
    ActionResultIn,
    CallAction,
    Cancel,
    DeadOut,
    Fetch,
    Input,
    JournalOut,
    OutboxOut,
    Requeue,
    Schedule,
)
from jengine.runtime.http import Delayed, Finished, HttpClient, HttpxTransport, RetryAt
from jengine.runtime.io import DeadLetter
from jengine.runtime.ratelimit import RateLimiter
from jengine.runtime.records import (
    DEADLETTER,
    JOURNAL,
    OUTBOX,
    Effect,
    Json,
    TimerKind,
)
from jengine.runtime.specs import action_spec, datasource_spec
from jengine.runtime.store import Store, dumps
from jengine.runtime.world import World

__all__ = ["EffectLog", "Effects", "TimerQueue", "http_client", "progress_bar"]


TimerRow = tuple[int, int, int, str | None, Json]  # seq, due (µs), kind, instance, payload


class TimerQueue:
    """The timers in memory, mirrored to the store's ``timers`` table once per batch.

    Loaded from the store at start; a heap gives the next timer in (due, kind, seq) order
    (§4.4). ``seq`` comes from the same durable counter as :meth:`Store.add_timer` (the
    table's AUTOINCREMENT sequence, which :meth:`write` advances even for a timer that was
    added and fired within the batch and so never reached the table). :meth:`write` inserts
    the batch's new timers and deletes its fired and cancelled ones, in the batch's
    transaction, so the table equals what per-timer SQL would have left at every commit."""

    def __init__(self, store: Store) -> None:
        self.heap: list[tuple[int, int, int]] = []
        self.live: dict[int, TimerRow] = {}
        self.by_instance: dict[str, list[int]] = {}
        self.added: dict[int, TimerRow] = {}
        self.deleted: list[int] = []
        self.last_seq = self.written_seq = store.timer_seq()
        for row in store.timer_rows():
            self._track(row)
        heapq.heapify(self.heap)

    def _track(self, row: TimerRow) -> None:
        seq, due, kind, instance, _ = row
        self.live[seq] = row
        self.heap.append((due, kind, seq))
        if instance is not None:
            self.by_instance.setdefault(instance, []).append(seq)

    def __len__(self) -> int:
        return len(self.live)

    def add(self, due: int, kind: int, instance: str | None, payload: Json) -> int:
        """Schedule a timer; return its ``seq``."""
        self.last_seq += 1
        seq = self.last_seq
        row = (seq, due, kind, instance, payload)
        self.live[seq] = row
        self.added[seq] = row
        heapq.heappush(self.heap, (due, kind, seq))
        if instance is not None:
            self.by_instance.setdefault(instance, []).append(seq)
        return seq

    def next_due(self) -> int | None:
        """The due time (µs) of the first timer, if any."""
        heap, live = self.heap, self.live
        while heap and heap[0][2] not in live:
            heapq.heappop(heap)  # fired or cancelled
        return heap[0][0] if heap else None

    def pop(self, limit: int) -> TimerRow | None:
        """Remove and return the first timer if it is due at or before ``limit``."""
        due = self.next_due()
        if due is None or due > limit:
            return None
        seq = heapq.heappop(self.heap)[2]
        row = self.live.pop(seq)
        instance = row[3]
        if instance is not None:
            seqs = self.by_instance[instance]
            seqs.remove(seq)
            if not seqs:
                del self.by_instance[instance]
        self._forget(seq)
        return row

    def cancel(self, instance: str) -> None:
        """Delete every timer of an instance (it ended)."""
        for seq in self.by_instance.pop(instance, ()):
            if self.live.pop(seq, None) is not None:
                self._forget(seq)
        if len(self.heap) > 1024 and len(self.heap) > 4 * len(self.live):
            self.heap = [(r[1], r[2], r[0]) for r in self.live.values()]
            heapq.heapify(self.heap)

    def take(self, seq: int) -> TimerRow | None:
        """Remove one timer by its ``seq`` (it is then processed as if popped)."""
        row = self.live.pop(seq, None)
        if row is not None:
            instance = row[3]
            if instance is not None:
                self.by_instance[instance].remove(seq)
                if not self.by_instance[instance]:
                    del self.by_instance[instance]
            self._forget(seq)
        return row

    def keep(self, row: TimerRow) -> None:
        """Keep a popped timer in the store until :meth:`release` (a message send that must
        not be lost if the process dies while it is in flight: the timer fires again after a
        restart, at its place)."""
        seq = row[0]
        if seq in self.deleted:
            self.deleted.remove(seq)
        else:
            self.added[seq] = row

    def release(self, seq: int) -> None:
        """Delete a kept timer (in the next write)."""
        self.added.pop(seq, None)
        self.deleted.append(seq)

    def _forget(self, seq: int) -> None:
        if self.added.pop(seq, None) is None:
            self.deleted.append(seq)

    def write(self, store: Store) -> None:
        """Mirror the changes since the last write to the store (in its transaction)."""
        if self.deleted:
            store.delete_timers(self.deleted)
            self.deleted = []
        if self.added:
            store.insert_timers(self.added.values())
            self.added = {}
        if self.last_seq != self.written_seq:
            store.set_timer_seq(self.last_seq)
            self.written_seq = self.last_seq


class EffectLog:
    """The recorded effects (§4.6) of the instances in memory, checked without a query per
    effect: an instance's keys are read from the store once, new effects are inserted once
    per batch (:meth:`write`), and an ended instance's keys are dropped (:meth:`forget`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.known: dict[str, set[tuple[str, int]]] = {}
        self.pending: list[Effect] = []

    def record(self, e: Effect) -> bool:
        """Record an effect once; ``False`` if its key was already recorded."""
        keys = self.known.get(e.instance)
        if keys is None:
            keys = self.known[e.instance] = self.store.effect_keys(e.instance)
        key = (e.step, e.attempt)
        if key in keys:
            return False
        keys.add(key)
        self.pending.append(e)
        return True

    def write(self) -> None:
        if self.pending:
            self.store.record_effects(self.pending)
            self.pending = []

    def forget(self, instances: list[str]) -> None:
        """Drop the keys of ended instances (after :meth:`write`)."""
        for uid in instances:
            self.known.pop(uid, None)


class Effects:
    """Carries out the core's effects against the store and the HTTP client."""

    def __init__(self, store: Store, spec: Spec, world: World, client: Any,
                 result: Any) -> None:
        self.store, self.spec, self.world, self.client = store, spec, world, client
        self.result = result
        self.report: Tally[tuple[str, int, str, str]] = Tally()
        self.rows: list[tuple[str, str]] = []
        self.timers = TimerQueue(store)
        self.log = EffectLog(store)
        self.deliveries: Any = None  # jengine.runtime.channels.deliveries.Deliveries

    def output(self, stream: str, obj: Json) -> None:
        """Buffer an output row; :meth:`write_outputs` inserts the batch in order."""
        self.rows.append((stream, dumps(obj)))

    def write_outputs(self) -> None:
        """Insert the batch's output rows, recorded effects and timer changes."""
        if self.rows:
            self.store.conn.executemany("INSERT INTO outputs (stream, line) VALUES (?, ?)",
                                        self.rows)
            self.rows = []
        self.log.write()
        self.timers.write(self.store)

    def apply(self, effects: list[Any], now: dt.datetime, current: Input) -> list[Input]:
        follow: list[Input] = []
        for e in effects:
            t = type(e)
            if t is JournalOut:
                self._journal(e.obj)
            elif t is OutboxOut:
                if self.log.record(Effect(e.instance, e.step, e.attempt, "outbox", e.obj)):
                    obj, more = (e.obj, ()) if self.deliveries is None else \
                        self.deliveries.accept(self.spec, self.world, e, now, self.timers)
                    if obj is not None:
                        self.output(OUTBOX, obj)
                        self.result.outbox += 1
                    follow.extend(more)
            elif t is DeadOut:
                self.output(DEADLETTER, e.obj)
                self.result.dead_letters += 1
            elif t is Schedule:
                self.timers.add(e.due, int(TimerKind(e.kind)), e.instance, e.payload)
            elif t is Cancel:
                self.timers.cancel(e.instance)
            elif t is CallAction:
                follow.append(self._call(e, now))
            elif t is Requeue:
                follow.append(e.input)
        return follow

    def _journal(self, obj: Json) -> None:
        self.output(JOURNAL, obj)
        self.result.journal += 1
        if obj["outcome"] == "entered":
            self.result.entered += 1
        if obj["journey"] is None or obj["version"] is None:
            return
        name = obj["outcome"]
        if name in ("discarded", "exited", "entered") and obj.get("reason"):
            name = f"{name}:{obj['reason']}"
        self.report[(obj["journey"], obj["version"], obj["step"] or "", name)] += 1
        if obj.get("late"):
            self.report[(obj["journey"], obj["version"], obj["step"] or "", "late")] += 1

    def write_counters(self) -> None:
        for (j, v, st, name), n in sorted(self.report.items()):
            self.store.add_counter("report", j, v, st, name, n)
        self.report.clear()

    def dead(self, letter: DeadLetter) -> None:
        self.output(DEADLETTER, letter.to_json())
        self.result.dead_letters += 1

    def discard(self, now: dt.datetime, reason: str, etime: int | None) -> None:
        from jengine.core.instants import render_instant

        obj: Json = {"time": render_instant(now), "journey": None, "version": None,
                     "profile": None, "step": None, "outcome": "discarded", "next": None,
                     "reason": reason}
        if etime is not None:
            obj["late"] = True
            obj["eventTime"] = render_instant(from_micros(etime))
        self._journal(obj)

    # -- HTTP --------------------------------------------------------------------------------

    def _call(self, e: CallAction, now: dt.datetime) -> Input:
        spec = action_spec(self.spec, e.action)
        outcome = self.client.attempt_action(spec, e.params, e.key, e.attempt, e.spent_ms)
        if isinstance(outcome, Finished):
            r = outcome.result
            return ActionResultIn(instance=e.instance, step=e.step, attempt=outcome.attempt,
                                  outcome="finished", at=to_micros(now),
                                  status_code=r.jo_status_code, ok=r.ok,
                                  response=r.action_payload(), elapsed_ms=r.elapsed_ms)
        if isinstance(outcome, RetryAt):
            return ActionResultIn(instance=e.instance, step=e.step, attempt=outcome.attempt,
                                  outcome="retry", at=to_micros(outcome.at),
                                  elapsed_ms=outcome.result.elapsed_ms)
        assert isinstance(outcome, Delayed)
        return ActionResultIn(instance=e.instance, step=e.step, attempt=outcome.attempt,
                              outcome="delayed", at=to_micros(outcome.at))

    def fetches(self, effects: list[Any]) -> dict[str, Any]:
        """Perform the data-source reads a step asked for; the results (payload, status,
        elapsed time) go back to the core, which sets the lastDataFetch* properties."""
        out: dict[str, Any] = {}
        for e in effects:
            if isinstance(e, Fetch):
                out[e.key] = self.client.fetch(datasource_spec(self.spec, e.source), e.params,
                                               e.idempotency_key)
        return out


class _LoopClock:
    def __init__(self, loop: Any) -> None:
        self.loop = loop

    def now(self) -> dt.datetime:
        result: dt.datetime = self.loop.now()
        return result


def http_client(options: Any, store: Store, loop: Any) -> HttpClient:
    transport = options.transport or HttpxTransport()
    return HttpClient(transport, _LoopClock(loop), limiter=RateLimiter(store), env=options.env)


def progress_bar(path: str) -> Any:
    """A rich progress bar over a file's bytes; returns ``update(byte_offset)``."""
    import os

    from rich.progress import Progress

    total = os.path.getsize(path)
    bar = Progress(transient=True)
    task = bar.add_task("events", total=total)
    bar.start()

    def update(done: int) -> None:
        bar.update(task, completed=done)
        if done >= total:
            bar.stop()

    return update
