"""One event dated 9999-12-31 used to move the simulated clock there for good (issue 16,
medium): every later input was late and no wait fired again. An input dated more than
``max_ahead`` after the clock is a ``time_out_of_range`` dead letter; the run goes on.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_run import event, outputs, run_lines, workspace

FAR = "9999-12-31T23:59:59Z"


@pytest.mark.timeout(60)
def test_far_future_event_is_dead_lettered(tmp_path: Path) -> None:
    lines = [event("a@example.com"), event("b@example.com", time=FAR),
             event("c@example.com", time="2026-12-01T11:00:00Z")]
    result = run_lines(tmp_path, lines, until=dt.datetime(2026, 12, 5, tzinfo=dt.UTC))
    assert result.status == 0, result.messages
    dead = outputs(tmp_path, "deadletters.jsonl")
    assert [(d["line"], d["reason"]) for d in dead] == [(2, "time_out_of_range")]
    assert "9999-12-31" in dead[0]["message"]
    journal = outputs(tmp_path, "journal.jsonl")
    assert not any(j.get("late") for j in journal), "the clock must not have moved"
    # both waits fired: a and c got their second email
    assert len(outputs(tmp_path, "outbox.jsonl")) == 4


@pytest.mark.timeout(60)
def test_bound_is_configurable(tmp_path: Path) -> None:
    lines = [event("a@example.com"), event("b@example.com", time="2027-06-01T00:00:00Z")]
    (tmp_path / "tight").mkdir()
    tight = run_lines(tmp_path / "tight", lines, max_ahead=dt.timedelta(days=30))
    assert tight.dead_letters == 1
    (tmp_path / "off").mkdir()
    off = run_lines(tmp_path / "off", [event("a@example.com"), event("b@example.com", time=FAR)],
                    max_ahead=None)
    assert off.dead_letters == 0


def test_cli_option(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(event("a@example.com") + "\n" +
                      event("b@example.com", time="2027-06-01T00:00:00Z") + "\n",
                      encoding="utf-8")
    cmd = [sys.executable, "-m", "jengine", "run", str(workspace(tmp_path)), "--events",
           str(events), "--no-progress", "--max-ahead", "30d", "--json"]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 4, done.stderr
    assert outputs(tmp_path, "deadletters.jsonl")[0]["reason"] == "time_out_of_range"
    bad = subprocess.run([*cmd[:-3], "--max-ahead", "soon"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--max-ahead" in bad.stderr
