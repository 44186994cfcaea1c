"""SIGKILL the server at random moments while a client keeps sending with retries: every
acknowledged event is processed exactly once, and the deliveries, journal and dead letters
equal those of an uninterrupted ``jengine run`` over the same events (times aside)."""

from __future__ import annotations

import json
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from serve_helpers import WORKSPACE, Server, basic, free_port, without

from jengine.runtime.runner import RunOptions, run

KILLS = 10
BATCH = 10


def _event(n: int) -> dict[str, Any]:
    t = f"2026-12-01T00:{n // 60 % 60:02d}:{n % 60:02d}Z"
    if n % 7 == 3:   # a well-formed event the workspace cannot route: a dead letter
        return {"event": "Refunded", "time": t, "payload": {"email": f"p{n % 13}@x.org"}}
    return {"event": "Purchased", "time": t,
            "payload": {"email": f"p{n % 13}@x.org", "total": (n * 37) % 190 + 0.5}}


class Sender(threading.Thread):
    """Sends batches of events with ids, each until acknowledged, until told to stop."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.url = f"http://127.0.0.1:{port}/v1/events"
        self.acked: list[dict[str, Any]] = []
        self.stop_after = threading.Event()
        self.retries = 0
        self.failure: str | None = None

    def run(self) -> None:
        n = 0
        with httpx.Client(headers=basic(), timeout=10) as client:
            while not self.stop_after.is_set():
                batch = [dict(_event(i), id=f"e{i}") for i in range(n, n + BATCH)]
                while not self._send(client, batch):
                    self.retries += 1
                    time.sleep(0.02)
                self.acked.extend(batch)
                n += BATCH
                time.sleep(0.005)

    def _send(self, client: httpx.Client, batch: list[dict[str, Any]]) -> bool:
        try:
            r = client.post(self.url, json=batch)
        except httpx.HTTPError:
            return False
        if r.status_code in (429, 503):
            return False
        if r.status_code != 200:
            self.failure = f"{r.status_code} {r.text}"
            self.stop_after.set()
        return True


def _compact(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def test_sigkill_at_random_moments(tmp_path: Path) -> None:
    seed = int(os.environ.get("JENGINE_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    server = Server(tmp_path, port=free_port(), fork=True).start()
    sender = Sender(server.port)
    sender.start()
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.05, 0.6))
            server.kill()
            server.start(publish=False)
        time.sleep(0.3)
        sender.stop_after.set()
        sender.join(60)
        assert sender.failure is None, sender.failure
        server.drained()
    finally:
        rc = server.stop()
    assert rc == 0
    assert sender.retries > 0, f"seed {seed}: no request was cut off by a kill"
    events = tmp_path / "events.jsonl"
    events.write_text("".join(_compact(without(e, "id")) + "\n" for e in sender.acked))
    ref = tmp_path / "ref"
    ref.mkdir()
    result = run(RunOptions(workspace=WORKSPACE, events=events, state=ref / "jengine.db",
                            outbox=ref / "outbox.jsonl", journal=ref / "journal.jsonl",
                            dead_letters=ref / "deadletters.jsonl"))
    assert result.status == 0

    def read(folder: Path, name: str) -> list[dict[str, Any]]:
        return [json.loads(x) for x in (folder / name).read_text().splitlines()]

    served_outbox = [without(o, "time") for o in read(tmp_path, "outbox.jsonl")]
    assert len(served_outbox) > len(sender.acked)            # receipts, and vip pushes
    assert served_outbox == [without(o, "time") for o in read(ref, "outbox.jsonl")], seed
    published = {"published"}
    served_journal = [without(j, "time", "late", "eventTime")
                      for j in read(tmp_path, "journal.jsonl") if j["outcome"] not in published]
    assert served_journal == [without(j, "time", "late", "eventTime")
                              for j in read(ref, "journal.jsonl")], seed
    assert [without(d, "line") for d in read(tmp_path, "deadletters.jsonl")] == \
        [without(d, "line") for d in read(ref, "deadletters.jsonl")], seed
