"""The run loop behind :func:`jengine.runner.run` (see that module for the API).

:class:`World` is the whole engine state in memory (profiles, active instances, re-entrance
memory, cap counters), loaded from the store at start. Each input gets a :class:`State` slice
(its profile and that profile's instances; everything for the few audience-wide inputs), the
core returns a new slice, and the world takes the entities whose identity changed, remembering
them as dirty. Dirty entities, report counters and the clock are written to the store once per
batch, just before the commit (the core never raises, so no per-input rollback is needed for
them); outputs, timers and the input offset are written per input, in order.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any

from jengine.clock import SimulatedClock, SystemClock, from_micros, to_micros
from jengine.context import Options, Spec
from jengine.driver_io import Effects, World, http_client
from jengine.engine import profile_key, qualify, step
from jengine.export import Exporter
from jengine.io import (
    AUDIENCE,
    REACTION,
    DeadLetter,
    InputEvent,
    SourceLine,
    open_input,
    parse_event_line,
    read_lines,
    read_profiles,
    tail_lines,
)
from jengine.records import DEADLETTER, JOURNAL, OUTBOX, InputOffset, TimerKind
from jengine.runner import RunOptions, RunResult
from jengine.state import AudienceIn, BusinessIn, EventIn, Input, ReactionIn, TimerIn
from jengine.store import Store
from jengine.versions import register
from jengine.workspace import load_workspace
from jexpr.report import format_diagnostic

__all__ = ["drive"]


def drive(options: RunOptions) -> RunResult:
    err = options.err or sys.stderr
    result = RunResult()
    started = time.perf_counter()
    ws = load_workspace(options.workspace)
    for d in ws.diagnostics:
        if d.is_error:
            print(format_diagnostic(d.diagnostic, d.source.text, str(d.path)), file=err)
    if ws.has_errors:
        result.status = 1
        return result
    store = Store(options.state)
    try:
        return _drive(options, ws, store, result, started, err)
    finally:
        store.close()


def _drive(options: RunOptions, ws: Any, store: Store, result: RunResult, started: float,
           err: Any) -> RunResult:
    core = Options(options.dry_run, options.test_mode, to_us(options.test_wait))
    with store.transaction():
        reg = register(store, ws, core)
    if reg.spec is None:
        for problem in reg.problems:
            print(f"{options.workspace}: error {problem}", file=err)
        result.status = 1
        return result
    Exporter(store, {OUTBOX: str(options.outbox), JOURNAL: str(options.journal),
                     DEADLETTER: str(options.dead_letters)}).attach()
    loop = Loop(options, reg.spec, store, result)
    loop.setup(reg.opened)
    try:
        loop.run()
    except BaseException:
        loop.batcher.abort()
        raise
    result.seconds = time.perf_counter() - started
    return result


class BatchTx:
    """One transaction per batch of inputs (no per-input savepoints: the core never raises
    and the world is written at the batch end, so an input cannot half-apply)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending = 0
        self._tx: Any = None

    @contextmanager
    def item(self) -> Iterator[None]:
        if self._tx is None:
            self._tx = self.store.transaction()
            self._tx.__enter__()
        yield
        self.pending += 1

    def flush(self) -> None:
        if self._tx is not None:
            tx, self._tx, self.pending = self._tx, None, 0
            tx.__exit__(None, None, None)

    def abort(self) -> None:
        if self._tx is not None:
            tx, self._tx, self.pending = self._tx, None, 0
            with suppress(RuntimeError):
                tx.__exit__(RuntimeError, RuntimeError("batch aborted"), None)


def to_us(d: dt.timedelta) -> int:
    return d // dt.timedelta(microseconds=1)


