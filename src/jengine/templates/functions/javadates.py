"""Java ``DateTimeFormatter`` patterns (``formatDate``, ``stringToDate``) and the text of a
date-time as Java's ``ZonedDateTime.toString`` prints it.

Pattern letters: ``G`` era, ``u``/``y`` year (``yy``: two digits), ``Y`` week-based year and
``w`` its week (locale week rules, :mod:`.locales`), ``M``/``L`` month (1–2 digits, 3 short
name, 4 full name, 5 narrow), ``d`` day, ``D`` day of year, ``E`` day name (1–3 short, 4 full,
5 narrow), ``e`` ISO day number, ``a`` AM/PM, ``H`` ``k`` ``h`` ``K`` hours, ``m``, ``s``, ``S``
fraction (count = digits), ``n`` nanoseconds, ``z`` zone abbreviation, ``VV`` zone id, ``Z``
``X`` ``x`` offsets; ``'text'`` literal, ``''`` a quote; other ASCII letters are invalid, and an
invalid pattern falls back to the ISO text (as AJO documents). Parsing supports the numeric
fields (``y M d H h m s S a``) and literals.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

from jengine.templates.functions.locales import Locale, locale
from jexpr.runtime.render import render_local_datetime, render_offset

__all__ = ["format_pattern", "iso_text", "parse_pattern"]

_LETTERS = frozenset("GuyYMLdDEeaHkhKmsSnzVZXxw")


def iso_text(value: dt.datetime | dt.date) -> str:
    """``ZonedDateTime.toString``: ``2024-11-01T00:00Z``, ``…+03:30[Asia/Tehran]``."""
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    offset = value.utcoffset()
    if offset is None:
        return render_local_datetime(value)
    text = render_local_datetime(value) + render_offset(offset)
    if isinstance(value.tzinfo, ZoneInfo):
        text += f"[{value.tzinfo.key}]"
    return text


@functools.lru_cache(maxsize=256)
def _tokens(pattern: str) -> tuple[tuple[str, int], ...] | None:
    """(letter, count) runs and ('', literal) pieces; None for an invalid pattern."""
    out: list[tuple[str, int]] = []
    literal: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":
            end = pattern.find("'", i + 1)
            if end < 0:
                return None
            literal.append("'" if end == i + 1 else pattern[i + 1:end])
            i = end + 1
            continue
        if ch.isascii() and ch.isalpha():
            if ch not in _LETTERS:
                return None
            j = i
            while j < len(pattern) and pattern[j] == ch:
                j += 1
            if literal:
                out.append(("'" + "".join(literal), 0))
                literal = []
            out.append((ch, j - i))
            i = j
            continue
        literal.append(ch)
        i += 1
    if literal:
        out.append(("'" + "".join(literal), 0))
    return tuple(out)


def _week_fields(d: dt.date, loc: Locale) -> tuple[int, int]:
    """(week-based year, week of that year) under the locale's week rules."""
    if not loc.us_weeks:
        iso = d.isocalendar()
        return iso[0], iso[1]
    start = d - dt.timedelta(days=(d.weekday() + 1) % 7)           # the Sunday of d's week
    year = d.year + 1 if (start + dt.timedelta(days=6)).year > d.year else d.year
    jan1 = dt.date(year, 1, 1)
    week1 = jan1 - dt.timedelta(days=(jan1.weekday() + 1) % 7)
    return year, (start - week1).days // 7 + 1


