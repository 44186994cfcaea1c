"""A Hypothesis fuzz of event lines and profile lines against ``jengine run`` (issue 16).

Each example is a stream mixing good ``Signup`` lines (each for a new profile) with bad ones:
arbitrary text, bytes that are not UTF-8, JSON that is not an object, objects with an
ill-typed ``time`` or ``payload``, the poison values of ``test_poison_lines.py`` and declared
fields of the wrong type; and a profiles file mixing good and bad lines the same way. The run
(the CLI, in process) must never end in a traceback or an internal error, never hang (the
test's timeout), and lose nothing: every good line enters its profile, every bad line is one
dead letter with a reason and a message, every bad profile line one warning.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from hostile_run import event, outputs, workspace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jengine.cli import main

POISON = ["1e999", "9" * 4400, "9223372036854775808", '"\\ud800"', "[" * 5000 + "]" * 5000]
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
    max_leaves=8)
_no_newline = st.text(max_size=40).filter(lambda t: "\n" not in t and "\r" not in t
                                          and t.strip() != "")


def _not_an_object(value: object) -> bytes:
    return json.dumps(value).encode()


def _poisoned(i: int, k: int) -> bytes:
    return event(f"bad{i}@example.com").replace(
        '"n": 1', f'"n": 1, "x": {POISON[k]}').encode()


def _bad_time(i: int, text: str) -> bytes:
    return json.dumps({"event": "Signup", "time": text, "payload": {
        "email": f"bad{i}@example.com", "plan": "pro", "n": 1}}).encode()


def _bad_payload(value: object) -> bytes:
    return json.dumps({"event": "Signup", "time": "2026-12-01T10:00:00Z",
                       "payload": value}).encode()


def _wrong_type(i: int, value: object) -> bytes:
    return json.dumps({"event": "Signup", "time": "2026-12-01T10:00:00Z", "payload": {
        "email": f"bad{i}@example.com", "plan": "pro", "n": value}}).encode()


def _bad_line(i: int) -> st.SearchStrategy[bytes]:
    return st.one_of(
        _no_newline.filter(lambda t: not t.lstrip().startswith("{")).map(str.encode),
        st.binary(min_size=1, max_size=20).filter(_not_utf8),
        _json.filter(lambda v: not isinstance(v, dict)).map(_not_an_object),
        st.integers(0, len(POISON) - 1).map(lambda k: _poisoned(i, k)),
        st.sampled_from(["", "yesterday", "2026-13-01T00:00:00Z", "2026-12-01"]).map(
            lambda t: _bad_time(i, t)),
        _json.filter(lambda v: not isinstance(v, dict)).map(_bad_payload),
        st.sampled_from(["one", 1.5, True, [1], {"a": 1}]).map(lambda v: _wrong_type(i, v)),
    )


def _not_utf8(data: bytes) -> bool:
    if b"\n" in data or b"\r" in data or not data.strip():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@st.composite
def streams(draw: st.DrawFn) -> list[tuple[bool, bytes]]:
    kinds = draw(st.lists(st.booleans(), min_size=1, max_size=12))
    lines = []
    for i, good in enumerate(kinds):
        if good:
            day = draw(st.integers(1, 9))
            lines.append((True, event(f"good{i}@example.com",
                                      time=f"2026-12-0{day}T10:00:00Z").encode()))
        else:
            lines.append((False, draw(_bad_line(i))))
    return lines


@st.composite
def profile_files(draw: st.DrawFn) -> list[tuple[bool, bytes]]:
    kinds = draw(st.lists(st.booleans(), max_size=6))
    lines = []
    for i, good in enumerate(kinds):
        if good:
            lines.append((True, json.dumps({"id": f"good{i}@example.com",
                                            "attributes": {"G": {"v": i}}}).encode()))
        else:
            lines.append((False, draw(st.one_of(
                _no_newline.filter(lambda t: not t.lstrip().startswith("{")).map(str.encode),
                st.integers(0, len(POISON) - 1).map(
                    lambda k: f'{{"id": "p", "attributes": {{"G": {{"v": {POISON[k]}}}}}}}'
                    .encode()),
                st.sampled_from([{"id": 1}, {"id": ""}, {"id": "x", "attributes": []},
                                 {"id": "x", "testProfile": "yes"}]).map(
                    lambda v: json.dumps(v).encode())))))
    return lines


@pytest.mark.timeout(600)
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(streams(), profile_files())
def test_nothing_lost_never_a_traceback(lines: list[tuple[bool, bytes]],
                                        profiles: list[tuple[bool, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "events.jsonl").write_bytes(b"".join(line + b"\n" for _, line in lines))
        (tmp / "profiles.jsonl").write_bytes(b"".join(line + b"\n" for _, line in profiles))
        out, err = io.StringIO(), io.StringIO()
        status = main(["run", str(workspace(tmp)), "--events", str(tmp / "events.jsonl"),
                       "--profiles", str(tmp / "profiles.jsonl"), "--state",
                       str(tmp / "state.db"), "--outbox", str(tmp / "outbox.jsonl"),
                       "--journal", str(tmp / "journal.jsonl"), "--dead-letters",
                       str(tmp / "deadletters.jsonl"), "--no-progress", "--json"], out, err)
        text = err.getvalue()
        assert "internal error" not in text and "Traceback" not in text, text
        bad = [n for n, (good, _) in enumerate(lines, 1) if not good]
        assert status == (4 if bad else 0), text
        summary = json.loads(out.getvalue())
        assert summary["events"] == len(lines)
        dead = outputs(tmp, "deadletters.jsonl")
        assert [d["line"] for d in dead] == bad
        assert all(d["reason"] and d["message"] for d in dead)
        entered = {j["profile"] for j in outputs(tmp, "journal.jsonl")
                   if j["outcome"] == "entered"}
        wanted = {f"good{n - 1}@example.com" for n, (good, _) in enumerate(lines, 1) if good}
        assert entered == wanted
        warned = [n for n, (good, _) in enumerate(profiles, 1) if not good]
        assert [int(w.split(":")[1]) for w in text.splitlines()
                if "warning bad_input" in w] == warned
