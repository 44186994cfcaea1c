"""Plain data that goes in and out of the state store (no behaviour, JSON-friendly fields).

Every instant is an aware :class:`datetime.datetime`; JSON-valued fields (instance state, timer
payloads, profile attributes, effect data) must hold plain JSON data — encode jexpr runtime
values with ``jexpr.to_json`` first. The store never pickles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final, Literal

from jengine.core.state import Json
from jengine.runtime.migrations import STATE_FORMAT_VERSION

__all__ = [
    "DEADLETTER", "JOURNAL", "OUTBOX", "STREAMS", "Counter", "Effect", "InputOffset",
    "InstanceRecord", "Json", "OutputRow", "Profile", "Reentrance", "Stream", "Timer",
    "TimerKind", "VersionRecord",
]

Stream = Literal["outbox", "journal", "deadletter"]
OUTBOX: Final = "outbox"
JOURNAL: Final = "journal"
DEADLETTER: Final = "deadletter"
STREAMS: Final[tuple[Stream, ...]] = (OUTBOX, JOURNAL, DEADLETTER)


class TimerKind(IntEnum):
    """The ``kind`` of the processing order (time, kind, seq) of §4.4."""

    DEADLINE = 0  # instance timeout, window end
    TIMER = 1  # wait / after / until, retries, throttle delays, read-audience schedules
    EVENT = 2  # input events (never stored as timers; here for ordering keys)


@dataclass(frozen=True)
class VersionRecord:
    """One stored version of a journey (§4.5)."""

    journey: str
    version: int
    source: str
    hash: str
    is_open: bool = False


@dataclass(frozen=True)
class InstanceRecord:
    """A journey instance: its identity columns plus the core's state as a JSON dict."""

    uid: str
    journey: str
    version: int
    profile: str
    active: bool
    state: Json
    format_version: int = STATE_FORMAT_VERSION


@dataclass(frozen=True)
class Timer:
    """A scheduled wake-up; ``seq`` (its key in the store) comes from a durable counter."""

    due: dt.datetime
    kind: TimerKind
    seq: int
    instance: str | None
    payload: Json


@dataclass(frozen=True)
class Reentrance:
    """Re-entrance memory of a profile in a journey, across versions (§4.2)."""

    journey: str
    profile: str
    instances: int = 0
    last_entry: dt.datetime | None = None
    last_end: dt.datetime | None = None


@dataclass(frozen=True)
class Counter:
    """A per-version counter: ``kind`` is ``cap`` or ``report``; ``name`` e.g. an outcome."""

    kind: str
    journey: str
    version: int
    step: str
    name: str
    value: int


@dataclass(frozen=True)
class Profile:
    """A profile of the profile store (§5.2)."""

    id: str
    namespace: str | None = None
    time_zone: str | None = None
    test: bool = False
    attributes: Json = field(default_factory=dict)
    audiences: dict[str, str] = field(default_factory=dict)
    events: list[Json] = field(default_factory=list)


@dataclass(frozen=True)
class Effect:
    """A recorded effect, keyed by (instance UID, step, attempt) (§4.6)."""

    instance: str
    step: str
    attempt: int
    kind: str
    data: Json


@dataclass(frozen=True)
class InputOffset:
    """How far an input source has been consumed: lines and bytes, both committed."""

    source: str
    line: int = 0
    byte: int = 0


@dataclass(frozen=True)
class OutputRow:
    """One committed output line (without its newline), in commit order."""

    seq: int
    stream: Stream
    line: str
