"""Temporal text and zones (spec §12): parse date/time/duration text, resolve zone ids, place
wall-clock times in a zone, and coerce payload values to the temporal types (§5.3)."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import re
import zoneinfo
from types import TracebackType

from jexpr.errors import EvalFault

__all__ = [
    "check_year_range",
    "coerce_temporal",
    "overflow_guard",
    "parse_date",
    "parse_duration",
    "parse_local_datetime",
    "parse_offset_datetime",
    "place_local",
    "region_ids",
    "start_of_day",
    "to_fixed",
    "zone",
]

UTC = dt.UTC
_MAX_OFFSET = dt.timedelta(hours=18)

# ---------------------------------------------------------------------------------------------
# Text forms (§12.2)

_DATE = r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
_TIME = r"[Tt]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?"
_OFFSET = r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)"
_DATE_RE = re.compile(_DATE)
_LOCAL_RE = re.compile(_DATE + _TIME)
_OFFSET_RE = re.compile(_DATE + _TIME + _OFFSET)


def _build_date(groups: tuple[str | None, ...]) -> dt.date | None:
    year, month, day = (int(g or 0) for g in groups[:3])
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _build_local(groups: tuple[str | None, ...]) -> dt.datetime | None:
    day = _build_date(groups)
    hour, minute, second = (int(g or 0) for g in groups[3:6])
    micros = int((groups[6] or "").ljust(6, "0")[:6])
    if day is None or hour > 23 or minute > 59 or second > 59:
        return None
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, micros)


def _build_offset(groups: tuple[str | None, ...]) -> dt.timezone | None:
    zulu, sign, hours, minutes, seconds = groups
    if zulu is not None:
        return UTC
    h, m, s = int(hours or 0), int(minutes or 0), int(seconds or 0)
    offset = dt.timedelta(hours=h, minutes=m, seconds=s)
    if h > 18 or m > 59 or s > 59 or offset > _MAX_OFFSET:
        return None
    return _fixed(-offset if sign == "-" else offset)


def _fixed(offset: dt.timedelta) -> dt.timezone:
    return UTC if not offset else dt.timezone(offset)


def parse_date(s: str) -> dt.date | None:
    """``YYYY-MM-DD`` with a valid calendar date, else ``None``."""
    if len(s) == 10 and s[4] == "-" == s[7] and s.isascii():
        try:  # the one shape: the C parser gives the same result
            return dt.date.fromisoformat(s)
        except ValueError:
            pass
    m = _DATE_RE.fullmatch(s)
    return _build_date(m.groups()) if m else None


def parse_local_datetime(s: str) -> dt.datetime | None:
    """``YYYY-MM-DDThh:mm[:ss[.f{1,9}]]`` → naive datetime (fraction truncated to µs)."""
    m = _LOCAL_RE.fullmatch(s)
    return _build_local(m.groups()) if m else None


def _common_shape(s: str) -> bool:
    """``YYYY-MM-DDThh:mm[:ss[.f{1,6}]]`` and ``Z`` or ``±hh:mm`` within ±18:00, by position
    (``fromisoformat`` then rejects anything but digits where the digits go): the text both
    ``fromisoformat`` and the grammar of §12.2 read the same way."""
    n = len(s)
    if not (17 <= n <= 32 and s[4:14:3] == "--T:" and s.isascii()):  # s[4], s[7], s[10], s[13]
        return False
    if s[-1] == "Z":
        body = n - 1
    elif s[-6] in "+-" and s[-3] == ":" and s[-2] < "6" and (
            s[-5:-3] < "18" or s[-5:] == "18:00"):
        body = n - 6
    else:
        return False
    if body == 19:
        return s[16] == ":"
    return body == 16 or (21 <= body <= 26 and s[16:20:3] == ":.")  # s[16], s[19]


def parse_offset_datetime(s: str) -> dt.datetime | None:
    """Local date-time followed by ``Z``, ``±hh:mm`` or ``±hh:mm:ss`` → fixed-offset datetime."""
    if _common_shape(s):  # the C parser gives the same result
        try:
            return dt.datetime.fromisoformat(s)
        except ValueError:
            return None
    m = _OFFSET_RE.fullmatch(s)
    if m is None:
        return None
    local = _build_local(m.groups()[:7])
    tz = _build_offset(m.groups()[7:])
    return None if local is None or tz is None else local.replace(tzinfo=tz)


# ---------------------------------------------------------------------------------------------
# Durations (§12.5): java.time.Duration.parse

_DURATION_RE = re.compile(
    r"([-+]?)P(?:([-+]?[0-9]+)D)?"
    r"(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?",
    re.IGNORECASE | re.ASCII,
)


def parse_duration(s: str) -> dt.timedelta | None:
    """Java ``Duration.parse`` (case-insensitive, no months/years, ``T`` needs a time field)."""
    m = _DURATION_RE.fullmatch(s)
    if m is None:
        return None
    sign, days, t_part, hours, minutes, seconds, fraction = m.groups()
    if t_part is not None and len(t_part) == 1:  # a bare "T"
        return None
    if days is None and hours is None and minutes is None and seconds is None:
        return None
    micros = int((fraction or "").ljust(6, "0")[:6])
    if seconds is not None and seconds.startswith("-"):
        micros = -micros
    try:
        total = dt.timedelta(
            days=int(days or 0),
            hours=int(hours or 0),
            minutes=int(minutes or 0),
            seconds=int(seconds or 0),
            microseconds=micros,
        )
        return -total if sign == "-" else total
    except OverflowError:
        return None


# ---------------------------------------------------------------------------------------------
# Zones (§12.3)

_EXCLUDED_REGIONS = frozenset({"localtime", "posixrules", "Factory"})
_OFFSET_ZONE_RE = re.compile(r"(?:UTC|GMT)?([+-][0-9]{2}:[0-9]{2})|([+-][0-9]{2})")


@functools.cache
def region_ids() -> frozenset[str]:
    """The IANA region ids of the pinned ``tzdata`` package (host zone files never consulted)."""
    text = importlib.resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip()) - _EXCLUDED_REGIONS


def _offset_zone(tz: str) -> dt.timezone | None:
    m = _OFFSET_ZONE_RE.fullmatch(tz)
    if m is None:
        return None
    text = m.group(1) or m.group(2) + ":00"
    h, mi = int(text[1:3]), int(text[4:6])
    offset = dt.timedelta(hours=h, minutes=mi)
    if mi > 59 or offset > _MAX_OFFSET:
        return None
    return _fixed(-offset if text[0] == "-" else offset)


def _load_region(tz: str) -> dt.tzinfo:
    resource = importlib.resources.files("tzdata.zoneinfo")
    for part in tz.split("/"):
        resource = resource.joinpath(part)
    with resource.open("rb") as fobj:
        return zoneinfo.ZoneInfo.from_file(fobj, key=tz)


@functools.lru_cache(maxsize=1024)
def zone(tz: str) -> dt.tzinfo | None:
    """Resolve a zone id (§12.3): an IANA region of ``tzdata``, ``Z``, ``UTC``, ``GMT``,
    ``±HH:MM``, ``±HH``, ``UTC±HH:MM``, ``GMT±HH:MM`` (at most ±18:00); ``None`` if invalid."""
    if tz in ("Z", "UTC", "GMT"):
        return UTC
    if tz in region_ids():
        return _load_region(tz)
    return _offset_zone(tz)


# ---------------------------------------------------------------------------------------------
# Instants and wall times (§12.4)


class overflow_guard:  # lower case: used as a function, ``with overflow_guard():``
    """Turn Python's date overflow (``OverflowError``/``ValueError``) into ``E-EVAL-OVERFLOW``
    (a class, not a generator context manager: entering it costs a tenth)."""

    __slots__ = ("what",)

    def __init__(self, what: str = "date") -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is not None and issubclass(kind, OverflowError | ValueError):
            raise EvalFault("E-EVAL-OVERFLOW", f"{self.what} outside years 0001-9999") from exc


def check_year_range(value: dt.date) -> None:
    """Raise ``E-EVAL-OVERFLOW`` when the value's year is outside 1–9999."""
    if not 1 <= value.year <= 9999:
        raise EvalFault("E-EVAL-OVERFLOW", f"date {value.isoformat()} outside years 0001-9999")


