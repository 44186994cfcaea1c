"""Cluster mode end to end on the dev server: ``jengine worker`` (a process) and ``jengine
run --engine temporal --temporal HOST:PORT`` (live feeding by signal-with-start, returning
once Temporal accepted every input), outputs in a file store, ``jengine report --store``."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jengine.cli import main
from jengine.temporal.servers import DevServer
from jengine.temporal.stores import open_store

ROOT = Path(__file__).resolve().parents[3]
WORKSPACE = ROOT / "examples" / "workspace"
PEOPLE = ["ana", "ben", "cleo", "dan", "eve"]


def _inputs(folder: Path) -> tuple[Path, Path]:
    profiles, events = folder / "profiles.jsonl", folder / "events.jsonl"
    profiles.write_text("".join(json.dumps({
        "id": f"{p}@example.com", "namespace": "email", "timeZone": "Europe/Paris",
        "attributes": {"ProfileFieldGroup": {"person": {"firstName": p},
                                             "personalEmail": {"address": f"{p}@example.com"}}}})
        + "\n" for p in PEOPLE))
    lines = [{"time": f"2020-01-0{i + 1}T10:00:00Z", "event": "SubscriptionCreated",
              "payload": {"email": f"{p}@example.com", "plan": "trial" if p == "eve" else "pro",
                          "source": "web"}} for i, p in enumerate(PEOPLE)]
    lines.append({"time": "2020-01-09T10:00:00Z", "event": "NoSuchEvent", "payload": {}})
    events.write_text("".join(json.dumps(x) + "\n" for x in lines) + "not json\n")
    return profiles, events


def test_worker_and_live_feed(tmp_path: Path) -> None:
    profiles, events = _inputs(tmp_path)
    store = tmp_path / "store"
    with DevServer() as dev:
        worker = subprocess.Popen(
            [sys.executable, "-m", "jengine", "worker", str(WORKSPACE), "--temporal",
             dev.address, "--store", str(store), "--task-queue", "live"],
            stdout=subprocess.DEVNULL, stderr=(tmp_path / "worker.log").open("wb"),
            start_new_session=True)
        try:
            err = io.StringIO()
            status = main(["run", str(WORKSPACE), "--events", str(events), "--profiles",
                           str(profiles), "--engine", "temporal", "--temporal", dev.address,
                           "--store", str(store), "--task-queue", "live", "--no-deliver"],
                          io.StringIO(), err)
            assert status == 0, err.getvalue()
            assert "7 input(s) accepted" in err.getvalue()
            deadline = time.monotonic() + 90
            while True:
                with open_store(store) as s:
                    journal = s.outputs("journal")
                if sum(1 for j in journal if j["outcome"] in ("entered", "discarded")) >= 5 \
                        or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0, (tmp_path / "worker.log").read_text()
    with open_store(store) as s:
        outbox, journal, dead = s.outputs("outbox"), s.outputs("journal"), s.outputs("deadletter")
    entered = sorted(j["profile"] for j in journal if j["outcome"] == "entered")
    assert entered == [f"{p}@example.com" for p in PEOPLE if p != "eve"]
    assert all(j.get("late") for j in journal if j["outcome"] == "entered")  # 2020 < now
    assert sorted(o["profile"] for o in outbox) == entered  # the welcome email, once each
    assert sorted(d["reason"] for d in dead) == ["bad_input", "unknown_event"]
    out = io.StringIO()
    assert main(["report", "--store", str(store), "--json"], out, io.StringIO()) == 0
    rows = {(r["journey"], r["step"]): r for r in json.loads(out.getvalue())}
    assert rows[("welcome", None)]["entered"] == 4
    assert rows[("welcome", None)]["discarded_by_reason"] == {"entry_condition_false": 1}
    assert os.path.exists(store / "effects.idx")
