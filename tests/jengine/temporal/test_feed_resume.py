"""A cluster feeder (``jengine run --engine temporal --temporal HOST:PORT``) SIGKILLed half-way
and started again resumes after its recorded offset: on a real dev server with a real ``jengine
worker``, the outputs equal an uninterrupted embedded run (times aside, sorted) — no input lost,
none doubled (the lines sent again after the last recorded offset are dropped by item id)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from jengine.runtime.runner import RunOptions, run
from jengine.temporal.cluster import OFFSET_EVERY, Offset
from jengine.temporal.servers import DevServer
from jengine.temporal.stores import open_store

ROOT = Path(__file__).resolve().parents[3]
WORKSPACE = ROOT / "tests" / "jengine" / "serve" / "workspace"
N = 300


def _events(path: Path) -> None:
    rows = []
    for n in range(N):
        t = f"2026-12-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"
        if n % 11 == 5:
            rows.append({"event": "Refunded", "time": t, "payload": {"email": f"p{n % 17}@x.org"}})
        else:
            rows.append({"event": "Purchased", "time": t,
                         "payload": {"email": f"p{n % 17}@x.org", "total": (n * 37) % 190 + 0.5}})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _canon(rows: list[dict[str, Any]], *drop: str) -> list[str]:
    return sorted(json.dumps({k: v for k, v in r.items() if k not in drop}, sort_keys=True)
                  for r in rows)


def _feeder(events: Path, address: str, store: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "jengine", "run", str(WORKSPACE), "--events", str(events),
         "--engine", "temporal", "--temporal", address, "--store", str(store),
         "--task-queue", "resume"], stdout=subprocess.DEVNULL, stderr=log.open("wb"))


def _offset(store: Path, events: Path) -> int:
    with open_store(str(store)) as s:
        return Offset(s, f"feed:run:{events}:lines", True).start


def test_killed_feeder_resumes_after_its_offset(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    _events(events)
    ref = tmp_path / "ref"
    ref.mkdir()
    assert run(RunOptions(workspace=WORKSPACE, events=events, state=ref / "jengine.db",
                          outbox=ref / "outbox.jsonl", journal=ref / "journal.jsonl",
                          dead_letters=ref / "deadletters.jsonl")).status == 0

    def read(name: str) -> list[dict[str, Any]]:
        return [json.loads(x) for x in (ref / name).read_text().splitlines()]

    store = tmp_path / "store"
    with DevServer() as dev:
        worker = subprocess.Popen(
            [sys.executable, "-m", "jengine", "worker", str(WORKSPACE), "--temporal",
             dev.address, "--store", str(store), "--task-queue", "resume"],
            stdout=subprocess.DEVNULL, stderr=(tmp_path / "worker.log").open("wb"),
            start_new_session=True)
        try:
            first = _feeder(events, dev.address, store, tmp_path / "feed-1.log")
            deadline = time.monotonic() + 120
            while first.poll() is None and time.monotonic() < deadline:
                if store.exists() and _offset(store, events) >= 3 * OFFSET_EVERY:
                    break
                time.sleep(0.05)
            first.send_signal(signal.SIGKILL)
            first.wait(30)
            killed_at = _offset(store, events)
            assert 3 * OFFSET_EVERY <= killed_at < N, (tmp_path / "feed-1.log").read_text()
            second = _feeder(events, dev.address, store, tmp_path / "feed-2.log")
            assert second.wait(180) == 0, (tmp_path / "feed-2.log").read_text()
            log = (tmp_path / "feed-2.log").read_text()
            resumed = re.search(r"resuming after line (\d+)", log)
            assert resumed is not None and int(resumed.group(1)) >= killed_at, log
            assert f"{N - int(resumed.group(1))} input(s) accepted" in log
            assert _offset(store, events) == N
            journal = _wait(store, len(read("journal.jsonl")))
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0, (tmp_path / "worker.log").read_text()
    with open_store(str(store)) as s:
        outbox, dead = s.outputs("outbox"), s.outputs("deadletter")
    assert _canon(outbox, "time") == _canon(read("outbox.jsonl"), "time")
    assert _canon(journal, "time", "late", "eventTime") == \
        _canon(read("journal.jsonl"), "time", "late", "eventTime")
    assert _canon(dead, "line") == _canon(read("deadletters.jsonl"), "line")


def _wait(store: Path, count: int, timeout: float = 180.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        with open_store(str(store)) as s:
            journal = s.outputs("journal")
        if len(journal) >= count or time.monotonic() > deadline:
            time.sleep(1.0)   # anything more would be a doubled line
            with open_store(str(store)) as s:
                return s.outputs("journal")
        time.sleep(0.3)
