"""Two runs on one state store (issue 16, high): both used to die with ``IntegrityError`` and
leave the outputs wrong. The second process must be refused at once (``E-RUN-LOCKED``, naming
the file) while the first goes on untouched; the same for a shared output file.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_run import event, options, outputs, workspace

from jengine.runtime.lock import LOCKED, hold
from jengine.runtime.runner import run


def _cli(tmp: Path, events: Path, state: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "jengine", "run", str(workspace(tmp)), "--events", str(events),
            "--state", str(tmp / state), "--no-progress", *extra]


@pytest.mark.timeout(60)
def test_second_process_is_refused(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(event("a@example.com") + "\n", encoding="utf-8")
    first = subprocess.Popen(_cli(tmp_path, events, "state.db", "--mode", "live"),
                             cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not outputs(tmp_path, "outbox.jsonl") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert outputs(tmp_path, "outbox.jsonl"), "the first run never processed its input"
        second = subprocess.run(_cli(tmp_path, events, "state.db"), cwd=tmp_path,
                                capture_output=True, text=True, timeout=30)
        assert second.returncode == 1
        assert f"jengine: error: {LOCKED} {tmp_path / 'state.db'}" in second.stderr
        assert "Traceback" not in second.stderr
        # another state store, the same output files: refused on the first output file
        third = subprocess.run(_cli(tmp_path, events, "other.db"), cwd=tmp_path,
                               capture_output=True, text=True, timeout=30)
        assert third.returncode == 1 and f"{LOCKED} outbox.jsonl" in third.stderr
        assert first.poll() is None, "the first run must go on"
    finally:
        first.kill()
        first.wait(timeout=10)
    assert len(outputs(tmp_path, "outbox.jsonl")) == 1


def test_lock_released_after_run(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(event("a@example.com") + "\n", encoding="utf-8")
    assert run(options(tmp_path, events)).status == 0
    with hold(tmp_path / "state.db", []):
        refused = run(options(tmp_path, events))
    assert refused.status == 1 and LOCKED in refused.messages[0]
    assert run(options(tmp_path, events)).status == 0
