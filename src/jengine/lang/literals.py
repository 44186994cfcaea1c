"""Journey literal tokens (spec §1.1): durations, instants, times of day.

The grammar's terminals accept the *shape* of each literal; these functions compute the value
and return None for a value the spec rejects (units out of order, a zero duration, Feb 30), so
the checker can report ``J-DURATION`` / ``J-INSTANT`` at the token's span.
"""

from __future__ import annotations

import datetime as dt
import re

from jexpr.runtime.temporal import parse_offset_datetime

UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1_000, "ms": 1}
_ORDER = ["d", "h", "m", "s", "ms"]
_PART = re.compile(r"([0-9]+)(ms|d|h|m|s)")
MAX_TIMEOUT_MS = 91 * UNIT_MS["d"]


def duration_ms(text: str) -> int | None:
    """Milliseconds of a DURATION token, or None when units do not strictly decrease or the
    total is zero (``J-DURATION``)."""
    last = -1
    total = 0
    for number, unit in _PART.findall(text):
        rank = _ORDER.index(unit)
        if rank <= last:
            return None
        last = rank
        total += int(number) * UNIT_MS[unit]
    return total if total > 0 else None


_SIZE_UNITS = {"B": 1, "KB": 1024, "MB": 1024 * 1024}


def size_bytes(text: str) -> int:
    """Bytes of a SIZE token (``512KB``, ``2MB``, ``100B``)."""
    unit = text.lstrip("0123456789")
    return int(text[: len(text) - len(unit)]) * _SIZE_UNITS[unit]


def format_duration(ms: int) -> str:
    """The canonical text of a duration (``1d12h``, ``250ms``)."""
    parts = []
    for unit in _ORDER:
        count, ms = divmod(ms, UNIT_MS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def instant(text: str) -> dt.datetime | None:
    """The aware datetime of an INSTANT token, or None for invalid fields (``J-INSTANT``)."""
    return parse_offset_datetime(text)


def clock_minutes(text: str) -> int:
    """Minutes after midnight of a CLOCK token (the terminal admits only valid times)."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)
