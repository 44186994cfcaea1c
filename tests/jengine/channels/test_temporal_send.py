"""Channel messages on Temporal: ``jengine worker`` sends them from its ``jengine_deliver``
activity to a real SMTP server (aiosmtpd on loopback), the same messages (Message-ID, part
hashes, governance) and outbox lines as the embedded engine; a retried activity never sends a
message twice (the shared store's send ledger), a transient SMTP answer is tried again."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from _channel_servers import SmtpServer
from _channel_workspace import event, lines, run_engine, write_workspace

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
    event("Promo", "2026-03-02T10:03:00Z", email="ann@example.test", code="X1", percent=10),
    event("Promo", "2026-03-02T10:04:00Z", email="bob@example.test", code="X2", percent=15),
]


def _mails(smtp: SmtpServer) -> list[tuple[str, str, str]]:
    return sorted((r.rcpt_tos[0], str(r.message["Message-ID"]), str(r.message["Subject"]))
                  for r in smtp.inbox)


def _outbox(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keep = [{k: v for k, v in o.items() if k != "time"} for o in rows if o["action"] == "email"]
    return sorted(keep, key=lambda o: (o["profile"], o["journey"]))


def test_worker_sends_what_the_embedded_engine_sends(tmp_path: Path) -> None:
    from jengine.cli import main
    from jengine.temporal.servers import DevServer
    from jengine.temporal.stores import open_store

    ref_dir, live_dir = tmp_path / "ref", tmp_path / "live"
    ref_dir.mkdir()
    live_dir.mkdir()
    with SmtpServer() as smtp:
        ws = write_workspace(ref_dir, CHANNEL)
        assert run_engine(ref_dir, ws, EVENTS, {"JENGINE_SMTP_URL": smtp.url}).status == 0
        expected_mails = _mails(smtp)
        smtp.inbox.clear()
    expected = _outbox(lines(ref_dir, "outbox.jsonl"))
    assert [o["status"] for o in expected].count("sent") == 3   # bob: no marketing consent
    ws = write_workspace(live_dir, CHANNEL)
    (live_dir / "events.jsonl").write_text("".join(e + "\n" for e in EVENTS))
    store = live_dir / "store"
    with SmtpServer() as smtp, DevServer() as dev:
        env = {**os.environ, "JENGINE_SMTP_URL": smtp.url}
        worker = subprocess.Popen(
            [sys.executable, "-m", "jengine", "worker", str(ws), "--temporal", dev.address,
             "--store", str(store), "--task-queue", "mail"], env=env,
            stdout=subprocess.DEVNULL, stderr=(live_dir / "worker.log").open("wb"),
            start_new_session=True)
        try:
            err = io.StringIO()
            assert main(["run", str(ws), "--events", str(live_dir / "events.jsonl"),
                         "--profiles", str(live_dir / "profiles.jsonl"), "--engine",
                         "temporal", "--temporal", dev.address, "--store", str(store),
                         "--task-queue", "mail"], io.StringIO(), err) == 0, err.getvalue()
            deadline = time.monotonic() + 90
            while len(smtp.inbox) < 3 and time.monotonic() < deadline:
                time.sleep(0.3)
            time.sleep(1.0)   # a doubled message would arrive now
            with open_store(store) as s:
                outbox = _outbox(s.outputs("outbox"))
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0, (live_dir / "worker.log").read_text()
        assert _mails(smtp) == expected_mails
    assert outbox == expected


@pytest.fixture
def activities(tmp_path: Path) -> Any:
    from jengine.lang.workspace import load_workspace
    from jengine.runtime.channels import senders
    from jengine.runtime.channels.dispatch import Dispatcher
    from jengine.runtime.http import HttpxTransport
    from jengine.temporal.activities import Activities
    from jengine.temporal.specs import publish
    from jengine.temporal.stores import open_store

    ws = write_workspace(tmp_path, CHANNEL)
    store = open_store(str(tmp_path / "store"))

    def make(env: dict[str, str]) -> tuple[Any, Any, Any]:
        templates, problems = senders.prepare(load_workspace(ws), True, env)
        assert templates is not None and not problems
        from jengine.core.context import Options

        published = publish(store, ws, Options(False, False, 10_000_000))
        assert published.snapshot is not None
        dispatcher = Dispatcher(templates, senders.Senders(env, HttpxTransport()), env)
        return Activities(store, None, env=env, dispatcher=dispatcher), published.spec, \
            published.snapshot["id"]

    yield make
    store.close()


def _planned(acts: Any, spec: Any) -> Any:
    obj = {"journey": "welcome", "version": 1, "profile": "ann@example.test", "step": "hello",
           "action": "email", "status": "sent", "params": {}}
    profile = {"id": "ann@example.test", "attributes": {"ProfileFieldGroup": {
        "person": {"firstName": "Ann"}, "personalEmail": {"address": "ann@example.test"}}}}
    instance = {"uid": "welcome/1/ann@example.test/1", "events": {"Signup": {"plan": "gold"}}}
    now = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    planned = acts.dispatcher.plan(spec, obj, "welcome/1/ann@example.test/1:hello", profile,
                                   instance, now, lambda: [], lambda a: None)
    assert planned.message is not None
    return planned


def test_a_retried_activity_never_sends_twice(activities: Any) -> None:
    with SmtpServer() as smtp:
        acts, spec, _ = activities({"JENGINE_SMTP_URL": smtp.url})
        planned = _planned(acts, spec)
        key = "welcome/1/ann@example.test/1:hello"
        first = acts._send(planned, key, 1)
        again = acts._send(planned, key, 2)   # the first attempt's answer was lost
    assert len(smtp.inbox) == 1
    assert smtp.inbox[0].message["Subject"] == "Welcome, Ann!"
    assert first["line"]["status"] == again["line"]["status"] == "sent"
    assert first["failed"] is again["failed"] is False


def test_a_transient_answer_is_tried_again_then_sent_once(activities: Any) -> None:
    from temporalio.exceptions import ApplicationError

    with SmtpServer(answers={"ann@example.test": ["451 4.3.0 busy, try later"]}) as smtp:
        acts, spec, _ = activities({"JENGINE_SMTP_URL": smtp.url})
        planned = _planned(acts, spec)
        key = "welcome/1/ann@example.test/1:hello"
        with pytest.raises(ApplicationError, match="transient"):
            acts._send(planned, key, 1)
        done = acts._send(planned, key, 2)
    assert len(smtp.inbox) == 1 and smtp.handler.refused == 1
    assert done["line"]["status"] == "sent" and done["line"]["attempts"] == 2
