"""Simulated mode on Temporal: a file of timestamped events replayed on the time-skipping
test server, so ``jengine run --engine temporal`` (no ``--temporal`` address) and ``jengine
test --engine temporal`` give the embedded engine's outputs.

The server's clock is global and only moves forward; the driver keeps an offset (simulated =
server + offset, the first input's time mapped onto the server's start) and walks the
timeline. Before an input at time t it sleeps the server to t (the workflows' timers fire and
wake them), then lets the keys whose next timer is due by t process their timers in (due, key)
order: a ``sync`` update carrying the instant reached — the *horizon*; in simulated mode a
workflow fires nothing past it, so the server clock running on in real time between two
sleeps never fires a timer early. The input itself goes with update-with-start, which returns
once it is processed and its outputs committed. Each status names the workflow's next due
timer, so the driver knows whom to sync next. The global workflow's fan-out goes one member at
a time, in profile-id order, as the embedded engine's audience reads do.

:func:`drive` is the same walk on any server (the crash test uses the dev server, with the
server clock far ahead so that only the horizon fires timers).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from jengine.core.context import Options
from jengine.core.instants import to_micros
from jengine.lang import ast as A
from jengine.runtime.io import DeadLetter, SourceLine, open_input, read_lines, read_profiles
from jengine.runtime.io import parse_event_line as parse_line
from jengine.runtime.options import RunOptions, RunResult
from jengine.temporal.binaries import test_server_binary
from jengine.temporal.client import Feeder, retrying
from jengine.temporal.config import Config
from jengine.temporal.keyflow import KeyWorkflow
from jengine.temporal.specs import publish
from jengine.temporal.store import SharedStore
from jengine.temporal.stores import open_store
from jengine.temporal.worker import build_worker

__all__ = ["Simulation", "drive", "export", "read_events", "run_simulated", "start_instant"]

Json = dict[str, Any]


class Simulation:
    """Walks a timeline of inputs on a time-skipping environment (see the module docstring)."""

    def __init__(self, env: WorkflowEnvironment | None, client: Client, config: Config,
                 feeder: Feeder) -> None:
        self.env, self.client, self.config, self.feeder = env, client, config, feeder
        self.next_due: dict[str, int | None] = {}
        self.clock = 0

    def note(self, statuses: dict[str, Json]) -> None:
        for key, status in statuses.items():
            self.next_due[key] = status["next_due"]
            for other, nd in status.get("touched", {}).items():
                self.next_due[other] = nd

    async def _sync(self, key: str, until: int) -> None:
        handle = self.client.get_workflow_handle(self.config.workflow_id(key))
        self.note({key: await retrying(lambda: handle.execute_update(KeyWorkflow.sync, until),
                                       120.0)})

    async def advance(self, t: int) -> None:
        """Move the server clock to ``t`` (µs, simulated), then let the timers due by then
        fire in (due, key) order: the earliest due key processes its timers up to that
        instant, and again, until no timer is due by ``t``."""
        if self.env is not None:  # None: a real server (the horizon alone drives the timers)
            target = t - self.config.offset
            current = to_micros(await self.env.get_current_time())
            if target > current:
                await self.env.sleep(dt.timedelta(microseconds=target - current))
        self.clock = max(self.clock, t)
        while True:
            due = [(nd, k) for k, nd in self.next_due.items() if nd is not None and nd <= t]
            if not due:
                return
            nd, key = min(due)
            await self._sync(key, nd)

    async def run(self, lines: Sequence[SourceLine], opened: list[tuple[str, int]],
                  until: int | None,
                  before_line: Callable[[int], Awaitable[None]] | None = None) -> int:
        """Feed the lines (then fire timers up to ``until``); the number of inputs.
        ``before_line(n)`` runs before line n is sent (the crash test kills workers there)."""
        reads = [v for v in opened if self._reads(v)]
        first = True
        count = 0
        for line in lines:
            count += 1
            if before_line is not None:
                await before_line(line.number)
            parsed = parse_line(line)
            ref = f"{self.feeder.source}:{line.number}"
            if isinstance(parsed, DeadLetter):
                self.feeder.dead(parsed, ref)
                continue
            t = to_micros(parsed.time)
            await self.advance(t)
            if first and reads:
                self.note((await self.feeder.opened(reads, self.clock)).statuses)
                await self.advance(self.clock)
            first = False
            ack = await self.feeder.event(parsed, ref, self.clock, t < self.clock)
            self.note(ack.statuses)
        if until is not None:
            if first and reads:
                self.note((await self.feeder.opened(reads, None)).statuses)
            await self.advance(until)
        return count

    def _reads(self, version: tuple[str, int]) -> bool:
        vs = self.feeder.spec.version(*version)
        return vs is not None and isinstance(vs.journey.entry, A.EntryRead)


def _first_time(lines: Sequence[SourceLine]) -> dt.datetime | None:
    for line in lines:
        parsed = parse_line(line)
        if not isinstance(parsed, DeadLetter):
            return parsed.time
    return None


def export(store: SharedStore, options: RunOptions) -> dict[str, int]:
    """Write the store's outputs to the run's JSONL files; the line counts."""
    counts = {}
    for stream, path in (("outbox", options.outbox), ("journal", options.journal),
                         ("deadletter", options.dead_letters)):
        lines = store.outputs(stream)
        Path(path).write_text("".join(_line(obj) + "\n" for obj in lines), encoding="utf-8")
        counts[stream] = len(lines)
    return counts


def _line(obj: Json) -> str:
    import json

    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


async def run_simulated(options: RunOptions, store_location: str | Path | None = None,
                        env: WorkflowEnvironment | None = None,
                        can_after: int = 1000) -> RunResult:
    """``jengine run --engine temporal`` without a cluster (see the module docstring); the
    store must be new (the test server starts empty). ``env``: a running time-skipping
    environment to reuse (tests); ``can_after``: items per workflow run before it continues
    as new."""
    err = options.err or sys.stderr
    result, started = RunResult(), time.perf_counter()
    tmp = None if store_location is not None else tempfile.mkdtemp(prefix="jengine-temporal-")
    store = open_store(store_location or tmp or "")
    try:
        published = publish(store, options.workspace, Options(
            options.dry_run, options.test_mode,
            options.test_wait // dt.timedelta(microseconds=1), options.dry_run_datasources))
        if published.snapshot is None:
            for line in published.diagnostics:
                print(line, file=err)
            for problem in published.problems:
                print(f"{options.workspace}: error {problem}", file=err)
            result.status = 1
            return result
        own = env is None
        env = env or await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=test_server_binary())
        try:
            await _simulate(env, options, store, published.snapshot, published.opened, result,
                            can_after)
        finally:
            if own:
                await env.shutdown()
        counts = export(store, options)
        result.outbox, result.journal = counts["outbox"], counts["journal"]
        result.dead_letters = counts["deadletter"]
        result.entered = sum(1 for o in store.outputs("journal") if o["outcome"] == "entered")
    finally:
        store.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def read_events(options: RunOptions) -> list[SourceLine]:
    with open_input(str(options.events)) as stream:
        return list(read_lines(stream))


def start_instant(lines: Sequence[SourceLine], options: RunOptions) -> dt.datetime | None:
    """The simulated clock's start: the first input's time, else ``until``."""
    return _first_time(lines) or options.until


async def drive(client: Client, config: Config, store: SharedStore, snapshot: Json,
                opened: list[tuple[str, int]], options: RunOptions, lines: list[SourceLine],
                env: WorkflowEnvironment | None = None,
                before_line: Callable[[int], Awaitable[None]] | None = None) -> int:
    """Load the profiles, then walk the input lines (simulated mode, on any server whose
    workers poll ``config.task_queue``); the number of input lines."""
    feeder = Feeder(client, config, store, snapshot, source="in", wait=True)
    sim = Simulation(env, client, config, feeder)
    if options.profiles is not None:
        await _profiles(feeder, sim, options)
    until = None if options.until is None else to_micros(options.until)
    return await sim.run(lines, opened, until, before_line)


async def _simulate(env: WorkflowEnvironment, options: RunOptions, store: SharedStore,
                    snapshot: Json, opened: list[tuple[str, int]], result: RunResult,
                    can_after: int) -> None:
    lines = read_events(options)
    start = start_instant(lines, options) or await env.get_current_time()
    offset = to_micros(start) - to_micros(await env.get_current_time())
    config = Config(task_queue=f"jengine-sim-{uuid.uuid4().hex[:8]}", mode="simulated",
                    offset=offset, can_after=can_after)
    worker, executor = build_worker(env.client, config, store, transport=options.transport,
                                    env=options.env)
    try:
        async with worker:
            result.events = await drive(env.client, config, store, snapshot, opened, options,
                                        lines, env)
    finally:
        executor.shutdown(wait=False)


async def _profiles(feeder: Feeder, sim: Simulation, options: RunOptions) -> None:
    """Load the profiles file before the clock starts (instant 0: a first load is silent
    and does not move the key's clock, as the embedded runner's load)."""
    assert options.profiles is not None
    for n, item in enumerate(read_profiles(options.profiles), start=1):
        if isinstance(item, DeadLetter):
            print(f"{options.profiles}:{item.line}: warning bad_input {item.message}",
                  file=options.err or sys.stderr)
            continue
        sim.note((await feeder.profile(n, item, 0)).statuses)


def run_blocking(options: RunOptions, store_location: str | Path | None = None) -> RunResult:
    """:func:`run_simulated` from synchronous code (then a garbage collection: see the SDK
    exit note in docs/temporal.md)."""
    import gc

    result = asyncio.run(run_simulated(options, store_location))
    gc.collect()
    return result
