"""Consent that changes outside a journey: an ``@consent`` input, and an SMS provider's
"unsubscribed recipient" answer (Twilio 21610, the recipient texted STOP) — both withdraw the
profile's consent, so later marketing messages on that channel are suppressed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from _channel_servers import HttpServer, Request
from _channel_workspace import event, lines, run_engine, write_workspace

TEXTS = """
channel texts sms {
  provider: twilio
  url: "%s/2010-04-01/Accounts/AC1/Messages.json"
  account: secret("TW_SID")
  token: secret("TW_TOKEN")
  from: "+15550000000"
}
channel mail email { provider: outbox }
"""
PING = """
journey ping {
  reentrance always
  entry on event Promo
  text: sms { template: "ping", to: #{ExperiencePlatform.ProfileFieldGroup.mobilePhone.number} }
}
"""
TEMPLATES = {"ping.txt": "{{profile.person.firstName}}: code {{context.journey.events.Promo.code}}"}
ENV = {"TW_SID": "AC1", "TW_TOKEN": "t"}


def stop_for_ann(request: Request) -> tuple[int, Any]:
    if request.form()["To"] == "+33600000001":
        return 400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient",
                     "status": 400}
    return 201, {"sid": "SM1"}


def _workspace(tmp_path: Path, url: str) -> Path:
    ws = write_workspace(tmp_path, TEXTS % url, "", TEMPLATES)
    journey = ws / "shop.journey"
    text = journey.read_text()
    journey.write_text(text[:text.index("journey welcome")] + PING)
    return ws


def test_sms_stop_withdraws_consent(tmp_path: Path) -> None:
    with HttpServer(stop_for_ann) as twilio:
        ws = _workspace(tmp_path, twilio.url)
        assert run_engine(tmp_path, ws, [
            event("Promo", "2026-03-02T10:00:00Z", email="ann@example.test", code="A", percent=1),
            event("Promo", "2026-03-02T11:00:00Z", email="cid@example.test", code="B", percent=1),
            event("Promo", "2026-03-03T10:00:00Z", email="ann@example.test", code="C", percent=1),
        ], ENV).status == 0
    outbox = [(o["profile"][:3], o["status"], o.get("reason")) for o in
              lines(tmp_path, "outbox.jsonl")]
    assert outbox == [("ann", "failed", None), ("cid", "sent", None),
                      ("ann", "suppressed", "consent")]
    assert [r.form()["Body"] for r in twilio.requests] == ["Ann: code A", "Cid: code B"]


def test_consent_inputs(tmp_path: Path) -> None:
    with HttpServer(lambda r: (201, {"sid": "SM"})) as twilio:
        ws = _workspace(tmp_path, twilio.url)
        consent = [{"event": "@consent", "time": "2026-03-02T09:00:00Z",
                    "payload": {"profile": "cid@example.test", "channel": "sms", "choice": "n"}},
                   {"event": "@consent", "time": "2026-03-02T09:01:00Z",
                    "payload": {"profile": "ann@example.test", "channel": "fax", "choice": "n"}}]
        assert run_engine(tmp_path, ws, [
            *(json.dumps(c) for c in consent),
            event("Promo", "2026-03-02T10:00:00Z", email="ann@example.test", code="A", percent=1),
            event("Promo", "2026-03-02T11:00:00Z", email="cid@example.test", code="B", percent=1),
        ], ENV).status == 0
    outbox = [(o["profile"][:3], o["status"], o.get("reason")) for o in
              lines(tmp_path, "outbox.jsonl")]
    assert outbox == [("ann", "sent", None), ("cid", "suppressed", "consent")]
    [dead] = lines(tmp_path, "deadletters.jsonl")
    assert dead["line"] == 2 and dead["reason"] == "bad_input" and "channel" in dead["message"]
