"""Crash: on the Temporal dev server, two workers share the task queue and are SIGKILLed (and
restarted) at 12 random moments of the run — each time just before an input is sent, while
the previous ones are still being processed; the outputs in PostgreSQL equal the embedded
engine's uninterrupted run: nothing lost, nothing doubled.

Inputs are fed in simulated mode (their own instants, timers fired up to the driver's
horizon), so the outputs are reproducible on a real server; the workers are real
``jengine worker`` processes."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from jengine.core.context import Options
from jengine.core.instants import to_micros
from jengine.runtime.runner import RunOptions, run
from jengine.temporal.config import Config
from jengine.temporal.connect import Connection, connect
from jengine.temporal.servers import DevServer, PostgresServer
from jengine.temporal.simulate import drive, read_events, start_instant
from jengine.temporal.specs import publish
from jengine.temporal.stores import open_store

ROOT = Path(__file__).resolve().parents[3]
WORKSPACE = ROOT / "examples" / "workspace"
KILLS = 12


def canonical(lines: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(x, sort_keys=True, ensure_ascii=False) for x in lines)


class Workers:
    """Two ``jengine worker`` processes; :meth:`kill` SIGKILLs one and starts a new one."""

    def __init__(self, address: str, store: str, queue: str, log: Path) -> None:
        self.args = [sys.executable, "-m", "jengine", "worker", str(WORKSPACE), "--temporal",
                     address, "--store", store, "--task-queue", queue,
                     "--sticky-timeout", "1"]
        self.log = log
        self.procs = [self._spawn(), self._spawn()]
        self.killed = 0

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            return subprocess.Popen(self.args, stdout=log, stderr=log, start_new_session=True,
                                    env={**os.environ, "COUPON_API_KEY": "k"})

    def kill(self, rng: random.Random) -> None:
        i = rng.randrange(2)
        os.kill(self.procs[i].pid, signal.SIGKILL)
        self.procs[i].wait()
        self.killed += 1
        self.procs[i] = self._spawn()

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _options(folder: Path) -> RunOptions:
    return RunOptions(workspace=WORKSPACE, events=ROOT / "examples" / "events.jsonl",
                      profiles=ROOT / "examples" / "profiles.jsonl", state=folder / "state.db",
                      outbox=folder / "outbox.jsonl", journal=folder / "journal.jsonl",
                      dead_letters=folder / "dead.jsonl", env={"COUPON_API_KEY": "k"},
                      deliver=False)


async def _feed(address: str, store_url: str, options: RunOptions, workers: Workers,
                rng: random.Random) -> int:
    store = open_store(store_url)
    published = publish(store, WORKSPACE, Options())
    assert published.snapshot is not None
    client = await connect(Connection(address))
    lines = read_events(options)
    start = start_instant(lines, options)
    assert start is not None
    # the server's clock a year past the simulated one: the workflows' wake-up timers never
    # fire during the test; the horizon the driver sends fires the journey timers
    server_start = dt.datetime.now(dt.UTC) + dt.timedelta(days=365)
    config = Config(task_queue=workers.args[workers.args.index("--task-queue") + 1],
                    mode="simulated", offset=to_micros(start) - to_micros(server_start),
                    task_timeout=2.0, activity_timeout=5.0)
    kill_at = set(rng.sample(range(2, len(lines) + 1), KILLS))

    async def before(n: int) -> None:
        if n in kill_at:
            workers.kill(rng)

    try:
        return await drive(client, config, store, published.snapshot, published.opened,
                           options, lines, before_line=before)
    finally:
        store.close()


@pytest.mark.timeout(900)  # about two minutes alone; more on a loaded machine
def test_sigkill_workers_lose_and_double_nothing(tmp_path: Path) -> None:
    embedded = _options(tmp_path / "embedded")
    (tmp_path / "embedded").mkdir()
    assert run(embedded).status == 0
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    with PostgresServer() as pg, DevServer(tmp_path / "dev.db") as dev:
        workers = Workers(dev.address, pg.url, "crash", tmp_path / "workers.log")
        try:
            count = asyncio.run(_feed(dev.address, pg.url, embedded, workers, rng))
            gc.collect()
        finally:
            workers.stop()
        assert workers.killed >= 10, f"seed {seed}"
        with open_store(pg.url) as store:
            got = {s: store.output_records(s) for s in ("outbox", "journal", "deadletter")}
    assert count == 248
    for stream, records in got.items():
        doubled = [k for k, n in Counter(r.id for r in records).items() if n > 1]
        assert doubled == [], f"{stream}: effect ids twice (seed {seed})"
    want = {"outbox": embedded.outbox, "journal": embedded.journal,
            "deadletter": embedded.dead_letters}
    for stream, path in want.items():
        expected = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
        assert canonical([r.line for r in got[stream]]) == canonical(expected), \
            f"{stream} differs (seed {seed}); workers log: {tmp_path / 'workers.log'}"
