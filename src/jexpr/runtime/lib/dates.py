"""Date conversions (spec §10.5) and date functions (§10.6) over runtime values.

Each function implements one jexpr signature, named in its docstring. Null arguments follow
§9: ``None`` comes back (predicates ``inLast*``/``inNext*`` give ``False``). Conversions return
``None`` when the input cannot be converted; evaluation errors raise :class:`EvalFault`.
"""

from __future__ import annotations

import calendar
import datetime as dt

from jexpr.errors import EvalFault
from jexpr.runtime.temporal import (
    UTC,
    overflow_guard,
    parse_date,
    parse_duration,
    parse_local_datetime,
    parse_offset_datetime,
    place_local,
    start_of_day,
    to_fixed,
    zone,
)

__all__ = [
    "add_duration",
    "current_time_in_millis",
    "date_diff_date_times",
    "date_diff_dates",
    "date_diff_locals",
    "date_literal",
    "day_in_range",
    "hour_in_range",
    "in_last_days",
    "in_last_hours",
    "in_last_months",
    "in_last_years",
    "in_next_days",
    "in_next_hours",
    "in_next_months",
    "in_next_years",
    "in_window",
    "now_in_zone",
    "now_utc",
    "now_with_delta",
    "set_days",
    "set_hours",
    "shift",
    "to_date_only_date_time",
    "to_date_only_local",
    "to_date_only_string",
    "to_date_only_ymd",
    "to_date_time_local_zone",
    "to_date_time_millis",
    "to_date_time_only_date_time",
    "to_date_time_only_string",
    "to_date_time_string",
    "to_date_time_zone_date",
    "to_date_time_zone_local",
    "to_duration_millis",
    "to_duration_string",
    "update_time_zone",
    "valid_date_part",
    "wait_instant",
]

EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_MS = dt.timedelta(milliseconds=1)
_DAY = dt.timedelta(days=1)
_HOUR = dt.timedelta(hours=1)
_US = dt.timedelta(microseconds=1)

_PLURAL_UNITS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
_UNITS: dict[str, str] = {u: u for u in _PLURAL_UNITS} | {u[:-1]: u for u in _PLURAL_UNITS}
_EXACT_UNITS = {
    "weeks": dt.timedelta(weeks=1),
    "days": dt.timedelta(days=1),
    "hours": dt.timedelta(hours=1),
    "minutes": dt.timedelta(minutes=1),
    "seconds": dt.timedelta(seconds=1),
}


def _zone_or_fault(tz: str) -> dt.tzinfo:
    """The zone for ``tz``, or ``E-EVAL-ZONE`` (a literal zone is checked statically)."""
    found = zone(tz)
    if found is None:
        raise EvalFault("E-EVAL-ZONE", f"invalid time zone id {tz!r}")
    return found


def _trunc_div(a: int, b: int) -> int:
    """Integer division rounded toward zero (b > 0)."""
    return a // b if a >= 0 else -(-a // b)


# --------------------------------------------------------------------------------------------
# Conversions (§10.5): failures return None


def to_date_time_string(s: str | None) -> dt.datetime | None:
    """toDateTime(string) → dateTime: an ISO offset date-time (§12.2)."""
    return None if s is None else parse_offset_datetime(s)


def to_date_time_millis(ms: int | None) -> dt.datetime | None:
    """toDateTime(integer ms) → dateTime: epoch milliseconds at offset UTC."""
    if ms is None:
        return None
    try:
        return EPOCH + ms * _MS
    except OverflowError:
        return None


def to_date_time_zone_local(tz: str | None, local: dt.datetime | None) -> dt.datetime | None:
    """toDateTime(string tz, dateTimeOnly) → dateTime: the wall time placed in ``tz`` (§12.4)."""
    if tz is None or local is None:
        return None
    try:
        return place_local(local, _zone_or_fault(tz))
    except EvalFault as fault:
        if fault.code == "E-EVAL-OVERFLOW":
            return None
        raise


def to_date_time_local_zone(local: dt.datetime | None, tz: str | None) -> dt.datetime | None:
    """toDateTime(dateTimeOnly, string tz) → dateTime: legacy argument order."""
    return to_date_time_zone_local(tz, local)


