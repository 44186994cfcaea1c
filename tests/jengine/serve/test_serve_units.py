"""The service's parts in-process: Segment mapping, native parsing with positions, request
bodies, settings, credentials, profile merging, and the mount point for sub-applications."""

from __future__ import annotations

import asyncio
import base64
import gzip
import io
import json
import os
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from serve_helpers import WORKSPACE
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from jengine.lang.workspace import load_workspace
from jengine.runtime.control import merged_profile
from jengine.service.app import _Pending, build_service, create_app
from jengine.service.bodies import BodyError
from jengine.service.config import ConfigError, SegmentConfig, load_config
from jengine.service.native import ItemErrors, event_items, profile_items
from jengine.service.security import basic_user, bearer, matches, session_value
from jengine.service.segment import event_name, key_path, segment_items

MODEL = load_workspace(WORKSPACE).model
KEY, ADMIN = "wk_unit_0123456789abcdef", "adm_unit_0123456789abcdef"


def _items(body: Any, kind: str | None = None, cfg: SegmentConfig | None = None) -> list[Any]:
    result = segment_items(body, kind, cfg or SegmentConfig(), MODEL, 32 * 1024, 2500)
    return [(i.key, json.loads(i.line)) for i in result.items]


def test_segment_track_identify_and_batch() -> None:
    assert _items({"userId": "u@x.org", "event": "Signed Up", "messageId": "m1",
                   "properties": {"plan": "pro"},
                   "timestamp": "2026-12-07T17:14:25.556+00:00"}, "track") == [
        ("m1", {"event": "SignedUp", "time": "2026-12-07T17:14:25.556+00:00",
                "payload": {"plan": "pro", "email": "u@x.org"}})]
    assert _items({"userId": None, "anonymousId": 42, "traits": {"name": "A"}},
                  "identify") == [
        (None, {"event": "@profile", "payload": {"profile": {
            "id": "42", "attributes": {"traits": {"name": "A"}}}, "merge": True}})]
    batch = {"batch": [{"type": "track", "userId": "a", "event": "Order Completed"},
                       {"type": "page", "userId": "a", "name": "Home"},
                       {"type": "track", "userId": "a", "event": "Purchased",
                        "properties": {"total": 3}}], "writeKey": KEY}
    result = segment_items(batch, None, SegmentConfig(events={"Order Completed": "Purchased"}),
                           MODEL, 32 * 1024, 2500)
    assert result.ignored == 1 and result.write_key == KEY
    assert [json.loads(i.line)["event"] for i in result.items] == ["Purchased", "Purchased"]


def test_segment_event_names_and_key_paths() -> None:
    assert event_name("Signed Up", {}, MODEL) == "SignedUp"
    assert event_name("SignedUp", {}, MODEL) == "SignedUp"
    assert event_name("Account Deleted", {}, MODEL) == "Account Deleted"   # dead letter later
    assert event_name("x", {"x": "Purchased"}, MODEL) == "Purchased"
    assert key_path(MODEL, "SignedUp") == ("email",)
    assert key_path(MODEL, "Nope") is None and key_path(None, "SignedUp") is None


def test_segment_refusals_name_the_message() -> None:
    with pytest.raises(ItemErrors) as caught:
        _items({"batch": [{"type": "track", "userId": "a", "event": "X"},
                          {"type": "track", "event": "X"},
                          {"type": "track", "userId": "a", "event": "X", "timestamp": "soon"},
                          {"type": "nonsense", "userId": "a"}]})
    assert [(e.code, e.where, e.message) for e in caught.value.errors] == [
        ("bad_input", {"index": 1}, "a message needs `userId` or `anonymousId`"),
        ("bad_input", {"index": 2}, '`timestamp` is not an offset date-time: "soon"'),
        ("bad_input", {"index": 3}, "`type` must be one of alias, group, identify, page, "
                                    'screen, track: "nonsense"')]
    with pytest.raises(ItemErrors) as caught:
        segment_items({"batch": [{}] * 3}, None, SegmentConfig(), MODEL, 1000, 2)
    assert caught.value.errors[0].status == 413


