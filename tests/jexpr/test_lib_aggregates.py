"""Tests for jexpr.runtime.lib.aggregates: the aggregation functions of spec §10.4 and null rules (§9)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jexpr.errors import EvalFault
from jexpr.runtime.lib.aggregates import (
    avg_list,
    avg_pair,
    count,
    count_only_null,
    count_with_null,
    distinct_count,
    distinct_count_by_key,
    distinct_count_with_null,
    max_list,
    max_pair,
    min_list,
    min_pair,
    sum_list,
    sum_pair,
)
from jexpr.runtime.values import INT_MAX, INT_MIN


def dt(s: str) -> datetime:
    return datetime.fromisoformat(s)


L = [10, 2, 10, None]
PARIS = dt("2019-06-03T08:30+02:00")
UTC_SAME = dt("2019-06-03T06:30+00:00")
PRODUCTS = [
    {"SKU": "A", "name": "a"},
    {"SKU": "B", "name": "b"},
    {"SKU": "A", "name": "a"},
    {"SKU": "C", "name": "c"},
]
ITEMS = [{"SKU": "A"}, {"SKU": "B"}, {"SKU": "A", "x": 1}, {"SKU": None}, {"x": 2}]

CASES: list[tuple[Callable[..., Any], tuple[Any, ...], Any]] = [
    # avg
    (avg_list, ([10, 3, 8],), 7.0),
    (avg_list, ([1, None, 2],), 1.5),
    (avg_list, ([1.5, 2],), 1.75),
    (avg_list, ([],), None),
    (avg_list, ([None],), None),
    (avg_list, (None,), None),
    (avg_list, ([INT_MAX, INT_MAX],), float(INT_MAX)),
    (avg_list, ([1.7e308, 1.7e308],), 1.7e308),
    (avg_pair, (10.2, 3), 6.6),
    (avg_pair, (7, 5), 6.0),
    (avg_pair, (None, 4), 4.0),
    (avg_pair, (None, None), None),
    # counts
    (count, (L,), 3),
    (count, (None,), 0),
    (count, (PRODUCTS,), 4),
    (count, (["token_1", "token_2", "token_3"],), 3),
    (count_only_null, (L,), 1),
    (count_only_null, (None,), 0),
    (count_with_null, (L,), 4),
    (count_with_null, (None,), 0),
    (distinct_count, (L,), 2),
    (distinct_count, (None,), 0),
    (distinct_count, ([1, 1.0, True],), 2),
    (distinct_count, (PRODUCTS,), 3),
    (distinct_count_by_key, (ITEMS, "SKU"), 2),
    (distinct_count_by_key, (None, "SKU"), 0),
    (distinct_count_by_key, (ITEMS, None), 0),
    (distinct_count_with_null, (L,), 3),
    (distinct_count_with_null, ([None, None],), 1),
    (distinct_count_with_null, (None,), 0),
    # max / min
    (max_list, ([10, 3, 8],), 10),
    (max_list, ([10, None, 8],), 10),
    (min_list, ([10, 3, 8],), 3),
    (min_list, ([10, None, 8],), 8),
    (max_list, ([1, 2.5],), 2.5),
    (max_list, ([3, 2.5],), 3.0),
    (max_list, ([3, 2],), 3),
    (max_list, ([3, 2], True), 3.0),
    (max_list, ([],), None),
    (max_list, ([None, None],), None),
    (max_list, (None,), None),
    (min_list, (None,), None),
    (max_list, ([timedelta(hours=1), timedelta(minutes=30)],), timedelta(hours=1)),
    (min_list, ([date(2023, 1, 2), None, date(2023, 1, 1)],), date(2023, 1, 1)),
    (max_list, ([dt("2023-01-01T10:00"), dt("2023-01-01T11:00")],), dt("2023-01-01T11:00")),
    (max_pair, (3, 2.5), 3.0),
    (min_pair, (3, 2.5), 2.5),
    (max_pair, (3, 2), 3),
    (max_pair, (3, None, True), 3.0),
    (max_pair, (None, None), None),
    (min_pair, (None, 7), 7),
    (min_pair, (6, 5), 5),
    (max_pair, (timedelta(hours=1), timedelta(minutes=30)), timedelta(hours=1)),
    (min_pair, (date(2023, 1, 1), date(2022, 1, 1)), date(2022, 1, 1)),
    # sum
    (sum_list, ([10, 3, 8],), 21),
    (sum_list, ([10.5, None, 8.1],), 18.6),
    (sum_list, ([1, 2.5],), 3.5),
    (sum_list, ([1, 2], True), 3.0),
    (sum_list, ([],), 0),
    (sum_list, ([], True), 0.0),
    (sum_list, ([None],), 0),
    (sum_list, ([None], True), 0.0),
    (sum_list, (None,), 0),
    (sum_list, (None, True), 0.0),
    (sum_list, ([INT_MAX, 1, -1],), INT_MAX),
    (sum_list, ([INT_MIN],), INT_MIN),
    (sum_pair, (7, None), 7),
    (sum_pair, (7, 2), 9),
    (sum_pair, (7, 2.5), 9.5),
    (sum_pair, (7, None, True), 7.0),
    (sum_pair, (None, None), 0),
]


@pytest.mark.parametrize(
    ("fn", "args", "expected"), CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]
)
def test_aggregate(fn: Callable[..., Any], args: tuple[Any, ...], expected: Any) -> None:
    result = fn(*args)
    if type(expected) is float:
        assert type(result) is float
        assert math.isclose(result, expected, rel_tol=1e-12)
    else:
        assert result == expected
        assert type(result) is type(expected)


def test_ties_return_the_first_occurrence() -> None:
    assert max_list([UTC_SAME, PARIS]) is UTC_SAME
    assert max_list([PARIS, UTC_SAME]) is PARIS
    assert min_pair(PARIS, UTC_SAME) is PARIS
    a, b = {"n": 1}, {"n": 1}
    assert distinct_count([a, b]) == 1


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        (sum_list, ([1, "2"],)),
        (sum_list, ([True],)),
        (avg_list, ([timedelta(1)],)),
        (avg_pair, ("1", 2)),
        (max_list, (["a", "b"],)),
        (max_list, ([True, False],)),
        (max_list, ([1, timedelta(1)],)),
        (min_list, ([dt("2023-01-01T00:00+00:00"), dt("2023-01-01T00:00")],)),
        (min_list, ([date(2023, 1, 1), datetime(2023, 1, 1)],)),
        (max_pair, (date(2023, 1, 1), 1)),
        (max_list, ([[1], [2]],)),
    ],
)
def test_runtime_type_errors(fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    with pytest.raises(EvalFault) as e:
        fn(*args)
    assert e.value.code == "E-EVAL-TYPE"


@pytest.mark.parametrize(
    "args", [([INT_MAX, 1],), ([INT_MIN, -1],), ([1.7e308, 1.7e308],), ([1.0e308, 1e308], True)]
)
def test_sum_overflow(args: tuple[Any, ...]) -> None:
    with pytest.raises(EvalFault) as e:
        sum_list(*args)
    assert e.value.code == "E-EVAL-OVERFLOW"


ints = st.integers(-(10**6), 10**6)


@given(st.lists(ints | st.none()))
def test_integer_aggregates_match_python(values: list[int | None]) -> None:
    present = [v for v in values if v is not None]
    assert sum_list(values) == sum(present)
    assert count(values) == len(present)
    assert count(values) + count_only_null(values) == count_with_null(values)
    assert distinct_count(values) == len(set(present))
    assert distinct_count_with_null(values) == len(set(values))
    if present:
        assert max_list(values) == max(present)
        assert min_list(values) == min(present)
        assert avg_list(values) == pytest.approx(sum(present) / len(present))
    else:
        assert max_list(values) is None
        assert avg_list(values) is None


@given(ints | st.none(), ints | st.none())
def test_pair_forms_are_the_list_form(a: int | None, b: int | None) -> None:
    assert max_pair(a, b) == max_list([a, b])
    assert min_pair(a, b) == min_list([a, b])
    assert sum_pair(a, b) == sum_list([a, b])
    assert avg_pair(a, b) == avg_list([a, b])
