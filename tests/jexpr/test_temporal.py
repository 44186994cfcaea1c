"""Spec §12 text forms, durations, zone ids, placing wall times, and §5.3 temporal coercion."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jexpr.errors import EvalFault
from jexpr.runtime.render import render_offset_datetime
from jexpr.runtime.temporal import (
    check_year_range,
    coerce_temporal,
    parse_date,
    parse_duration,
    parse_local_datetime,
    parse_offset_datetime,
    place_local,
    region_ids,
    start_of_day,
    to_fixed,
    zone,
)

PARIS = zone("Europe/Paris")


def tz(hours: int = 0, minutes: int = 0, seconds: int = 0) -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=hours, minutes=minutes, seconds=seconds))


# --- §12.2 text forms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-08-18", dt.date(2023, 8, 18)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("0001-01-01", dt.date(1, 1, 1)),
        ("9999-12-31", dt.date(9999, 12, 31)),
        ("2023-02-29", None),
        ("2023-13-01", None),
        ("2023-00-10", None),
        ("2023-04-31", None),
        ("0000-01-01", None),
        ("2023-8-18", None),
        ("23-08-18", None),
        ("2023-08-18 ", None),
        ("2023-08-18\n", None),
        ("2023-08-18T00:00", None),
        ("２０２３-08-18", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2011-12-03T15:15:30", dt.datetime(2011, 12, 3, 15, 15, 30)),
        ("2011-12-03t15:15", dt.datetime(2011, 12, 3, 15, 15)),
        ("2016-08-18T23:17:59.123", dt.datetime(2016, 8, 18, 23, 17, 59, 123000)),
        ("2016-08-18T23:17:59.1", dt.datetime(2016, 8, 18, 23, 17, 59, 100000)),
        ("2016-08-18T23:17:59.123456789", dt.datetime(2016, 8, 18, 23, 17, 59, 123456)),
        ("2016-08-18T23:17:59.1234567891", None),
        ("2016-08-18T23:17:59.", None),
        ("2016-08-18T23:17.5", None),
        ("2016-08-18T24:00:00", None),
        ("2016-08-18T23:60:00", None),
        ("2016-08-18T23:59:60", None),
        ("2016-08-18T23", None),
        ("2016-08-18 23:17:59", None),
        ("2016-02-30T00:00:00", None),
        ("2016-08-18T23:17:59Z", None),
        ("2023-08-18", None),
    ],
)
def test_parse_local_datetime(text: str, expected: dt.datetime | None) -> None:
    assert parse_local_datetime(text) == expected


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("2023-12-03T15:15:30Z", "2023-12-03T15:15:30Z"),
        ("2023-12-03t15:15:30z", "2023-12-03T15:15:30Z"),
        ("2023-12-03T15:15:30.123+02:00", "2023-12-03T15:15:30.123+02:00"),
        ("2019-08-28T08:15:30.123-07:00", "2019-08-28T08:15:30.123-07:00"),
        ("2023-12-03T15:15:30-00:20", "2023-12-03T15:15:30-00:20"),
        ("2023-12-03T15:15-00:00", "2023-12-03T15:15Z"),
        ("2023-12-03T15:15+00:00", "2023-12-03T15:15Z"),
        ("2023-12-03T15:15:30+05:30:15", "2023-12-03T15:15:30+05:30:15"),
        ("2023-12-03T15:15:30+18:00", "2023-12-03T15:15:30+18:00"),
        ("2023-12-03T15:15:30-18:00", "2023-12-03T15:15:30-18:00"),
        ("2023-12-03T15:15:30.1234567891Z", None),
        ("2023-12-03T15:15:30.123456789Z", "2023-12-03T15:15:30.123456Z"),
        ("2023-12-03T15:15:30+18:01", None),
        ("2023-12-03T15:15:30+19:00", None),
        ("2023-12-03T15:15:30+05:60", None),
        ("2023-12-03T15:15:30+0530", None),
        ("2023-12-03T15:15:30+05", None),
        ("2023-12-03T15:15:30", None),
        ("2023-12-03T15:15:30Z[Europe/Paris]", None),
        ("2024-02-19T00.00.000Z", None),
        ("2023-02-29T00:00Z", None),
        ("garbage", None),
    ],
)
def test_parse_offset_datetime(text: str, rendered: str | None) -> None:
    value = parse_offset_datetime(text)
    if rendered is None:
        assert value is None
    else:
        assert value is not None
        assert isinstance(value.tzinfo, dt.timezone)
        assert render_offset_datetime(value) == rendered


aware_datetimes = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)
).flatmap(
    lambda local: st.integers(-18 * 3600, 18 * 3600).map(
        lambda secs: local.replace(tzinfo=dt.timezone(dt.timedelta(seconds=secs)))
    )
)


@given(aware_datetimes)
def test_offset_datetime_round_trips(value: dt.datetime) -> None:
    parsed = parse_offset_datetime(render_offset_datetime(value))
    assert parsed == value
    assert parsed is not None and parsed.utcoffset() == value.utcoffset()


# --- §12.5 durations --------------------------------------------------------------------------

H, M, S = dt.timedelta(hours=1), dt.timedelta(minutes=1), dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT20.345S", dt.timedelta(seconds=20, milliseconds=345)),
        ("P2D", 48 * H),
        ("PT-6H3M", -6 * H + 3 * M),
        ("-PT-6H+3M", 6 * H - 3 * M),
        ("pt10h", 10 * H),
        ("PT1,5S", 1.5 * S),
        ("PT1.S", S),
        ("PT10H", 10 * H),
        ("P2DT3H4M", 51 * H + 4 * M),
        ("-PT6H3M", -(6 * H + 3 * M)),
        ("PT4S", 4 * S),
        ("PT90M", 90 * M),
        ("P1DT0.001S", dt.timedelta(days=1, milliseconds=1)),
        ("PT-0.5S", -0.5 * S),
        ("PT-1.5S", -1.5 * S),
        ("+PT1H", H),
        ("P+1D", dt.timedelta(days=1)),
        ("PT0S", dt.timedelta(0)),
        ("PT1.123456789S", dt.timedelta(seconds=1, microseconds=123456)),
        ("pT1h2m3.5s", H + 2 * M + 3.5 * S),
        ("P1M", None),
        ("P1Y", None),
        ("P1W", None),
        ("P-6H3M", None),
        ("-P6H3M", None),
        ("-P-6H+3M", None),
        ("PT", None),
        ("P", None),
        ("1H", None),
        ("PT.5S", None),
        (" PT1H", None),
        ("PT1H ", None),
        ("PT1.1234567891S", None),
        ("P1DT", None),
        ("PT1H1H", None),
        ("PT1S1M", None),
        ("PT1ſ", None),
        ("P999999999999999999999D", None),
        ("", None),
    ],
)
def test_parse_duration(text: str, expected: dt.timedelta | None) -> None:
    assert parse_duration(text) == expected


# --- §12.3 zone ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz_id", "offset"),
    [
        ("Z", dt.timedelta(0)),
        ("UTC", dt.timedelta(0)),
        ("GMT", dt.timedelta(0)),
        ("+05:30", dt.timedelta(hours=5, minutes=30)),
        ("-03:00", dt.timedelta(hours=-3)),
        ("+18:00", dt.timedelta(hours=18)),
        ("-18:00", dt.timedelta(hours=-18)),
        ("+05", dt.timedelta(hours=5)),
        ("-11", dt.timedelta(hours=-11)),
        ("UTC+01:00", dt.timedelta(hours=1)),
        ("UTC-01:30", dt.timedelta(hours=-1, minutes=-30)),
        ("GMT-03:00", dt.timedelta(hours=-3)),
        ("GMT+14:00", dt.timedelta(hours=14)),
    ],
)
def test_zone_fixed_offsets(tz_id: str, offset: dt.timedelta) -> None:
    found = zone(tz_id)
    assert found is not None
    assert found.utcoffset(None) == offset


@pytest.mark.parametrize(
    "tz_id",
    [
        "Europe/Paris",
        "America/New_York",
        "America/Argentina/Buenos_Aires",
        "Asia/Kolkata",
        "Etc/GMT+5",
        "CET",
        "EST",
        "Zulu",
        "Etc/UTC",
    ],
)
def test_zone_regions(tz_id: str) -> None:
    found = zone(tz_id)
    assert isinstance(found, zoneinfo.ZoneInfo)
    assert str(found) == tz_id
    assert zone(tz_id) is found  # cached


@pytest.mark.parametrize(
    "tz_id",
    [
        "europe/paris",
        "EUROPE/PARIS",
        "Europe/Pariss",
        "+5",
        "UTC+1",
        "UTC+01",
        "GMT+1",
        "CEST",
        "PST",
        "utc",
        "z",
        "+18:01",
        "-19:00",
        "+05:60",
        "+0530",
        "+05:30:00",
        "localtime",
        "posixrules",
        "Factory",
        "",
        " UTC",
        "Europe/",
        "../Europe/Paris",
        "UTC+01:00 ",
    ],
)
def test_zone_rejects(tz_id: str) -> None:
    assert zone(tz_id) is None


def test_region_ids_come_from_tzdata() -> None:
    ids = region_ids()
    assert "Europe/Paris" in ids
    assert ids.isdisjoint({"localtime", "posixrules", "Factory"})


# --- §12.4 placing wall times -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz_id", "local", "rendered"),
    [
        ("Europe/Paris", dt.datetime(2024, 3, 31, 2, 30), "2024-03-31T03:30+02:00"),
        ("Europe/Paris", dt.datetime(2024, 10, 27, 2, 30), "2024-10-27T02:30+02:00"),
        ("Europe/Paris", dt.datetime(2024, 1, 5, 9, 0), "2024-01-05T09:00+01:00"),
        ("Europe/Paris", dt.datetime(2024, 2, 5, 8, 30), "2024-02-05T08:30+01:00"),
        ("Europe/Paris", dt.datetime(2024, 3, 31, 3, 0), "2024-03-31T03:00+02:00"),
        ("Europe/Paris", dt.datetime(2024, 3, 31, 1, 59, 59), "2024-03-31T01:59:59+01:00"),
        ("America/New_York", dt.datetime(2024, 3, 10, 2, 15), "2024-03-10T03:15-04:00"),
        ("America/New_York", dt.datetime(2024, 11, 3, 1, 30), "2024-11-03T01:30-04:00"),
        ("UTC", dt.datetime(2023, 8, 18, 23, 17, 59, 123000), "2023-08-18T23:17:59.123Z"),
        ("+05:30", dt.datetime(2023, 8, 18), "2023-08-18T00:00+05:30"),
        ("-10:00", dt.datetime(9999, 12, 31, 23, 0), "9999-12-31T23:00-10:00"),
    ],
)
def test_place_local(tz_id: str, local: dt.datetime, rendered: str) -> None:
    found = zone(tz_id)
    assert found is not None
    placed = place_local(local, found)
    assert isinstance(placed.tzinfo, dt.timezone)
    assert render_offset_datetime(placed) == rendered


def test_place_local_overlap_preferred_offset() -> None:
    assert PARIS is not None
    local = dt.datetime(2024, 10, 27, 2, 30)
    later = place_local(local, PARIS, preferred=dt.timedelta(hours=1))
    assert render_offset_datetime(later) == "2024-10-27T02:30+01:00"
    other = place_local(local, PARIS, preferred=dt.timedelta(hours=3))
    assert render_offset_datetime(other) == "2024-10-27T02:30+02:00"


class _MidGap(dt.tzinfo):
    """+00:00 until 2020-01-01T23:30Z, then +01:00: wall times 23:30–00:30 do not exist."""

    switch = dt.datetime(2020, 1, 1, 23, 30)

    def utcoffset(self, d: dt.datetime | None) -> dt.timedelta:
        assert d is not None
        wall = d.replace(tzinfo=None, fold=0)
        if wall < self.switch:
            return dt.timedelta(0)
        if wall >= self.switch + dt.timedelta(hours=1):
            return dt.timedelta(hours=1)
        return dt.timedelta(hours=d.fold)

    def dst(self, d: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)

    def tzname(self, d: dt.datetime | None) -> str:
        return "MidGap"

    def fromutc(self, d: dt.datetime) -> dt.datetime:
        shift = dt.timedelta(0) if d.replace(tzinfo=None) < self.switch else dt.timedelta(hours=1)
        return d + shift


@pytest.mark.parametrize(
    ("tz_obj", "day", "rendered"),
    [
        (PARIS, dt.date(2023, 8, 18), "2023-08-18T00:00+02:00"),
        (PARIS, dt.date(2024, 3, 31), "2024-03-31T00:00+01:00"),
        (zone("America/Sao_Paulo"), dt.date(2018, 11, 4), "2018-11-04T01:00-02:00"),
        (zone("Asia/Beirut"), dt.date(2023, 3, 26), "2023-03-26T01:00+03:00"),
        (zone("America/Havana"), dt.date(2024, 3, 10), "2024-03-10T01:00-04:00"),
        (_MidGap(), dt.date(2020, 1, 2), "2020-01-02T00:30+01:00"),
        (zone("UTC"), dt.date(1, 1, 1), "0001-01-01T00:00Z"),
    ],
)
def test_start_of_day(tz_obj: dt.tzinfo | None, day: dt.date, rendered: str) -> None:
    assert tz_obj is not None
    assert render_offset_datetime(start_of_day(day, tz_obj)) == rendered


def test_to_fixed() -> None:
    assert PARIS is not None
    value = to_fixed(dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=PARIS))
    assert isinstance(value.tzinfo, dt.timezone)
    assert render_offset_datetime(value) == "2024-10-27T02:30+01:00"
    summer = to_fixed(dt.datetime(2019, 8, 28, 17, 15, 30, 123000, tzinfo=PARIS))
    assert render_offset_datetime(summer) == "2019-08-28T17:15:30.123+02:00"


def test_check_year_range_accepts_representable_years() -> None:
    check_year_range(dt.date(1, 1, 1))
    check_year_range(dt.datetime(9999, 12, 31, 23, 59, tzinfo=tz(-18)))


# --- §5.3 coercion ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "type_name", "expected"),
    [
        ("2023-12-03T15:15:30Z", "dateTime", dt.datetime(2023, 12, 3, 15, 15, 30, tzinfo=dt.UTC)),
        (
            dt.datetime(2024, 7, 1, 12, 0, tzinfo=PARIS),
            "dateTime",
            dt.datetime(2024, 7, 1, 12, 0, tzinfo=tz(2)),
        ),
        ("2011-12-03T15:15:30", "dateTimeOnly", dt.datetime(2011, 12, 3, 15, 15, 30)),
        (dt.datetime(2011, 12, 3), "dateTimeOnly", dt.datetime(2011, 12, 3)),
        ("1985-05-20", "dateOnly", dt.date(1985, 5, 20)),
        (dt.date(1985, 5, 20), "dateOnly", dt.date(1985, 5, 20)),
        ("PT1H", "duration", dt.timedelta(hours=1)),
        (1520, "duration", dt.timedelta(milliseconds=1520)),
        (-500, "duration", dt.timedelta(milliseconds=-500)),
        (dt.timedelta(days=2), "duration", dt.timedelta(days=2)),
        (None, "dateTime", None),
        (None, "duration", None),
    ],
)
def test_coerce_temporal_accepts(value: object, type_name: str, expected: object) -> None:
    result = coerce_temporal(value, type_name)
    assert result == expected
    if isinstance(result, dt.datetime) and result.tzinfo is not None:
        assert isinstance(result.tzinfo, dt.timezone)
        assert isinstance(expected, dt.datetime)
        assert result.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        ("2011-12-03T15:15:30", "dateTime"),
        (dt.datetime(2011, 12, 3), "dateTime"),
        (dt.date(2011, 12, 3), "dateTime"),
        (1560762190189, "dateTime"),
        ("2011-12-03T15:15:30Z", "dateTimeOnly"),
        (dt.datetime(2011, 12, 3, tzinfo=dt.UTC), "dateTimeOnly"),
        ("2011-12-03", "dateTimeOnly"),
        ("2011-12-03T00:00", "dateOnly"),
        (dt.datetime(2011, 12, 3), "dateOnly"),
        ("P1M", "duration"),
        (1.5, "duration"),
        (True, "duration"),
        (10**30, "duration"),
        ("garbage", "dateOnly"),
        ([], "dateOnly"),
    ],
)
def test_coerce_temporal_rejects(value: object, type_name: str) -> None:
    with pytest.raises(EvalFault) as info:
        coerce_temporal(value, type_name)
    assert info.value.code == "E-EVAL-PAYLOAD"
    assert type_name in info.value.message
    assert repr(value) in info.value.message
