"""Input lines (events, profiles) with dead letters, readers, and output line shapes."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import time
from pathlib import Path

import pytest

from jengine.core.instants import render_instant
from jengine.runtime.io import (
    DeadLetter,
    InputEvent,
    JournalLine,
    OutboxLine,
    SourceLine,
    parse_event_line,
    parse_profile_line,
    read_lines,
    read_profiles,
    tail_lines,
)
from jengine.runtime.records import Profile

T = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def _event(text: str, arrival: dt.datetime | None = None) -> InputEvent | DeadLetter:
    return parse_event_line(SourceLine(7, text), arrival)


def test_good_event() -> None:
    ev = _event('{"event": "OrderPlaced", "time": "2026-12-01T11:00:00+01:00", '
                '"payload": {"total": 9.5}}')
    assert isinstance(ev, InputEvent)
    assert (ev.line, ev.event, ev.payload) == (7, "OrderPlaced", {"total": 9.5})
    assert ev.time == T and ev.time.utcoffset() == dt.timedelta(hours=1)


def test_event_name_may_be_left_out() -> None:
    ev = _event('{"time": "2026-12-01T10:00Z", "payload": {}}')
    assert isinstance(ev, InputEvent) and ev.event is None


def test_live_mode_missing_time_is_the_arrival_time() -> None:
    ev = _event('{"event": "E", "payload": {}}', arrival=T)
    assert isinstance(ev, InputEvent) and ev.time == T


BAD_EVENTS = {
    "not json": "{nope",
    "truncated": '{"event": "E", "time": "2026-12-01T10:00Z", "payload": {',
    "NaN": '{"event": "E", "time": "2026-12-01T10:00Z", "payload": {"x": NaN}}',
    "array": '[1, 2]',
    "string": '"event"',
    "number": "42",
    "null": "null",
    "event not a string": '{"event": 3, "time": "2026-12-01T10:00Z", "payload": {}}',
    "event empty": '{"event": "", "time": "2026-12-01T10:00Z", "payload": {}}',
    "time missing (simulated)": '{"event": "E", "payload": {}}',
    "time not a string": '{"event": "E", "time": 1764583200, "payload": {}}',
    "time without offset": '{"event": "E", "time": "2026-12-01T10:00", "payload": {}}',
    "time invalid date": '{"event": "E", "time": "2026-02-30T10:00Z", "payload": {}}',
    "payload missing": '{"event": "E", "time": "2026-12-01T10:00Z"}',
    "payload not object": '{"event": "E", "time": "2026-12-01T10:00Z", "payload": [1]}',
    "payload null": '{"event": "E", "time": "2026-12-01T10:00Z", "payload": null}',
    "audience no profile": '{"event": "@audience", "time": "2026-12-01T10:00Z", '
                           '"payload": {"audience": "A", "status": "realized"}}',
    "audience bad status": '{"event": "@audience", "time": "2026-12-01T10:00Z", '
                           '"payload": {"profile": "p", "audience": "A", "status": "existing"}}',
    "audience name not string": '{"event": "@audience", "time": "2026-12-01T10:00Z", '
                                '"payload": {"profile": "p", "audience": 1, "status": "exited"}}',
    "reaction bad kind": '{"event": "@reaction", "time": "2026-12-01T10:00Z", "payload": '
                         '{"journey": "j", "version": 1, "profile": "p", "step": "s", '
                         '"kind": "bounced"}}',
    "reaction version bool": '{"event": "@reaction", "time": "2026-12-01T10:00Z", "payload": '
                             '{"journey": "j", "version": true, "profile": "p", "step": "s", '
                             '"kind": "opened"}}',
    "reaction no step": '{"event": "@reaction", "time": "2026-12-01T10:00Z", "payload": '
                        '{"journey": "j", "version": 1, "profile": "p", "kind": "opened"}}',
}


@pytest.mark.parametrize("text", BAD_EVENTS.values(), ids=BAD_EVENTS.keys())
def test_bad_event_lines_are_bad_input_dead_letters(text: str) -> None:
    dl = _event(text)
    assert isinstance(dl, DeadLetter)
    assert (dl.line, dl.reason, dl.input) == (7, "bad_input", text)
    assert dl.message
    assert list(dl.to_json()) == ["line", "reason", "code", "message", "detail", "input"]
    assert dl.to_json()["code"] == "bad_input"


def test_valid_builtin_events() -> None:
    audience = _event('{"event": "@audience", "time": "2026-12-01T10:00Z", '
                      '"payload": {"profile": "p", "audience": "A", "status": "exited"}}')
    reaction = _event('{"event": "@reaction", "time": "2026-12-01T10:00Z", "payload": '
                      '{"journey": "j", "version": 2, "profile": "p", "step": "s", '
                      '"kind": "clicked"}}')
    assert isinstance(audience, InputEvent) and isinstance(reaction, InputEvent)


def test_invalid_utf8_line_is_a_dead_letter(tmp_path: Path) -> None:
    (tmp_path / "e.jsonl").write_bytes(b'{"event": "E"}\n{"x": "\xff"}\n')
    with open(tmp_path / "e.jsonl", "rb") as f:
        lines = list(read_lines(f))
    dl = parse_event_line(lines[1])
    assert isinstance(dl, DeadLetter) and dl.line == 2 and "UTF-8" in dl.message
    assert dl.input == '{"x": "\ufffd"}'


def test_read_lines_numbers_skips_blanks_and_resumes() -> None:
    data = b'a\n\n  \r\nb\r\nc'
    lines = list(read_lines(io.BytesIO(data)))
    assert [(sl.number, sl.text) for sl in lines] == [(1, "a"), (4, "b"), (5, "c")]
    assert lines[1].end == len(b'a\n\n  \r\nb\r\n')
    resumed = list(read_lines(io.BytesIO(data), lines[0].number, lines[0].end))
    assert [(sl.number, sl.text) for sl in resumed] == [(4, "b"), (5, "c")]


class _Unseekable(io.BytesIO):
    def seekable(self) -> bool:
        return False


def test_read_lines_resumes_an_unseekable_stream_by_line_count() -> None:
    resumed = list(read_lines(_Unseekable(b"a\nb\nc\n"), 2, 4))
    assert [(sl.number, sl.text) for sl in resumed] == [(3, "c")]


def test_tail_lines_waits_for_complete_lines(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    path.write_bytes(b'{"n": 1}\n{"n"')
    done = threading.Event()

    def writer() -> None:
        time.sleep(0.1)
        with open(path, "ab") as f:
            f.write(b': 2}\n')
            f.flush()
            time.sleep(0.1)
            f.write(b'{"n": 3}\n')
        time.sleep(0.1)
        done.set()

    threading.Thread(target=writer).start()
    seen = [(sl.number, json.loads(sl.text)["n"])
            for sl in tail_lines(path, poll=0.01, stop=done.is_set)]
    assert seen == [(1, 1), (2, 2), (3, 3)]


def test_tail_lines_resumes_from_an_offset(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    path.write_bytes(b'a\nb\n')
    seen = list(tail_lines(path, 1, 2, stop=lambda: True))
    assert [(sl.number, sl.text, sl.end) for sl in seen] == [(2, "b", 4)]


# -- profiles ----------------------------------------------------------------------------------


def test_profile_line_full_and_minimal() -> None:
    full = parse_profile_line(SourceLine(1, json.dumps({
        "id": "alice@example.com", "namespace": "email", "timeZone": "Europe/Paris",
        "testProfile": True, "attributes": {"FG": {"a": 1}}, "audiences": {"N": "existing"},
        "events": [{"_id": "1"}]})))
    assert full == Profile("alice@example.com", "email", "Europe/Paris", True, {"FG": {"a": 1}},
                           {"N": "existing"}, [{"_id": "1"}])
    assert parse_profile_line(SourceLine(1, '{"id": "bob"}')) == Profile("bob")


BAD_PROFILES = {
    "not json": "{",
    "not object": "[]",
    "no id": '{"namespace": "email"}',
    "id not string": '{"id": 5}',
    "namespace not string": '{"id": "a", "namespace": 1}',
    "testProfile not bool": '{"id": "a", "testProfile": "yes"}',
    "attributes not object": '{"id": "a", "attributes": []}',
    "field group not object": '{"id": "a", "attributes": {"FG": 1}}',
    "audience status": '{"id": "a", "audiences": {"N": "member"}}',
    "events not list": '{"id": "a", "events": {}}',
    "event not object": '{"id": "a", "events": [1]}',
}


@pytest.mark.parametrize("text", BAD_PROFILES.values(), ids=BAD_PROFILES.keys())
def test_bad_profile_lines(text: str) -> None:
    dl = parse_profile_line(SourceLine(3, text))
    assert isinstance(dl, DeadLetter) and (dl.line, dl.reason, dl.input) == (3, "bad_input", text)


def test_read_profiles_file(tmp_path: Path) -> None:
    (tmp_path / "p.jsonl").write_text('{"id": "a"}\nnope\n{"id": "b"}\n')
    items = list(read_profiles(tmp_path / "p.jsonl"))
    assert [type(i).__name__ for i in items] == ["Profile", "DeadLetter", "Profile"]
    assert isinstance(items[1], DeadLetter) and items[1].line == 2


# -- outputs -----------------------------------------------------------------------------------


def test_outbox_line_field_order() -> None:
    line = OutboxLine(T, "j", 1, "p", "mail", "email", {"at": {"dateTime": "2026-12-01T10:00Z"}},
                      "sent")
    assert json.dumps(line.to_json()) == (
        '{"time": "2026-12-01T10:00Z", "journey": "j", "version": 1, "profile": "p", '
        '"step": "mail", "action": "email", "params": {"at": {"dateTime": "2026-12-01T10:00Z"}}, '
        '"status": "sent"}')


def test_journal_line_shapes() -> None:
    plain = JournalLine(T, "j", 1, "p", "mail", "completed", "wait1").to_json()
    assert list(plain) == ["time", "journey", "version", "profile", "step", "outcome", "next"]
    discard = JournalLine(T, "j", None, "p", None, "discarded", reason="no_interest",
                          event_time=T - dt.timedelta(seconds=90)).to_json()
    assert discard == {"time": "2026-12-01T10:00Z", "journey": "j", "version": None,
                       "profile": "p", "step": None, "outcome": "discarded", "next": None,
                       "reason": "no_interest", "late": True, "eventTime": "2026-12-01T09:58:30Z"}


def test_render_instant_is_utc_text() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    assert render_instant(dt.datetime(2026, 12, 1, 11, 0, 0, 500000, tzinfo=paris)) == \
        "2026-12-01T10:00:00.500Z"


# -- lines over the bound ----------------------------------------------------------------------


@pytest.fixture
def small_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 16-byte line bound (the real one is 5 MiB), keeping 8 bytes of a longer line."""
    import jengine.runtime.io as jio

    monkeypatch.setattr(jio, "MAX_LINE_BYTES", 16)
    monkeypatch.setattr(jio, "KEPT_BYTES", 8)


