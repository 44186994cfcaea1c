"""Publishing and the journey lifecycle on the running service, with AJO's semantics: publish
(refused with diagnostics or a version conflict), pause (hold / discard at the next action
step, fresh entrances discarded), resume (held profiles go on), close to new entrances, stop
(every instance exits), and the statuses draft / live / paused / closed / stopped / finished."""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
from serve_helpers import ADMIN, WORKSPACE, Server, basic, without

from jengine.cli import main


def _wait(check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return found


def _signup(server: Server, who: str, plan: str = "pro") -> None:
    r = httpx.post(server.url + "/v1/events", headers=basic(),
                   json={"event": "SignedUp", "payload": {"email": who, "plan": plan}})
    assert r.status_code == 200, r.text


def _instance(server: Server, who: str, journey: str = "onboarding") -> dict[str, Any] | None:
    r = httpx.get(f"{server.url}/v1/profiles/{who}",
                  headers={"Authorization": "Bearer adm_test_0123456789abcdef"})
    if r.status_code != 200:
        return None
    found = [i for i in r.json()["instances"] if i["journey"] == journey]
    return found[-1] if found else None


def _status(server: Server, journey: str) -> str:
    return str(server.get(f"/v1/journeys/{journey}")["status"])


def test_lifecycle(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(WORKSPACE, ws)
    server = Server(tmp_path, workspace=ws, fork=True, publish=False).start()
    try:
        assert [j["status"] for j in server.get("/v1/journeys")["journeys"]] == ["draft"] * 2
        _publish_refusals(server, ws)
        _pause_hold_and_resume(server)
        _pause_discard(server)
        _close_and_stop(server, ws)
        server.drained()
    finally:
        assert server.stop() == 0
    journal = server.lines("journal.jsonl")
    lifecycle = [(j["journey"], j["outcome"], j.get("reason")) for j in journal
                 if j["profile"] is None and j["journey"] is not None]
    assert lifecycle == [
        ("onboarding", "published", None), ("orders", "published", None),
        ("onboarding", "paused", "hold"), ("onboarding", "resumed", None),
        ("onboarding", "paused", "discard"), ("onboarding", "resumed", None),
        ("orders", "closed", None), ("onboarding", "stopped", None)]
    outbox = [(o["profile"], o["step"]) for o in server.lines("outbox.jsonl")]
    assert outbox == [("alice@x.org", "hello"), ("alice@x.org", "nudge"),
                      ("carol@x.org", "hello"), ("dan@x.org", "hello")]


def _cli_publish(server: Server) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, {"JENGINE_ADMIN_TOKEN": ADMIN}):
        rc = main(["publish", "--url", server.url], out, err)
    return rc, out.getvalue(), err.getvalue()


def _publish_refusals(server: Server, ws: Path) -> None:
    broken = ws / "broken.journey"
    broken.write_text("journey broken {\n  version 1\n  entry on event Nope\n  a: end\n}\n")
    r = server.post("/v1/publish")
    assert r.status_code == 422 and r.json()["code"] == "workspace_errors"
    errors = [d for d in r.json()["diagnostics"] if d["severity"] == "error"]
    assert errors and {d["file"] for d in errors} == {"broken.journey"}
    rc, out, err = _cli_publish(server)        # `jengine publish`: the CLI's 1-based format
    first = errors[0]
    start = first["range"]["start"]
    assert rc == 1 and out == ""
    assert (f"broken.journey:{start['line'] + 1}:{start['column'] + 1}: error "
            f"{first['code']} ") in err
    broken.unlink()
    rc, out, err = _cli_publish(server)
    assert rc == 0, err
    assert sorted(out.splitlines()) == ["published onboarding version 1",
                                        "published orders version 1"]
    r = server.post("/v1/publish")
    assert r.status_code == 200 and r.json()["published"] == [], r.text
    assert {(p["journey"], p["version"]) for p in r.json()["unchanged"]} == {
        ("onboarding", 1), ("orders", 1)}
    assert _status(server, "orders") == "live"
    text = (ws / "onboarding.journey").read_text()
    (ws / "onboarding.journey").write_text(text.replace('template: "nudge"',
                                                       'template: "nudge-2"'))
    r = server.post("/v1/publish")
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"
    assert r.json()["error"].startswith("J-VERSION-REUSED journey 'onboarding'")
    (ws / "onboarding.journey").write_text(text)


def _pause_hold_and_resume(server: Server) -> None:
    _signup(server, "alice@x.org")
    _wait(lambda: (_instance(server, "alice@x.org") or {}).get("step") == "breath")
    r = server.post("/v1/journeys/onboarding/pause", {"mode": "hold"})
    assert r.status_code == 200 and r.json()["status"] == "paused", r.text
    assert server.post("/v1/journeys/onboarding/pause").status_code == 409
    _signup(server, "bob@x.org")                 # a fresh entrance while paused: discarded
    held = _wait(lambda: (i := _instance(server, "alice@x.org")) and i["status"] == "held"
                 and i)
    assert held["step"] == "nudge" and held["active"]
    assert [o["step"] for o in server.lines("outbox.jsonl")] == ["hello"]
    r = server.post("/v1/journeys/onboarding/resume")
    assert r.status_code == 200 and r.json()["status"] == "live", r.text
    _wait(lambda: not (_instance(server, "alice@x.org") or {"active": True})["active"])
    assert server.post("/v1/journeys/onboarding/resume").status_code == 409
    discarded = [j for j in server.lines("journal.jsonl") if j["profile"] == "bob@x.org"]
    assert [(j["outcome"], j["reason"]) for j in discarded] == [("discarded",
                                                                 "journey_paused")]


def _pause_discard(server: Server) -> None:
    _signup(server, "carol@x.org")
    _wait(lambda: (_instance(server, "carol@x.org") or {}).get("step") == "breath")
    assert server.post("/v1/journeys/onboarding/pause", {"mode": "discard"}).status_code == 200
    _wait(lambda: not (_instance(server, "carol@x.org") or {"active": True})["active"])
    assert server.post("/v1/journeys/onboarding/resume").status_code == 200
    last = [j for j in server.lines("journal.jsonl") if j["profile"] == "carol@x.org"][-1]
    assert without(last, "time") == {
        "journey": "onboarding", "version": 1, "profile": "carol@x.org", "step": "nudge",
        "outcome": "exited", "next": None, "reason": "journey_paused"}


def _close_and_stop(server: Server, ws: Path) -> None:
    assert server.post("/v1/journeys/orders/close").status_code == 200
    assert _status(server, "orders") == "finished"     # closed, and nobody in it
    r = httpx.post(server.url + "/v1/events", headers=basic(), json={
        "event": "Purchased", "payload": {"email": "zed@x.org", "total": 3.0}})
    assert r.status_code == 200
    _signup(server, "dan@x.org")
    _wait(lambda: (_instance(server, "dan@x.org") or {}).get("step") in ("breath", "react"))
    r = server.post("/v1/journeys/onboarding/stop")
    assert r.status_code == 200 and r.json()["status"] == "stopped", r.text
    dan = _instance(server, "dan@x.org")
    assert dan is not None and not dan["active"]
    last = [j for j in server.lines("journal.jsonl") if j["profile"] == "dan@x.org"][-1]
    assert (last["outcome"], last["reason"]) == ("exited", "journey_stopped")
    assert server.post("/v1/journeys/onboarding/stop").status_code == 409
    r = server.post("/v1/publish")
    assert r.status_code == 409 and "J-VERSION-CLOSED" in r.json()["error"], r.text
    zed = [j for j in server.lines("journal.jsonl") if j["profile"] == "zed@x.org"]
    assert [(j["journey"], j["reason"]) for j in zed] == [("orders", "closed_version")]
