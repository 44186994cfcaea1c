"""Date and time helpers of AJO's personalization library (functions/dates.md).

Date-times are aware ``datetime`` values, printed like Java's ``ZonedDateTime``. As in Java:
adding days, months or years moves the wall-clock date (months clamp the day), adding hours,
minutes or seconds moves the instant; differences count whole units (``dateDiff(a, b)`` is the
days from ``a`` to ``b``, ``diffInX(end, start)`` the X from ``start`` to ``end``); weeks are
ISO weeks (Monday first); ``getCurrentZonedDateTime()`` is the engine clock, in the zone it
carries.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jengine.templates.functions.javadates import format_pattern, parse_pattern
from jengine.templates.functions.signature import Fn, RenderContext, RenderError, fn
from jexpr.runtime.temporal import parse_date, parse_local_datetime, parse_offset_datetime

__all__ = ["FUNCTIONS", "to_datetime"]

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def _plus_months(d: dt.datetime, n: int) -> dt.datetime:
    months = d.month - 1 + n
    year, month = d.year + months // 12, months % 12 + 1
    if not 1 <= year <= 9999:
        raise RenderError("T-RENDER-ARG", "the date leaves the years 1-9999")
    return d.replace(year=year, month=month, day=min(d.day, calendar.monthrange(year, month)[1]))


def _plus_exact(d: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    if d.tzinfo is None:
        return d + delta
    return (d.astimezone(UTC) + delta).astimezone(d.tzinfo)


def _between_months(start: dt.datetime, end: dt.datetime) -> int:
    if start.tzinfo is not None and end.tzinfo is not None:
        end = end.astimezone(start.tzinfo)
    months = (end.year * 12 + end.month) - (start.year * 12 + start.month)
    rest_end = (end.day, end.time())
    rest_start = (start.day, start.time())
    if months > 0 and rest_end < rest_start:
        months -= 1
    elif months < 0 and rest_end > rest_start:
        months += 1
    return months


def _trunc(seconds: float, unit: int) -> int:
    return int(seconds / unit)


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RenderError("T-RENDER-ARG", f"unknown time zone '{name}'") from None


def to_datetime(value: Any, pattern: str | None = None) -> dt.datetime | None:
    """A date-time from a date-time, ISO text (offset, local → UTC, or date → midnight UTC),
    text in a Java ``pattern`` (UTC), or epoch milliseconds; None when unreadable."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return EPOCH + dt.timedelta(milliseconds=value)
    if not isinstance(value, str):
        return None
    if pattern is not None:
        return parse_pattern(value, pattern, UTC)
    text = value.strip()
    found = parse_offset_datetime(text)
    if found is not None:
        return found
    local = parse_local_datetime(text)
    if local is not None:
        return local.replace(tzinfo=UTC)
    day = parse_date(text)
    return None if day is None else dt.datetime(day.year, day.month, day.day, tzinfo=UTC)


def _to_date_time(value: Any, pattern: str | None = None) -> dt.datetime:
    return to_datetime(value, pattern) or EPOCH


def _date_time_only(value: Any) -> dt.datetime:
    d = to_datetime(value) or EPOCH
    return d.replace(tzinfo=None)


def _format(value: Any, pattern: str, locale: str | None = None) -> str:
    d = to_datetime(value)
    if d is None:
        raise RenderError("T-RENDER-ARG", "formatDate needs a date-time; convert text with "
                          "stringToDate or toDateTime")
    return format_pattern(d, pattern, locale)