def to_fixed(value: dt.datetime) -> dt.datetime:
    """The same instant with a fixed-offset ``datetime.timezone`` equal to the offset in force."""
    if type(value.tzinfo) is dt.timezone and not value.fold:
        return value  # already an instant at a fixed offset
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("to_fixed needs an aware datetime")
    return value.replace(tzinfo=_fixed(offset), fold=0)


def _offsets(local: dt.datetime, tz: dt.tzinfo) -> tuple[dt.timedelta, dt.timedelta]:
    """Offsets of a wall time for fold 0 and 1: equal normally, (before, after) in a gap or
    overlap (PEP 495)."""
    before = local.replace(tzinfo=tz, fold=0).utcoffset()
    after = local.replace(tzinfo=tz, fold=1).utcoffset()
    assert before is not None and after is not None
    return before, after


def place_local(
    local: dt.datetime, tz: dt.tzinfo, preferred: dt.timedelta | None = None
) -> dt.datetime:
    """Place a wall time in ``tz`` (Java ``ZonedDateTime.ofLocal``): a gap moves it forward by
    the gap length; an overlap keeps ``preferred`` if valid, else takes the earlier instant."""
    local = local.replace(tzinfo=None, fold=0)
    before, after = _offsets(local, tz)
    if after > before:  # gap: instant = local - before, shown at the later offset
        with overflow_guard():
            return (local + (after - before)).replace(tzinfo=_fixed(after))
    offset = preferred if preferred in (before, after) else before
    assert offset is not None
    return local.replace(tzinfo=_fixed(offset))


