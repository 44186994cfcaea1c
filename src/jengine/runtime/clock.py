"""Clocks: the only source of "now" for the engine (journey spec §4.4, architecture rule 6).

The deterministic core never reads the wall clock; the driver hands it ``clock.now()``.
:class:`SystemClock` is the live-mode clock. :class:`SimulatedClock` is the simulated-mode clock:
it is set to the time of the input or timer being processed and never goes back, so an event
older than the clock is processed at the clock time (a *late* event).

Instants are aware :class:`datetime.datetime` values; their integer-microsecond form for the
store lives in :mod:`jengine.core.instants`.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from jengine.core.instants import EPOCH, to_micros

__all__ = ["Clock", "SimulatedClock", "SystemClock"]

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
