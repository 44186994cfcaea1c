"""Read-audience schedules (AJO's scheduler): when the next read of an audience happens.

Pure functions over instants in microseconds. A schedule is anchored at its first read (the
``at`` instant, else the first read made as soon as the journey opened). ``every D`` reads
again D after each read; ``daily``, ``weekly`` and ``monthly`` repeat the anchor's wall time in
the journey zone (so a daily read at 09:00 Paris stays at 09:00 across daylight-saving
changes; a wall time in a gap moves forward by the gap, as in X§12.4); ``monthly`` keeps the
anchor's day of the month, on the month's last day when the month is shorter (31 January →
28/29 February → 31 March). ``until`` is the last instant a read may happen at.
"""

from __future__ import annotations

import calendar
import datetime as dt

from jengine.core.instants import from_micros, to_micros
from jengine.lang import ast as A
from jexpr.errors import EvalFault
from jexpr.runtime.temporal import place_local, zone

__all__ = ["next_read", "within"]

_DAYS = {"daily": 1, "weekly": 7}


def within(entry: A.EntryRead, at_us: int) -> bool:
    """Whether a read at ``at_us`` is inside the schedule (not after ``until``)."""
    return entry.until is None or entry.until.value is None or at_us <= to_micros(
        entry.until.value)


def next_read(entry: A.EntryRead, zone_name: str, anchor_us: int, last_us: int) -> int | None:
    """The first read after the read at ``last_us`` (None: the schedule is over)."""
    if entry.every is not None and entry.every.value is not None:
        due: int | None = last_us + int(entry.every.value) * 1000
    elif entry.calendar is not None:
        try:
            due = _calendar(entry.calendar, zone(zone_name) or dt.UTC, anchor_us, last_us)
        except (OverflowError, ValueError, EvalFault):
            due = None  # past year 9999
    else:
        due = None  # read once
    return due if due is not None and within(entry, due) else None


def _calendar(kind: str, tz: dt.tzinfo, anchor_us: int, last_us: int) -> int:
    local = from_micros(anchor_us).astimezone(tz).replace(tzinfo=None)
    if kind in _DAYS:
        step = _DAYS[kind]
        k = max(1, (from_micros(last_us) - from_micros(anchor_us)).days // step)
        while True:
            due = to_micros(place_local(local + dt.timedelta(days=k * step), tz))
            if due > last_us:
                return due
            k += 1
    last = from_micros(last_us).astimezone(tz)
    k = max(1, (last.year - local.year) * 12 + last.month - local.month)
    while True:
        due = to_micros(place_local(_add_months(local, k), tz))
        if due > last_us:
            return due
        k += 1


def _add_months(local: dt.datetime, k: int) -> dt.datetime:
    month = local.month - 1 + k
    year, month = local.year + month // 12, month % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)
