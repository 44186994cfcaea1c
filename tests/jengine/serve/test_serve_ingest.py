"""Ingestion answers over the real application (ASGI, in-process, the engine not started so
the inbox only fills): a full inbox answers 429 with ``Retry-After`` and stores nothing; a
malformed event answers 400 with the coded message ``jengine run`` writes to its dead letters
for the same line, with the item's position, and nothing of the request is stored."""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
from serve_helpers import WORKSPACE

from jengine.runtime.runner import RunOptions, run
from jengine.service.app import _Pending, build_service, create_app
from jengine.service.config import load_config

KEY, ADMIN = "wk_ingest_0123456789abcdef", "adm_ingest_0123456789abcdef"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()}
GOOD = {"event": "SignedUp", "payload": {"email": "a@x.org", "plan": "pro"}}
BAD = [{"event": "SignedUp", "time": "2026-12-01T00:00:00Z"},
       {"event": "SignedUp", "time": "yesterday", "payload": {}},
       {"event": "", "time": "2026-12-01T00:00:00Z", "payload": {}}]


def _post_all(tmp_path: Path, capacity: int, bodies: list[Any]) -> list[httpx.Response]:
    cfg = load_config(WORKSPACE, env={"JENGINE_WRITE_KEYS": KEY, "JENGINE_ADMIN_TOKEN": ADMIN})
    cfg.state, cfg.inbox_capacity, cfg.retry_after = tmp_path / "jengine.db", capacity, 7
    service = build_service(cfg, lambda s: _Pending())
    app = create_app(service)

    async def calls() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://test") as client:
            return [await client.post("/v1/events", json=b, headers=AUTH) for b in bodies]

    try:
        return asyncio.run(calls())
    finally:
        service.writer.close()


def _stored(tmp_path: Path) -> list[str]:
    conn = sqlite3.connect(tmp_path / "jengine.db")
    try:
        return [json.loads(r[0])["event"] for r in conn.execute("SELECT line FROM inbox")]
    finally:
        conn.close()


def test_a_full_inbox_answers_429_with_retry_after(tmp_path: Path) -> None:
    answers = _post_all(tmp_path, 3, [[GOOD, GOOD], GOOD, [GOOD, GOOD], GOOD])
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    assert answers[2].headers["Retry-After"] == "7"
    assert answers[2].json()["code"] == "inbox_full"
    assert _stored(tmp_path) == ["SignedUp"] * 3   # the refused requests stored nothing


def test_a_malformed_event_gets_the_cli_message(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(b) + "\n" for b in BAD))
    result = run(RunOptions(workspace=WORKSPACE, events=events, state=tmp_path / "run.db",
                            outbox=tmp_path / "o.jsonl", journal=tmp_path / "j.jsonl",
                            dead_letters=tmp_path / "d.jsonl"))
    assert result.status == 0
    dead = sorted((json.loads(x) for x in (tmp_path / "d.jsonl").read_text().splitlines()),
                  key=lambda d: int(d["line"]))
    assert [d["reason"] for d in dead] == ["bad_input"] * 3
    answers = _post_all(tmp_path, 100, [[GOOD, bad] for bad in BAD])
    for answer, letter in zip(answers, dead, strict=True):
        assert answer.status_code == 400, answer.text
        body = answer.json()
        assert body["code"] == "bad_input"
        assert body["errors"] == [{"code": "bad_input", "message": letter["message"],
                                   "index": 1}]
    assert _stored(tmp_path) == []
