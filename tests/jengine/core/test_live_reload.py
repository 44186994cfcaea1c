"""Live mode re-registers the journey versions when a workspace file changes (spec §4.5).

The events file is followed as it grows; each time the run is idle, the test changes the
workspace and appends one event. A higher version opens (the next entry uses it); the same
version with another text (``J-VERSION-REUSED``), a lower version (``J-VERSION-OLD``) and a
workspace with errors are refused and reported, and the loaded versions keep running.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

from jengine.runtime.runner import RunOptions, run
from jengine.runtime.store import Store

ROOT = Path(__file__).resolve().parents[3]
COMMON = (ROOT / "examples" / "workspace" / "common.journey").read_text(encoding="utf-8")


def _journey(version: int, step: str) -> str:
    return COMMON + f"\njourney z {{\n  version {version}\n  entry on event PurchaseMade\n" \
                    f"  {step}: end\n}}\n"


def _event(n: int) -> str:
    return json.dumps({"event": "PurchaseMade",
                       "payload": {"email": f"p{n}@example.com", "orderId": f"o{n}",
                                   "total": 10.0, "purchasedAt": "2026-12-01T10:00:00Z"}}) + "\n"


def test_live_mode_registers_changed_versions(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    source = ws / "z.journey"
    source.write_text(_journey(1, "a"), encoding="utf-8")
    events = tmp_path / "events.jsonl"
    events.write_text(_event(0), encoding="utf-8")
    changes = [
        _journey(2, "b"),            # higher: opens version 2
        _journey(2, "changed"),      # same version, other text: J-VERSION-REUSED
        _journey(1, "a"),            # lower: J-VERSION-OLD
        _journey(3, "c") + "journey broken {",  # errors: refused
    ]
    journal = tmp_path / "journal.jsonl"
    deadline = time.monotonic() + 30
    state: dict[str, Any] = {"n": 0}

    def entered() -> int:
        if not journal.exists():
            return 0
        return sum(1 for x in journal.read_text().splitlines()
                   if json.loads(x)["outcome"] == "entered")

    def stop() -> bool:
        n = state["n"]
        if time.monotonic() > deadline:
            return True
        if entered() < n + 1:
            return False  # the last event is not processed yet
        if n == len(changes):
            return True
        source.write_text(changes[n], encoding="utf-8")
        with events.open("a", encoding="utf-8") as f:
            f.write(_event(n + 1))
        state["n"] = n + 1
        return False

    err = io.StringIO()
    result = run(RunOptions(workspace=ws, events=events, state=tmp_path / "s.db",
                            outbox=tmp_path / "outbox.jsonl", journal=journal,
                            dead_letters=tmp_path / "dead.jsonl", mode="live", stop=stop,
                            err=err))
    assert result.status == 0
    lines = [json.loads(x) for x in journal.read_text().splitlines()]
    firsts = [(j["profile"], j["version"], j["next"]) for j in lines if j["outcome"] == "entered"]
    assert firsts == [("p0@example.com", 1, "a"), ("p1@example.com", 2, "b"),
                      ("p2@example.com", 2, "b"), ("p3@example.com", 2, "b"),
                      ("p4@example.com", 2, "b")]
    text = err.getvalue()
    assert "J-VERSION-REUSED" in text and "J-VERSION-OLD" in text
    assert "changed workspace has errors" in text
    assert any("J-VERSION-REUSED" in m for m in result.messages)
    assert any("J-VERSION-OLD" in m for m in result.messages)
    with Store(tmp_path / "s.db") as store:
        assert [(v.version, v.is_open) for v in store.versions("z")] == [(1, False), (2, True)]
