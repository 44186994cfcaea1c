"""Exporting committed output rows to JSONL files, exactly once, across crashes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from jengine.runtime.export import Exporter
from jengine.runtime.records import DEADLETTER, JOURNAL, OUTBOX, Stream
from jengine.runtime.store import Store

ROOT = Path(__file__).resolve().parents[3]


def _paths(d: Path) -> dict[Stream, Path]:
    return {OUTBOX: d / "outbox.jsonl", JOURNAL: d / "journal.jsonl",
            DEADLETTER: d / "deadletters.jsonl"}


def _commit(store: Store, n: int) -> None:
    with store.transaction():
        store.append_output(OUTBOX, {"n": n})
        store.append_output(JOURNAL, {"n": n, "outcome": "completed"})


def test_export_after_each_commit(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    Exporter(store, _paths(tmp_path)).attach()
    _commit(store, 1)
    assert (tmp_path / "outbox.jsonl").read_text() == '{"n":1}\n'
    with store.transaction():
        store.append_output(OUTBOX, {"n": 2})
        assert (tmp_path / "outbox.jsonl").read_text() == '{"n":1}\n'  # not before the commit
    assert (tmp_path / "outbox.jsonl").read_text() == '{"n":1}\n{"n":2}\n'
    assert (tmp_path / "deadletters.jsonl").read_text() == ""
    store.close()


def test_crash_between_commit_and_export(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    Exporter(store, _paths(tmp_path)).attach()
    _commit(store, 1)
    store.close()
    store = Store(tmp_path / "s.db")  # committed, but killed before the exporter ran
    _commit(store, 2)
    store.close()
    store = Store(tmp_path / "s.db")
    Exporter(store, _paths(tmp_path)).attach()
    assert (tmp_path / "outbox.jsonl").read_text() == '{"n":1}\n{"n":2}\n'
    store.close()


def test_crash_between_file_write_and_mark(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    Exporter(store, _paths(tmp_path)).attach()
    _commit(store, 1)
    _commit(store, 2)
    expected = (tmp_path / "journal.jsonl").read_text()
    with open(tmp_path / "journal.jsonl", "a") as f:  # lines written, mark not recorded
        f.write('{"n":2,"outcome":"completed"}\n{"n":3,"outc')
    store.close()
    store = Store(tmp_path / "s.db")
    Exporter(store, _paths(tmp_path)).attach()
    assert (tmp_path / "journal.jsonl").read_text() == expected
    _commit(store, 3)
    assert (tmp_path / "journal.jsonl").read_text().count("\n") == 3
    store.close()


def test_lost_file_or_new_path_is_rebuilt(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    Exporter(store, _paths(tmp_path)).attach()
    _commit(store, 1)
    _commit(store, 2)
    expected = (tmp_path / "outbox.jsonl").read_text()
    (tmp_path / "outbox.jsonl").unlink()
    other = tmp_path / "elsewhere"
    other.mkdir()
    Exporter(store, {OUTBOX: tmp_path / "outbox.jsonl"}).recover()
    assert (tmp_path / "outbox.jsonl").read_text() == expected
    Exporter(store, {OUTBOX: other / "outbox.jsonl"}).recover()
    assert (other / "outbox.jsonl").read_text() == expected
    store.close()


WORKER = r'''
import sys, time
from pathlib import Path
from jengine.runtime.export import Exporter
from jengine.runtime.records import InputOffset
from jengine.runtime.batch import BatchTx
from jengine.runtime.store import Store

d, inputs = Path(sys.argv[1]), Path(sys.argv[2])
store = Store(d / "state.db")
Exporter(store, {"outbox": d / "outbox.jsonl", "journal": d / "journal.jsonl",
                 "deadletter": d / "dead.jsonl"}).attach()
start = store.get_offset("in")
batch = BatchTx(store)   # the runner's batches, of 7 inputs here
with open(inputs, "rb") as f:
    f.seek(start.byte)
    line_no, byte = start.line, start.byte
    for raw in f:
        line_no, byte = line_no + 1, byte + len(raw)
        with batch.item():
            n = int(raw)
            store.append_output("journal", {"line": line_no, "n": n})
            if n % 3 == 0:
                store.append_output("outbox", {"line": line_no, "n": n, "text": "é" * (n % 5)})
            if n % 11 == 0:
                store.append_output("deadletter", {"line": line_no, "reason": "bad_input"})
            store.set_offset(InputOffset("in", line_no, byte))
        if batch.pending >= 7:
            batch.flush()
        time.sleep(0.0003)
batch.flush()
store.close()
'''


def _run(d: Path, inputs: Path, kill_after: float | None) -> int | None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-c", WORKER, str(d), str(inputs)], env=env)
    if kill_after is None:
        return proc.wait(60)
    time.sleep(kill_after)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        return None
    return proc.returncode


def test_sigkill_at_many_points_gives_the_uninterrupted_files(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.txt"
    inputs.write_text("".join(f"{n}\n" for n in range(1, 1501)))
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    clean.mkdir()
    crashed.mkdir()
    assert _run(clean, inputs, None) == 0
    rng = random.Random(20261201)
    kills = 0
    for _ in range(40):
        code = _run(crashed, inputs, rng.uniform(0.15, 0.6))
        if code is not None:
            assert code == 0
            break
        kills += 1
    else:
        assert _run(crashed, inputs, None) == 0
    assert kills >= 3
    for name in ("outbox.jsonl", "journal.jsonl", "dead.jsonl"):
        assert (crashed / name).read_text() == (clean / name).read_text(), name