def test_native_events_one_array_ndjson_and_positions() -> None:
    one = event_items(b'{"event":"A","payload":{},"id":"k"}', "application/json", 1000)
    assert [(i.key, i.line) for i in one] == [("k", '{"event":"A","payload":{}}')]
    assert len(event_items(b'[{"event":"A","payload":{}},{"payload":{}}]', "", 1000)) == 2
    nd = b'{"event":"A","payload":{}}\n\n{"event":"B","payload":{}}\n'
    assert len(event_items(nd, "application/x-ndjson", 1000)) == 2
    with pytest.raises(ItemErrors) as caught:
        event_items(b'{"event":"A","payload":{}}\n{"event":"B"}\n{"event":"@journey",'
                    b'"payload":{}}\n', "", 1000)
    assert [(e.where, e.message[:28]) for e in caught.value.errors] == [
        ({"line": 1}, "`payload` is missing or not "),
        ({"line": 2}, "`@journey` inputs are made b")]
    with pytest.raises(BodyError) as bad:
        event_items(b'{"event": "A",\n  "payload": {oops}}', "application/json", 1000)
    assert bad.value.code == "bad_json" and bad.value.where == {"line": 1, "character": 14}
    with pytest.raises(ItemErrors) as big:
        event_items(json.dumps({"payload": {"x": "y" * 100}}).encode(), "", 50)
    assert big.value.errors[0].status == 413
    with pytest.raises(ItemErrors) as prof:
        profile_items(b'{"id": ""}', "", 1000)
    assert prof.value.errors[0].message == "profile `id` is missing or not a non-empty string"


def test_settings_and_credentials(tmp_path: Path) -> None:
    f = tmp_path / "serve.toml"
    f.write_text('[serve]\nport = 9000\nmax_request_bytes = "2MiB"\ndedup_retention = "1d"\n'
                 'write_keys = ["from-file-0123456789"]\n[serve.segment]\n'
                 'traits_group = "ProfileFieldGroup"\n')
    cfg = load_config(tmp_path, file=f, env={"JENGINE_WRITE_KEYS": "a" * 16 + "," + "b" * 16},
                      overrides={"port": 0})
    assert (cfg.port, cfg.max_request_bytes, cfg.dedup_ms) == (0, 2 * 1024 * 1024, 86_400_000)
    assert [k.reveal() for k in cfg.write_keys] == ["a" * 16, "b" * 16]   # env wins
    assert cfg.segment.traits_group == "ProfileFieldGroup"
    (tmp_path / "state").mkdir()
    assert load_config(tmp_path, env={}, overrides={"state": tmp_path / "state"}).state == \
        tmp_path / "state" / "jengine.db"          # `--state DIR`
    f.write_text("[serve]\nprot = 1\n")
    with pytest.raises(ConfigError, match="unknown setting"):
        load_config(tmp_path, file=f, env={})
    token = base64.b64encode(b"wk:").decode()
    assert basic_user(f"Basic {token}") == "wk" and basic_user("Basic !!!") is None
    assert bearer("Bearer  t ") == "t" and bearer("Basic x") is None
    secrets = load_config(tmp_path, env={"JENGINE_WRITE_KEYS": KEY}).write_keys
    assert matches(KEY, secrets) and not matches(None, secrets) and not matches(KEY[:-1],
                                                                               secrets)
    admin = load_config(tmp_path, env={"JENGINE_ADMIN_TOKEN": ADMIN}).admin_token
    assert admin is not None and ADMIN not in session_value(admin)


