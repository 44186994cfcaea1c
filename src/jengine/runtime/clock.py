"""Clocks: the only source of "now" for the engine (journey spec §4.4, architecture rule 6).

The deterministic core never reads the wall clock; the driver hands it ``clock.now()``.
:class:`SystemClock` is the live-mode clock. :class:`SimulatedClock` is the simulated-mode clock:
it is set to the time of the input or timer being processed and never goes back, so an event
older than the clock is processed at the clock time (a *late* event).

Instants are aware :class:`datetime.datetime` values. The store keeps them as integer
microseconds since the Unix epoch (:func:`to_micros` / :func:`from_micros`), which sorts and
indexes exactly.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

__all__ = ["EPOCH", "Clock", "SimulatedClock", "SystemClock", "from_micros", "to_micros"]

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)


def to_micros(t: dt.datetime) -> int:
    """Microseconds since the epoch of an aware instant (``ValueError`` for a naive one)."""
    if t.utcoffset() is None:
        raise ValueError("an instant needs a UTC offset")
    return (t - EPOCH) // _MICRO


def from_micros(us: int) -> dt.datetime:
    """The UTC instant ``us`` microseconds after the epoch."""
    return EPOCH + dt.timedelta(microseconds=us)


class Clock(Protocol):
    """Where the engine gets the current instant."""

    def now(self) -> dt.datetime:
        """The current instant (aware)."""
        ...


class SystemClock:
    """The wall clock, in UTC (live mode)."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class SimulatedClock:
    """A clock set by the driver to the time of each input or timer; it never goes back."""

    def __init__(self, start: dt.datetime = EPOCH) -> None:
        to_micros(start)  # reject naive instants early
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def advance_to(self, t: dt.datetime) -> dt.datetime:
        """Move to ``t`` unless that is in the past; return the clock time afterwards."""
        if to_micros(t) > to_micros(self._now):
            self._now = t
        return self._now

    def is_late(self, t: dt.datetime) -> bool:
        """Whether an input stamped ``t`` is earlier than the clock (a late event, §4.4)."""
        return to_micros(t) < to_micros(self._now)
