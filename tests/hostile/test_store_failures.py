"""Disk full, a read-only folder, a foreign or garbage state file (issue 16, low): each used to
end ``jengine run`` with "internal error" and a Python exception. Each is now one coded line
naming the file (:mod:`jengine.runtime.failures`), exit status 1, and the file is left as it
was; after a disk-full stop the same command completes the run with nothing lost.

How the conditions are made: *disk full* by ``RLIMIT_FSIZE`` on the subprocess (with
``SIGXFSZ`` ignored, so a write past the limit fails with ``EFBIG`` as a full disk fails with
``ENOSPC``) — portable, needs no privilege. *Read-only folder*: ``chmod 555`` when the tests
run unprivileged; as root (who writes through modes) a read-only tmpfs is mounted; where
neither is possible, the folder is a regular file (``ENOTDIR``). All three are real OS errors.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_run import event, workspace


def _cli(tmp: Path, events: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "jengine", "run", str(workspace(tmp)), "--events",
            str(events), "--no-progress", "--batch", "50", *extra]


def _events(tmp: Path, n: int) -> Path:
    path = tmp / "events.jsonl"
    path.write_text("".join(event(f"p{i}@example.com", n=i) + "\n" for i in range(n)),
                    encoding="utf-8")
    return path


def _run(cmd: list[str], cwd: Path, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def pre() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120,
                          preexec_fn=pre)


@pytest.mark.timeout(120)
def test_disk_full_then_resume_loses_nothing(tmp_path: Path) -> None:
    events = _events(tmp_path, 1500)
    (tmp_path / "clean").mkdir()
    (tmp_path / "full").mkdir()
    clean = _run(_cli(tmp_path, events), tmp_path / "clean")
    assert clean.returncode == 0, clean.stderr
    full = _run(_cli(tmp_path, events), tmp_path / "full", limit=1_000_000)
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr and "internal error" not in full.stderr
    assert "E-STATE-IO jengine.db" in full.stderr or "E-OUTPUT-IO" in full.stderr
    outbox = (tmp_path / "full" / "outbox.jsonl").read_bytes()
    assert 0 < outbox.count(b"\n") < 1500, "the failure should land mid-run"
    again = _run(_cli(tmp_path, events), tmp_path / "full")
    assert again.returncode == 0, again.stderr
    for name in ("outbox.jsonl", "journal.jsonl", "deadletters.jsonl"):
        assert (tmp_path / "full" / name).read_bytes() == (tmp_path / "clean" / name).read_bytes()


@contextlib.contextmanager
def _unwritable(tmp: Path) -> Iterator[Path]:
    folder = tmp / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                      capture_output=True).returncode == 0:
        try:
            yield folder
        finally:
            subprocess.run(["umount", str(folder)], capture_output=True)
        return
    folder.rmdir()
    folder.write_text("a file, not a folder", encoding="utf-8")
    yield folder


@pytest.mark.timeout(60)
def test_read_only_folder_for_the_store(tmp_path: Path) -> None:
    events = _events(tmp_path, 3)
    with _unwritable(tmp_path) as ro:
        done = _run(_cli(tmp_path, events, "--state", str(ro / "s.db")), tmp_path)
    assert done.returncode == 1, done.stderr
    assert f"jengine: error: E-STATE-IO {ro / 's.db'}" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.timeout(60)
def test_read_only_folder_for_an_output(tmp_path: Path) -> None:
    events = _events(tmp_path, 3)
    with _unwritable(tmp_path) as ro:
        done = _run(_cli(tmp_path, events, "--journal", str(ro / "j.jsonl")), tmp_path)
    assert done.returncode == 1, done.stderr
    assert f"jengine: error: E-OUTPUT-IO {ro / 'j.jsonl'}" in done.stderr


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["text", "random", "foreign", "too new", "truncated"])
def test_not_a_state_store(tmp_path: Path, kind: str) -> None:
    events = _events(tmp_path, 3)
    state = tmp_path / "state.db"
    if kind == "text":
        state.write_text("garbage garbage garbage\n" * 10, encoding="utf-8")
    elif kind == "random":
        state.write_bytes(os.urandom(8192))
    elif kind == "truncated":
        assert _run(_cli(tmp_path, events, "--state", str(state)), tmp_path).returncode == 0
        state.write_bytes(state.read_bytes()[:1000])
        for extra in ("state.db-wal", "state.db-shm"):
            (tmp_path / extra).unlink(missing_ok=True)
    else:
        conn = sqlite3.connect(state)
        conn.execute("CREATE TABLE accounts (id INTEGER, balance INTEGER)")
        if kind == "too new":
            conn.execute("PRAGMA user_version = 999")
        conn.commit()
        conn.close()
    before = state.read_bytes()
    done = _run(_cli(tmp_path, events, "--state", str(state)), tmp_path)
    assert done.returncode == 1, done.stderr
    code = {"foreign": "E-STATE-FOREIGN", "too new": "E-STATE-TOO-NEW"}.get(
        kind, "E-STATE-GARBAGE")
    assert f"jengine: error: {code} {state}" in done.stderr
    assert "Traceback" not in done.stderr
    assert state.read_bytes() == before, "the file must be left as it was"
