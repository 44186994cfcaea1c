"""Custom actions against a real local HTTP server, through the runner (journey spec §2.3, §4.6).

The test starts a threaded ``http.server`` on 127.0.0.1 (ephemeral port), writes a small
workspace whose five custom actions point at it (one journey and entry event each), and runs one scenario through
:func:`jengine.testing.scenario.run_scenario` with the real transport (:class:`HttpxTransport`):

* ``ok`` — 200 with a JSON body: outbox ``sent``, the response read by a later condition and
  mailed (``@action{call.code}``); the secret header and the JSON body reach the server;
* ``slow`` — the server answers after 1 s, the action's timeout is 200 ms: ``failed`` with
  ``jo_status_code`` ``timedout``, on the ``on error`` path;
* ``flaky`` — 503, 502, then 200 with ``retries 2``: ``sent`` after three requests that all carry
  the same ``Idempotency-Key``;
* ``missing`` — 404 with ``retries 2``: ``failed`` after one request (no retry on a 4xx);
* ``capped`` — ``capping 2 per 1h``: the third call in the hour is not made (``capped``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engine._engine_http_server import Reply, ScriptedServer, start_server, stop_server

from jengine.runtime.http import HttpxTransport
from jengine.testing.play import run_scenario
from jengine.testing.scenario import ScenarioResult, load_scenario

SETTINGS = {
    "ok": 'headers { "X-Key": secret("SVC_KEY") }  timeout 2s',
    "slow": "timeout 200ms",
    "flaky": "timeout 2s  retries 2",
    "missing": "timeout 2s  retries 2",
    "capped": "timeout 2s  capping 2 per 1h",
}


def _journey(mode: str, base: str) -> str:
    return f"""\
