"""The real server on loopback, fed by the real Segment client and by plain HTTP: exact
deliveries, exactly once (a repeated messageId or id is processed once), wall-clock timers,
dead letters for what the workspace cannot route, and a clean SIGTERM stop (exit 0)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from segment.analytics import Client
from serve_helpers import WRITE_KEY, Server, basic, without


def _wait(check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _step(server: Server, profile: str, journey: str) -> str | None:
    r = httpx.get(f"{server.url}/v1/profiles/{profile}",
                  headers={"Authorization": "Bearer adm_test_0123456789abcdef"})
    if r.status_code != 200:
        return None
    active = [i for i in r.json()["instances"] if i["journey"] == journey and i["active"]]
    return active[0]["step"] if active else None


def _segment_client(server: Server) -> Client:
    errors: list[Any] = []
    client = Client(WRITE_KEY, host=server.url, on_error=lambda e, batch: errors.append(e),
                    max_retries=3, upload_interval=0.05)
    client.errors = errors  # type: ignore[attr-defined]
    return client


def test_scenario_segment_and_http(tmp_path: Path) -> None:
    server = Server(tmp_path).start()
    try:
        r = httpx.post(server.url + "/v1/profiles", headers=basic(), json={
            "id": "alice@example.com", "attributes": {"traits": {
                "name": "Alice", "phone": "+33600000001"}}})
        assert r.status_code == 200, r.text
        client = _segment_client(server)
        client.identify("bob@example.com", {"name": "Bob", "phone": "+33600000002"})
        client.track("bob@example.com", "Signed Up", {"plan": "pro"}, message_id="m-bob-1")
        client.track("bob@example.com", "Signed Up", {"plan": "pro"}, message_id="m-bob-1")
        client.track("dan@example.com", "Account Deleted", {})
        client.flush()
        assert client.errors == []   # type: ignore[attr-defined]
        r = server.send("/v1/events", [
            {"event": "SignedUp", "id": "e-alice-1",
             "payload": {"email": "alice@example.com", "plan": "pro"}},
            {"event": "SignedUp", "payload": {"email": "carol@example.com", "plan": "trial"}}])
        assert r.json() == {"success": True, "accepted": 2, "duplicates": 0, "ignored": 0}
        r = server.send("/v1/events", {"event": "SignedUp", "id": "e-alice-1",
                                       "payload": {"email": "alice@example.com",
                                                   "plan": "pro"}})
        assert r.json()["duplicates"] == 1
        _wait(lambda: _step(server, "alice@example.com", "onboarding") == "react")
        r = httpx.post(server.url + "/v1/track", headers=basic(), json={
            "userId": "alice@example.com", "event": "Purchased", "messageId": "m-alice-buy",
            "properties": {"total": 120.5}, "timestamp": "2026-12-07T10:00:00.000Z"})
        assert r.status_code == 200, r.text
        _wait(lambda: len(server.lines("outbox.jsonl")) >= 6, timeout=60)
        server.drained()
        assert server.get("/v1/journeys/onboarding")["versions"][0]["counts"]["entered"] == 2
        text = httpx.get(server.url + "/metrics", headers={
            "Authorization": "Bearer adm_test_0123456789abcdef"}).text
        metrics = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for family in text_string_to_metric_families(text) for s in family.samples}
        assert metrics[("jengine_step_total", (("journey", "onboarding"), ("outcome", "completed"),
                                               ("step", "hello"), ("version", "1")))] == 2
        assert metrics[("jengine_events_ingested_total", (("source", "segment"),))] == 4
        for name, value in (("jengine_dead_letters_total", 1), ("jengine_inbox_depth", 0),
                            ("jengine_events_duplicate_total", 2)):
            assert metrics[(name, ())] == value, name
    finally:
        rc = server.stop()
    assert rc == 0, server.logs()[-3000:]
    outbox = sorted((without(o, "time") for o in server.lines("outbox.jsonl")),
                    key=lambda o: (o["profile"], o["journey"], o["step"]))
    assert outbox == [
        {"journey": "onboarding", "version": 1, "profile": "alice@example.com", "step": "hello",
         "action": "email", "params": {"template": "hello", "to": "alice@example.com",
                                       "plan": "pro", "name": "Alice"}, "status": "sent"},
        {"journey": "onboarding", "version": 1, "profile": "alice@example.com",
         "step": "thanks", "action": "email",
         "params": {"template": "thanks", "total": 120.5}, "status": "sent"},
        {"journey": "orders", "version": 1, "profile": "alice@example.com", "step": "receipt",
         "action": "email", "params": {"template": "receipt", "total": 120.5},
         "status": "sent"},
        {"journey": "orders", "version": 1, "profile": "alice@example.com", "step": "vip",
         "action": "push", "params": {"template": "vip", "total": 120.5},
         "status": "sent"},
        {"journey": "onboarding", "version": 1, "profile": "bob@example.com", "step": "hello",
         "action": "email", "params": {"template": "hello", "to": "bob@example.com",
                                       "plan": "pro", "name": "Bob"}, "status": "sent"},
        {"journey": "onboarding", "version": 1, "profile": "bob@example.com", "step": "nudge",
         "action": "sms", "params": {"template": "nudge", "to": "+33600000002"},
         "status": "sent"},
    ]
    dead = server.lines("deadletters.jsonl")
    assert [(d["reason"], json.loads(d["input"])["event"]) for d in dead] == [
        ("unknown_event", "Account Deleted")]
    journal = server.lines("journal.jsonl")
    assert [j["reason"] for j in journal if j["outcome"] == "discarded"] == [
        "entry_condition_false"]
    assert {(j["journey"], j["outcome"]) for j in journal if j["profile"] is None
            and j["outcome"] == "published"} == {("onboarding", "published"),
                                                 ("orders", "published")}
