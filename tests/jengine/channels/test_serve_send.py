"""``jengine serve`` delivers channel messages as ``jengine run`` does, from the *published*
templates: events posted over HTTP become emails on a real SMTP server (aiosmtpd on
loopback) with the outbox lines of a file run; a template edited on disk changes nothing
until it is published again."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from _channel_servers import SmtpServer
from _channel_workspace import event, lines, run_engine, write_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serve"))
from serve_helpers import Server, free_port

CHANNEL = """
channel mail email {
  provider: smtp
  server: "smtp://127.0.0.1:1"            // replaced by JENGINE_SMTP_URL
  from: "Shop <news@shop.example>"
}
"""

EVENTS = [
    event("Signup", "2026-03-02T10:00:00Z", email="ann@example.test", plan="gold"),
    event("Signup", "2026-03-02T10:01:00Z", email="bob@example.test", plan="free"),
    event("Signup", "2026-03-02T10:02:00Z", email="cid@example.test", plan="pro"),
]


def _emails(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({k: v for k, v in o.items() if k not in ("time", "attempts")}
                   for o in rows if o["action"] == "email"), key=lambda o: o["profile"])


def _wait(smtp: SmtpServer, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(smtp.inbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)   # a doubled message would arrive now


def test_serve_sends_from_the_published_templates(tmp_path: Path) -> None:
    import json

    ref, live = tmp_path / "ref", tmp_path / "live"
    ref.mkdir()
    live.mkdir()
    with SmtpServer() as smtp:
        ws = write_workspace(ref, CHANNEL)
        assert run_engine(ref, ws, EVENTS, {"JENGINE_SMTP_URL": smtp.url}).status == 0
    ws = write_workspace(live, CHANNEL)
    with SmtpServer() as smtp:
        server = Server(live, workspace=ws, port=free_port(),
                        env={"JENGINE_SMTP_URL": smtp.url}).start()
        try:
            (ws / "templates" / "welcome.subject").write_text("Edited, not published")
            (ws / "templates" / "promo.subject").write_text("Edited, then published")
            profiles = [json.loads(x) for x in (live / "profiles.jsonl").read_text().splitlines()]
            assert server.send("/v1/profiles", profiles).status_code == 200
            assert server.send("/v1/events", [json.loads(e) for e in EVENTS]).status_code == 200
            _wait(smtp, 2)
            assert sorted(str(r.message["Subject"]) for r in smtp.inbox) == \
                ["Welcome, Ann!", "Welcome, Cid!"]   # bob: no marketing consent
            assert server.post("/v1/publish").status_code == 200
            promo = event("Promo", "2026-03-02T10:03:00Z", email="ann@example.test", code="X1",
                          percent=10)
            assert server.send("/v1/events", [json.loads(promo)]).status_code == 200
            _wait(smtp, 3)
            assert [str(r.message["Subject"]) for r in smtp.inbox][2:] == \
                ["Edited, then published"]
        finally:
            assert server.stop() == 0
    served = _emails(lines(live, "outbox.jsonl"))
    assert len(served) == 4 and len(smtp.inbox) == 3
    assert [o for o in served if o["journey"] == "welcome"] == \
        _emails(lines(ref, "outbox.jsonl"))
