"""Errors with detail (issue 15): every error journal line and every dead letter carries
``code``, ``message`` and ``detail`` — the failing expression's text and span, the HTTP status
or network failure, the field, the rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hostile_run import JOURNEY, outputs, run_lines

FAILING = JOURNEY.replace('    to: @event{Signup.email}\n  }\n  pause',
                          '    to: @event{Signup.email}\n'
                          '    part: substr(@event{Signup.plan}, 5, 9)\n  }\n  pause')
HTTP = """\
action ping {
  url "http://127.0.0.1:9/ping"
  method POST
  timeout 1s
  retries 0
  body { email: string }
}
""" + JOURNEY.replace('''  greet: email {
    template: "hi"
    to: @event{Signup.email}
  }''', '''  greet: action ping {
    email: @event{Signup.email}
  }''')


def _run(tmp: Path, text: str, lines: list[str]) -> list[dict[str, object]]:
    result = run_lines(tmp, lines, journey=text)
    assert result.status == 0, result.messages
    return outputs(tmp, "journal.jsonl")


def _signup(email: str) -> str:
    return json.dumps({"event": "Signup", "time": "2026-12-01T10:00:00Z",
                       "payload": {"email": email, "plan": "pro", "n": 1}})


def test_expression_error_names_the_expression(tmp_path: Path) -> None:
    journal = _run(tmp_path, FAILING, [_signup("a@example.com")])
    (error,) = [j for j in journal if j["outcome"] == "error"]
    assert error["reason"] == error["code"] == "E-EVAL-RANGE"
    assert "out of range" in str(error["message"])
    detail = error["detail"]
    assert isinstance(detail, dict)
    assert detail["step"] == "greet"
    assert detail["text"] == "substr(@event{Signup.plan}, 5, 9)"
    span = detail["span"]
    assert isinstance(span, dict) and span["line"] == 17 and span["column"] == 11


def _action_error(tmp: Path, text: str) -> dict[str, object]:
    journal = _run(tmp, text, [_signup("a@example.com")])
    (error,) = [j for j in journal if j["outcome"] == "error"]
    detail = error["detail"]
    assert isinstance(detail, dict)
    assert detail["action"] == "ping" and detail["step"] == "greet"
    assert error["code"] == error["reason"] == detail["error"] == "internalError"
    assert error["message"]
    return detail


def test_network_error_names_the_action_and_the_failure(tmp_path: Path) -> None:
    detail = _action_error(tmp_path, HTTP)   # port 9 on loopback: nothing listens
    assert str(detail["failure"]).startswith("network error: ")


def test_missing_secret_is_told_apart_from_a_refused_connection(tmp_path: Path,
                                                                  monkeypatch: Any) -> None:
    monkeypatch.delenv("JENGINE_TEST_UNSET_KEY", raising=False)
    text = HTTP.replace('  timeout 1s\n', '  timeout 1s\n'
                        '  headers { "X-Key": secret("JENGINE_TEST_UNSET_KEY") }\n')
    detail = _action_error(tmp_path, text)
    failure = str(detail["failure"])
    assert failure.startswith("missing secret: ") and "JENGINE_TEST_UNSET_KEY" in failure


def test_dead_letters_carry_code_message_detail(tmp_path: Path) -> None:
    lines = ["not json", json.dumps({"event": "Nope", "time": "2026-12-01T10:00:00Z",
                                     "payload": {}}),
             json.dumps({"event": "Signup", "time": "2026-12-01T10:00:00Z",
                         "payload": {"email": "a@example.com", "plan": "pro", "n": "x"}})]
    run_lines(tmp_path, lines)
    dead = outputs(tmp_path, "deadletters.jsonl")
    assert [list(d) for d in dead] == [["line", "reason", "code", "message", "detail",
                                        "input"]] * 3
    assert [d["code"] for d in dead] == ["bad_input", "unknown_event", "payload_type"]
    assert dead[0]["detail"] == {"column": 1}
    assert dead[1]["detail"] == {"event": "Nope"}
    assert dead[2]["detail"] == {"field": "payload.n", "declared": "integer",
                                 "event": "Signup"}
