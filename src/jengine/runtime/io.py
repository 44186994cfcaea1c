"""Reading the JSON Lines inputs and shaping the JSON Lines outputs (journey spec §5).

Inputs are read as bytes, line by line, each tagged with its 1-based line number and the byte
offset just past it (:class:`SourceLine`), so a driver can commit "how far" with the state and
resume exactly there (:class:`~jengine.runtime.records.InputOffset`). Three sources: a file, standard
input, and a file being appended to (:func:`tail_lines`, live mode: only complete lines are
taken; a partial last line waits for its newline).

:func:`parse_event_line` and :func:`parse_profile_line` turn a line into an
:class:`InputEvent` / :class:`~jengine.runtime.records.Profile`, or a :class:`DeadLetter` with reason
``bad_input`` (§5.3): not UTF-8, not JSON, not an object, a missing or ill-typed ``time`` or
``payload``, an ill-typed ``event``, an invalid ``@audience`` / ``@reaction`` payload, or a
line longer than :data:`MAX_LINE_BYTES` (read in bounded pieces: memory never holds more of it
than the bound; the dead letter keeps its first :data:`KEPT_BYTES` bytes, its size and its line
number, and the input file keeps the rest). An
absent ``event`` is allowed (qualification by ``where``, §4.3). Whitespace-only lines are skipped
(their numbers still count). The other dead-letter reasons (``unknown_event``, ``where_error``,
``key_error``) are decided by the core, which builds :class:`DeadLetter` itself.

Outputs: :class:`OutboxLine`, :class:`JournalLine` and :class:`DeadLetter` give the exact field
order of §5.3 through ``to_json()``; the store serialises them (compact JSON, UTF-8).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from jengine.core.instants import render_instant
from jengine.runtime.records import Json, Profile
from jengine.runtime.safejson import UnsafeJson, load_json
from jexpr.runtime.temporal import parse_offset_datetime

__all__ = [
    "AUDIENCE", "BAD_INPUT", "CONSENT", "REACTION", "DeadLetter", "InputEvent", "JournalLine",
    "OutboxLine", "SourceLine", "key_letter", "open_input", "parse_event_line",
    "parse_profile_line", "read_lines", "read_profiles", "tail_lines", "unqualified_letter",
]

BAD_INPUT: Final = "bad_input"
AUDIENCE: Final = "@audience"
REACTION: Final = "@reaction"
AUDIENCE_STATUSES: Final = frozenset({"realized", "exited"})
PROFILE_AUDIENCE_STATUSES: Final = frozenset({"realized", "existing", "exited"})
REACTION_KINDS: Final = frozenset({"delivered", "opened", "clicked", "failed"})
CONSENT: Final = "@consent"
CONSENT_CHANNELS: Final = frozenset({"email", "sms", "push"})
#: The longest input line taken (bytes, line break excluded): the service's largest request
#: body; AEP takes records of at most 1 MB (docs/security.md, "Input lines").
MAX_LINE_BYTES: Final = 5 * 1024 * 1024
#: How much of a longer line its dead letter keeps.
KEPT_BYTES: Final = 1024


class BadInput(ValueError):
    """Why a line is a ``bad_input`` dead letter (the message, and its detail)."""

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.detail: Json = detail


# ---------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class SourceLine:
    """One input line: 1-based ``number``, text without its line break, byte offset past it;
    ``arrival``: when the line arrived (µs), for a source that records it (the inbox)."""

    number: int
    text: str
    end: int = 0
    bad_utf8: bool = False
    arrival: int | None = None
    oversize: int = 0          # a line over MAX_LINE_BYTES: its size (``text`` is its start)


@dataclass(frozen=True)
class InputEvent:
    """A well-formed input event (§5.1). ``time`` is the event's own time (or arrival time)."""

    line: int
    event: str | None
    time: dt.datetime
    payload: Json
    text: str