def to_date_time_zone_date(tz: str | None, d: dt.date | None) -> dt.datetime | None:
    """toDateTime(string tz, dateOnly) → dateTime: the start of that day in ``tz`` (§12.4)."""
    if tz is None or d is None:
        return None
    try:
        return start_of_day(d, _zone_or_fault(tz))
    except EvalFault as fault:
        if fault.code == "E-EVAL-OVERFLOW":
            return None
        raise


def to_date_only_date_time(value: dt.datetime | None) -> dt.date | None:
    """toDateOnly(dateTime) → dateOnly: the date in the value's own offset."""
    return None if value is None else value.date()


def to_date_only_local(value: dt.datetime | None) -> dt.date | None:
    """toDateOnly(dateTimeOnly) → dateOnly: the date part."""
    return None if value is None else value.date()


def to_date_only_string(s: str | None) -> dt.date | None:
    """toDateOnly(string) → dateOnly: date part, as written, of a date, local or offset
    date-time."""
    if s is None:
        return None
    if len(s) == 10 and s[4] == "-" == s[7] and s.isascii():
        try:  # the common case, a date: as parse_date does, one call less
            return dt.date.fromisoformat(s)
        except ValueError:
            pass
    parsed = parse_date(s) or parse_local_datetime(s) or parse_offset_datetime(s)
    if isinstance(parsed, dt.datetime):
        return parsed.date()
    return parsed


def to_date_only_ymd(y: int | None, m: int | None, d: int | None) -> dt.date | None:
    """toDateOnly(integer y, integer m, integer d) → dateOnly; an invalid date fails (D29)."""
    if y is None or m is None or d is None:
        return None
    try:
        return dt.date(y, m, d)
    except (ValueError, OverflowError):
        return None


def to_date_time_only_date_time(value: dt.datetime | None) -> dt.datetime | None:
    """toDateTimeOnly(dateTime) → dateTimeOnly: the wall time in the value's own offset."""
    return None if value is None else value.replace(tzinfo=None)


def to_date_time_only_string(s: str | None) -> dt.datetime | None:
    """toDateTimeOnly(string) → dateTimeOnly: local date-time, date (midnight), or offset
    date-time with its offset dropped."""
    if s is None:
        return None
    local = parse_local_datetime(s)
    if local is not None:
        return local
    day = parse_date(s)
    if day is not None:
        return dt.datetime(day.year, day.month, day.day)
    aware = parse_offset_datetime(s)
    return None if aware is None else aware.replace(tzinfo=None)


def to_duration_string(s: str | None) -> dt.timedelta | None:
    """toDuration(string) → duration: Java ``Duration.parse`` grammar (§12.5)."""
    return None if s is None else parse_duration(s)


def to_duration_millis(ms: int | None) -> dt.timedelta | None:
    """toDuration(integer ms) → duration: that many milliseconds."""
    if ms is None:
        return None
    try:
        return ms * _MS
    except OverflowError:
        return None


def date_literal(s: str | None) -> dt.date | dt.datetime | None:
    """date(string literal) → dateOnly | dateTimeOnly | dateTime, by the text's shape (D15)."""
    if s is None:
        return None
    return parse_date(s) or parse_local_datetime(s) or parse_offset_datetime(s)


# --------------------------------------------------------------------------------------------
# Date functions (§10.6)


def valid_date_part(part: str) -> bool:
    """A ``nowWithDelta`` part (D25): years … seconds, singular or plural, any letter case."""
    return part.lower() in _UNITS


def hour_in_range(h: int) -> bool:
    """The ``setHours`` range check: 0 ≤ h ≤ 23 (D26)."""
    return 0 <= h <= 23


def day_in_range(d: int) -> bool:
    """The static ``setDays`` range check: 1 ≤ d ≤ 31 (D26)."""
    return 1 <= d <= 31


def shift(value: dt.datetime, n: int, unit: str) -> dt.datetime:
    """Java ``LocalDateTime.plusX`` on the wall-clock fields (the tzinfo is kept): months and
    years clamp the day to the month's last day. Raises ``OverflowError``/``ValueError`` when
    the result leaves years 1–9999. ``unit`` is a plural unit name."""
    if unit in ("years", "months"):
        months = value.month - 1 + n * (12 if unit == "years" else 1)
        year, month = value.year + months // 12, months % 12 + 1
        if not 1 <= year <= 9999:
            raise OverflowError("year out of range")
        day = value.day
        if day > 28:  # clamped to the month's last day
            day = min(day, calendar.monthrange(year, month)[1])
        return value.replace(year=year, month=month, day=day)
    return value + n * _EXACT_UNITS[unit]


