"""Tests for jexpr.runtime.values: kinds (§5.4), equality (§6.3), ordering (§6.4), arithmetic (§6.6)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jexpr.errors import EvalFault
from jexpr.runtime.values import (
    INT_MAX,
    INT_MIN,
    EqSet,
    NoEqualityKey,
    add_num,
    check_float,
    check_int,
    compare,
    div,
    equality_key,
    equals,
    kind,
    mod,
    mul,
    neg,
    sub,
)

PLUS2 = timezone(timedelta(hours=2))


def dt(s: str) -> datetime:
    return datetime.fromisoformat(s)


# --------------------------------------------------------------------------- kind

KINDS: list[tuple[Any, str]] = [
    (None, "null"),
    (True, "boolean"),
    (False, "boolean"),
    (0, "integer"),
    (INT_MAX, "integer"),
    (INT_MIN, "integer"),
    (1.5, "decimal"),
    (-0.0, "decimal"),
    ("", "string"),
    (dt("2019-06-03T08:30+02:00"), "dateTime"),
    (datetime(2019, 6, 3, 8, 30, tzinfo=ZoneInfo("Europe/Paris")), "dateTime"),
    (dt("2019-06-03T08:30"), "dateTimeOnly"),
    (date(2023, 8, 18), "dateOnly"),
    (timedelta(hours=1), "duration"),
    ([1, 2], "list"),
    ((1, 2), "list"),
    ({"a": 1}, "object"),
    (OrderedDict(a=1), "object"),
]


@pytest.mark.parametrize(("value", "expected"), KINDS)
def test_kind(value: Any, expected: str) -> None:
    assert kind(value) == expected


@pytest.mark.parametrize(
    "value", [INT_MAX + 1, INT_MIN - 1, float("inf"), float("nan"), object(), {1, 2}, b"x"]
)
def test_kind_rejects_values_without_a_jexpr_type(value: Any) -> None:
    with pytest.raises(EvalFault) as e:
        kind(value)
    assert e.value.code == "E-EVAL-PAYLOAD"


def test_check_int_and_float() -> None:
    assert check_int(INT_MAX) == INT_MAX
    assert check_int(INT_MIN) == INT_MIN
    assert check_float(1e308) == 1e308
    for bad_int in (INT_MAX + 1, INT_MIN - 1):
        with pytest.raises(EvalFault, match="E-EVAL-OVERFLOW"):
            check_int(bad_int)
    for bad_float in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(EvalFault, match="E-EVAL-OVERFLOW"):
            check_float(bad_float)


# --------------------------------------------------------------------------- equality

EQUALS: list[tuple[Any, Any, bool]] = [
    (42, 42.0, True),  # §6.3 Java promotion
    (42.0, 42, True),
    (2**53 + 1, float(2**53), True),  # promotion rounds the integer
    (2**53 + 1, 2**53, False),  # integers compare exactly
    (0.0, -0.0, True),
    (1, True, False),  # different kinds
    (0, False, False),
    (3, "3", False),
    ("true", True, False),
    ("abc", "abc", True),
    ("abc", "ABC", False),
    (dt("2019-06-03T08:30+02:00"), dt("2019-06-03T06:30+00:00"), True),
    (dt("2019-06-03T08:30+02:00"), dt("2019-06-03T08:30+00:00"), False),
    (dt("2019-06-03T06:30"), dt("2019-06-03T06:30+00:00"), False),  # dateTimeOnly vs dateTime
    (dt("2019-06-03T06:30"), dt("2019-06-03T06:30"), True),
    (date(2023, 1, 1), datetime(2023, 1, 1), False),  # dateOnly vs dateTimeOnly
    (date(2023, 1, 1), date(2023, 1, 1), True),
    (timedelta(hours=1), timedelta(minutes=60), True),  # PT1H == PT60M
    (timedelta(hours=1), 3600, False),
    ([1, 2], [1.0, 2.0], True),
    ([1, 2], (1, 2), True),
    ([1, 2], [1, 2, 3], False),
    ([1, [2, None]], [1, [2, None]], True),
    ({"a": 1, "b": [1]}, {"b": [1.0], "a": 1}, True),
    ({"a": 1}, {"a": 1, "b": None}, False),
    ({"a": 1}, OrderedDict(a=1.0), True),
    (None, None, True),
    (None, 0, False),
    (None, "", False),
    ([], {}, False),
]


@pytest.mark.parametrize(("a", "b", "expected"), EQUALS)
def test_equals(a: Any, b: Any, expected: bool) -> None:
    assert equals(a, b) is expected
    assert equals(b, a) is expected


@pytest.mark.parametrize(("a", "b", "expected"), EQUALS)
def test_equality_key_agrees_with_equals(a: Any, b: Any, expected: bool) -> None:
    try:
        ka, kb = equality_key(a), equality_key(b)
    except NoEqualityKey:
        return
    assert (ka == kb) is expected
    if expected:
        assert hash(ka) == hash(kb)


def test_eq_set_falls_back_to_pairwise_equality() -> None:
    s = EqSet([1.0, 2**53 + 1, 2**53 + 1, float(2**53)])
    assert s.items() == [1.0, 2**53 + 1]
    assert 1 in s
    assert 2**53 + 2 not in s
    assert len(s) == 2
    with pytest.raises(NoEqualityKey):
        equality_key(2**53 + 1)


# --------------------------------------------------------------------------- ordering

COMPARE: list[tuple[Any, Any, int]] = [
    (1, 2, -1),
    (2, 1.5, 1),
    (2, 2.0, 0),
    (-0.0, 0.0, 0),
    (dt("2019-06-03T08:30+02:00"), dt("2019-06-03T06:30+00:00"), 0),
    (dt("2019-06-03T08:30+02:00"), dt("2019-06-03T06:31+00:00"), -1),
    (dt("2023-01-02T00:00"), dt("2023-01-01T00:00"), 1),
    (date(2023, 1, 1), date(2023, 1, 2), -1),
    (timedelta(hours=1), timedelta(minutes=30), 1),
]


@pytest.mark.parametrize(("a", "b", "expected"), COMPARE)
def test_compare(a: Any, b: Any, expected: int) -> None:
    assert compare(a, b) == expected
    assert compare(b, a) == -expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("a", "b"),
        (True, False),
        (1, True),
        (dt("2023-01-01T00:00+00:00"), dt("2023-01-01T00:00")),
        (timedelta(1), 1),
        (date(2023, 1, 1), datetime(2023, 1, 1)),
        ([1], [2]),
    ],
)
def test_compare_rejects_unorderable_pairs(a: Any, b: Any) -> None:
    with pytest.raises(EvalFault) as e:
        compare(a, b)
    assert e.value.code == "E-EVAL-TYPE"
    assert "got" in e.value.message


# --------------------------------------------------------------------------- arithmetic

Op = Callable[[Any, Any], Any]

ARITHMETIC: list[tuple[Op, Any, Any, Any]] = [
    (add_num, 2, 3, 5),
    (add_num, 2, 0.5, 2.5),
    (sub, 2, 1, 1),
    (sub, 2.5, 1, 1.5),
    (mul, 3, 4, 12),
    (mul, 3.0, 4.0, 12.0),
    (mul, 3, 4.0, 12.0),
    (div, 9, 4, 2),
    (div, -7, 2, -3),
    (div, 7, -2, -3),
    (div, -1, 2, 0),
    (div, 7.0, 2, 3.5),
    (div, 4, 0, 0),
    (div, 5, 0.0, 0.0),
    (div, 5.0, -0.0, 0.0),
    (div, 5.0, 0, 0.0),
    (div, INT_MIN, 1, INT_MIN),
    (mod, -7, 3, -1),
    (mod, 7, -3, 1),
    (mod, -9, 4, -1),
    (mod, 7, 3, 1),
    (mod, -7.5, 2, -1.5),
    (mod, 7.5, -2, 1.5),
    (mod, 5.5, 0, 0.0),
    (mod, 5, 0, 0),
    (mod, INT_MIN, -1, 0),
    (add_num, None, 1, None),
    (sub, 1, None, None),
    (mul, None, None, None),
    (div, None, 0, None),
    (mod, 1.5, None, None),
]


@pytest.mark.parametrize(("op", "a", "b", "expected"), ARITHMETIC)
def test_arithmetic(op: Op, a: Any, b: Any, expected: Any) -> None:
    result = op(a, b)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("op", "a", "b"),
    [
        (add_num, INT_MAX, 1),
        (sub, INT_MIN, 1),
        (mul, INT_MAX, 2),
        (div, INT_MIN, -1),
        (mul, 1.0e308, 10.0),
        (add_num, 1.7e308, 1.7e308),
        (div, 1e308, 1e-10),
    ],
)
def test_arithmetic_overflow(op: Op, a: Any, b: Any) -> None:
    with pytest.raises(EvalFault) as e:
        op(a, b)
    assert e.value.code == "E-EVAL-OVERFLOW"


@pytest.mark.parametrize("op", [add_num, sub, mul, div, mod])
@pytest.mark.parametrize(("a", "b"), [(True, 1), (1, "2"), ("a", "b"), (timedelta(1), 1), ([1], 1)])
def test_arithmetic_rejects_non_numbers(op: Op, a: Any, b: Any) -> None:
    with pytest.raises(EvalFault) as e:
        op(a, b)
    assert e.value.code == "E-EVAL-TYPE"


NEGATION: list[tuple[Any, Any]] = [
    (5, -5),
    (INT_MAX, -INT_MAX),
    (2.5, -2.5),
    (0.0, -0.0),
    (timedelta(hours=1, minutes=30), timedelta(hours=-1, minutes=-30)),
    (None, None),
]


@pytest.mark.parametrize(("a", "expected"), NEGATION)
def test_neg(a: Any, expected: Any) -> None:
    assert neg(a) == expected
    assert type(neg(a)) is type(expected)


def test_neg_errors() -> None:
    with pytest.raises(EvalFault, match="E-EVAL-OVERFLOW"):
        neg(INT_MIN)
    with pytest.raises(EvalFault, match="E-EVAL-OVERFLOW"):
        neg(timedelta.max)
    for bad in (True, "a", date(2020, 1, 1)):
        with pytest.raises(EvalFault, match="E-EVAL-TYPE"):
            neg(bad)


# --------------------------------------------------------------------------- properties

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(INT_MIN, INT_MAX),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
    st.timedeltas(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.sampled_from([UTC, PLUS2])),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=8,
)
ints = st.integers(INT_MIN, INT_MAX)


@given(values)
def test_equals_is_reflexive(a: Any) -> None:
    assert equals(a, a)


@given(values, values)
def test_equals_is_symmetric(a: Any, b: Any) -> None:
    assert equals(a, b) is equals(b, a)


@given(values, values)
def test_equality_key_matches_equals(a: Any, b: Any) -> None:
    try:
        same = equality_key(a) == equality_key(b)
    except NoEqualityKey:
        return
    assert same is equals(a, b)


@given(ints, ints.filter(lambda b: b != 0))
def test_div_mod_identity(a: int, b: int) -> None:
    if a == INT_MIN and b == -1:
        return
    q, r = div(a, b), mod(a, b)
    assert a == q * b + r
    assert abs(r) < abs(b)
    assert r == 0 or (r < 0) == (a < 0)


@given(ints | st.floats(-1e300, 1e300), ints | st.floats(-1e300, 1e300))
def test_compare_agrees_with_equals_on_numbers(a: Any, b: Any) -> None:
    assert (compare(a, b) == 0) is equals(a, b)
