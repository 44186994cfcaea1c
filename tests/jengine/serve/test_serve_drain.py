"""SIGTERM drains: inputs acknowledged but not yet processed when the signal comes are
processed before the process exits (status 0) — no restart needed to see their deliveries."""

from __future__ import annotations

from pathlib import Path

import httpx
from serve_helpers import Server, basic, bearer

EVENTS, PER_REQUEST = 8000, 1000


def test_sigterm_processes_every_acknowledged_input(tmp_path: Path) -> None:
    server = Server(tmp_path).start()
    try:
        with httpx.Client(headers=basic(), timeout=30) as client:
            for start in range(0, EVENTS, PER_REQUEST):
                batch = [{"event": "Purchased", "id": f"e{n}",
                          "payload": {"email": f"p{n % 50}@x.org", "total": 10.0}}
                         for n in range(start, start + PER_REQUEST)]
                r = client.post(server.url + "/v1/events", json=batch)
                assert r.status_code == 200, r.text
            status = client.get(server.url + "/v1/status", headers=bearer()).json()
    finally:
        rc = server.stop()
    assert rc == 0, server.logs()[-3000:]
    assert status["inbox"]["depth"] > 0, "the engine had caught up: nothing left to drain"
    receipts = [o for o in server.lines("outbox.jsonl") if o["step"] == "receipt"]
    assert len(receipts) == EVENTS