def test_profile_merge() -> None:
    stored = {"id": "p", "namespace": "email", "timeZone": None, "test": True,
              "attributes": {"traits": {"name": "A", "address": {"city": "Paris", "zip": "1"}},
                             "other": {"x": 1}},
              "audiences": {"A": "realized"}, "events": [{"_id": "old"}]}
    update = {"id": "p", "timeZone": "Europe/Paris",
              "attributes": {"traits": {"phone": "+33", "address": {"city": "Lyon"}}},
              "audiences": {"B": "exited"}, "events": [{"_id": "new"}]}
    assert merged_profile(stored, update) == {
        "id": "p", "namespace": "email", "timeZone": "Europe/Paris", "testProfile": True,
        "attributes": {"traits": {"name": "A", "address": {"city": "Lyon", "zip": "1"},
                                  "phone": "+33"}, "other": {"x": 1}},
        "audiences": {"A": "realized", "B": "exited"},
        "events": [{"_id": "new"}, {"_id": "old"}]}


def test_bodies_and_the_mount_point(tmp_path: Path) -> None:
    cfg = load_config(WORKSPACE, env={"JENGINE_WRITE_KEYS": KEY, "JENGINE_ADMIN_TOKEN": ADMIN})
    cfg.state = tmp_path / "jengine.db"
    service = build_service(cfg, lambda s: _Pending())

    async def tracked(request: Request) -> JSONResponse:
        seq = await service.submit({"event": "@reaction", "payload": {
            "journey": "onboarding", "version": 1, "profile": "a@x.org", "step": "hello",
            "kind": "opened"}})
        return JSONResponse({"seq": seq})

    sub = Starlette(routes=[Route("/o", tracked)])
    auth = {"Authorization": "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()}
    app = create_app(service, {"/t": sub})
    raw = json.dumps({"event": "A", "payload": {}}).encode()

    async def calls() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://test") as client:
            return [await client.get("/t/o"),
                    await client.post("/v1/events", content=gzip.compress(raw)[:-6],
                                      headers={**auth, "Content-Encoding": "gzip"}),
                    await client.post("/v1/events", content=zlib.compress(raw),
                                      headers={**auth, "Content-Encoding": "deflate"}),
                    await client.get("/nowhere")]

    mounted, truncated, deflated, missing = asyncio.run(calls())
    assert mounted.json() == {"seq": 1}
    assert truncated.status_code == 400 and truncated.json()["code"] == "bad_encoding"
    assert deflated.status_code == 200
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    service.writer.close()
    rows = sqlite3.connect(cfg.state).execute("SELECT line FROM inbox ORDER BY seq").fetchall()
    assert [json.loads(r[0])["event"] for r in rows] == ["@reaction", "A"]


def test_vendored_viz_is_the_extension_version() -> None:
    """One Viz.js version in the repository: the dashboard's file is the extension's pin."""
    root = Path(__file__).resolve().parents[3]
    pinned = json.loads((root / "vscode-extension" / "package.json").read_text())[
        "devDependencies"]["@viz-js/viz"]
    vendored = (root / "src" / "jengine" / "service" / "static" / "viz-global.js")
    assert vendored.read_text(encoding="utf-8")[:40].split("\n")[1] == f"Viz.js {pinned}"
    built = root / "vscode-extension" / "node_modules" / "@viz-js" / "viz" / "dist"
    if (built / "viz-global.js").exists():   # after the extension's npm ci
        assert (built / "viz-global.js").read_bytes() == vendored.read_bytes()


def test_builtin_inputs_in_a_file_run(tmp_path: Path) -> None:
    """``@profile`` (merge) and ``@journey`` work in ``jengine run`` too: same loop."""
    from jengine.runtime.runner import RunOptions, run

    events = tmp_path / "events.jsonl"
    lines = [
        {"event": "@profile", "time": "2026-12-01T00:00:00Z", "payload": {
            "profile": {"id": "a@x.org", "attributes": {"traits": {"name": "Ann"}}},
            "merge": True}},
        {"event": "@profile", "time": "2026-12-01T00:00:01Z", "payload": {
            "profile": {"id": "a@x.org", "attributes": {"traits": {"phone": "+33"}}},
            "merge": True}},
        {"event": "@journey", "time": "2026-12-01T00:00:02Z", "payload": {
            "command": "close", "journey": "orders", "version": 1}},
        {"event": "SignedUp", "time": "2026-12-01T00:00:03Z",
         "payload": {"email": "a@x.org", "plan": "pro"}},
        {"event": "Purchased", "time": "2026-12-01T00:00:04Z",
         "payload": {"email": "b@x.org", "total": 1.0}},
        {"event": "@journey", "time": "2026-12-01T00:00:05Z", "payload": {"command": "fly"}},
    ]
    events.write_text("".join(json.dumps(x) + "\n" for x in lines))
    result = run(RunOptions(workspace=WORKSPACE, events=events, state=tmp_path / "s.db",
                            outbox=tmp_path / "o.jsonl", journal=tmp_path / "j.jsonl",
                            dead_letters=tmp_path / "d.jsonl"))
    assert result.status == 0
    outbox = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert [(o["step"], o["params"].get("name")) for o in outbox] == [("hello", "Ann")]
    journal = [json.loads(x) for x in (tmp_path / "j.jsonl").read_text().splitlines()]
    assert [(j["journey"], j["outcome"], j.get("reason")) for j in journal
            if j["profile"] in (None, "b@x.org") and j["journey"] == "orders"] == [
        ("orders", "closed", None), ("orders", "discarded", "closed_version")]
    dead = [json.loads(x) for x in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert [(d["line"], d["reason"]) for d in dead] == [(6, "refused")]


def test_serve_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    from unittest import mock

    from jengine.cli import main

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, {"JENGINE_WRITE_KEYS": "", "JENGINE_ADMIN_TOKEN": ""}):
        assert main(["serve", str(WORKSPACE), "--port", "0"], out, err) == 2
    assert "no write key" in err.getvalue() and out.getvalue() == ""


def test_the_tracking_endpoints_are_mounted(tmp_path: Path) -> None:
    """With ``JENGINE_TRACKING_KEY`` the channels' tracking app answers at ``tracking_path``: a
    signed open pixel becomes an ``@reaction`` in the inbox; a forged one adds nothing."""
    from jengine.runtime.channels.links import Delivery, sign
    from jengine.service.server import tracking_mounts

    cfg = load_config(WORKSPACE, env={"JENGINE_WRITE_KEYS": KEY, "JENGINE_ADMIN_TOKEN": ADMIN})
    cfg.state = tmp_path / "jengine.db"
    service = build_service(cfg, lambda s: _Pending())
    assert tracking_mounts(cfg, service, env={}) == {}
    key = "tracking-key-0123456789"
    app = create_app(service, tracking_mounts(cfg, service, env={"JENGINE_TRACKING_KEY": key}))
    token = sign(Delivery("onboarding", 1, "a@x.org", "hello").payload("o"), key.encode())
    forged = sign(Delivery("onboarding", 1, "a@x.org", "hello").payload("o"), b"other")
    feedback = sign(Delivery("onboarding", 1, "a@x.org", "hello").payload("f"), key.encode())

    async def calls() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://test") as client:
            status = {"MessageStatus": "delivered"}
            return [await client.get(f"/t/o/{token}.gif"), await client.get(f"/t/o/{forged}.gif"),
                    await client.get(f"/t/o/{token}.gif"),      # a second open: a real one
                    await client.post(f"/t/f/{feedback}", data=status),
                    await client.post(f"/t/f/{feedback}", data=status)]  # the provider retries

    opened, fake, *more = asyncio.run(calls())
    assert opened.status_code == 200 and opened.headers["content-type"] == "image/gif"
    assert fake.status_code == 200 and [r.status_code for r in more] == [200, 200, 200]
    service.writer.close()
    rows = sqlite3.connect(cfg.state).execute("SELECT line FROM inbox ORDER BY seq").fetchall()
    assert [json.loads(r[0])["payload"]["kind"] for r in rows] == ["opened", "opened",
                                                                   "delivered"]
