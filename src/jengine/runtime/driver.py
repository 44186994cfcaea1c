"""The run loop behind :func:`jengine.runtime.runner.run` (see that module for the API).

The durable state lives in the store; :class:`~jengine.runtime.world.World` is a bounded cache
of profile entries over it. Each input gets a :class:`State` slice — its one profile with that
profile's instances and re-entrance memory, or an empty one for an input about a group — the
core returns a new slice, and the world takes the entities whose identity changed, remembering
them as dirty. An input about a group (a business event, an audience read, a window end) comes
back from the core as a :class:`~jengine.core.state.Fanout`: :meth:`Loop.process` walks the
group from the store's indexes and runs one member step per profile, then the fan-out's
trailing effects, then the other follow-ups (HTTP results, requeued audience changes).

Everything is written to the store once per batch, just before the commit, in that one
transaction: output rows and recorded effects (buffered in order, ``executemany``), timer
changes (:class:`~jengine.runtime.timers.TimerQueue`), dirty entities, report counters, the
clock and the input offset of the last input. A long fan-out writes (without committing)
whenever :data:`SPILL` changes are buffered, so memory stays bounded. The core never raises,
so no per-input rollback is needed; a crash loses the whole uncommitted batch, which the
restart processes again from the committed offset (exactly once, §4.6).

Live mode also watches the workspace files (:class:`WorkspaceWatch`): before each input and
while idle, a change registers the versions again (§4.5, :meth:`Loop._reload`).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections import deque
from collections.abc import Iterator
from typing import IO, Any

from jengine.core.context import Options, Spec
from jengine.core.engine import profile_key, qualify, step
from jengine.core.instants import EPOCH, from_micros, to_micros
from jengine.core.state import AudienceIn, BusinessIn, EventIn, Input, ReactionIn, TimerIn
from jengine.lang.workspace import load_workspace
from jengine.runtime.admission import Admission
from jengine.runtime.batch import BatchTx, collector
from jengine.runtime.channels import senders as delivery
from jengine.runtime.clock import SystemClock
from jengine.runtime.control import CONTROL, control
from jengine.runtime.effects import Effects, Follow, Then, http_client
from jengine.runtime.export import Exporter
from jengine.runtime.io import (
    AUDIENCE,
    REACTION,
    DeadLetter,
    InputEvent,
    SourceLine,
    key_letter,
    open_input,
    parse_event_line,
    read_lines,
    tail_lines,
    unqualified_letter,
)
from jengine.runtime.loading import load_profiles
from jengine.runtime.lock import locked_store
from jengine.runtime.options import RunOptions, RunResult
from jengine.runtime.records import DEADLETTER, JOURNAL, OUTBOX, InputOffset, TimerKind
from jengine.runtime.store import Store
from jengine.runtime.versions import register
from jengine.runtime.watch import WorkspaceWatch
from jengine.runtime.world import World
from jexpr.report import format_diagnostic

__all__ = ["SPILL", "drive"]

SPILL = 20_000   # buffered changes that make a long input write them before it ends


def drive(options: RunOptions) -> RunResult:
    err = options.err or sys.stderr
    result = RunResult()
    started = time.perf_counter()
    ws = load_workspace(options.workspace)
    templates, problems = delivery.prepare(ws, options.deliver, options.env)
    for line in [*(format_diagnostic(d.diagnostic, d.source.text, str(d.path))
                   for d in ws.diagnostics if d.is_error), *problems]:
        print(line, file=err)
    if ws.has_errors or problems:
        result.status = 1
        return result
    with locked_store(options.state, (options.outbox, options.journal, options.dead_letters),
                      Store) as store, collector():
        return _drive(options, ws, store, result, started, err, templates)


def _drive(options: RunOptions, ws: Any, store: Store, result: RunResult, started: float,
           err: Any, templates: Any) -> RunResult:
    core = Options(options.dry_run, options.test_mode, to_us(options.test_wait),
                   options.dry_run_datasources)
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
    loop.published = ws
    delivery.attach(loop, ws, templates)
    loop.setup(reg.opened)
    try:
        loop.run()
    except BaseException:
        loop.batcher.abort()
        raise
    result.seconds = time.perf_counter() - started
    return result


class _Refused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def to_us(d: dt.timedelta) -> int:
    return d // dt.timedelta(microseconds=1)


class Loop:
    """One run: the clock, the world, the batcher and the input source."""

    def __init__(self, options: RunOptions, spec: Spec, store: Store, result: RunResult) -> None:
        self.options, self.spec, self.store, self.result = options, spec, store, result
        self.live = options.mode == "live"
        # the simulated clock (§4.4), as the instant handed to the core and its microseconds
        self.clock_us = store.get_seq("clock")
        self.clock = from_micros(self.clock_us) if self.clock_us else EPOCH
        self.wall = SystemClock()
        self.world = World(spec, store, options.cache_size)
        self.batcher = BatchTx(store)
        client = options.http or http_client(options, store, self)
        self.effects = Effects(store, spec, self.world, client, result, options.timer_window)
        self.timers = self.effects.timers
        self.source = options.source.name if options.source is not None else (
            "-" if str(options.events) == "-" else str(options.events))
        self.pending_reads: list[tuple[str, int]] = []
        self.offset: InputOffset | None = None
        self.watch: WorkspaceWatch | None = None
        self.admission = Admission(options.max_ahead, options.strict_order, self.source)
        self.published: Any = None   # the workspace the spec was built from
        self.pause_due: int | None = None   # when a journey pause ends by itself (µs)
        self.deliveries: delivery.Deliveries | None = None  # channel messages (set by _drive)

    def now(self) -> dt.datetime:
        return self.wall.now() if self.live else self.clock

    def advance(self, t: dt.datetime, t_us: int) -> dt.datetime:
        """Move the simulated clock to ``t`` unless that is in the past; the clock time."""
        if t_us > self.clock_us:
            self.clock, self.clock_us = t, t_us
        return self.clock

    # -- set-up ----------------------------------------------------------------------------

    def setup(self, opened: list[Any]) -> None:
        with self.store.transaction():
            resumed = self.store.get_offset(self.source).line > 0
            if self.options.profiles is not None and not resumed:
                self._load_profiles()
            self._opened(opened)
            self.timers.write(self.store)
        if self.live:
            self.watch = WorkspaceWatch(self.options.workspace)

    def _opened(self, opened: list[Any]) -> None:
        """Schedule the window ends and audience reads of newly opened versions."""
        from jengine.lang import ast as A

        for vs in opened:
            window = vs.journey.window
            if window is not None:
                self.timers.add(to_micros(window[1]), TimerKind.DEADLINE, None, {
                    "t": "window", "journey": vs.name, "version": vs.version})
            entry = vs.journey.entry
            if isinstance(entry, A.EntryRead):
                if entry.at is not None:
                    self.timers.add(to_micros(entry.at.value), TimerKind.TIMER, None, {
                        "t": "read", "journey": vs.name, "version": vs.version})
                else:
                    self.pending_reads.append((vs.name, vs.version))

    def _load_profiles(self) -> None:
        assert self.options.profiles is not None
        start = time.perf_counter()
        self.result.profiles = load_profiles(self.options.profiles, self.world,
                                             self.options.err or sys.stderr)
        self.result.profiles_seconds = time.perf_counter() - start

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> None:
        offset = self.store.get_offset(self.source)
        progress = self._progress()
        batch_size = self.options.batch
        for line in self._lines(offset):
            if self.options.max_inputs is not None and self.result.events >= \
                    self.options.max_inputs:
                break
            self._line(line)
            if progress is not None:
                progress(line.end)
            if self.batcher.pending >= batch_size:
                self.flush()
        if self.options.until is not None and not self.live:
            self.fire_timers(self.options.until)
        if self.deliveries is not None:
            self.deliveries.finish(self)
        self.flush()

    def _reload(self) -> None:
        """Live mode: when a workspace file changed, register the versions again (§4.5).

        A higher version becomes the open one (its window end and audience reads are
        scheduled), the same version and hash change nothing; a workspace with errors, or a
        ``J-VERSION-REUSED`` / ``J-VERSION-OLD`` problem, is refused: reported on ``err`` and in
        :attr:`RunResult.messages`, nothing is registered, and the loaded versions keep
        running. The pending batch is committed first; the registration commits alone."""
        if self.watch is None or not self.watch.changed():
            return
        err = self.options.err or sys.stderr
        ws = load_workspace(self.options.workspace)
        templates, problems = delivery.prepare(ws, self.deliveries is not None, self.options.env)
        if ws.has_errors or problems:
            for d in ws.diagnostics:
                if d.is_error:
                    print(format_diagnostic(d.diagnostic, d.source.text, str(d.path)),
                          file=err)
            for problem in problems:
                print(problem, file=err)
            self._refuse(["the changed workspace has errors"])
            return
        self.flush()
        try:
            with self.store.transaction():
                reg = register(self.store, ws, self.spec.options)
                if reg.spec is None:
                    raise _Refused(reg.problems)
                if self.deliveries is not None and templates is not None:
                    self.deliveries.configure(ws.model.channels, templates)
                self._use(reg.spec)
                self.published = ws
                self._opened(reg.opened)
                self.timers.write(self.store)
        except (_Refused, delivery.ChannelConfigError) as refused:
            self._refuse(refused.problems if isinstance(refused, _Refused) else [str(refused)])

    def _refuse(self, problems: list[str]) -> None:
        err = self.options.err or sys.stderr
        for problem in problems:
            print(f"{self.options.workspace}: error {problem}", file=err)
        print(f"{self.options.workspace}: the workspace change was refused; the loaded "
              "versions keep running", file=err)
        self.result.messages.extend(problems)

    def _use(self, spec: Spec) -> None:
        self.spec = spec
        self.world.use(spec)
        self.effects.spec = spec

    def _progress(self) -> Any:
        if not self.options.progress or self.source == "-":
            return None
        from jengine.runtime.effects import progress_bar

        return progress_bar(self.source)

    def _lines(self, offset: InputOffset) -> Iterator[SourceLine]:
        if self.options.source is not None:
            yield from self.options.source.lines(self.store, offset, self._stop())
            return
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
            self._reload()
            self.fire_timers(self.wall.now())
            self.flush()
            return idle is not None and time.monotonic() - last[0] > idle

        return stop

    def flush(self) -> None:
        """Write the batch (outputs, effects, timers, world, counters, clock, input offset)
        and commit it."""
        self.batcher.begin()
        self.effects.write_outputs()
        self.world.write()
        self.effects.write_counters()
        self.store.execute("INSERT OR REPLACE INTO meta VALUES ('clock', ?)", (self.clock_us,))
        if self.offset is not None:
            self.store.set_offset(self.offset)
            self.offset = None
        self.batcher.flush()

    # -- one line ----------------------------------------------------------------------------

    def _line(self, line: SourceLine) -> None:
        if self.watch is not None:
            self._reload()
        arrival = (from_micros(line.arrival) if line.arrival is not None
                   else self.wall.now() if self.live else None)
        parsed = self.admission.check(parse_event_line(line, arrival), self.spec,  # bounds, types
                                      None if self.live else self.clock_us, self.wall.now())
        self.result.events += 1
        t_us = 0
        if isinstance(parsed, InputEvent):
            t_us = to_micros(parsed.time)
            self.fire_timers(self.wall.now() if self.live else parsed.time,
                             None if self.live else t_us)
            if self.pending_reads:
                self._schedule_reads(parsed.time)
        self.batcher.begin()
        if isinstance(parsed, DeadLetter):
            self.effects.dead(parsed)
        elif parsed.event in CONTROL:
            control(self, parsed)
        else:
            self._event(parsed, t_us, arrival)
        self.offset = InputOffset(self.source, line.number, line.end)
        self.batcher.pending += 1

    def _schedule_reads(self, at: dt.datetime) -> None:
        for journey, version in self.pending_reads:
            self.timers.add(max(to_micros(at), self.clock_us), TimerKind.TIMER, None,
                            {"t": "read", "journey": journey, "version": version})
        self.pending_reads = []
        self.fire_timers(at)

    def fire_timers(self, until: dt.datetime, limit: int | None = None) -> None:
        """Fire every timer due at or before ``until`` (``limit``: its microseconds)."""
        if limit is None:
            limit = to_micros(until)
        if self.pause_due is not None and limit >= self.pause_due:
            from jengine.runtime.lifecycle import pauses_over

            pauses_over(self, limit)
        timers = self.timers
        nd = timers.next_due()
        if nd is None or nd > limit:
            return
        while True:
            row = timers.pop(limit)
            if row is None:
                return
            seq, due, kind, instance, payload = row
            if due > self.clock_us:
                self.clock, self.clock_us = from_micros(due), due
            now = self.clock
            self.batcher.begin()
            self.result.timers += 1
            inp = TimerIn(seq=seq, kind=kind, due=due, instance=instance, payload=payload)
            if payload.get("t") == "send" and self.deliveries is not None:
                self.deliveries.fire(self, row, self.wall.now() if self.live else now)
            else:
                self.process(inp, self.wall.now() if self.live else now)
            self.batcher.pending += 1
            if self.batcher.pending >= self.options.batch:
                self.flush()  # with the offset of the last line: the timers fired before it

    def _event(self, ev: InputEvent, t_us: int, arrival: dt.datetime | None = None) -> None:
        if self.live:
            now = self.wall.now()   # late: older than its arrival (less the allowed skew)
            late = ev.time < (arrival or now) - self.options.late_after
        else:
            late = t_us < self.clock_us
            now = self.advance(ev.time, t_us)
        self.result.late += late
        etime = t_us if late else None
        if self.deliveries is not None and self.deliveries.intercept(self, ev.event, ev.payload):
            return                                      # @consent, or a bounce's side effect
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
                self.effects.dead(key_letter(ev, q.name))
                continue
            self.process(EventIn(ev.line, etime, q.name, key, ev.payload), now)

    def _unqualified(self, ev: InputEvent, verdict: str, now: dt.datetime,
                     etime: int | None) -> None:
        if verdict in ("unknown_event", "where_error"):
            self.effects.dead(unqualified_letter(ev, verdict))
            return
        self.effects.discard(now, verdict, etime)

    # -- the core ----------------------------------------------------------------------------

    def process(self, inp: Input, now: dt.datetime) -> None:
        """Run one input through the core, with its follow-ups (HTTP results, requeues, the
        members of a fan-out, then the effects that follow them), in order."""
        world, apply = self.world, self.effects.apply
        state = world.slice_for(inp)
        new, effects = self._step(state, inp, now)
        world.merge(inp, state, new)
        follow = apply(effects, now, inp)
        if not follow:
            if world.pending + self.effects.pending > SPILL:
                self.spill()
            return
        queue: deque[Follow] = deque(follow)
        current: Input = inp
        while queue:
            item = queue[0]
            if isinstance(item, Then):
                queue.popleft()
                queue.extend(apply(item.effects, now, current))
                continue
            if isinstance(item, Input):
                current = item
                queue.popleft()
            else:
                member = next(item, None)  # a fan-out's next member
                if member is None:
                    queue.popleft()
                    continue
                current = member
            state = world.slice_for(current)
            new, effects = self._step(state, current, now)
            world.merge(current, state, new)
            queue.extend(apply(effects, now, current))
            if world.pending + self.effects.pending > SPILL:
                self.spill()

    def spill(self) -> None:
        """Write what the batch holds in memory so far, without committing (a large
        fan-out: memory stays bounded; the commit still comes at the batch end)."""
        self.effects.write_outputs()
        self.world.write()

    def _step(self, state: Any, inp: Input, now: dt.datetime) -> Any:
        new, effects = step(self.spec, state, inp, now, None)
        fetches = self.effects.fetches(effects)
        if not fetches:
            return new, effects
        data: dict[str, Any] = {}
        for _ in range(31):  # at most 33 calls, the last one without reads
            data.update(fetches)
            new, effects = step(self.spec, state, inp, now, data)
            fetches = self.effects.fetches(effects)
            if not fetches:
                return new, effects
        data.update(fetches)
        return step(self.spec, state, inp, now, data)