event {mode}Ping {{
  namespace email
  key @event{{{mode}Ping.email}}
  fields {{ email: string }}
}}
action {mode}Svc {{
  url "{base}/{mode}"  method POST  {SETTINGS[mode]}
  body {{ email: string }}
  response {{ code: string }}
}}
journey {mode}J {{
  reentrance always
  entry on event {mode}Ping
  call: action {mode}Svc {{ email: @event{{{mode}Ping.email}} }} on error -> oops
  check: condition {{
    good: @action{{call.code}} == "A1" -> yes
    else -> no
  }}
  yes: email {{ template: "yes", code: @action{{call.code}} }} -> done
  no: email {{ template: "no" }} -> done
  oops: email {{ template: "oops", status: @action{{call.jo_status_code}} }}
  done: end
}}
"""


def _ping(minute: int, email: str, mode: str) -> dict[str, Any]:
    return {"at": f"+{minute}m" if minute else "+0s", "event": f"{mode}Ping",
            "payload": {"email": email}}


def _line(minute: int | str, journey: str, step: str, profile: str, action: str, status: str,
          params: dict[str, Any]) -> dict[str, Any]:
    at = minute if isinstance(minute, str) else f"+{minute}m" if minute else "+0s"
    return {"at": at, "journey": journey, "step": step,
            "profile": profile, "action": action, "status": status, "params": params}


EXPECTED_OUTBOX = [
    _line(0, "okJ", "call", "a@x.org", "okSvc", "sent", {"email": "a@x.org"}),
    _line(0, "okJ", "yes", "a@x.org", "email", "sent", {"template": "yes", "code": "A1"}),
    _line(1, "slowJ", "call", "a@x.org", "slowSvc", "failed", {"email": "a@x.org"}),
    _line(1, "slowJ", "oops", "a@x.org", "email", "sent",
          {"template": "oops", "status": "timedout"}),
    _line("+2m300ms", "flakyJ", "call", "a@x.org", "flakySvc", "sent", {}),
    _line("+2m300ms", "flakyJ", "yes", "a@x.org", "email", "sent", {"code": "A1"}),
    _line(3, "missingJ", "call", "a@x.org", "missingSvc", "failed", {}),
    _line(3, "missingJ", "oops", "a@x.org", "email", "sent", {"status": "http_404"}),
    _line(4, "cappedJ", "call", "a@x.org", "cappedSvc", "sent", {}),
    _line(4, "cappedJ", "yes", "a@x.org", "email", "sent", {}),
    _line(5, "cappedJ", "call", "b@x.org", "cappedSvc", "sent", {}),
    _line(5, "cappedJ", "yes", "b@x.org", "email", "sent", {}),
    _line(6, "cappedJ", "call", "c@x.org", "cappedSvc", "capped", {}),
    _line(6, "cappedJ", "oops", "c@x.org", "email", "sent", {"status": "capped"}),
]


OK_PATH = ["entered", "call", "check", "yes", "done"]
PATHS = {
    "a@x.org": {"okJ": OK_PATH, "slowJ": ["entered", "call:error:timedout", "oops", "done"],
                "flakyJ": ["entered", "call@+2m300ms", "check", "yes", "done"],
                "missingJ": ["entered", "call:error:http_404@+3m", "oops", "done"], "cappedJ": OK_PATH},
    "b@x.org": {"cappedJ": OK_PATH},
    "c@x.org": {"cappedJ": ["entered", "call:error:capped", "oops", "done"]},
}


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    owner = start_server()
    owner.script("/ok", Reply(200, {"code": "A1"}))
    owner.script("/slow", Reply(200, {"code": "A1"}, delay=1.0))
    owner.script("/flaky", Reply(503, {"error": "busy"}), Reply(502), Reply(200, {"code": "A1"}))
    owner.script("/missing", Reply(404, {"error": "no such coupon"}))
    owner.script("/capped", Reply(200, {"code": "A1"}))
    yield owner
    stop_server(owner)


def _scenario(tmp_path: Path, base: str) -> Path:
    workspace = {"ping.journey": "".join(_journey(m, base) for m in SETTINGS)}
    events = [_ping(0, "a@x.org", "ok"), _ping(1, "a@x.org", "slow"),
              _ping(2, "a@x.org", "flaky"), _ping(3, "a@x.org", "missing"),
              _ping(4, "a@x.org", "capped"), _ping(5, "b@x.org", "capped"),
              _ping(6, "c@x.org", "capped")]
    data = {"description": "custom actions against a local HTTP server",
            "workspace": workspace, "start": "2026-12-07T10:00:00Z",
            "profiles": [{"id": p} for p in ("a@x.org", "b@x.org", "c@x.org")],
            "events": events, "env": {"SVC_KEY": "s3cret"}, "until": "+1h",
            "expect": {"outbox": EXPECTED_OUTBOX, "paths": PATHS}}
    path = tmp_path / "http.scenario.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def result(tmp_path: Path, server: ScriptedServer) -> ScenarioResult:
    scenario = load_scenario(_scenario(tmp_path, server.base))
    return run_scenario(scenario, transport=HttpxTransport(), keep=tmp_path / "run")


def test_outbox_of_every_case(result: ScenarioResult) -> None:
    assert result.passed, "\n".join(result.mismatches)


def test_success_sends_body_secret_and_idempotency_key(result: ScenarioResult,
                                                       server: ScriptedServer) -> None:
    (hit,) = server.hits("/ok")
    assert hit.method == "POST"
    assert json.loads(hit.body) == {"email": "a@x.org"}
    assert hit.headers["X-Key"] == "s3cret"
    assert hit.headers["Content-Type"] == "application/json"
    assert hit.headers["Idempotency-Key"] == "okJ/1/a@x.org/1:call"


def test_timeout_is_one_attempt(result: ScenarioResult, server: ScriptedServer) -> None:
    assert len(server.hits("/slow")) == 1


def test_5xx_retried_with_the_same_key(result: ScenarioResult, server: ScriptedServer) -> None:
    hits = server.hits("/flaky")
    assert len(hits) == 3
    assert {h.headers["Idempotency-Key"] for h in hits} == {"flakyJ/1/a@x.org/1:call"}


def test_404_is_not_retried(result: ScenarioResult, server: ScriptedServer) -> None:
    assert len(server.hits("/missing")) == 1


def test_capping_makes_no_request(result: ScenarioResult, server: ScriptedServer) -> None:
    hits = server.hits("/capped")
    assert [json.loads(h.body)["email"] for h in hits] == ["a@x.org", "b@x.org"]


def test_retries_wait_in_simulated_time(result: ScenarioResult) -> None:
    assert result.outputs is not None
    flaky = [line for line in result.outputs.journal
             if line["journey"] == "flakyJ" and line["step"] == "call"]
    assert [line["outcome"] for line in flaky] == ["completed"]
    assert flaky[0]["time"] == "2026-12-07T10:02:00.300Z"     # after 100 ms + 200 ms
