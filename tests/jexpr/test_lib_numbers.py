"""Tests for jexpr.runtime.lib.numbers: toBool, toDecimal, toInteger (§10.5), round, random (§10.8)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from fractions import Fraction
from random import Random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jexpr.errors import EvalFault
from jexpr.runtime.lib.numbers import random_, round_, to_bool, to_decimal, to_integer
from jexpr.runtime.values import INT_MAX, INT_MIN

CASES: list[tuple[Callable[[Any], Any], Any, Any]] = [
    # toBool
    (to_bool, "true", True),
    (to_bool, "TRUE", False),    # Adobe: true only for exactly "true" (issue 14)
    (to_bool, "tRuE", False),
    (to_bool, " true", False),
    (to_bool, "1", False),
    (to_bool, "yes", False),
    (to_bool, "this is not a boolean", False),
    (to_bool, "", False),
    (to_bool, "ＴＲＵＥ", False),  # fullwidth letters are not ASCII
    (to_bool, 2.5, True),
    (to_bool, 0.0, False),
    (to_bool, -0.0, False),
    (to_bool, 0, False),
    (to_bool, -3, True),
    (to_bool, True, True),
    (to_bool, False, False),
    (to_bool, None, None),
    # toDecimal
    (to_decimal, "4.0", 4.0),
    (to_decimal, "1e3", 1000.0),
    (to_decimal, "-.5", -0.5),
    (to_decimal, "+5.", 5.0),
    (to_decimal, "1.5E-3", 0.0015),
    (to_decimal, " \t12.5\n", 12.5),
    (to_decimal, "\x0012\x20", 12.0),
    (to_decimal, "NaN", None),
    (to_decimal, "Infinity", None),
    (to_decimal, "1e400", None),
    (to_decimal, "1_000", None),
    (to_decimal, "\u00a012", None),  # U+00A0 is not trimmed
    (to_decimal, "١٢", None),  # non-ASCII digits
    (to_decimal, "0x10", None),
    (to_decimal, "", None),
    (to_decimal, ".", None),
    (to_decimal, "e5", None),
    (to_decimal, True, 1.0),
    (to_decimal, False, 0.0),
    (to_decimal, 3, 3.0),
    (to_decimal, 2.5, 2.5),
    (to_decimal, None, None),
    # toInteger
    (to_integer, 4, 4),
    (to_integer, 1.5, 1),
    (to_integer, -1.9, -1),
    (to_integer, 9.223372036854776e18, None),
    (to_integer, -9.223372036854776e18, INT_MIN),
    (to_integer, 1e300, None),
    (to_integer, False, 0),
    (to_integer, True, 1),
    (to_integer, "+17", 17),
    (to_integer, "-17", -17),
    (to_integer, "0017", 17),
    (to_integer, "9223372036854775807", INT_MAX),
    (to_integer, "-9223372036854775808", INT_MIN),
    (to_integer, "9223372036854775808", None),
    (to_integer, "-" + "0" * 5000 + "5", -5),
    (to_integer, "9" * 5000, None),
    (to_integer, "4.5", None),
    (to_integer, " 17", None),
    (to_integer, "abc", None),
    (to_integer, "1_000", None),
    (to_integer, "١٢", None),
    (to_integer, "", None),
    (to_integer, "+", None),
    (to_integer, datetime.fromisoformat("2019-06-17T09:03:10.189+00:00"), 1560762190189),
    (to_integer, datetime.fromisoformat("2019-06-17T11:03:10.189+02:00"), 1560762190189),
    (to_integer, datetime.fromisoformat("1969-12-31T23:59:59.999500+00:00"), -1),
    (to_integer, None, None),
    # round
    (round_, 3.14, 3),
    (round_, 2.5, 3),
    (round_, -2.5, -2),
    (round_, -3.14, -3),
    (round_, 0.49999999999999994, 0),
    (round_, -0.49999999999999994, 0),
    (round_, -0.5, 0),
    (round_, 0.5, 1),
    (round_, 4503599627370497.0, 4503599627370497),
    (round_, -9.223372036854776e18, INT_MIN),
    (round_, 7, 7),
    (round_, INT_MAX, INT_MAX),
    (round_, None, None),
]


@pytest.mark.parametrize(
    ("fn", "arg", "expected"), CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]
)
def test_number_function(fn: Callable[[Any], Any], arg: Any, expected: Any) -> None:
    result = fn(arg)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("arg", [9.223372036854776e18, 1e300, -1e19])
def test_round_out_of_range_overflows(arg: float) -> None:
    with pytest.raises(EvalFault) as e:
        round_(arg)
    assert e.value.code == "E-EVAL-OVERFLOW"


@pytest.mark.parametrize(
    ("fn", "arg"),
    [
        (to_bool, date(2020, 1, 1)),
        (to_bool, [True]),
        (to_decimal, timedelta(1)),
        (to_decimal, {"a": 1}),
        (to_integer, datetime(2020, 1, 1)),  # dateTimeOnly
        (to_integer, date(2020, 1, 1)),
        (to_integer, timedelta(1)),
        (round_, "2.5"),
        (round_, True),
    ],
)
def test_unsupported_kinds(fn: Callable[[Any], Any], arg: Any) -> None:
    with pytest.raises(EvalFault) as e:
        fn(arg)
    assert e.value.code == "E-EVAL-TYPE"


def test_random_uses_the_given_source() -> None:
    values = [random_(Random(7)) for _ in range(3)]
    assert values[0] == values[1] == values[2] == Random(7).random()
    rng = Random(1)
    assert all(0.0 <= random_(rng) < 1.0 for _ in range(1000))


finite = st.floats(-1e18, 1e18, allow_nan=False)


@given(finite)
def test_round_is_java_math_round(x: float) -> None:
    assert round_(x) == math.floor(Fraction(x) + Fraction(1, 2))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_to_decimal_reads_its_own_repr(x: float) -> None:
    assert to_decimal(repr(x)) == x


@given(st.integers(INT_MIN, INT_MAX))
def test_to_integer_reads_decimal_text(n: int) -> None:
    assert to_integer(str(n)) == n
    assert to_integer(("+" if n >= 0 else "") + str(n)) == n


@given(finite)
def test_to_integer_truncates_toward_zero(x: float) -> None:
    assert to_integer(x) == math.trunc(x)