def _start_of(d: dt.datetime, unit: str) -> dt.datetime:
    day = d.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "week":
        return day - dt.timedelta(days=d.weekday())
    if unit == "quarter":
        return day.replace(month=(d.month - 1) // 3 * 3 + 1, day=1)
    if unit == "year":
        return day.replace(month=1, day=1)
    return day


def _age(ctx: RenderContext, d: dt.datetime) -> int:
    return _between_months(d, ctx.now) // 12


def _set(d: dt.datetime, day: int | None = None, hour: int | None = None) -> dt.datetime:
    try:
        return d.replace(day=d.day if day is None else day, hour=d.hour if hour is None else hour)
    except ValueError as exc:
        raise RenderError("T-RENDER-ARG", str(exc)) from None


FUNCTIONS: list[Fn] = [
    fn("addDays", "d i", "same", lambda d, n: d + dt.timedelta(days=n)),
    fn("addHours", "d i", "same", lambda d, n: _plus_exact(d, dt.timedelta(hours=n))),
    fn("addMinutes", "d i", "same", lambda d, n: _plus_exact(d, dt.timedelta(minutes=n))),
    fn("addSeconds", "d i", "same", lambda d, n: _plus_exact(d, dt.timedelta(seconds=n))),
    fn("addMonths", "d i", "same", _plus_months),
    fn("addYears", "d i", "same", lambda d, n: _plus_months(d, 12 * n)),
    fn("age", "d", "i", _age, context=True),
    fn("ageInDays", "d", "i", lambda c, d: _trunc((c.now - d).total_seconds(), 86400),
       context=True),
    fn("ageInMonths", "d", "i", lambda c, d: _between_months(d, c.now), context=True),
    fn("compareDates", "d d", "i", lambda a, b: (a > b) - (a < b)),
    fn("convertZonedDateTime", "d s", "d", lambda d, z: d.astimezone(_zone(z))),
    fn("currentTimeInMillis", "", "i",
       lambda c: (c.now - EPOCH) // dt.timedelta(milliseconds=1), context=True),
    fn("dateDiff", "d d", "i", lambda a, b: _trunc((b - a).total_seconds(), 86400)),
    fn("dateBetween", "d d d", "b", lambda d, s, e: s <= d <= e),
    fn("dayOfMonth", "d", "i", lambda d: d.day),
    fn("dayOfWeek", "d", "i", lambda d: d.isoweekday()),
    fn("dayOfYear", "d", "i", lambda d: d.timetuple().tm_yday),
    fn("diffInSeconds", "d d", "i", lambda e, s: _trunc((e - s).total_seconds(), 1)),
    fn("diffInMinutes", "d d", "i", lambda e, s: _trunc((e - s).total_seconds(), 60)),
    fn("diffInHours", "d d", "i", lambda e, s: _trunc((e - s).total_seconds(), 3600)),
    fn("diffInDays", "d d", "i", lambda e, s: _trunc((e - s).total_seconds(), 86400)),
    fn("diffInMonths", "d d", "i", lambda e, s: _between_months(s, e)),
    fn("diffInYears", "d d", "i", lambda e, s: _between_months(s, e) // 12
       if e >= s else -(_between_months(e, s) // 12)),
    fn("extractHours", "d", "i", lambda d: d.hour),
    fn("extractMinutes", "d", "i", lambda d: d.minute),
    fn("extractSeconds", "d", "i", lambda d: d.second),
    fn("extractMonth", "d", "i", lambda d: d.month),
    fn("extractMonths", "d", "i", lambda d: d.month),
    fn("extractYear", "d", "i", lambda d: d.year),
    fn("formatDate", "d s s?", "s", _format),
    fn("getCurrentZonedDateTime", "", "d", lambda c: c.now, context=True),
    fn("setDays", "d i", "same", lambda d, n: _set(d, day=n)),
    fn("setHours", "d i", "same", lambda d, n: _set(d, hour=n)),
    fn("stringToDate", "a s?", "d", lambda v, p=None: to_datetime(v, p)),
    fn("toDateTime", "a s?", "d", _to_date_time),
    fn("toDateTimeOnly", "a", "d", _date_time_only),
    fn("toUTC", "d", "d", lambda d: d.astimezone(UTC)),
    fn("truncateToStartOfDay", "d", "same", lambda d: _start_of(d, "day")),
    fn("truncateToStartOfWeek", "d", "same", lambda d: _start_of(d, "week")),
    fn("truncateToStartOfQuarter", "d", "same", lambda d: _start_of(d, "quarter")),
    fn("truncateToStartOfYear", "d", "same", lambda d: _start_of(d, "year")),
    fn("weekOfYear", "d", "i", lambda d: d.isocalendar()[1]),
]
