"""JSON encoding of typed values (spec §17) and the conformance comparison table."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from jexpr.runtime.jsonenc import from_json, to_json, values_match

UTC = dt.UTC
PLUS2 = dt.timezone(dt.timedelta(hours=2))

ROUND_TRIPS: list[tuple[Any, Any]] = [
    (None, None),
    (True, True),
    (42, 42),
    (-9223372036854775808, -9223372036854775808),
    (7.0, 7.0),
    (0.30000000000000004, 0.30000000000000004),
    ("hello", "hello"),
    (dt.datetime(2019, 6, 3, 6, 30, tzinfo=UTC), {"dateTime": "2019-06-03T06:30Z"}),
    (
        dt.datetime(2011, 12, 3, 15, 15, 30, 123000, tzinfo=PLUS2),
        {"dateTime": "2011-12-03T15:15:30.123+02:00"},
    ),
    (dt.datetime(2016, 8, 18), {"dateTimeOnly": "2016-08-18T00:00"}),
    (dt.date(2023, 8, 18), {"dateOnly": "2023-08-18"}),
    (dt.timedelta(hours=1, minutes=30), {"duration": "PT1H30M"}),
    (dt.timedelta(milliseconds=-500), {"duration": "PT-0.5S"}),
    ([1, None, 3], [1, None, 3]),
    ({"a": [dt.date(2020, 1, 2)], "b": {"c": 1.5}}, {"a": [{"dateOnly": "2020-01-02"}], "b": {"c": 1.5}}),
    ({"dateTime": "x"}, {"object": {"dateTime": "x"}}),
    ({"object": 1}, {"object": {"object": 1}}),
    ({"error": True}, {"object": {"error": True}}),
    ({"duration": "PT1H", "other": 1}, {"duration": "PT1H", "other": 1}),
    ({}, {}),
]


@pytest.mark.parametrize(("value", "encoded"), ROUND_TRIPS)
def test_round_trip(value: Any, encoded: Any) -> None:
    assert to_json(value) == encoded
    back = from_json(encoded)
    assert back == value
    assert type(back) is type(value)
    assert values_match(encoded, value)


def test_number_kinds_survive_json_text() -> None:
    text = json.dumps(to_json([7, 7.0, 1e20]))
    assert text == "[7, 7.0, 1e+20]"
    assert [type(x) for x in from_json(json.loads(text))] == [int, float, float]


def test_aware_datetime_keeps_offset() -> None:
    value = from_json({"dateTime": "2019-06-03T08:30:00+02:00"})
    assert value.utcoffset() == dt.timedelta(hours=2)


def test_tuple_encodes_as_list() -> None:
    assert to_json((1, "a")) == [1, "a"]


@pytest.mark.parametrize(
    "bad",
    [
        {"dateTime": "2019-06-03T06:30"},  # no offset
        {"dateTime": 5},
        {"dateTimeOnly": "2019-06-03T06:30Z"},
        {"dateOnly": "2023-02-30"},
        {"duration": "P1M"},
        {"object": [1]},
        {"error": True},
        {"timeZone": "Europe/Paris"},
        [{"dateOnly": "nope"}],
    ],
)
def test_from_json_rejects_malformed_tags(bad: Any) -> None:
    with pytest.raises(ValueError):
        from_json(bad)


@pytest.mark.parametrize("bad", [object(), {1: "a"}])
def test_to_json_rejects_non_values(bad: Any) -> None:
    with pytest.raises(TypeError):
        to_json(bad)


def test_to_json_rejects_non_finite() -> None:
    with pytest.raises(ValueError):
        to_json(float("nan"))


# ---------------------------------------------------------------------------------------------
# Comparison table


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (None, None),
        (True, True),
        ("a", "a"),
        (24, 24),
        (7.0, 7.0),
        (0.3, 0.1 + 0.2),  # relative tolerance 1e-9
        (1e20, 1e20 * (1 + 1e-12)),
        ([1, [2]], [1, [2]]),
        ([1, 2], (1, 2)),
        ({"dateTime": "2019-06-03T06:30Z"}, dt.datetime(2019, 6, 3, 6, 30, tzinfo=UTC)),
        ({"dateTime": "2019-06-03T06:30:00.000Z"}, dt.datetime(2019, 6, 3, 6, 30, tzinfo=UTC)),
        ({"dateTimeOnly": "2016-08-18T00:00:00.000"}, dt.datetime(2016, 8, 18)),
        ({"dateTimeOnly": "2016-08-18T00:00"}, dt.datetime(2016, 8, 18)),
        ({"dateOnly": "2023-08-18"}, dt.date(2023, 8, 18)),
        ({"duration": "PT48H"}, dt.timedelta(days=2)),
        ({"duration": "P2D"}, dt.timedelta(hours=48)),
        ({"object": {"dateTime": "x"}}, {"dateTime": "x"}),
        ({"a": 1, "b": {"dateOnly": "2020-01-01"}}, {"b": dt.date(2020, 1, 1), "a": 1}),
        ({}, {}),
    ],
)
def test_values_match(expected: Any, actual: Any) -> None:
    assert values_match(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (None, 0),
        (0, None),
        (True, 1),
        (1, True),
        (24, 24.0),  # an integer expectation needs an int
        (7.0, 7),  # a decimal expectation needs a float
        (0.3, 0.3000001),
        ("1", 1),
        ([1, 2], [1, 2, 3]),
        ([1, 2], [2, 1]),
        ([], {}),
        # same instant, other offset
        ({"dateTime": "2019-06-03T06:30Z"}, dt.datetime(2019, 6, 3, 8, 30, tzinfo=PLUS2)),
        # same wall clock, other instant
        ({"dateTime": "2019-06-03T06:30Z"}, dt.datetime(2019, 6, 3, 6, 30, tzinfo=PLUS2)),
        ({"dateTime": "2019-06-03T06:30Z"}, dt.datetime(2019, 6, 3, 6, 30)),
        ({"dateTimeOnly": "2016-08-18T00:00"}, dt.datetime(2016, 8, 18, tzinfo=UTC)),
        ({"dateTimeOnly": "2016-08-18T00:00"}, dt.date(2016, 8, 18)),
        ({"dateOnly": "2016-08-18"}, dt.datetime(2016, 8, 18)),
        ({"duration": "PT1S"}, dt.timedelta(seconds=2)),
        ({"duration": "PT1S"}, 1000),
        ({"dateOnly": "2016-08-18"}, {"dateOnly": "2016-08-18"}),  # a payload object
        ({"object": {"dateOnly": "x"}}, dt.date(2016, 8, 18)),
        ({"a": 1}, {"a": 1, "b": 2}),
        ({"a": 1}, {"a": 2}),
        ({"a": 1}, [("a", 1)]),
    ],
)
def test_values_do_not_match(expected: Any, actual: Any) -> None:
    assert not values_match(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ({"dateTime": "garbage"}, None),
        ({"duration": 3}, None),
        ({"error": True}, None),
        ([{"timeZone": "UTC"}], [None]),
        ({"object": 5}, {}),
    ],
)
def test_values_match_reports_bad_expectations(expected: Any, actual: Any) -> None:
    with pytest.raises(ValueError):
        values_match(expected, actual)