@dataclass(frozen=True)
class DeadLetter:
    """A dead-letter line (§5.3): ``reason`` is also its ``code`` (issue 15: every dead letter
    carries ``code``, ``message`` and ``detail`` — the field, the rule or the JSON column)."""

    line: int
    reason: str
    message: str
    input: str
    detail: Json | None = None

    def to_json(self) -> Json:
        return {"line": self.line, "reason": self.reason, "code": self.reason,
                "message": self.message, "detail": self.detail or {}, "input": self.input}


def unqualified_letter(ev: InputEvent, reason: str) -> DeadLetter:
    """The dead letter of an event no declaration takes (``unknown_event``) or whose ``where``
    rule failed (``where_error``)."""
    if reason == "unknown_event":
        return DeadLetter(ev.line, reason, f"no event declaration named '{ev.event}'", ev.text,
                          {"event": ev.event})
    return DeadLetter(ev.line, reason, "a where rule failed to evaluate", ev.text,
                      {"event": ev.event, "rule": "where"})


def key_letter(ev: InputEvent, name: str) -> DeadLetter:
    """The dead letter of an event whose key (of declaration ``name``) is null or failed."""
    return DeadLetter(ev.line, "key_error", f"the key of {name} is null or failed", ev.text,
                      {"event": name, "rule": "key"})


@dataclass(frozen=True)
class OutboxLine:
    """An outbox line (§5.3); ``params`` already in the tagged JSON of X§17."""

    time: dt.datetime
    journey: str
    version: int
    profile: str
    step: str
    action: str
    params: Json
    status: str

    def to_json(self) -> Json:
        return {"time": render_instant(self.time), "journey": self.journey,
                "version": self.version, "profile": self.profile, "step": self.step,
                "action": self.action, "params": self.params, "status": self.status}


@dataclass(frozen=True)
class JournalLine:
    """A journal line (§5.3): ``reason`` only when given, ``late``/``eventTime`` when late."""

    time: dt.datetime
    journey: str | None
    version: int | None
    profile: str | None
    step: str | None
    outcome: str
    next: str | None = None
    reason: str | None = None
    event_time: dt.datetime | None = None

    def to_json(self) -> Json:
        obj: Json = {"time": render_instant(self.time), "journey": self.journey,
                     "version": self.version, "profile": self.profile, "step": self.step,
                     "outcome": self.outcome, "next": self.next}
        if self.reason is not None:
            obj["reason"] = self.reason
        if self.event_time is not None:
            obj["late"] = True
            obj["eventTime"] = render_instant(self.event_time)
        return obj


# ---------------------------------------------------------------------------------------------
# Parsing


def _load_object(line: SourceLine) -> Json:
    if line.oversize:
        raise BadInput(f"line of {line.oversize} bytes, over the limit of {MAX_LINE_BYTES} "
                       f"(the dead letter keeps its first {KEPT_BYTES} bytes)",
                       limit="line_bytes", bytes=line.oversize)
    if line.bad_utf8:
        raise BadInput("not valid UTF-8", encoding="utf-8")
    try:
        obj = load_json(line.text)
    except json.JSONDecodeError as e:
        raise BadInput(f"not valid JSON: {e.msg} (column {e.colno})", column=e.colno) from None
    except UnsafeJson as e:
        raise BadInput(str(e), limit=str(e).split(":")[0]) from None
    if not isinstance(obj, dict):
        raise BadInput(f"not a JSON object: {type(obj).__name__}", type=type(obj).__name__)
    return obj


def _event_time(obj: Json, arrival: dt.datetime | None) -> dt.datetime:
    if "time" not in obj:
        if arrival is None:
            raise BadInput("`time` is missing (required in simulated mode)", field="time")
        return arrival
    text = obj["time"]
    parsed = parse_offset_datetime(text) if isinstance(text, str) else None
    if parsed is None:
        raise BadInput(f"`time` is not an offset date-time: {json.dumps(text)}", field="time")
    return parsed


def _event_name(obj: Json) -> str | None:
    name = obj.get("event")
    if name is not None and (not isinstance(name, str) or not name):
        raise BadInput(f"`event` is not a non-empty string: {json.dumps(name)}", field="event")
    return name