def _offset_text(offset: dt.timedelta, letter: str, n: int) -> str:
    total = int(offset.total_seconds())
    if total == 0 and letter == "X":
        return "Z"
    sign = "-" if total < 0 else "+"
    h, m = divmod(abs(total) // 60, 60)
    if letter == "Z":
        return f"{sign}{h:02d}:{m:02d}" if n == 5 else f"{sign}{h:02d}{m:02d}"
    if n == 1:
        return f"{sign}{h:02d}" + (f"{m:02d}" if m else "")
    return f"{sign}{h:02d}:{m:02d}" if n in (3, 5) else f"{sign}{h:02d}{m:02d}"


def _field(v: dt.datetime, letter: str, n: int, loc: Locale) -> str | None:
    num: Callable[[int], str] = lambda x: f"{x:0{n}d}"  # noqa: E731
    if letter in "uy":
        return f"{v.year % 100:02d}" if n == 2 else num(v.year)
    if letter in "Yw":
        year, week = _week_fields(v.date(), loc)
        if letter == "w":
            return num(week)
        return f"{year % 100:02d}" if n == 2 else num(year)
    if letter in "ML":
        if n >= 3:
            names = loc.months if n == 4 else loc.short_months
            return names[v.month - 1][:1] if n == 5 else names[v.month - 1]
        return num(v.month)
    if letter == "E":
        names = loc.days if n == 4 else loc.short_days
        return names[v.weekday()][:1] if n == 5 else names[v.weekday()]
    simple: dict[str, int] = {"d": v.day, "D": v.timetuple().tm_yday, "e": v.isoweekday(),
                              "H": v.hour, "k": v.hour or 24, "h": v.hour % 12 or 12,
                              "K": v.hour % 12, "m": v.minute, "s": v.second,
                              "n": v.microsecond * 1000}
    if letter in simple:
        return num(simple[letter])
    if letter == "S":
        return f"{v.microsecond:06d}{'0' * 3}"[:n].ljust(n, "0")
    if letter == "a":
        return loc.am_pm[v.hour >= 12]
    if letter == "G":
        return "AD" if n < 4 else "Anno Domini"
    return _zone_field(v, letter, n)


def _zone_field(v: dt.datetime, letter: str, n: int) -> str | None:
    offset = v.utcoffset()
    if offset is None:
        return None
    if letter == "z":
        return v.tzname() or render_offset(offset)
    if letter == "V":
        return v.tzinfo.key if isinstance(v.tzinfo, ZoneInfo) else render_offset(offset)
    return _offset_text(offset, letter, n)


def format_pattern(value: dt.datetime, pattern: str, locale_name: str | None = None) -> str:
    """``value`` formatted with a Java pattern (the ISO text when the pattern is invalid)."""
    tokens = _tokens(pattern)
    if tokens is None:
        return iso_text(value)
    loc = locale(locale_name)
    out: list[str] = []
    for letter, n in tokens:
        if letter.startswith("'"):
            out.append(letter[1:])
            continue
        text = _field(value, letter, n, loc)
        if text is None:
            return iso_text(value)
        out.append(text)
    return "".join(out)


_PARSE_FIELDS = {"y": r"(?P<y>\d{4})", "u": r"(?P<y>\d{4})", "M": r"(?P<M>\d{1,2})",
                 "d": r"(?P<d>\d{1,2})", "H": r"(?P<H>\d{1,2})", "h": r"(?P<h>\d{1,2})",
                 "m": r"(?P<m>\d{1,2})", "s": r"(?P<s>\d{1,2})", "S": r"(?P<S>\d{1,9})",
                 "a": r"(?P<a>AM|PM|am|pm)"}


def parse_pattern(text: str, pattern: str, zone: dt.tzinfo) -> dt.datetime | None:
    """Parse ``text`` with a Java pattern of numeric fields; the result is placed in ``zone``
    (no zone field is read). None when it does not match."""
    tokens = _tokens(pattern)
    if tokens is None:
        return None
    regex = []
    for letter, _ in tokens:
        if letter.startswith("'"):
            regex.append(re.escape(letter[1:]))
        elif letter in _PARSE_FIELDS:
            regex.append(_PARSE_FIELDS[letter])
        else:
            return None
    try:
        m = re.fullmatch("".join(regex), text.strip())
    except re.error:          # a field twice (duplicate group)
        return None
    if m is None:
        return None
    g = m.groupdict()
    hour = int(g.get("H") or 0)
    if g.get("h") is not None:
        hour = int(g["h"]) % 12 + (12 if (g.get("a") or "").upper() == "PM" else 0)
    fraction = (g.get("S") or "0").ljust(6, "0")[:6]
    try:
        return dt.datetime(int(g.get("y") or 1970), int(g.get("M") or 1), int(g.get("d") or 1),
                           hour, int(g.get("m") or 0), int(g.get("s") or 0), int(fraction),
                           tzinfo=zone)
    except ValueError:
        return None
