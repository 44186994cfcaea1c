"""Carrying out the core's effects: timers, effect records, output rows, HTTP calls.

:class:`Effects` carries out the core's effects: output rows (outbox lines recorded as effects
under (instance, step, attempt)), timers, custom-action attempts (whose outcomes return as
inputs) and data-source reads (returned as ``data`` for a replay of the step). Report
counters are aggregated from the journal lines and written once per batch.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jengine.core.context import Spec
from jengine.core.instants import from_micros, to_micros
from jengine.core.state import (
    ActionResultIn,
    CallAction,
    Cancel,
    DeadOut,
    Fanout,
    Fetch,
    Input,
    JournalOut,
    MemberIn,
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
from jengine.runtime.timers import TimerQueue
from jengine.runtime.world import World

__all__ = ["EffectLog", "Effects", "Follow", "Then", "http_client", "progress_bar"]


class EffectLog:
    """The recorded effects (§4.6): a new effect is checked against the batch's own (in
    memory) and the store (one lookup by primary key), and inserted once per batch."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending: dict[tuple[str, str, int], Effect] = {}

    def record(self, e: Effect) -> bool:
        """Record an effect once; ``False`` if its key was already recorded."""
        key = (e.instance, e.step, e.attempt)
        if key in self.pending or self.store.conn.execute(
                "SELECT 1 FROM effects WHERE instance = ? AND step = ? AND attempt = ?",
                key).fetchone() is not None:
            return False
        self.pending[key] = e
        return True

    def write(self) -> None:
        if self.pending:
            self.store.record_effects(self.pending.values())
            self.pending.clear()


@dataclass(frozen=True)
class Then:
    """Effects to carry out after a fan-out's last member (a follow-up item)."""

    effects: tuple[Any, ...]


Follow = Input | Then | Iterator[MemberIn]
"""What :meth:`Effects.apply` hands back to the run loop, in order: inputs to process, the
member inputs of a fan-out (an iterator, read lazily) and effects to carry out after them."""


class Effects:
    """Carries out the core's effects against the store and the HTTP client."""

    def __init__(self, store: Store, spec: Spec, world: World, client: Any,
                 result: Any, timer_window: int | None = None) -> None:
        self.store, self.spec, self.world, self.client = store, spec, world, client
        self.result = result
        self.report: Tally[tuple[str, int, str, str]] = Tally()
        self.rows: dict[str, list[str]] = {OUTBOX: [], JOURNAL: [], DEADLETTER: []}
        self.buffered = 0
        self.timers = (TimerQueue(store) if timer_window is None
                       else TimerQueue(store, timer_window))
        self.log = EffectLog(store)
        self.deliveries: Any = None  # jengine.runtime.channels.deliveries.Deliveries

    @property
    def pending(self) -> int:
        """Buffered rows and changes not yet written."""
        return self.buffered + len(self.log.pending) + self.timers.pending

    def output(self, stream: str, obj: Json) -> None:
        """Buffer an output line; :meth:`write_outputs` stores the batch's lines."""
        self.rows[stream].append(dumps(obj))
        self.buffered += 1

    def write_outputs(self) -> None:
        """Store the batch's output lines — one row per stream holding its lines in order,
        newline-separated (a JSON line never holds a raw newline) — then the recorded
        effects and the timer changes."""
        if self.buffered:
            self.store.conn.executemany(
                "INSERT INTO outputs (stream, line) VALUES (?, ?)",
                [(stream, "\n".join(lines)) for stream, lines in self.rows.items() if lines])
            for lines in self.rows.values():
                lines.clear()
            self.buffered = 0
        self.log.write()
        self.timers.write(self.store)

    def apply(self, effects: Any, now: dt.datetime, current: Input) -> list[Follow]:
        follow: list[Follow] = []
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
            elif t is Fanout:
                follow.append(self.world.walk(e))
                if e.then:
                    follow.append(Then(e.then))
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
                                  response=r.action_payload(), elapsed_ms=r.elapsed_ms,
                                  error=r.error)
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