def current_time_in_millis(now: dt.datetime) -> int:
    """currentTimeInMillis() → integer: epoch milliseconds of ``now`` (floor)."""
    return (now - EPOCH) // _MS


def now_utc(now: dt.datetime) -> dt.datetime:
    """now() → dateTime: ``now`` at offset UTC."""
    return now if now.tzinfo is UTC else to_fixed(now.astimezone(UTC))


def now_in_zone(now: dt.datetime, tz: str | None) -> dt.datetime | None:
    """now(string tz) → dateTime: ``now`` at ``tz``'s offset."""
    return update_time_zone(now, tz)


def update_time_zone(value: dt.datetime | None, tz: str | None) -> dt.datetime | None:
    """updateTimeZone(dateTime, string tz) → dateTime: the same instant at ``tz``'s offset."""
    if value is None or tz is None:
        return None
    target = _zone_or_fault(tz)
    with overflow_guard():
        return to_fixed(value.astimezone(target))


def now_with_delta(
    now: dt.datetime, delta: int | None, part: str | None, tz: str | None = "UTC"
) -> dt.datetime | None:
    """nowWithDelta(integer delta, string part[, string tz]) → dateTime: Java
    ``ZonedDateTime.plusX`` in ``tz`` (§12.4)."""
    if delta is None or part is None or tz is None:
        return None
    unit = _UNITS.get(part.lower())
    if unit is None:
        raise EvalFault("E-EVAL-DATEPART", f"invalid date part {part!r}")
    target = _zone_or_fault(tz)
    with overflow_guard():
        if unit in ("hours", "minutes", "seconds"):
            instant = now.astimezone(UTC) + delta * _EXACT_UNITS[unit]
            return to_fixed(instant.astimezone(target))
        wall = now.astimezone(target)
        moved = shift(wall.replace(tzinfo=None), delta, unit)
        return place_local(moved, target, preferred=wall.utcoffset())


def set_hours(value: dt.datetime | None, h: int | None) -> dt.datetime | None:
    """setHours(dateTime, integer h) → dateTime and setHours(dateTimeOnly, integer h) →
    dateTimeOnly: replace the hour, keeping the offset."""
    if value is None or h is None:
        return None
    if not hour_in_range(h):
        raise EvalFault("E-EVAL-RANGE", f"setHours: hour {h} outside 0-23")
    return value.replace(hour=h)


def set_days(value: dt.datetime | None, d: int | None) -> dt.datetime | None:
    """setDays(dateTime, integer d) → dateTime and setDays(dateTimeOnly, integer d) →
    dateTimeOnly: replace the day of month, keeping everything else."""
    if value is None or d is None:
        return None
    try:
        if not day_in_range(d):
            raise ValueError(d)
        return value.replace(day=d)
    except ValueError:
        month = f"{value.year:04d}-{value.month:02d}"
        raise EvalFault("E-EVAL-RANGE", f"setDays: day {d} does not exist in {month}") from None


def in_window(
    now: dt.datetime, value: dt.datetime | None, n: int | None, unit: str, future: bool
) -> bool:
    """inLast*(dateTime v, integer n) (``future`` false) / inNext* (true) → boolean: ``v``
    between ``now`` and ``now`` ∓ ``n`` units, computed at ``v``'s offset, bounds inclusive."""
    if value is None or n is None:
        return False
    zone = value.tzinfo
    if type(zone) is not dt.timezone:  # a region zone: its offset at that instant
        offset = value.utcoffset()
        assert offset is not None, "inLast*/inNext* need a dateTime"
        zone = dt.timezone(offset)
    try:
        here = now.astimezone(zone)
    except (OverflowError, ValueError) as exc:
        raise EvalFault("E-EVAL-OVERFLOW", "date outside years 0001-9999") from exc
    step = n if future else -n
    try:
        bound: dt.datetime | None = shift(here, step, unit)
    except (OverflowError, ValueError):
        bound = None  # beyond years 1-9999: the window is unbounded on that side
    if step >= 0:
        return here <= value and (bound is None or value <= bound)
    return value <= here and (bound is None or bound <= value)


