"""Late input is never silent (issue 15): unsorted events used to change outcomes with exit 0
and no word. A simulated run counts the late inputs (summary line, ``--json``, and per step in
``jengine report``); ``--strict-order`` refuses unsorted input with ``E-INPUT-ORDER`` naming
the line; live mode on standard input never marks an input without a ``time`` late.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_run import event, outputs, run_lines, workspace

from jengine.cli import main

UNSORTED = [event("a@example.com", time="2026-12-01T10:00:00Z"),
            event("b@example.com", time="2026-12-03T10:00:00Z"),
            event("c@example.com", time="2026-12-02T10:00:00Z"),   # late
            event("d@example.com", time="2026-12-01T09:00:00Z"),   # late
            event("e@example.com", time="2026-12-04T10:00:00Z")]


def _cli(tmp: Path, *extra: str) -> tuple[int, str, str]:
    events = tmp / "events.jsonl"
    events.write_text("".join(line + "\n" for line in UNSORTED), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    status = main(["run", str(workspace(tmp)), "--events", str(events), "--state",
                   str(tmp / "s.db"), "--outbox", str(tmp / "outbox.jsonl"), "--journal",
                   str(tmp / "journal.jsonl"), "--dead-letters",
                   str(tmp / "deadletters.jsonl"), "--no-progress", *extra], out, err)
    return status, out.getvalue(), err.getvalue()


def test_late_inputs_are_counted(tmp_path: Path) -> None:
    result = run_lines(tmp_path, UNSORTED)
    assert result.status == 0 and result.late == 2
    (tmp_path / "cli").mkdir()
    status, _, err = _cli(tmp_path / "cli")
    assert status == 0 and ", 2 late in" in err


def test_json_summary_and_report(tmp_path: Path) -> None:
    status, out, _ = _cli(tmp_path, "--json")
    assert status == 0 and json.loads(out)["late"] == 2
    report = io.StringIO()
    assert main(["report", "--state", str(tmp_path / "s.db"), "--json"], report,
                io.StringIO()) == 0
    rows = json.loads(report.getvalue())
    late = {(r["step"]): r.get("late", 0) for r in rows}
    assert late["greet"] == 2             # c and d entered and were greeted late
    table = io.StringIO()
    assert main(["report", "--state", str(tmp_path / "s.db")], table, io.StringIO()) == 0
    assert "late" in table.getvalue()


def test_strict_order_refuses_unsorted_input(tmp_path: Path) -> None:
    status, _, err = _cli(tmp_path, "--strict-order")
    assert status == 1
    assert f"E-INPUT-ORDER {tmp_path / 'events.jsonl'}:3: time 2026-12-02T10:00Z" in err
    assert "Traceback" not in err
    entered = {j["profile"] for j in outputs(tmp_path, "journal.jsonl")
               if j["outcome"] == "entered"}
    assert "c@example.com" not in entered and "e@example.com" not in entered


def test_strict_order_accepts_sorted_input(tmp_path: Path) -> None:
    sorted_lines = sorted(UNSORTED, key=lambda line: json.loads(line)["time"])
    result = run_lines(tmp_path, sorted_lines, strict_order=True)
    assert result.status == 0 and result.late == 0 and result.entered == 5


@pytest.mark.timeout(60)
def test_live_stdin_is_never_late(tmp_path: Path) -> None:
    lines = "".join(json.dumps({"event": "Signup", "payload": {
        "email": f"p{i}@example.com", "plan": "pro", "n": i}}) + "\n" for i in range(5))
    done = subprocess.run([sys.executable, "-m", "jengine", "run", str(workspace(tmp_path)),
                           "--events", "-", "--mode", "live", "--no-progress", "--json"],
                          input=lines, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["late"] == 0
    journal = outputs(tmp_path, "journal.jsonl")
    assert len(journal) >= 5 and not any(j.get("late") for j in journal)