def _require(payload: Json, key: str, ok: Callable[[Any], bool], what: str,
             event: str) -> None:
    if not ok(payload.get(key)):
        raise BadInput(f"{event} payload: `{key}` must be {what}", field=f"payload.{key}")


def _nonempty_str(v: Any) -> bool:
    return isinstance(v, str) and v != ""


def _check_builtin(name: str | None, payload: Json) -> None:
    if name == AUDIENCE:
        _require(payload, "profile", _nonempty_str, "a non-empty string", name)
        _require(payload, "audience", _nonempty_str, "a non-empty string", name)
        _require(payload, "status", lambda v: v in AUDIENCE_STATUSES,
                 '"realized" or "exited"', name)
    elif name == REACTION:
        for key in ("journey", "profile", "step"):
            _require(payload, key, _nonempty_str, "a non-empty string", name)
        _require(payload, "version", lambda v: type(v) is int, "an integer", name)
        _require(payload, "kind", lambda v: v in REACTION_KINDS,
                 "delivered, opened, clicked or failed", name)
    elif name == CONSENT:
        _require(payload, "profile", _nonempty_str, "a non-empty string", name)
        _require(payload, "channel", lambda v: v in CONSENT_CHANNELS, "email, sms or push",
                 name)
        _require(payload, "choice", lambda v: v in ("y", "n"), '"y" or "n"', name)


def parse_event_line(line: SourceLine,
                     arrival: dt.datetime | None = None) -> InputEvent | DeadLetter:
    """An input event, or a ``bad_input`` dead letter. ``arrival`` (live mode) stands in
    for a missing ``time``; without it (simulated mode) ``time`` is required."""
    try:
        obj = _load_object(line)
        name = _event_name(obj)
        when = _event_time(obj, arrival)
        payload = obj.get("payload")
        if not isinstance(payload, dict):
            raise BadInput("`payload` is missing or not an object", field="payload")
        _check_builtin(name, payload)
    except BadInput as e:
        return DeadLetter(line.number, BAD_INPUT, str(e), line.text, e.detail)
    return InputEvent(line.number, name, when, payload, line.text)


def _optional(obj: Json, key: str, ok: Callable[[Any], bool], what: str) -> None:
    if key in obj and obj[key] is not None and not ok(obj[key]):
        raise BadInput(f"profile `{key}` must be {what}", field=key)


def _check_profile(obj: Json) -> None:
    if not _nonempty_str(obj.get("id")):
        raise BadInput("profile `id` is missing or not a non-empty string", field="id")
    _optional(obj, "namespace", lambda v: isinstance(v, str), "a string")
    _optional(obj, "timeZone", lambda v: isinstance(v, str), "a string")
    _optional(obj, "testProfile", lambda v: isinstance(v, bool), "a boolean")
    _optional(obj, "attributes", lambda v: isinstance(v, dict)
              and all(isinstance(x, dict) for x in v.values()),
              "an object of field-group objects")
    _optional(obj, "audiences", lambda v: isinstance(v, dict)
              and all(x in PROFILE_AUDIENCE_STATUSES for x in v.values()),
              'an object of "realized" / "existing" / "exited"')
    _optional(obj, "events", lambda v: isinstance(v, list)
              and all(isinstance(x, dict) for x in v), "a list of objects")


def parse_profile_line(line: SourceLine) -> Profile | DeadLetter:
    """A profile line (§5.2), or a ``bad_input`` dead letter."""
    try:
        obj = _load_object(line)
        _check_profile(obj)
    except BadInput as e:
        return DeadLetter(line.number, BAD_INPUT, str(e), line.text, e.detail)
    return Profile(id=obj["id"], namespace=obj.get("namespace"), time_zone=obj.get("timeZone"),
                   test=bool(obj.get("testProfile") or False),
                   attributes=obj.get("attributes") or {}, audiences=obj.get("audiences") or {},
                   events=obj.get("events") or [])


