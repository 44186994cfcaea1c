"""Crash test: SIGKILL the engine at many points of a run; the outputs equal an uninterrupted run's.

The workspace is the example workspace, with its HTTP hosts and its SMTP server
(``JENGINE_SMTP_URL``) pointed at a closed local port (``127.0.0.1:9``: every call and every
email fails at once with a network error, retried as declared —
deterministic, and still exercising retry timers and ``on error`` paths); the input is the
bundled example stream (about 250 events over three weeks, every journey). The engine runs as a
subprocess, ``python -m jengine run … --batch 3`` (many commits), first once without
interruption, then again from scratch on a new state store: 15 kill points are drawn at random
sizes of the reference journal file, and each attempt is killed with SIGKILL 0–20 ms after its
journal file reaches the next point (so kills land mid-run whatever the start-up time), then
restarted on the same state store and output files; a last attempt runs to the end. The outbox, the journal and the dead letters must then equal those of
the uninterrupted run, line for line (spec §4.6: exactly once).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
OUTPUTS = ("outbox.jsonl", "journal.jsonl", "deadletters.jsonl")
UNTIL = "2027-01-31T00:00:00Z"
CLOSED = "http://127.0.0.1:9"
KILLS = 15                         # kills, at random journal sizes of the reference run
BUDGET = 45.0                      # seconds for the interrupted runs


def _workspace(tmp: Path) -> Path:
    """The example workspace with every HTTP host replaced by a closed local port."""
    target = tmp / "workspace"
    target.mkdir()
    for source in (EXAMPLES / "workspace").glob("*.journey"):
        text = source.read_text(encoding="utf-8")
        text = text.replace("http://127.0.0.1:8700", CLOSED)
        (target / source.name).write_text(text, encoding="utf-8")
    shutil.copytree(EXAMPLES / "workspace" / "templates", target / "templates")
    return target


def _command(workspace: Path, folder: Path) -> list[str]:
    return [sys.executable, "-m", "jengine", "run", str(workspace),
            "--events", str(EXAMPLES / "events.jsonl"),
            "--profiles", str(EXAMPLES / "profiles.jsonl"),
            "--state", str(folder / "state.db"), "--until", UNTIL,
            "--outbox", str(folder / "outbox.jsonl"), "--journal", str(folder / "journal.jsonl"),
            "--dead-letters", str(folder / "deadletters.jsonl"), "--batch", "3",
            "--no-progress", "--allow-dead-letters"]  # the stream has 7 bad lines on purpose


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["COUPON_API_KEY"] = "crash-test"
    env["JENGINE_SMTP_URL"] = "smtp://127.0.0.1:9"   # emails fail at once too, and are retried
    env.pop("JENGINE_CRASH_AFTER", None)
    return env


def _run_to_end(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=_env(), capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return time.perf_counter() - start


def _attempt(command: list[str], journal: Path, threshold: int, extra: float) -> bool:
    """Start the engine; SIGKILL it ``extra`` s after its journal file reaches ``threshold``
    bytes. True when it finished by itself first."""
    proc = subprocess.Popen(command, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.perf_counter() + 60
    while proc.poll() is None and time.perf_counter() < deadline:
        if journal.exists() and journal.stat().st_size >= threshold:
            time.sleep(extra)
            break
        time.sleep(0.002)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return False
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    assert proc.returncode == 0, stderr
    return True


def _lines(folder: Path, name: str) -> list[str]:
    path = folder / name
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_sigkill_anywhere_then_restart_gives_the_same_outputs(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    reference, crashed = tmp_path / "reference", tmp_path / "crashed"
    reference.mkdir()
    crashed.mkdir()
    _run_to_end(_command(workspace, reference))
    assert len(_lines(reference, "outbox.jsonl")) > 100

    rng = random.Random(20261201)
    size = (reference / "journal.jsonl").stat().st_size
    thresholds = sorted(rng.randrange(1, size) for _ in range(KILLS))
    command, journal = _command(workspace, crashed), crashed / "journal.jsonl"
    kills, deadline = 0, time.perf_counter() + BUDGET
    for threshold in thresholds:
        if time.perf_counter() > deadline or _attempt(command, journal, threshold,
                                                      rng.uniform(0, 0.02)):
            break
        kills += 1
    _run_to_end(command)
    assert kills >= KILLS // 2, f"only {kills} attempt(s) were interrupted"
    for name in OUTPUTS:
        assert _lines(crashed, name) == _lines(reference, name), name


def test_restart_after_completion_changes_nothing(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    folder = tmp_path / "run"
    folder.mkdir()
    command = _command(workspace, folder)
    _run_to_end(command)
    before = {name: _lines(folder, name) for name in OUTPUTS}
    _run_to_end(command)
    assert {name: _lines(folder, name) for name in OUTPUTS} == before
    shutil.rmtree(folder)
