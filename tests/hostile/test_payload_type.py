"""A payload whose declared field has the wrong type is rejected on input (issue 15): reason
``payload_type``, naming the field, its declared type and the value; it used to pass
qualification and fail later at whichever step first read it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_run import outputs, run_lines, workspace

from jengine.runtime.runner import RunOptions, run

TYPED = """\
event Order {
  namespace email
  key @event{Order.email}
  fields {
    email: string
    total: decimal
    count: integer
    paid: boolean
    at: dateTime
    tags: list<string>
    lines: list<{ sku: string, qty: integer }>
    extra: map<integer>
  }
}

journey orders "Orders" {
  version 1
  entry on event Order
  thanks: email {
    template: "thanks"
    to: @event{Order.email}
  }
}
"""

GOOD = {"email": "a@example.com", "total": 10, "count": 2, "paid": True,
        "at": "2026-12-01T10:00:00Z", "tags": ["x"], "lines": [{"sku": "s", "qty": 1}],
        "extra": {"k": 1}, "undeclared": {"anything": [1, "x"]}}


def _line(n: int, **change: object) -> str:
    payload = {**GOOD, "email": f"p{n}@example.com", **change}
    return json.dumps({"event": "Order", "time": "2026-12-01T10:00:00Z", "payload": payload})


@pytest.mark.parametrize(("change", "where", "declared"), [
    ({"count": "two"}, "payload.count", "integer"),
    ({"count": 1.5}, "payload.count", "integer"),
    ({"total": "ten"}, "payload.total", "decimal"),
    ({"paid": "yes"}, "payload.paid", "boolean"),
    ({"at": "yesterday"}, "payload.at", "dateTime"),
    ({"tags": "x"}, "payload.tags", "listString"),
    ({"tags": [1]}, "payload.tags", "listString"),
    ({"lines": [{"sku": "s", "qty": "one"}]}, "payload.lines[0].qty", "integer"),
    ({"extra": {"k": "v"}}, "payload.extra.k", "integer"),
])
def test_wrong_type_is_a_dead_letter(tmp_path: Path, change: dict[str, object], where: str,
                                     declared: str) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "hello.journey").write_text(TYPED, encoding="utf-8")
    events = tmp_path / "events.jsonl"
    events.write_text(_line(1, **change) + "\n" + _line(2) + "\n"
                      + _line(3, count=None) + "\n", encoding="utf-8")
    result = run(RunOptions(workspace=tmp_path / "ws", events=events, state=tmp_path / "s.db",
                            outbox=tmp_path / "outbox.jsonl", journal=tmp_path / "journal.jsonl",
                            dead_letters=tmp_path / "deadletters.jsonl"))
    assert result.status == 0
    dead = outputs(tmp_path, "deadletters.jsonl")
    assert [(d["line"], d["reason"]) for d in dead] == [(1, "payload_type")]
    assert f"`{where}` is declared {declared} in event Order" in dead[0]["message"]
    assert len(outputs(tmp_path, "outbox.jsonl")) == 2   # the good line and the null


def test_hello_workspace_field_type(tmp_path: Path) -> None:
    workspace(tmp_path)
    line = json.dumps({"event": "Signup", "time": "2026-12-01T10:00:00Z",
                       "payload": {"email": "a@example.com", "plan": "pro", "n": "x"}})
    result = run_lines(tmp_path, [line])
    assert result.dead_letters == 1
    assert outputs(tmp_path, "deadletters.jsonl")[0]["reason"] == "payload_type"