def _gap_end(
    local: dt.datetime, tz: dt.tzinfo, before: dt.timedelta, after: dt.timedelta
) -> dt.datetime:
    """First valid wall time after ``local``, which lies in a gap: the transition instant."""
    low = local - after  # UTC instant before the transition (offset `before` in force)
    lo, hi = 0, int((after - before).total_seconds())  # seconds after `low`; `hi` is past it

    def offset_at(k: int) -> dt.timedelta | None:
        return (low + dt.timedelta(seconds=k)).replace(tzinfo=UTC).astimezone(tz).utcoffset()

    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if offset_at(mid) == before else (lo, mid)
    instant = (low + dt.timedelta(seconds=hi)).replace(tzinfo=UTC)
    return to_fixed(instant.astimezone(tz))


def start_of_day(d: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """Midnight of ``d`` in ``tz``; if midnight is in a gap, the first valid wall time."""
    midnight = dt.datetime(d.year, d.month, d.day)
    before, after = _offsets(midnight, tz)
    if after > before:
        with overflow_guard():
            return _gap_end(midnight, tz, before, after)
    return midnight.replace(tzinfo=_fixed(before))


# ---------------------------------------------------------------------------------------------
# Payload coercion (§5.3)


def _coerce_text(value: str, type_name: str) -> object | None:
    if type_name == "dateTime":
        return parse_offset_datetime(value)
    if type_name == "dateTimeOnly":
        return parse_local_datetime(value)
    if type_name == "dateOnly":
        return parse_date(value)
    return parse_duration(value)


def _coerce_host(value: object, type_name: str) -> object | None:
    if isinstance(value, dt.datetime):
        aware = value.utcoffset() is not None
        if type_name == "dateTime" and aware:
            return to_fixed(value)
        return value if type_name == "dateTimeOnly" and not aware else None
    if isinstance(value, dt.date):
        return value if type_name == "dateOnly" else None
    if isinstance(value, dt.timedelta):
        return value if type_name == "duration" else None
    if type_name == "duration" and isinstance(value, int) and not isinstance(value, bool):
        try:
            return dt.timedelta(milliseconds=value)
        except OverflowError:
            return None
    return None


def coerce_temporal(value: object, type_name: str) -> object:
    """Coerce a payload value declared ``dateTime``/``dateTimeOnly``/``dateOnly``/``duration``
    (§5.3); ``None`` stays ``None``; anything else raises ``E-EVAL-PAYLOAD``."""
    if type_name not in ("dateTime", "dateTimeOnly", "dateOnly", "duration"):
        raise ValueError(f"not a temporal type: {type_name}")
    if value is None:
        return None
    if isinstance(value, str):
        result = _coerce_text(value, type_name)
    else:
        result = _coerce_host(value, type_name)
    if result is None:
        raise EvalFault("E-EVAL-PAYLOAD", f"payload value {value!r} is not a valid {type_name}")
    return result