class Loop:
    """One run: the clock, the world, the batcher and the input source."""

    def __init__(self, options: RunOptions, spec: Spec, store: Store, result: RunResult) -> None:
        self.options, self.spec, self.store, self.result = options, spec, store, result
        self.live = options.mode == "live"
        start = from_micros(store.get_seq("clock")) if store.get_seq("clock") else None
        self.clock = SimulatedClock(start) if start else SimulatedClock()
        self.wall = SystemClock()
        self.world = World.load(store, spec)
        self.batcher = BatchTx(store)
        client = options.http or http_client(options, store, self)
        self.effects = Effects(store, spec, self.world, client, result)
        self.source = "-" if str(options.events) == "-" else str(options.events)
        self.pending_reads: list[tuple[str, int]] = []

    def now(self) -> dt.datetime:
        return self.wall.now() if self.live else self.clock.now()

    # -- set-up ----------------------------------------------------------------------------

    def setup(self, opened: list[Any]) -> None:
        from jengine import ast as A

        with self.store.transaction():
            resumed = self.store.get_offset(self.source).line > 0
            if self.options.profiles is not None and not resumed:
                self._load_profiles()
            for vs in opened:
                window = vs.journey.window
                if window is not None:
                    self.store.add_timer(window[1], TimerKind.DEADLINE, None, {
                        "t": "window", "journey": vs.name, "version": vs.version})
                entry = vs.journey.entry
                if isinstance(entry, A.EntryRead):
                    if entry.at is not None:
                        self.store.add_timer(entry.at.value, TimerKind.TIMER, None, {
                            "t": "read", "journey": vs.name, "version": vs.version})
                    else:
                        self.pending_reads.append((vs.name, vs.version))

    def _load_profiles(self) -> None:
        assert self.options.profiles is not None
        for item in read_profiles(self.options.profiles):
            if isinstance(item, DeadLetter):
                print(f"{self.options.profiles}:{item.line}: warning bad_input {item.message}",
                      file=self.options.err or sys.stderr)
                continue
            self.world.put_profile(item)
        self.world.write(self.store)

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> None:
        offset = self.store.get_offset(self.source)
        progress = self._progress()
        for line in self._lines(offset):
            if self.options.max_inputs is not None and self.result.events >= \
                    self.options.max_inputs:
                break
            self._line(line)
            if progress is not None:
                progress(line.end)
            if self.batcher.pending >= self.options.batch_size:
                self.flush()
        if self.options.until is not None and not self.live:
            self.fire_timers(self.options.until)
        self.flush()

    def _progress(self) -> Any:
        if not self.options.progress or self.source == "-":
            return None
        from jengine.driver_io import progress_bar

        return progress_bar(self.source)

    def _lines(self, offset: InputOffset) -> Iterator[SourceLine]:
        if self.live and self.source != "-":
            yield from tail_lines(self.source, offset.line, offset.byte, stop=self._stop())
            return
        stream: IO[bytes] = open_input(self.source)
        try:
            yield from read_lines(stream, offset.line, offset.byte)
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()

    def _stop(self) -> Any:
        last = [time.monotonic()]
        idle = self.options.idle_exit

        def stop() -> bool:
            if self.options.stop is not None and self.options.stop():
                return True
            self.fire_timers(self.wall.now())
            self.flush()
            return idle is not None and time.monotonic() - last[0] > idle

        return stop

    def flush(self) -> None:
        with self.batcher.item():
            self.effects.write_outputs()
            self.world.write(self.store)
            self.effects.write_counters()
            self.store.execute("INSERT OR REPLACE INTO meta VALUES ('clock', ?)",
                               (to_micros(self.clock.now()),))
        self.batcher.flush()

    # -- one line ----------------------------------------------------------------------------

    def _line(self, line: SourceLine) -> None:
        arrival = self.wall.now() if self.live else None
        parsed = parse_event_line(line, arrival)
        self.result.events += 1
        if isinstance(parsed, InputEvent):
            self.fire_timers(self.wall.now() if self.live else parsed.time)
            if self.pending_reads:
                self._schedule_reads(parsed.time)
        with self.batcher.item():
            if isinstance(parsed, DeadLetter):
                self.effects.dead(parsed)
            else:
                self._event(parsed)
            self.store.set_offset(InputOffset(self.source, line.number, line.end))

    def _schedule_reads(self, at: dt.datetime) -> None:
        for journey, version in self.pending_reads:
            self.store.add_timer(max(at, self.clock.now()), TimerKind.TIMER, None,
                                 {"t": "read", "journey": journey, "version": version})
        self.pending_reads = []
        self.fire_timers(at)

    def fire_timers(self, until: dt.datetime) -> None:
        limit = to_micros(until)
        nd = self.effects.next_due
        if nd is not None and nd > limit:
            return
        while True:
            timer = self.store.next_timer()
            self.effects.next_due = to_micros(timer.due) if timer else 1 << 62
            if timer is None or to_micros(timer.due) > limit:
                return
            now = self.clock.advance_to(timer.due)
            with self.batcher.item():
                self.store.delete_timer(timer.seq)
                self.result.timers += 1
                inp = TimerIn(seq=timer.seq, kind=int(timer.kind), due=to_micros(timer.due),
                              instance=timer.instance, payload=timer.payload)
                self.process(inp, self.wall.now() if self.live else now)

    def _event(self, ev: InputEvent) -> None:
        late = self.clock.is_late(ev.time) if not self.live else ev.time < self.wall.now()
        now = self.wall.now() if self.live else self.clock.advance_to(ev.time)
        etime = to_micros(ev.time) if late else None
        if ev.event == AUDIENCE:
            p = ev.payload
            self.process(AudienceIn(ev.line, etime, p["profile"], p["audience"], p["status"]),
                         now)
        elif ev.event == REACTION:
            p = ev.payload
            self.process(ReactionIn(ev.line, etime, p["journey"], p["version"], p["profile"],
                                    p["step"], p["kind"]), now)
        else:
            self._profile_event(ev, now, etime)

    def _profile_event(self, ev: InputEvent, now: dt.datetime, etime: int | None) -> None:
        verdict = qualify(self.spec.model, ev.event, ev.payload, now)
        if isinstance(verdict, str) or verdict is None:
            self._unqualified(ev, verdict or "no_definition", now, etime)
            return
        for q in verdict:
            if q.business:
                self.process(BusinessIn(ev.line, etime, q.name, ev.payload), now)
                continue
            key = profile_key(self.spec.model, q.name, ev.payload, now)
            if key is None:
                self.effects.dead(DeadLetter(ev.line, "key_error",
                                             f"the key of {q.name} is null or failed", ev.text))
                continue
            self.process(EventIn(ev.line, etime, q.name, key, ev.payload), now)

    def _unqualified(self, ev: InputEvent, verdict: str, now: dt.datetime,
                     etime: int | None) -> None:
        if verdict in ("unknown_event", "where_error"):
            message = (f"no event declaration named '{ev.event}'" if verdict == "unknown_event"
                       else "a where rule failed to evaluate")
            self.effects.dead(DeadLetter(ev.line, verdict, message, ev.text))
            return
        self.effects.discard(now, verdict, etime)

    # -- the core ----------------------------------------------------------------------------

    def process(self, inp: Input, now: dt.datetime) -> None:
        """Run one input through the core, with its follow-ups (HTTP results, requeues)."""
        queue: list[Input] = [inp]
        while queue:
            current = queue.pop(0)
            state = self.world.slice_for(current)
            new, effects = self._step(state, current, now)
            self.world.merge(state, new)
            queue.extend(self.effects.apply(effects, now, current))

    def _step(self, state: Any, inp: Input, now: dt.datetime) -> Any:
        data: dict[str, Any] = {}
        for _ in range(32):
            new, effects = step(self.spec, state, inp, now, data)
            fetches = self.effects.fetches(effects)
            if not fetches:
                return new, effects
            data.update(fetches)
        return step(self.spec, state, inp, now, data)
