"""Spec §10.5 date conversions and §10.6 date functions (jexpr.runtime.lib.dates)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jexpr.errors import EvalFault
from jexpr.runtime.lib import dates as D
from jexpr.runtime.render import render_value
from jexpr.runtime.temporal import parse_date, parse_local_datetime, parse_offset_datetime


def odt(text: str) -> dt.datetime:
    value = parse_offset_datetime(text)
    assert value is not None, text
    return value


def ldt(text: str) -> dt.datetime:
    value = parse_local_datetime(text)
    assert value is not None, text
    return value


def day(text: str) -> dt.date:
    value = parse_date(text)
    assert value is not None, text
    return value


def fault_code(call: Callable[[], object]) -> str:
    with pytest.raises(EvalFault) as info:
        call()
    return info.value.code


# --- §10.5 conversions ------------------------------------------------------------------------

CONVERSIONS: list[tuple[str, Callable[..., object], tuple[Any, ...], str | None]] = [
    ("toDateTime(s)", D.to_date_time_string, ("2023-12-03T15:15:30Z",), "2023-12-03T15:15:30Z"),
    (
        "toDateTime(s)",
        D.to_date_time_string,
        ("2011-12-03T15:15:30.123+02:00",),
        "2011-12-03T15:15:30.123+02:00",
    ),
    (
        "toDateTime(s)",
        D.to_date_time_string,
        ("2016-08-18T23:17:59.123Z",),
        "2016-08-18T23:17:59.123Z",
    ),
    ("toDateTime(s)", D.to_date_time_string, ("2023-12-03T15:15:30",), None),
    ("toDateTime(s)", D.to_date_time_string, ("garbage",), None),
    ("toDateTime(ms)", D.to_date_time_millis, (1560762190189,), "2019-06-17T09:03:10.189Z"),
    ("toDateTime(ms)", D.to_date_time_millis, (0,), "1970-01-01T00:00Z"),
    ("toDateTime(ms)", D.to_date_time_millis, (-1,), "1969-12-31T23:59:59.999Z"),
    ("toDateTime(ms)", D.to_date_time_millis, (253402300799999,), "9999-12-31T23:59:59.999Z"),
    ("toDateTime(ms)", D.to_date_time_millis, (253402300800000,), None),
    ("toDateTime(ms)", D.to_date_time_millis, (-62135596800001,), None),
    ("toDateTime(ms)", D.to_date_time_millis, (2**63 - 1,), None),
    (
        "toDateTime(tz, l)",
        D.to_date_time_zone_local,
        ("UTC", ldt("2023-08-18T23:17:59.123")),
        "2023-08-18T23:17:59.123Z",
    ),
    (
        "toDateTime(tz, l)",
        D.to_date_time_zone_local,
        ("Europe/Paris", ldt("2024-03-31T02:30")),
        "2024-03-31T03:30+02:00",
    ),
    (
        "toDateTime(tz, l)",
        D.to_date_time_zone_local,
        ("Europe/Paris", ldt("2024-10-27T02:30")),
        "2024-10-27T02:30+02:00",
    ),
    (
        "toDateTime(l, tz)",
        D.to_date_time_local_zone,
        (ldt("2024-10-27T02:30"), "Europe/Paris"),
        "2024-10-27T02:30+02:00",
    ),
    (
        "toDateTime(tz, d)",
        D.to_date_time_zone_date,
        ("Europe/Paris", day("2023-08-18")),
        "2023-08-18T00:00+02:00",
    ),
    (
        "toDateTime(tz, d)",
        D.to_date_time_zone_date,
        ("America/Sao_Paulo", day("2018-11-04")),
        "2018-11-04T01:00-02:00",
    ),
    ("toDateOnly(dt)", D.to_date_only_date_time, (odt("2023-08-18T23:30:00-05:00"),), "2023-08-18"),
    ("toDateOnly(l)", D.to_date_only_local, (ldt("2023-08-18T23:00:00"),), "2023-08-18"),
    ("toDateOnly(s)", D.to_date_only_string, ("2023-08-18",), "2023-08-18"),
    ("toDateOnly(s)", D.to_date_only_string, ("2023-08-18T00:00:00",), "2023-08-18"),
    ("toDateOnly(s)", D.to_date_only_string, ("2023-08-18T23:30:00-05:00",), "2023-08-18"),
    ("toDateOnly(s)", D.to_date_only_string, ("2023-02-30",), None),
    ("toDateOnly(s)", D.to_date_only_string, ("18/08/2023",), None),
    ("toDateOnly(y,m,d)", D.to_date_only_ymd, (2023, 8, 18), "2023-08-18"),
    ("toDateOnly(y,m,d)", D.to_date_only_ymd, (2024, 2, 29), "2024-02-29"),
    ("toDateOnly(y,m,d)", D.to_date_only_ymd, (2023, 2, 29), None),
    ("toDateOnly(y,m,d)", D.to_date_only_ymd, (2023, 2, 30), None),
    ("toDateOnly(y,m,d)", D.to_date_only_ymd, (2023, 13, 1), None),
    ("toDateOnly(y,m,d)", D.to_date_only_ymd, (0, 1, 1), None),
    ("toDateOnly(y,m,d)", D.to_date_only_ymd, (2**63 - 1, 1, 1), None),
    (
        "toDateTimeOnly(dt)",
        D.to_date_time_only_date_time,
        (odt("2023-08-18T23:30:00+02:00"),),
        "2023-08-18T23:30",
    ),
    (
        "toDateTimeOnly(s)",
        D.to_date_time_only_string,
        ("2011-12-03T15:15:30",),
        "2011-12-03T15:15:30",
    ),
    (
        "toDateTimeOnly(s)",
        D.to_date_time_only_string,
        ("2016-08-18T23:17:59.123",),
        "2016-08-18T23:17:59.123",
    ),
    ("toDateTimeOnly(s)", D.to_date_time_only_string, ("2023-08-18",), "2023-08-18T00:00"),
    (
        "toDateTimeOnly(s)",
        D.to_date_time_only_string,
        ("2024-01-01T01:11:00Z",),
        "2024-01-01T01:11",
    ),
    ("toDateTimeOnly(s)", D.to_date_time_only_string, ("2024-01-01 01:11",), None),
    ("toDuration(s)", D.to_duration_string, ("PT20.345S",), "PT20.345S"),
    ("toDuration(s)", D.to_duration_string, ("PT10H",), "PT10H"),
    ("toDuration(s)", D.to_duration_string, ("P2DT3H4M",), "PT51H4M"),
    ("toDuration(s)", D.to_duration_string, ("-PT6H3M",), "PT-6H-3M"),
    ("toDuration(s)", D.to_duration_string, ("pt10h",), "PT10H"),
    ("toDuration(s)", D.to_duration_string, ("PT4S",), "PT4S"),
    ("toDuration(s)", D.to_duration_string, ("P1DT0.001S",), "PT24H0.001S"),
    ("toDuration(s)", D.to_duration_string, ("PT90M",), "PT1H30M"),
    ("toDuration(s)", D.to_duration_string, ("P-6H3M",), None),
    ("toDuration(s)", D.to_duration_string, ("-P-6H+3M",), None),
    ("toDuration(s)", D.to_duration_string, ("P1M",), None),
    ("toDuration(ms)", D.to_duration_millis, (500,), "PT0.5S"),
    ("toDuration(ms)", D.to_duration_millis, (1520,), "PT1.52S"),
    ("toDuration(ms)", D.to_duration_millis, (-1500,), "PT-1.5S"),
    ("toDuration(ms)", D.to_duration_millis, (-500,), "PT-0.5S"),
    ("toDuration(ms)", D.to_duration_millis, (-90500,), "PT-1M-30.5S"),
    ("toDuration(ms)", D.to_duration_millis, (-1,), "PT-0.001S"),
    ("toDuration(ms)", D.to_duration_millis, (2**63 - 1,), None),
    ("date(s)", D.date_literal, ("2021-02-19",), "2021-02-19"),
    ("date(s)", D.date_literal, ("2021-02-19T10:00:00",), "2021-02-19T10:00"),
    ("date(s)", D.date_literal, ("2022-02-10T00:00:00Z",), "2022-02-10T00:00Z"),
    ("date(s)", D.date_literal, ("2024-02-19T00.00.000Z",), None),
    ("date(s)", D.date_literal, ("2021-02-30",), None),
]


@pytest.mark.parametrize(
    ("signature", "function", "args", "rendered"),
    CONVERSIONS,
    ids=[f"{row[0]}-{i}" for i, row in enumerate(CONVERSIONS)],
)
def test_conversions(
    signature: str, function: Callable[..., object], args: tuple[Any, ...], rendered: str | None
) -> None:
    result = function(*args)
    assert render_value(result) == rendered
    if isinstance(result, dt.datetime) and result.tzinfo is not None:
        assert isinstance(result.tzinfo, dt.timezone)


def test_conversion_result_kinds() -> None:
    assert type(D.date_literal("2021-02-19")) is dt.date
    assert D.to_date_only_string("2023-08-18T00:00:00") == dt.date(2023, 8, 18)
    assert type(D.to_date_only_string("2023-08-18T00:00:00")) is dt.date
    local = D.date_literal("2021-02-19T10:00:00")
    assert isinstance(local, dt.datetime) and local.tzinfo is None
    assert D.to_date_time_only_string("2023-08-18") == dt.datetime(2023, 8, 18)


@pytest.mark.parametrize(
    "call",
    [
        lambda: D.to_date_time_zone_local("europe/paris", ldt("2024-01-01T00:00")),
        lambda: D.to_date_time_zone_date("CEST", day("2024-01-01")),
        lambda: D.to_date_time_local_zone(ldt("2024-01-01T00:00"), "UTC+1"),
    ],
)
def test_computed_zone_invalid(call: Callable[[], object]) -> None:
    assert fault_code(call) == "E-EVAL-ZONE"


# --- §10.6 now, nowWithDelta ------------------------------------------------------------------


def test_now_functions() -> None:
    now = odt("2019-06-03T06:30:00Z")
    assert render_value(D.now_utc(now)) == "2019-06-03T06:30Z"
    assert render_value(D.now_utc(odt("2019-06-03T08:30:00+02:00"))) == "2019-06-03T06:30Z"
    assert render_value(D.now_in_zone(now, "Europe/Paris")) == "2019-06-03T08:30+02:00"
    assert D.current_time_in_millis(odt("2018-12-13T14:50:17.131Z")) == 1544712617131
    assert D.current_time_in_millis(odt("1969-12-31T23:59:59.9995Z")) == -1
    assert D.now_in_zone(now, None) is None
    assert fault_code(lambda: D.now_in_zone(now, "Mars/Base")) == "E-EVAL-ZONE"


NOW_WITH_DELTA = [
    ("2024-03-30T10:00:00Z", 24, "hours", "Europe/Paris", "2024-03-31T12:00+02:00"),
    ("2024-03-30T10:00:00Z", 1, "days", "Europe/Paris", "2024-03-31T11:00+02:00"),
    ("2024-03-30T01:30:00Z", 1, "days", "Europe/Paris", "2024-03-31T03:30+02:00"),
    ("2024-10-26T00:30:00Z", 1, "days", "Europe/Paris", "2024-10-27T02:30+02:00"),
    ("2024-10-28T01:30:00Z", -1, "days", "Europe/Paris", "2024-10-27T02:30+01:00"),
    ("2024-03-10T12:00:00Z", -7, "days", "UTC", "2024-03-03T12:00Z"),
    ("2024-03-10T12:00:00Z", -1, "weeks", "UTC", "2024-03-03T12:00Z"),
    ("2024-01-31T10:00:00Z", 1, "months", "UTC", "2024-02-29T10:00Z"),
    ("2023-01-31T10:00:00Z", 1, "Month", "UTC", "2023-02-28T10:00Z"),
    ("2024-02-29T10:00:00Z", 1, "YEARS", "UTC", "2025-02-28T10:00Z"),
    ("2024-02-29T10:00:00Z", -4, "year", "UTC", "2020-02-29T10:00Z"),
    ("2024-01-01T00:00:00Z", 90, "Minutes", "UTC", "2024-01-01T01:30Z"),
    ("2024-01-01T00:00:00Z", -1, "second", "UTC", "2023-12-31T23:59:59Z"),
    ("2024-01-01T00:00:00Z", 0, "days", "Europe/Paris", "2024-01-01T01:00+01:00"),
    ("2024-01-01T00:00:00Z", 1, "hour", "+05:30", "2024-01-01T06:30+05:30"),
    ("2024-10-27T00:30:00Z", 1, "hours", "Europe/Paris", "2024-10-27T02:30+01:00"),
]


@pytest.mark.parametrize(("now", "delta", "part", "tz", "rendered"), NOW_WITH_DELTA)
def test_now_with_delta(now: str, delta: int, part: str, tz: str, rendered: str) -> None:
    assert render_value(D.now_with_delta(odt(now), delta, part, tz)) == rendered


def test_now_with_delta_default_zone_and_nulls() -> None:
    now = odt("2024-03-10T12:00:00+02:00")
    assert render_value(D.now_with_delta(now, -7, "days")) == "2024-03-03T10:00Z"
    assert D.now_with_delta(now, None, "days") is None
    assert D.now_with_delta(now, 1, None) is None
    assert D.now_with_delta(now, 1, "days", None) is None


@pytest.mark.parametrize(
    ("part", "valid"),
    [
        *[(p, True) for p in ("years", "year", "months", "month", "weeks", "week", "days")],
        *[(p, True) for p in ("day", "hours", "hour", "minutes", "minute", "seconds", "second")],
        ("DAYS", True),
        ("Weeks", True),
        ("hOuR", True),
        ("fortnight", False),
        ("milliseconds", False),
        ("millis", False),
        ("d", False),
        ("", False),
        (" days", False),
        ("days ", False),
        ("dayss", False),
    ],
)
def test_date_parts(part: str, valid: bool) -> None:
    now = odt("2024-01-01T00:00:00Z")
    assert D.valid_date_part(part) is valid
    if not valid:
        assert fault_code(lambda: D.now_with_delta(now, 1, part)) == "E-EVAL-DATEPART"


def test_now_with_delta_invalid_zone() -> None:
    now = odt("2024-01-01T00:00:00Z")
    assert fault_code(lambda: D.now_with_delta(now, 1, "days", "Nowhere/City")) == "E-EVAL-ZONE"


@pytest.mark.parametrize("part", ["years", "months", "weeks", "days", "hours", "seconds"])
@pytest.mark.parametrize("delta", [10**12, -(2**63)])
def test_now_with_delta_overflow(part: str, delta: int) -> None:
    now = odt("2024-01-01T00:00:00Z")
    assert fault_code(lambda: D.now_with_delta(now, delta, part)) == "E-EVAL-OVERFLOW"


# --- setHours, setDays, updateTimeZone --------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "value", "arg", "rendered"),
    [
        (D.set_hours, odt("2010-12-12T01:11:00Z"), 4, "2010-12-12T04:11Z"),
        (D.set_hours, odt("2024-03-31T01:11:05.5+01:00"), 2, "2024-03-31T02:11:05.500+01:00"),
        (D.set_hours, ldt("2010-12-12T01:11:00"), 23, "2010-12-12T23:11"),
        (D.set_hours, ldt("2010-12-12T01:11:00"), 0, "2010-12-12T00:11"),
        (D.set_days, odt("2010-12-12T01:11:00Z"), 25, "2010-12-25T01:11Z"),
        (D.set_days, odt("2010-12-12T01:11:00-03:00"), 31, "2010-12-31T01:11-03:00"),
        (D.set_days, ldt("2024-02-12T01:11:00"), 29, "2024-02-29T01:11"),
        (D.set_days, ldt("2024-02-12T01:11:00"), 1, "2024-02-01T01:11"),
        (D.set_hours, None, 4, None),
        (D.set_hours, ldt("2010-12-12T01:11:00"), None, None),
        (D.set_days, None, 4, None),
        (D.set_days, ldt("2010-12-12T01:11:00"), None, None),
    ],
)
def test_set_fields(
    function: Callable[[Any, Any], object], value: Any, arg: Any, rendered: str | None
) -> None:
    assert render_value(function(value, arg)) == rendered


@pytest.mark.parametrize(
    ("function", "value", "arg"),
    [
        (D.set_hours, odt("2010-12-12T01:11:00Z"), 24),
        (D.set_hours, ldt("2010-12-12T01:11:00"), -1),
        (D.set_days, odt("2010-12-12T01:11:00Z"), 32),
        (D.set_days, odt("2010-12-12T01:11:00Z"), 0),
        (D.set_days, ldt("2023-02-12T01:11:00"), 29),
        (D.set_days, ldt("2023-04-12T01:11:00"), 31),
    ],
)
def test_set_fields_out_of_range(
    function: Callable[[Any, Any], object], value: Any, arg: int
) -> None:
    assert fault_code(lambda: function(value, arg)) == "E-EVAL-RANGE"


@pytest.mark.parametrize(
    ("check", "n", "ok"),
    [
        (D.hour_in_range, 0, True),
        (D.hour_in_range, 23, True),
        (D.hour_in_range, 24, False),
        (D.hour_in_range, -1, False),
        (D.day_in_range, 1, True),
        (D.day_in_range, 31, True),
        (D.day_in_range, 0, False),
        (D.day_in_range, 32, False),
    ],
)
def test_literal_range_checks(check: Callable[[int], bool], n: int, ok: bool) -> None:
    assert check(n) is ok


@pytest.mark.parametrize(
    ("value", "tz", "rendered"),
    [
        ("2019-08-28T08:15:30.123-07:00", "Europe/Paris", "2019-08-28T17:15:30.123+02:00"),
        ("2019-12-28T08:15:30-07:00", "Europe/Paris", "2019-12-28T16:15:30+01:00"),
        ("2019-12-28T08:15:30-07:00", "Z", "2019-12-28T15:15:30Z"),
        ("2019-12-28T08:15:30-07:00", "GMT+05:30", "2019-12-28T20:45:30+05:30"),
    ],
)
def test_update_time_zone(value: str, tz: str, rendered: str) -> None:
    assert render_value(D.update_time_zone(odt(value), tz)) == rendered


def test_update_time_zone_faults_and_nulls() -> None:
    value = odt("2019-08-28T08:15:30Z")
    assert D.update_time_zone(None, "UTC") is None
    assert D.update_time_zone(value, None) is None
    assert fault_code(lambda: D.update_time_zone(value, "europe/paris")) == "E-EVAL-ZONE"
    edge = odt("9999-12-31T23:00:00Z")
    assert fault_code(lambda: D.update_time_zone(edge, "+05:00")) == "E-EVAL-OVERFLOW"


# --- inLast*/inNext* --------------------------------------------------------------------------

WINDOWS: list[tuple[Callable[[dt.datetime, Any, Any], bool], str, int, str, bool]] = [
    (D.in_last_days, "2019-12-12T01:11:00Z", 4, "2019-12-14T00:00:00Z", True),
    (D.in_next_hours, "2024-01-10T02:00:00Z", 2, "2024-01-10T00:00:00Z", True),
    (D.in_next_hours, "2024-01-10T02:00:00.001Z", 2, "2024-01-10T00:00:00Z", False),
    (D.in_last_hours, "2019-12-12T01:11:00Z", 4, "2019-12-12T03:00:00Z", True),
    (D.in_last_months, "2010-12-12T01:11:00Z", 4, "2011-02-01T00:00:00Z", True),
    (D.in_last_years, "2010-12-12T01:11:00Z", 4, "2012-01-01T00:00:00Z", True),
    (D.in_next_days, "2010-12-12T01:11:00Z", 4, "2010-12-10T00:00:00Z", True),
    (D.in_next_hours, "2010-12-12T01:11:00Z", 4, "2010-12-11T23:00:00Z", True),
    (D.in_next_months, "2020-01-12T01:11:00Z", 4, "2019-11-01T00:00:00Z", True),
    (D.in_next_years, "2021-12-12T01:11:00Z", 4, "2019-01-01T00:00:00Z", True),
    (D.in_last_hours, "2023-12-12T01:11:00Z", 4, "2023-12-12T03:00:00Z", True),
    (D.in_last_years, "2023-12-12T01:11:00Z", 4, "2025-01-01T00:00:00Z", True),
    (D.in_next_hours, "2023-12-11T23:00:00Z", 4, "2023-12-11T23:00:00Z", True),
    (D.in_last_days, "2023-12-12T01:11:00Z", 4, "2023-12-22T00:00:00Z", False),
    # §12.4: now at +02:00 is 2024-03-31T01:30, minus one month clamps to 2024-02-29T01:30
    (D.in_last_months, "2024-02-29T12:00:00+02:00", 1, "2024-03-30T23:30:00Z", True),
    (D.in_last_months, "2024-02-29T01:29:59+02:00", 1, "2024-03-30T23:30:00Z", False),
    # bounds are inclusive; the value must not be in the future (past) for inLast (inNext)
    (D.in_last_days, "2024-01-06T00:00:00Z", 4, "2024-01-10T00:00:00Z", True),
    (D.in_last_days, "2024-01-05T23:59:59.999Z", 4, "2024-01-10T00:00:00Z", False),
    (D.in_last_days, "2024-01-10T00:00:00.001Z", 4, "2024-01-10T00:00:00Z", False),
    (D.in_next_days, "2024-01-09T23:59:59Z", 4, "2024-01-10T00:00:00Z", False),
    # negative n flips the window; n = 0 is the single instant now
    (D.in_last_days, "2024-01-12T00:00:00Z", -3, "2024-01-10T00:00:00Z", True),
    (D.in_last_days, "2024-01-08T00:00:00Z", -3, "2024-01-10T00:00:00Z", False),
    (D.in_next_days, "2024-01-08T00:00:00Z", -3, "2024-01-10T00:00:00Z", True),
    (D.in_last_hours, "2024-01-10T00:00:00Z", 0, "2024-01-10T00:00:00Z", True),
    (D.in_last_hours, "2024-01-10T02:00:00+02:00", 0, "2024-01-10T00:00:00Z", True),
    (D.in_next_hours, "2024-01-10T00:00:00.001Z", 0, "2024-01-10T00:00:00Z", False),
    # a bound beyond the representable years leaves that side of the window open
    (D.in_last_years, "0001-01-01T00:00:00Z", 10**12, "2024-01-10T00:00:00Z", True),
    (D.in_next_days, "9999-01-01T00:00:00Z", 2**62, "2024-01-10T00:00:00Z", True),
    # conformance: window used inside an `all(...)` over experience events
    (D.in_last_days, "2024-03-05T12:00:00Z", 7, "2024-03-10T12:00:00Z", True),
]


@pytest.mark.parametrize(("function", "value", "n", "now", "expected"), WINDOWS)
def test_windows(
    function: Callable[[dt.datetime, Any, Any], bool],
    value: str,
    n: int,
    now: str,
    expected: bool,
) -> None:
    assert function(odt(now), odt(value), n) is expected


@pytest.mark.parametrize(
    "function",
    [
        D.in_last_days,
        D.in_last_hours,
        D.in_last_months,
        D.in_last_years,
        D.in_next_days,
        D.in_next_hours,
        D.in_next_months,
        D.in_next_years,
    ],
)
def test_windows_null_is_false(function: Callable[[dt.datetime, Any, Any], bool]) -> None:
    now = odt("2024-01-10T00:00:00Z")
    assert function(now, None, 3) is False
    assert function(now, now, None) is False


@given(
    st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9000, 1, 1)),
    st.integers(0, 10_000),
    st.integers(-14 * 60, 14 * 60),
)
def test_in_last_days_matches_exact_days(local: dt.datetime, n: int, offset_min: int) -> None:
    now = local.replace(tzinfo=dt.UTC)
    value = (now - dt.timedelta(days=n)).astimezone(dt.timezone(dt.timedelta(minutes=offset_min)))
    assert D.in_last_days(now, value, n)
    assert D.in_next_days(value, now, n)
    assert not D.in_last_days(now, value - dt.timedelta(microseconds=1), n)


# --- dateDiff, + duration, wait ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "a", "b", "expected"),
    [
        (D.date_diff_dates, day("2023-12-15"), day("2023-12-12"), 3),
        (D.date_diff_dates, day("1985-05-20"), day("2023-01-01"), -13740),
        (D.date_diff_dates, day("2022-01-01"), day("2023-01-01"), -365),
        (D.date_diff_locals, ldt("2023-12-15T00:00:00"), ldt("2023-12-12T00:00:00"), 259200000),
        (D.date_diff_locals, ldt("2024-03-31T03:00:00"), ldt("2024-03-31T01:00:00"), 7200000),
        (D.date_diff_locals, ldt("2024-01-01T00:00:00.0009"), ldt("2024-01-01T00:00"), 0),
        (D.date_diff_locals, ldt("2024-01-01T00:00"), ldt("2024-01-01T00:00:00.0019"), -1),
        (
            D.date_diff_date_times,
            odt("2024-01-01T02:00:00+02:00"),
            odt("2024-01-01T00:00:00Z"),
            0,
        ),
        (
            D.date_diff_date_times,
            odt("2024-01-01T00:00:00Z"),
            odt("2024-01-01T00:00:00.0015+00:00"),
            -1,
        ),
        (
            D.date_diff_date_times,
            odt("2024-03-31T03:00:00+02:00"),
            odt("2024-03-31T01:00:00+01:00"),
            3600000,
        ),
        (D.date_diff_dates, None, day("2023-12-12"), None),
        (D.date_diff_locals, ldt("2023-12-12T00:00"), None, None),
        (D.date_diff_date_times, None, None, None),
    ],
)
def test_date_diff(
    function: Callable[[Any, Any], int | None], a: Any, b: Any, expected: int | None
) -> None:
    assert function(a, b) == expected


@pytest.mark.parametrize(
    ("value", "duration", "rendered"),
    [
        (odt("2023-12-03T15:15:30Z"), dt.timedelta(minutes=15), "2023-12-03T15:30:30Z"),
        (ldt("2023-12-03T15:15:30"), dt.timedelta(minutes=15), "2023-12-03T15:30:30"),
        (odt("2023-06-03T06:30:00Z"), dt.timedelta(hours=1), "2023-06-03T07:30Z"),
        (odt("2024-03-30T12:00:00+01:00"), dt.timedelta(days=1), "2024-03-31T12:00+01:00"),
        (ldt("2024-01-01T00:00"), -dt.timedelta(milliseconds=1), "2023-12-31T23:59:59.999"),
        (None, dt.timedelta(hours=1), None),
        (ldt("2024-01-01T00:00"), None, None),
    ],
)
def test_add_duration(value: Any, duration: Any, rendered: str | None) -> None:
    assert render_value(D.add_duration(value, duration)) == rendered


@pytest.mark.parametrize(
    ("value", "duration"),
    [
        (odt("9999-12-31T23:00:00Z"), dt.timedelta(hours=1)),
        (ldt("0001-01-01T00:00"), -dt.timedelta(microseconds=1)),
        (ldt("2024-01-01T00:00"), dt.timedelta(days=999_999_999)),
    ],
)
def test_add_duration_overflow(value: dt.datetime, duration: dt.timedelta) -> None:
    assert fault_code(lambda: D.add_duration(value, duration)) == "E-EVAL-OVERFLOW"


@given(
    st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9000, 1, 1)),
    st.integers(-(10**12), 10**12),
)
def test_date_diff_inverts_add_duration(local: dt.datetime, ms: int) -> None:
    moved = D.add_duration(local, dt.timedelta(milliseconds=ms))
    assert D.date_diff_locals(moved, local) == ms


@pytest.mark.parametrize(
    ("value", "tz", "rendered"),
    [
        (ldt("2024-01-05T09:00:00"), "Europe/Paris", "2024-01-05T09:00+01:00"),
        (ldt("2024-02-05T08:30:00"), "Europe/Paris", "2024-02-05T08:30+01:00"),
        (ldt("2024-03-31T02:30:00"), "Europe/Paris", "2024-03-31T03:30+02:00"),
        (ldt("2024-01-05T09:00:00"), "UTC", "2024-01-05T09:00Z"),
        (odt("2024-01-05T09:00:00-05:00"), "Europe/Paris", "2024-01-05T09:00-05:00"),
        (None, "Europe/Paris", None),
    ],
)
def test_wait_instant(value: dt.datetime | None, tz: str, rendered: str | None) -> None:
    assert render_value(D.wait_instant(value, tz)) == rendered


def test_wait_instant_default_zone_and_invalid_zone() -> None:
    assert render_value(D.wait_instant(ldt("2024-01-05T09:00:00"))) == "2024-01-05T09:00Z"
    assert fault_code(lambda: D.wait_instant(ldt("2024-01-05T09:00"), "Paris")) == "E-EVAL-ZONE"


# --- §9 null arguments ------------------------------------------------------------------------

NULL_CALLS: list[Callable[[], object]] = [
    lambda: D.to_date_time_string(None),
    lambda: D.to_date_time_millis(None),
    lambda: D.to_date_time_zone_local(None, ldt("2024-01-01T00:00")),
    lambda: D.to_date_time_zone_local("UTC", None),
    lambda: D.to_date_time_local_zone(None, "UTC"),
    lambda: D.to_date_time_zone_date("UTC", None),
    lambda: D.to_date_time_zone_date(None, day("2024-01-01")),
    lambda: D.to_date_only_date_time(None),
    lambda: D.to_date_only_local(None),
    lambda: D.to_date_only_string(None),
    lambda: D.to_date_only_ymd(2024, None, 1),
    lambda: D.to_date_time_only_date_time(None),
    lambda: D.to_date_time_only_string(None),
    lambda: D.to_duration_string(None),
    lambda: D.to_duration_millis(None),
    lambda: D.date_literal(None),
    lambda: D.now_with_delta(odt("2024-01-01T00:00:00Z"), None, "days"),
    lambda: D.update_time_zone(None, "UTC"),
]


@pytest.mark.parametrize("call", NULL_CALLS)
def test_null_arguments_give_null(call: Callable[[], object]) -> None:
    assert call() is None
