"""Instants as the core and the store see them: UTC microseconds and X§11 text.

The store keeps instants as integer microseconds since the Unix epoch (:func:`to_micros` /
:func:`from_micros`), which sorts and indexes exactly; outputs render them as X§11 dateTime
text at offset ``Z`` (:func:`render_instant`, :func:`render_micros`). Pure functions: the core's
clock is an input.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from jexpr.runtime.render import render_offset_datetime

__all__ = ["EPOCH", "from_micros", "render_instant", "render_micros", "to_micros"]

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


def render_instant(t: dt.datetime) -> str:
    """An instant as X§11 dateTime text at offset Z (``2026-12-01T10:00Z``)."""
    return render_offset_datetime(t.astimezone(dt.UTC))


@lru_cache(maxsize=4096)
def render_micros(us: int) -> str:
    """:func:`render_instant` of the instant ``us`` µs after the epoch, memoised: one input's
    steps, timers and seeds render the same few instants over and over."""
    return render_offset_datetime(from_micros(us))
