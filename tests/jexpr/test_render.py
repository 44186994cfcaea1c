"""Spec §11 rendering: Double.toString, date-times, dates, durations, render_value."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jexpr.runtime.render import (
    java_double,
    render_date,
    render_duration,
    render_local_datetime,
    render_offset_datetime,
    render_value,
)
from jexpr.runtime.temporal import parse_duration


def tz(hours: int = 0, minutes: int = 0, seconds: int = 0) -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=hours, minutes=minutes, seconds=seconds))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (4.0, "4.0"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e10, "1.0E10"),
        (1e-4, "1.0E-4"),
        (-0.0, "-0.0"),
        (0.0, "0.0"),
        (100.0, "100.0"),
        (0.001, "0.001"),
        (9999999.0, "9999999.0"),
        (33.333333333333336, "33.333333333333336"),
        (1e7, "1.0E7"),
        (1.23456789e7, "1.23456789E7"),
        (1e-5, "1.0E-5"),
        (1.5e-7, "1.5E-7"),
        (1e21, "1.0E21"),
        (1e23, "1.0E23"),
        (0.00099, "9.9E-4"),
        (-123.456, "-123.456"),
        (18.6, "18.6"),
        (6.6, "6.6"),
        (2.0**63, "9.223372036854776E18"),
        # §11 takes Python repr digits; JDK 19+ prints 4.9E-324 here (2-digit rule, subnormals)
        (5e-324, "5.0E-324"),
        (1.7976931348623157e308, "1.7976931348623157E308"),
    ],
)
def test_java_double(value: float, text: str) -> None:
    assert java_double(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_java_double_round_trips(value: float) -> None:
    text = java_double(value)
    assert float(text) == value
    assert math.copysign(1.0, float(text)) == math.copysign(1.0, value)
    assert "." in text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.datetime(2019, 6, 3, 6, 30, tzinfo=dt.UTC), "2019-06-03T06:30Z"),
        (dt.datetime(2019, 6, 3, 8, 30, tzinfo=tz(2)), "2019-06-03T08:30+02:00"),
        (
            dt.datetime(2023, 12, 3, 15, 15, 30, 123000, tzinfo=tz(minutes=-20)),
            "2023-12-03T15:15:30.123-00:20",
        ),
        (dt.datetime(2023, 12, 3, 15, 15, 30, tzinfo=tz(-0)), "2023-12-03T15:15:30Z"),
        (dt.datetime(2023, 12, 3, 15, 15, 0, 1, tzinfo=tz(-5)), "2023-12-03T15:15:00.000001-05:00"),
        (dt.datetime(2023, 1, 1, 0, 0, tzinfo=tz(5, 30, 15)), "2023-01-01T00:00+05:30:15"),
        (dt.datetime(1, 1, 1, tzinfo=tz(-18)), "0001-01-01T00:00-18:00"),
    ],
)
def test_render_offset_datetime(value: dt.datetime, text: str) -> None:
    assert render_offset_datetime(value) == text
    assert render_value(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.datetime(2019, 6, 3, 6, 30), "2019-06-03T06:30"),
        (dt.datetime(2024, 1, 1, 10, 15, 30, 500000), "2024-01-01T10:15:30.500"),
        (dt.datetime(2016, 8, 18, 23, 17, 59, 123000), "2016-08-18T23:17:59.123"),
        (dt.datetime(2011, 12, 3, 15, 15, 30), "2011-12-03T15:15:30"),
        (dt.datetime(2011, 12, 3, 15, 15, 0, 120), "2011-12-03T15:15:00.000120"),
        (dt.datetime(2023, 8, 18), "2023-08-18T00:00"),
    ],
)
def test_render_local_datetime(value: dt.datetime, text: str) -> None:
    assert render_local_datetime(value) == text
    assert render_value(value) == text


def test_render_date() -> None:
    assert render_date(dt.date(2023, 8, 18)) == "2023-08-18"
    assert render_date(dt.date(1, 2, 3)) == "0001-02-03"
    assert render_value(dt.date(2021, 2, 19)) == "2021-02-19"


def ms(n: int) -> dt.timedelta:
    return dt.timedelta(milliseconds=n)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.timedelta(0), "PT0S"),
        (ms(1520), "PT1.52S"),
        (dt.timedelta(days=2), "PT48H"),
        (-ms(90500), "PT-1M-30.5S"),
        (ms(-1500), "PT-1.5S"),
        (ms(-500), "PT-0.5S"),
        (ms(-1), "PT-0.001S"),
        (dt.timedelta(days=1, milliseconds=1), "PT24H0.001S"),
        (dt.timedelta(minutes=90), "PT1H30M"),
        (-dt.timedelta(minutes=90), "PT-1H-30M"),
        (-dt.timedelta(hours=2, minutes=15), "PT-2H-15M"),
        (-dt.timedelta(hours=6, minutes=3), "PT-6H-3M"),
        (dt.timedelta(hours=51, minutes=4), "PT51H4M"),
        (ms(500), "PT0.5S"),
        (ms(20345), "PT20.345S"),
        (dt.timedelta(hours=10), "PT10H"),
        (dt.timedelta(seconds=4), "PT4S"),
        (dt.timedelta(hours=1, seconds=1), "PT1H1S"),
        (dt.timedelta(microseconds=1), "PT0.000001S"),
        (dt.timedelta(microseconds=-1), "PT-0.000001S"),
        (-dt.timedelta(hours=1, microseconds=1), "PT-1H-0.000001S"),
        (-dt.timedelta(seconds=61), "PT-1M-1S"),
    ],
)
def test_render_duration(value: dt.timedelta, text: str) -> None:
    assert render_duration(value) == text
    assert render_value(value) == text


@given(st.timedeltas(min_value=dt.timedelta(days=-(10**8)), max_value=dt.timedelta(days=10**8)))
def test_render_duration_round_trips(value: dt.timedelta) -> None:
    assert parse_duration(render_duration(value)) == value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("abc", "abc"),
        ("", ""),
        (-5, "-5"),
        (9223372036854775807, "9223372036854775807"),
        (True, "true"),
        (False, "false"),
        (7.0, "7.0"),
    ],
)
def test_render_value_scalars(value: object, text: str | None) -> None:
    assert render_value(value) == text


@pytest.mark.parametrize("value", [[1, 2], {"a": 1}, (1,), object()])
def test_render_value_rejects_non_scalars(value: object) -> None:
    with pytest.raises(TypeError):
        render_value(value)
