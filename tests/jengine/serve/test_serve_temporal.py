"""``jengine serve --engine temporal`` against a real dev server and a real ``jengine worker``:
events and profiles posted over HTTP (ids repeated, a batch over capacity refused with 429, a
malformed one with 400) end up in the shared store exactly as ``jengine run`` writes them for
the same inputs (times aside, sorted: keys run in parallel on the cluster)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from serve_helpers import WORKSPACE, Server, basic, free_port, without

from jengine.runtime.runner import RunOptions, run
from jengine.service.native import dumps
from jengine.temporal.servers import DevServer
from jengine.temporal.stores import open_store

CAPACITY = 40


def _events() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n in range(30):
        t = f"2026-12-01T00:00:{n:02d}Z"
        if n % 7 == 3:   # well-formed, unroutable: a dead letter
            out.append({"event": "Refunded", "time": t, "payload": {"email": f"p{n % 5}@x.org"}})
        else:
            out.append({"event": "Purchased", "time": t,
                        "payload": {"email": f"p{n % 5}@x.org", "total": (n * 37) % 190 + 0.5}})
    return out


PROFILE = {"id": "p1@x.org", "namespace": "email",
           "attributes": {"traits": {"email": "p1@x.org", "name": "Pia"}}}


def _canon(rows: list[dict[str, Any]], *drop: str) -> list[str]:
    return sorted(json.dumps(without(r, *drop), sort_keys=True) for r in rows)


def _reference(folder: Path, events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    folder.mkdir()
    (folder / "events.jsonl").write_text("".join(dumps(e) + "\n" for e in events))
    (folder / "profiles.jsonl").write_text(json.dumps(PROFILE) + "\n")
    result = run(RunOptions(workspace=WORKSPACE, events=folder / "events.jsonl",
                            profiles=folder / "profiles.jsonl", state=folder / "jengine.db",
                            outbox=folder / "outbox.jsonl", journal=folder / "journal.jsonl",
                            dead_letters=folder / "deadletters.jsonl"))
    assert result.status == 0
    return {name: [json.loads(x) for x in (folder / f"{name}.jsonl").read_text().splitlines()]
            for name in ("outbox", "journal", "deadletters")}


def _post(server: Server, path: str, body: Any) -> httpx.Response:
    return httpx.post(server.url + path, json=body, headers=basic(), timeout=60)


def test_serve_feeds_the_cluster(tmp_path: Path) -> None:
    events = _events()
    ref = _reference(tmp_path / "ref", events)
    store = tmp_path / "store"
    config = tmp_path / "serve.toml"
    config.write_text(f"[serve]\ninbox_capacity = {CAPACITY}\n")
    with DevServer() as dev:
        worker = subprocess.Popen(
            [sys.executable, "-m", "jengine", "worker", str(WORKSPACE), "--temporal",
             dev.address, "--store", str(store), "--task-queue", "serve"],
            stdout=subprocess.DEVNULL, stderr=(tmp_path / "worker.log").open("wb"),
            start_new_session=True)
        server = Server(tmp_path, port=free_port(), extra=[
            "--engine", "temporal", "--temporal", dev.address, "--store", str(store),
            "--task-queue", "serve", "--config", str(config)])
        try:
            server.start()
            assert _post(server, "/v1/profiles", PROFILE).status_code == 200
            bad = _post(server, "/v1/events", [events[0], {"event": "Purchased"}])
            assert bad.status_code == 400 and bad.json()["errors"][0]["index"] == 1
            over = _post(server, "/v1/events", [dict(e, id=f"x{n}") for n, e in
                                                enumerate(events * 2)][:CAPACITY + 1])
            assert over.status_code == 429 and over.headers["Retry-After"]
            ided = [dict(e, id=f"e{n}") for n, e in enumerate(events)]
            first = _post(server, "/v1/events", ided[:20])
            assert first.json() == {"success": True, "accepted": 20, "duplicates": 0,
                                    "ignored": 0}
            again = _post(server, "/v1/events", ided[15:])   # five repeated ids
            assert again.json()["accepted"] == 10 and again.json()["duplicates"] == 5
            assert server.get("/v1/status")["engine"] == "temporal"
            assert server.post("/v1/journeys/orders/pause").status_code == 501
            journal = _wait(store, len(ref["journal"]))
            profile = server.get("/v1/profiles/p1@x.org")
            assert profile["profile"]["attributes"]["traits"]["name"] == "Pia"
            assert server.stop() == 0
        finally:
            if server.proc is not None and server.proc.poll() is None:
                server.kill()
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0, (tmp_path / "worker.log").read_text()
    with open_store(store) as s:
        outbox, dead = s.outputs("outbox"), s.outputs("deadletter")
    assert len(outbox) > 25 and len(dead) == 4 and len(journal) > 50
    assert _canon(outbox, "time") == _canon(ref["outbox"], "time")
    assert _canon(journal, "time", "late", "eventTime") == \
        _canon(ref["journal"], "time", "late", "eventTime")
    assert _canon(dead, "line") == _canon(ref["deadletters"], "line")


def _wait(store: Path, count: int, timeout: float = 120.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        with open_store(store) as s:
            journal = s.outputs("journal")
        if len(journal) >= count or time.monotonic() > deadline:
            time.sleep(1.0)   # anything more would be a doubled line
            with open_store(store) as s:
                return s.outputs("journal")
        time.sleep(0.3)
