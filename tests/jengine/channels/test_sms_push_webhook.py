"""SMS, push and webhook messages reach local HTTP servers shaped like their providers.

Twilio-style SMS (form POST, Basic auth), FCM-v1-style push (JSON, Bearer token) and a
generic webhook (the rendered JSON template, HMAC-signed) — every request carries the
effect's ``Idempotency-Key``. A failing welcome email takes the journey's ``failed`` reaction
path to the SMS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from _channel_servers import HttpServer, Request, SmtpServer
from _channel_workspace import TEMPLATES, event, lines, run_engine, write_workspace

MORE = """
journey nudge {
  reentrance always
  entry on event Promo
  ping: push {
    template: "nudge"
    to: #{ExperiencePlatform.ProfileFieldGroup.pushToken}
  }
  hook: sms {
    channel: "crm"
    template: "crm"
    percent: @event{Promo.percent}
  }
}
"""


def channels(smtp: str, twilio: str, fcm: str, crm: str) -> str:
    return f"""
channel mail email {{ provider: smtp, server: "{smtp}", from: "Shop <news@shop.example>" }}
channel texts sms {{
  provider: twilio
  url: "{twilio}/2010-04-01/Accounts/AC123/Messages.json"
  account: secret("TWILIO_SID")
  token: secret("TWILIO_TOKEN")
  from: "+15550001111"
}}
channel pushes push {{
  provider: fcm
  url: "{fcm}/v1/projects/shop/messages:send"
  token: secret("FCM_TOKEN")
}}
channel crm sms {{
  provider: webhook
  url: "{crm}/hooks/messages"
  signingKey: secret("CRM_KEY")
  category: transactional
}}
"""


def name_the_sms_channel(ws: Path) -> None:
    """Two SMS channels: the welcome journey's apology step names its own."""
    path = ws / "shop.journey"
    path.write_text(path.read_text().replace('apology: sms {', 'apology: sms {\n    channel: '
                                             '"texts"'), encoding="utf-8")


def twilio(request: Request) -> tuple[int, Any]:
    return 201, {"sid": f"SM{len(request.body):04d}", "status": "queued"}


def fcm(request: Request) -> tuple[int, Any]:
    if request.json()["message"]["token"] == "dead-token":
        return 404, {"error": {"code": 404, "status": "NOT_FOUND", "message": "gone",
                               "details": [{"errorCode": "UNREGISTERED"}]}}
    return 200, {"name": "projects/shop/messages/0:1"}


def test_sms_push_and_webhook_requests(tmp_path: Path) -> None:
    templates = {**TEMPLATES, "nudge.title": "{{profile.person.firstName}}, {%= "
                 "context.journey.events.Promo.percent %}% off today",
                 "nudge.txt": "Use code {{context.journey.events.Promo.code}}",
                 "crm.json": '{"profile": "{{context.journey.technicalProperties.profileId}}",'
                             ' "name": "{{profile.person.firstName}}", "percent": {{params.percent}}}'}
    answers = {"ann@example.test": ["550 5.1.1 no such user"]}
    with SmtpServer(answers=answers) as smtp, HttpServer(twilio) as tw, HttpServer(fcm) as fc, \
            HttpServer(lambda r: (202, {"id": "crm-1"})) as crm:
        ws = write_workspace(tmp_path, channels(smtp.url, tw.url, fc.url, crm.url), MORE,
                             templates)
        name_the_sms_channel(ws)
        env = {"TWILIO_SID": "AC123", "TWILIO_TOKEN": "tw-secret", "FCM_TOKEN": "ya29.token",
               "CRM_KEY": "k3y"}
        result = run_engine(tmp_path, ws, [
            event("Signup", "2026-03-02T10:00:00Z", email="ann@example.test", plan="gold"),
            event("Promo", "2026-03-02T11:00:00Z", email="cid@example.test", code="SPRING",
                  percent=20),
        ], env, batch_size=1)
    assert result.status == 0
    # the bounced welcome email took the `failed hello -> apology` path: an SMS
    [sms] = tw.requests
    form = sms.form()
    assert form == {"To": "+33600000001", "From": "+15550001111",
                    "Body": "Sorry Ann, your welcome email bounced."}
    assert sms.headers["authorization"] == "Basic " + base64.b64encode(
        b"AC123:tw-secret").decode()
    assert sms.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert sms.headers["idempotency-key"] == "welcome/1/ann@example.test/1:apology"
    # Cid has no push token: the push is suppressed; the webhook carries the rendered JSON
    assert fc.requests == []
    [hook] = crm.requests
    assert hook.json() == {"profile": "cid@example.test", "name": "Cid", "percent": 20}
    want = hmac.new(b"k3y", hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["x-jengine-signature"] == f"sha256={want}"
    outbox = {(o["step"], o["profile"]): o for o in lines(tmp_path, "outbox.jsonl")}
    assert outbox[("apology", "ann@example.test")]["providerId"].startswith("SM")
    assert outbox[("ping", "cid@example.test")]["status"] == "suppressed"
    assert outbox[("ping", "cid@example.test")]["reason"] == "no_recipient"
    assert outbox[("hook", "cid@example.test")]["providerId"] == "crm-1"


def test_push_notification_and_a_dead_token(tmp_path: Path) -> None:
    templates = {**TEMPLATES, "nudge.title": "{{profile.person.firstName}}, {%= "
                 "context.journey.events.Promo.percent %}% off",
                 "nudge.txt": "Use code {{context.journey.events.Promo.code}}",
                 "crm.json": "{}"}
    with HttpServer(twilio) as tw, HttpServer(fcm) as fc, \
            HttpServer(lambda r: (200, {})) as crm:
        ws = write_workspace(tmp_path, channels("smtp://127.0.0.1:1", tw.url, fc.url, crm.url),
                             MORE, templates)
        name_the_sms_channel(ws)
        profiles = (tmp_path / "profiles.jsonl").read_text().replace(
            '"person": {"firstName": "Bob"}', '"person": {"firstName": "Bob"}, '
            '"pushToken": "dead-token"')
        (tmp_path / "profiles.jsonl").write_text(profiles)
        run_engine(tmp_path, ws, [
            event("Promo", "2026-03-02T11:00:00Z", email="ann@example.test", code="A1",
                  percent=10),
            event("Promo", "2026-03-02T11:01:00Z", email="bob@example.test", code="B2",
                  percent=15),
            event("Promo", "2026-03-02T11:02:00Z", email="bob@example.test", code="B3",
                  percent=15),
        ], {"TWILIO_SID": "x", "TWILIO_TOKEN": "y", "FCM_TOKEN": "ya29.t", "CRM_KEY": "k"},
            batch_size=1)
    first = fc.requests[0]
    assert first.headers["authorization"] == "Bearer ya29.t"
    assert first.json() == {"message": {
        "token": "tok-ann", "notification": {"title": "Ann, 10% off", "body": "Use code A1"},
        "data": {"messageKey": "nudge/1/ann@example.test/1:ping"}}}
    push = [o for o in lines(tmp_path, "outbox.jsonl") if o["action"] == "push"]
    assert [(o["profile"], o["status"]) for o in push] == [
        ("ann@example.test", "sent"), ("bob@example.test", "failed"),
        ("bob@example.test", "suppressed")]
    assert push[0]["providerId"] == "projects/shop/messages/0:1"
    assert push[1]["detail"] == "HTTP 404: gone"
    # UNREGISTERED: the token is dead and goes on the suppression list
    assert push[2]["reason"] == "suppression_list"
    assert [json.loads(r.body)["message"]["token"] for r in fc.requests] == ["tok-ann",
                                                                             "dead-token"]