OVER = b'{"event": "' + b"x" * 40 + b'"}'       # 53 bytes


@pytest.mark.usefixtures("small_bound")
def test_a_line_over_the_bound_is_cut_and_the_next_lines_go_on() -> None:
    data = b'{"a": 1}\n' + OVER + b'\r\n' + b'0123456789abcdef\r\n' + b'{"b": 2}'
    lines = list(read_lines(io.BytesIO(data)))
    assert [(sl.number, sl.oversize) for sl in lines] == [(1, 0), (2, len(OVER) + 1), (3, 0),
                                                          (4, 0)]
    assert lines[1].text == '{"event"' and lines[1].end == 9 + len(OVER) + 2
    assert lines[2].text == "0123456789abcdef"          # exactly the bound (CRLF) is taken
    assert [sl.end for sl in lines][-1] == len(data)
    resumed = list(read_lines(io.BytesIO(data), lines[1].number, lines[1].end))
    assert [sl.number for sl in resumed] == [3, 4]


@pytest.mark.usefixtures("small_bound")
def test_a_line_over_the_bound_is_a_coded_dead_letter_with_its_size() -> None:
    line = next(read_lines(io.BytesIO(OVER + b"\n")))
    letter = parse_event_line(line)
    assert isinstance(letter, DeadLetter) and letter.reason == "bad_input"
    assert letter.detail == {"limit": "line_bytes", "bytes": len(OVER)}
    assert "over the limit of 16" in letter.message and letter.input == '{"event"'
    profile = parse_profile_line(line)
    assert isinstance(profile, DeadLetter) and profile.detail == letter.detail


@pytest.mark.usefixtures("small_bound")
def test_tail_lines_does_not_hold_a_line_over_the_bound(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    path.write_bytes(OVER[:30])                           # no line break yet
    done = threading.Event()

    def writer() -> None:
        time.sleep(0.1)
        with open(path, "ab") as f:
            f.write(OVER[30:] + b"\n" + b'{"n": 3}\n')
        time.sleep(0.1)
        done.set()

    threading.Thread(target=writer).start()
    seen = list(tail_lines(path, poll=0.01, stop=done.is_set))
    assert [(sl.number, sl.text, sl.oversize) for sl in seen] == [
        (1, '{"event"', len(OVER)), (2, '{"n": 3}', 0)]
    assert seen[-1].end == len(OVER) + 1 + 9
