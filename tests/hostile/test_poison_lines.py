"""Poison input lines (issue 16, high): values the engine cannot carry to its outputs or its
SQLite store used to crash ``jengine run`` before the batch committed — and again on every
restart, on the same line. Each must be a ``bad_input`` dead letter with a reason while the
lines after it are processed; the same values in a profiles file are refused with a warning.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_run import event, options, outputs, peak_memory, run_lines

from jengine.runtime.runner import run
from jengine.runtime.safejson import MAX_DEPTH, UnsafeJson, load_json

DEEP = "[" * 100_000 + "]" * 100_000
POISON = {
    "huge float": ("1e999", "number out of range"),
    "long mantissa": ("1" * 400 + ".5", "number out of range"),
    "4,301+ digits": ("9" * 5000, "64-bit range"),
    "int64 overflow": ("9223372036854775808", "64-bit range"),
    "int64 underflow": ("-9223372036854775809", "64-bit range"),
    "lone surrogate": ('"\\ud800"', "lone surrogate"),
    "lone low surrogate": ('"a\\udc00b"', "lone surrogate"),
    "100,000 deep": (DEEP, f"deeper than {MAX_DEPTH}"),
}


def _poisoned(value: str) -> str:
    return event("x@example.com").replace('"n": 1', f'"n": 1, "extra": {value}')


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(POISON))
def test_poison_event_line_is_dead_lettered(tmp_path: Path, name: str) -> None:
    value, reason = POISON[name]
    with peak_memory(200_000_000):
        result = run_lines(tmp_path, [_poisoned(value), event("ok@example.com")])
    assert result.status == 0, result.messages
    dead = outputs(tmp_path, "deadletters.jsonl")
    assert [(d["line"], d["reason"]) for d in dead] == [(1, "bad_input")]
    assert reason in dead[0]["message"]
    sent = [o["params"] for o in outputs(tmp_path, "outbox.jsonl")]
    assert len(sent) == 1 and "ok@example.com" in json.dumps(sent)


@pytest.mark.timeout(60)
def test_reaction_version_beyond_int64(tmp_path: Path) -> None:
    reaction = json.dumps({"event": "@reaction", "time": "2026-12-01T11:00:00Z", "payload": {
        "journey": "hello", "profile": "ok@example.com", "step": "greet",
        "version": 2**63, "kind": "opened"}})
    result = run_lines(tmp_path, [event("ok@example.com"), reaction])
    assert result.status == 0, result.messages
    dead = outputs(tmp_path, "deadletters.jsonl")
    assert [(d["line"], d["reason"]) for d in dead] == [(2, "bad_input")]


@pytest.mark.timeout(60)
def test_restart_after_poison_goes_on(tmp_path: Path) -> None:
    """The poison line is committed as a dead letter: a second run does not see it again."""
    lines = [_poisoned("1e999"), event("a@example.com")]
    assert run_lines(tmp_path, lines).status == 0
    lines.append(event("b@example.com", time="2026-12-01T12:00:00Z"))
    again = run_lines(tmp_path, lines)
    assert again.status == 0 and again.dead_letters == 0 and again.events == 1


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(POISON))
def test_poison_profile_line_is_refused(tmp_path: Path, name: str) -> None:
    value, reason = POISON[name]
    good = {"id": "ok@example.com", "namespace": "email",
            "attributes": {"G": {"x": 1}}}
    bad = json.dumps(good).replace('"x": 1', f'"x": {value}')
    profiles = tmp_path / "profiles.jsonl"
    profiles.write_text(bad + "\n" + json.dumps(good) + "\n", encoding="utf-8")

    events = tmp_path / "events.jsonl"
    events.write_text(event("ok@example.com") + "\n", encoding="utf-8")
    opts = options(tmp_path, events, profiles=profiles)
    result = run(opts)
    assert result.status == 0, result.messages
    warning = opts.err.getvalue()  # type: ignore[union-attr]
    assert f"{profiles}:1: warning bad_input" in warning and reason in warning
    assert len(outputs(tmp_path, "outbox.jsonl")) == 1


def test_fast_path_values_unchanged() -> None:
    text = '{"a": [1, 2.5, -3e10, "\\u00e9\\ud83d\\ude00", 1234567890123456789, 1.5e308]}'
    assert load_json(text) == json.loads(text)
    with pytest.raises(UnsafeJson):
        load_json('{"a": NaN}')


@pytest.mark.timeout(120)
def test_a_64_mib_line_is_dead_lettered_without_being_held(tmp_path: Path) -> None:
    """A line far over the 5 MiB bound (a producer that never writes a line break) is read and
    dropped in bounded pieces: a dead letter with its size, and the next line processed."""
    head, tail = _poisoned('"HUGE"').split("HUGE")
    path = tmp_path / "events.jsonl"
    with path.open("w", encoding="utf-8") as f:
        f.write(head)
        for _ in range(64):
            f.write("a" * 1024 * 1024)
        f.write(tail + "\n" + event("ok@example.com") + "\n")
    with peak_memory(32_000_000):
        result = run(options(tmp_path, path))
    assert result.status == 0, result.messages
    dead = outputs(tmp_path, "deadletters.jsonl")
    assert [(d["line"], d["reason"], d["detail"]["limit"]) for d in dead] == \
        [(1, "bad_input", "line_bytes")]
    assert dead[0]["detail"]["bytes"] > 64 * 1024 * 1024 and len(dead[0]["input"]) == 1024
    assert len(outputs(tmp_path, "outbox.jsonl")) == 1