def _exact_window(now: dt.datetime, value: dt.datetime | None, n: int | None,
                  unit: dt.timedelta, future: bool) -> bool:
    """inLast/inNext for days and hours: at a fixed offset a day is exactly 24 h, so the bound
    is ``now`` ∓ n units on the time line (same result as the calendar walk, faster)."""
    if value is None or n is None:
        return False
    step = n if future else -n
    now = now.astimezone(value.tzinfo)  # one zone object: comparisons skip utcoffset()
    try:
        bound: dt.datetime | None = now + unit * step
        if bound is not None and not 1 < bound.year < 9999 and \
                not 1 <= bound.astimezone(value.tzinfo).year <= 9999:
            bound = None
    except (OverflowError, ValueError):
        bound = None  # beyond years 1-9999: the window is unbounded on that side
    if step >= 0:
        return now <= value and (bound is None or value <= bound)
    return value <= now and (bound is None or bound <= value)


def in_last_days(now: dt.datetime, value: dt.datetime | None, n: int | None) -> bool:
    """inLastDays(dateTime, integer) → boolean."""
    return _exact_window(now, value, n, _DAY, future=False)


def in_last_hours(now: dt.datetime, value: dt.datetime | None, n: int | None) -> bool:
    """inLastHours(dateTime, integer) → boolean."""
    return _exact_window(now, value, n, _HOUR, future=False)


def in_last_months(now: dt.datetime, value: dt.datetime | None, n: int | None) -> bool:
    """inLastMonths(dateTime, integer) → boolean."""
    return in_window(now, value, n, "months", future=False)


def in_last_years(now: dt.datetime, value: dt.datetime | None, n: int | None) -> bool:
    """inLastYears(dateTime, integer) → boolean."""
    return in_window(now, value, n, "years", future=False)


def in_next_days(now: dt.datetime, value: dt.datetime | None, n: int | None) -> bool:
    """inNextDays(dateTime, integer) → boolean."""
    return _exact_window(now, value, n, _DAY, future=True)


def in_next_hours(now: dt.datetime, value: dt.datetime | None, n: int | None) -> bool:
    """inNextHours(dateTime, integer) → boolean."""
    return _exact_window(now, value, n, _HOUR, future=True)


def in_next_months(now: dt.datetime, value: dt.datetime | None, n: int | None) -> bool:
    """inNextMonths(dateTime, integer) → boolean."""
    return in_window(now, value, n, "months", future=True)


def in_next_years(now: dt.datetime, value: dt.datetime | None, n: int | None) -> bool:
    """inNextYears(dateTime, integer) → boolean."""
    return in_window(now, value, n, "years", future=True)


def date_diff_dates(a: dt.date | None, b: dt.date | None) -> int | None:
    """dateDiff(dateOnly a, dateOnly b) → integer: ``a − b`` in days."""
    return None if a is None or b is None else (a - b).days


def date_diff_locals(a: dt.datetime | None, b: dt.datetime | None) -> int | None:
    """dateDiff(dateTimeOnly a, dateTimeOnly b) → integer: ``a − b`` in wall-clock
    milliseconds, truncated toward zero."""
    return None if a is None or b is None else _trunc_div((a - b) // _US, 1000)


def date_diff_date_times(a: dt.datetime | None, b: dt.datetime | None) -> int | None:
    """dateDiff(dateTime a, dateTime b) → integer: ``a − b`` in milliseconds between the
    instants, truncated toward zero."""
    return None if a is None or b is None else _trunc_div((a - b) // _US, 1000)


def add_duration(value: dt.datetime | None, td: dt.timedelta | None) -> dt.datetime | None:
    """dateTime + duration (same offset) and dateTimeOnly + duration (wall clock) (§6.8);
    a result outside years 1–9999 is ``E-EVAL-OVERFLOW``."""
    if value is None or td is None:
        return None
    with overflow_guard():
        return value + td


def wait_instant(value: dt.datetime | None, tz: str = "UTC") -> dt.datetime | None:
    """The wait usage (§14): a dateTimeOnly is placed in zone ``tz`` (§12.4); a dateTime is
    returned as is (normalised to its fixed offset)."""
    if value is None:
        return None
    if value.utcoffset() is not None:
        return to_fixed(value)
    return place_local(value, _zone_or_fault(tz))
