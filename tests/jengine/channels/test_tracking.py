"""Tracking links end to end: the email's links and pixel, served by the tracking app on a
real port, become ``@reaction`` and ``@consent`` inputs that drive the journeys.

The tracking app (Starlette) runs under uvicorn on 127.0.0.1; the events it submits are
appended to the engine's input file, and a second ``run`` of the same state store continues
with them.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from _channel_servers import SmtpServer
from _channel_workspace import event, lines, run_engine, write_workspace

from jengine.runtime.channels.links import Delivery, Tracker, sign
from jengine.runtime.channels.tracking import PIXEL, tracking_app

KEY = "tracking-test-key"


@contextmanager
def serve(app: Any) -> Iterator[str]:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_endpoints_verify_tokens(tmp_path: Path) -> None:
    got: list[dict[str, Any]] = []
    keys: list[str | None] = []

    def submit(event: dict[str, Any], key: str | None) -> None:
        got.append(event)
        keys.append(key)

    with serve(tracking_app(KEY.encode(), submit)) as base:
        tracker = Tracker(base, KEY.encode())
        who = Delivery("welcome", 1, "ann@example.test", "hello")
        with httpx.Client() as http:
            pixel = http.get(tracker.open_pixel(who))
            assert pixel.content == PIXEL and pixel.headers["content-type"] == "image/gif"
            click = http.get(tracker.url("c", who, "c", u="https://shop.example/x?a=1&b=2"))
            assert click.status_code == 302
            assert click.headers["location"] == "https://shop.example/x?a=1&b=2"
            forged = sign({"k": "c", "j": "welcome", "v": 1, "p": "ann@example.test",
                           "s": "hello", "u": "https://evil.example"}, b"another key")
            assert http.get(f"{base}/c/{forged}").status_code == 400
            assert http.get(f"{base}/o/{forged}.gif").content == PIXEL   # nothing submitted
            # a click token is no open token
            assert http.get(tracker.url("o", who, "c", u="https://x.example") + ".gif"
                            ).status_code == 200
            page = http.get(tracker.unsubscribe(who))
            assert page.status_code == 200 and 'method="post"' in page.text
            done = http.post(tracker.unsubscribe(who), content=b"List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert done.status_code == 200
            status = http.post(tracker.feedback(who), data={"MessageSid": "SM1",
                                                             "MessageStatus": "delivered"})
            assert status.status_code == 200
            bounce = http.post(tracker.feedback(who), json={"status": "bounced",
                                                            "bounce": "hard"})
            assert bounce.status_code == 200
            assert http.post(tracker.feedback(who), json={"status": "sent"}).status_code == 202
            big = http.post(tracker.feedback(who), content=b"x" * 70_000)
            assert big.status_code == 413
    kinds = [(e["event"], e["payload"].get("kind") or e["payload"].get("choice")) for e in got]
    assert kinds == [("@reaction", "opened"), ("@reaction", "clicked"), ("@consent", "n"),
                     ("@reaction", "delivered"), ("@reaction", "failed")]
    assert got[0]["payload"] == {"journey": "welcome", "version": 1,
                                 "profile": "ann@example.test", "step": "hello",
                                 "kind": "opened"}
    assert got[4]["payload"]["bounce"] == "hard"
    # opens and clicks are each a real occurrence; feedback and unsubscribes count once
    assert keys[:2] == [None, None] and all(k and k.startswith("track:") for k in keys[2:])
    assert len(set(keys[2:])) == 3


CHANNEL = """
channel mail email {
  provider: smtp
  server: "smtp://127.0.0.1:1"
  from: "Shop <news@shop.example>"
  tracking: "%s"
}
"""
OPENED = """
journey engaged {
  reentrance always
  entry on event Promo
  offer: email { template: "promo", to: #{ExperiencePlatform.ProfileFieldGroup.personalEmail.address}, code: "X" }
  wait4: await { opened offer -> thanks  after 2d -> done }
  thanks: email { template: "promo", to: #{ExperiencePlatform.ProfileFieldGroup.personalEmail.address}, code: "THANKS" }
  done: end
}
"""


def test_pixel_click_and_unsubscribe_drive_the_journeys(tmp_path: Path) -> None:
    submitted: list[dict[str, Any]] = []
    with serve(tracking_app(KEY.encode(), lambda e, k: submitted.append(e))) as base, \
            SmtpServer() as smtp:
        ws = write_workspace(tmp_path, CHANNEL % base, "")
        text = (ws / "shop.journey").read_text().replace("journey promo {", "journey promoOld {")
        (ws / "shop.journey").write_text(text.split("journey promoOld")[0] + OPENED)
        (ws / "templates" / "promo.html").write_text(
            '<html><body><p>{{profile.person.firstName}}: code {{params.code}}. '
            '<a href="https://shop.example/offer?c={{params.code}}&amp;x=1">Shop</a></p>'
            "</body></html>")
        env = {"JENGINE_SMTP_URL": smtp.url, "JENGINE_TRACKING_KEY": KEY}
        events = [event("Promo", "2026-03-02T10:00:00Z", email="ann@example.test", code="A",
                        percent=5)]
        assert run_engine(tmp_path, ws, events, env).status == 0
        [first] = smtp.inbox
        html = first.message.get_body(("html",))
        assert html is not None
        body = html.get_content()
        pixel = re.search(r'<img src="([^"]+)"', body)
        link = re.search(r'<a href="([^"]+)"', body)
        assert pixel and link and link.group(1).startswith(f"{base}/c/")
        unsubscribe = first.message["List-Unsubscribe"].strip().strip("<>")
        assert first.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        with httpx.Client() as http:
            assert http.get(pixel.group(1).replace("&amp;", "&")).status_code == 200
            click = http.get(link.group(1).replace("&amp;", "&"))
            assert click.headers["location"] == "https://shop.example/offer?c=X&x=1"
            http.post(unsubscribe, content=b"List-Unsubscribe=One-Click")
        for e in submitted:           # the reactions come in a minute later
            e["time"] = "2026-03-02T10:01:00Z"
        more = [json.dumps(e) for e in submitted]
        more.append(event("Promo", "2026-03-05T10:00:00Z", email="ann@example.test", code="B",
                          percent=5))
        assert run_engine(tmp_path, ws, events + more, env).status == 0
    outbox = lines(tmp_path, "outbox.jsonl")
    # the open took the await to `thanks` (sent: the unsubscription came after it); the
    # one-click unsubscription withdrew consent, so the next promotion is not sent
    assert [(o["step"], o["status"], o.get("reason")) for o in outbox] == [
        ("offer", "sent", None), ("thanks", "sent", None), ("offer", "suppressed", "consent")]
    journal = lines(tmp_path, "journal.jsonl")
    assert any(j["step"] == "wait4" and j["next"] == "thanks" for j in journal)
    assert [r.message["Subject"] for r in smtp.inbox] == ["Ann, 5% off", "Ann, 5% off"]


def test_mounted_as_jengine_serve_mounts_it() -> None:
    """The contract with ``jengine serve``: ``create_app(service, tracking_mounts(channels,
    env, service.submit))`` mounts the app beside the API (a Starlette ``Mount`` per path);
    ``Service.submit`` is a coroutine function returning the inbox sequence number, and
    raises ``ValueError`` for an event it refuses."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    from jengine.lang.workspace import load_texts
    from jengine.runtime.channels.tracking import tracking_mounts, tracking_paths

    ws = load_texts({"shop.journey": CHANNEL % "https://t.shop.example/t/"})
    channels = ws.model.channels
    assert tracking_paths(channels) == ["/t"]
    with pytest.raises(ValueError, match="JENGINE_TRACKING_KEY"):
        tracking_mounts(channels, {}, lambda e, k: None)
    inbox: list[dict[str, Any]] = []

    async def submit(event: dict[str, Any], key: str | None = None) -> int:
        if event["event"] == "@consent":
            raise ValueError("bad_input: refused")
        inbox.append(event)
        return len(inbox)

    mounts = tracking_mounts(channels, {"JENGINE_TRACKING_KEY": KEY}, submit)
    api = Route("/healthz", lambda request: PlainTextResponse("ok"))
    app = Starlette(routes=[api, *(Mount(p, app=sub) for p, sub in mounts.items())])
    with serve(app) as base, httpx.Client() as http:
        tracker = Tracker(f"{base}/t", KEY.encode())
        who = Delivery("welcome", 1, "ann@example.test", "hello")
        assert http.get(f"{base}/healthz").text == "ok"
        assert http.get(tracker.open_pixel(who)).content == PIXEL
        click = http.get(tracker.url("c", who, "c", u="https://shop.example/"))
        assert click.status_code == 302
        refused = http.post(tracker.unsubscribe(who), content=b"List-Unsubscribe=One-Click",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert refused.status_code == 200          # logged; the person still gets the page
    assert [e["payload"]["kind"] for e in inbox] == ["opened", "clicked"]
