"""Render scalar runtime values as text, exactly as Java's ``toString`` does (spec §11)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

__all__ = [
    "java_double",
    "render_date",
    "render_duration",
    "render_local_datetime",
    "render_offset",
    "render_offset_datetime",
    "render_value",
]

_US_PER_SECOND = 1_000_000


def java_double(x: float) -> str:
    """``Double.toString`` with shortest round-trip digits (JDK 19+): ``4.0``, ``1.0E-4``."""
    if x == 0.0:
        return "-0.0" if str(x).startswith("-") else "0.0"
    sign = "-" if x < 0 else ""
    _, digit_tuple, exp = Decimal(repr(abs(x))).as_tuple()
    assert isinstance(exp, int)  # finite
    all_digits = "".join(map(str, digit_tuple))
    digits = all_digits.rstrip("0") or "0"
    # |x| = 0.DIGITS * 10**point: the decimal point sits after `point` digits
    point = len(all_digits) + exp
    if -2 <= point <= 7:  # 10^-3 <= |x| < 10^7
        if point <= 0:
            text = "0." + "0" * -point + digits
        elif point >= len(digits):
            text = digits + "0" * (point - len(digits)) + ".0"
        else:
            text = digits[:point] + "." + digits[point:]
    else:
        text = f"{digits[0]}.{digits[1:] or '0'}E{point - 1}"
    return sign + text


def render_date(d: dt.date) -> str:
    """``LocalDate.toString``: ``YYYY-MM-DD``."""
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def _render_time(t: dt.datetime) -> str:
    text = f"{t.hour:02d}:{t.minute:02d}"
    if t.second or t.microsecond:
        text += f":{t.second:02d}"
    if t.microsecond:
        if t.microsecond % 1000 == 0:
            text += f".{t.microsecond // 1000:03d}"
        else:
            text += f".{t.microsecond:06d}"
    return text


def render_local_datetime(value: dt.datetime) -> str:
    """``LocalDateTime.toString`` of the wall-clock fields (the tzinfo, if any, is ignored)."""
    return f"{render_date(value)}T{_render_time(value)}"


def render_offset(offset: dt.timedelta) -> str:
    """``ZoneOffset.getId``: ``Z``, ``±HH:MM`` or ``±HH:MM:SS``."""
    total = int(offset.total_seconds())
    if total == 0:
        return "Z"
    sign = "-" if total < 0 else "+"
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return text + f":{seconds:02d}" if seconds else text


def render_offset_datetime(value: dt.datetime) -> str:
    """``OffsetDateTime.toString``: local date-time followed by the offset in force."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("render_offset_datetime needs an aware datetime")
    return render_local_datetime(value) + render_offset(offset)


def _trunc_div(a: int, b: int) -> int:
    """Java's ``/`` on longs: quotient rounded toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _trunc_mod(a: int, b: int) -> int:
    """Java's ``%`` on longs: remainder with the sign of the dividend."""
    return a - b * _trunc_div(a, b)


def render_duration(td: dt.timedelta) -> str:
    """``Duration.toString`` (Java's algorithm, §11): ``PT1H30M``, ``PT-0.5S``, ``PT0S``."""
    total_us = td // dt.timedelta(microseconds=1)
    if total_us == 0:
        return "PT0S"
    seconds, micros = divmod(total_us, _US_PER_SECOND)
    effective = seconds + 1 if seconds < 0 and micros > 0 else seconds
    hours = _trunc_div(effective, 3600)
    minutes = _trunc_div(_trunc_mod(effective, 3600), 60)
    secs = _trunc_mod(effective, 60)
    parts = ["PT"]
    if hours:
        parts.append(f"{hours}H")
    if minutes:
        parts.append(f"{minutes}M")
    if secs == 0 and micros == 0 and len(parts) > 1:
        return "".join(parts)
    parts.append("-0" if seconds < 0 and micros > 0 and secs == 0 else str(secs))
    if micros > 0:
        fraction = _US_PER_SECOND - micros if seconds < 0 else micros
        parts.append("." + f"{fraction:06d}".rstrip("0"))
    parts.append("S")
    return "".join(parts)


def render_value(v: object) -> str | None:
    """Render a scalar runtime value (§11); ``None`` for null; ``TypeError`` for lists/objects."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return java_double(v)
    if isinstance(v, dt.datetime):
        if v.utcoffset() is None:
            return render_local_datetime(v)
        return render_offset_datetime(v)
    if isinstance(v, dt.date):
        return render_date(v)
    if isinstance(v, dt.timedelta):
        return render_duration(v)
    if isinstance(v, list | tuple | Mapping):
        raise TypeError(f"a {type(v).__name__} cannot be rendered as text")
    raise TypeError(f"not a jexpr scalar value: {type(v).__name__}")