# ---------------------------------------------------------------------------------------------
# Reading


def _decode(raw: bytes, number: int, end: int) -> SourceLine:
    body = raw[:-1] if raw.endswith(b"\n") else raw
    body = body[:-1] if body.endswith(b"\r") else body
    try:
        return SourceLine(number, body.decode("utf-8"), end)
    except UnicodeDecodeError:
        return SourceLine(number, body.decode("utf-8", errors="replace"), end, bad_utf8=True)


def open_input(path: str | Path) -> IO[bytes]:
    """A binary stream for a path; ``-`` is standard input."""
    return sys.stdin.buffer if str(path) == "-" else open(path, "rb")


def _skip_to(stream: IO[bytes], line: int, byte: int) -> None:
    if stream.seekable():
        stream.seek(byte)
        return
    for _ in range(line):
        if not stream.readline():
            return


def _oversize(head: bytes, stream: IO[bytes], number: int, end: int) -> tuple[SourceLine, int]:
    """The rest of a line over the bound read and dropped in bounded pieces: the line (its
    first bytes, its size) and the offset past it."""
    size, raw = len(head), head
    while not raw.endswith(b"\n"):
        raw = stream.readline(MAX_LINE_BYTES)
        if not raw:
            break
        size += len(raw)
    end += size
    kept = head[:KEPT_BYTES].decode("utf-8", errors="replace")
    return SourceLine(number, kept, end, oversize=size - raw.endswith(b"\n")), end


def read_lines(stream: IO[bytes], start_line: int = 0,
               start_byte: int = 0) -> Iterator[SourceLine]:
    """The non-blank lines of a stream after ``start_line`` lines / ``start_byte`` bytes
    (a seekable stream seeks to the byte; another skips lines). A line over
    :data:`MAX_LINE_BYTES` comes as its start with ``oversize`` set."""
    _skip_to(stream, start_line, start_byte)
    number, end = start_line, start_byte
    while raw := stream.readline(MAX_LINE_BYTES + 2):
        number += 1
        if len(raw) > MAX_LINE_BYTES and len(raw.rstrip(b"\r\n")) > MAX_LINE_BYTES:
            line, end = _oversize(raw, stream, number, end)
            yield line
            continue
        end += len(raw)
        if raw.strip():
            yield _decode(raw, number, end)


def tail_lines(path: str | Path, start_line: int = 0, start_byte: int = 0, *,
               poll: float = 0.05, stop: Callable[[], bool] = lambda: False,
               sleep: Callable[[float], None] = time.sleep) -> Iterator[SourceLine]:
    """Follow a file being appended to (live mode): yield each complete non-blank line, and
    wait ``poll`` seconds when there is none, until ``stop()`` is true. A line over
    :data:`MAX_LINE_BYTES` is not held: its start and its size come once it is complete."""
    number, end, pending, size = start_line, start_byte, b"", 0
    with open(path, "rb") as f:
        f.seek(start_byte)
        while True:
            chunk = f.readline(MAX_LINE_BYTES + 2)
            if not chunk:
                if stop():
                    return
                sleep(poll)
                continue
            if size:                              # the rest of a line over the bound
                size += len(chunk)
            else:
                pending += chunk
                if len(pending) > MAX_LINE_BYTES and \
                        len(pending.rstrip(b"\r\n")) > MAX_LINE_BYTES:
                    size, pending = len(pending), pending[:KEPT_BYTES]
            if not chunk.endswith(b"\n"):
                continue
            number += 1
            if size:
                end += size
                yield SourceLine(number, pending.decode("utf-8", errors="replace"), end,
                                 oversize=size - 1)
            else:
                end += len(pending)
                if pending.strip():
                    yield _decode(pending, number, end)
            pending, size = b"", 0


def read_profiles(path: str | Path) -> Iterator[Profile | DeadLetter]:
    """Every profile line of a profiles JSONL file, parsed (dead letters for bad lines)."""
    with open(path, "rb") as f:
        for line in read_lines(f):
            yield parse_profile_line(line)
