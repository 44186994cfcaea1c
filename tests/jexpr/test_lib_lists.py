"""Tests for jexpr.runtime.lib.lists: the list functions of spec §10.7 and their null rules (§9)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jexpr.errors import EvalFault
from jexpr.runtime.lib.lists import (
    attribute,
    distinct,
    distinct_by_key,
    distinct_with_null,
    filter_,
    get_list_item,
    in_,
    intersect,
    limit,
    list_,
    list_size,
    serialize_list,
    sort,
    sort_by_key,
)


def dt(s: str) -> datetime:
    return datetime.fromisoformat(s)


PRODUCTS = [
    {"id": "product1", "name": "the product 1", "price": 20},
    {"id": "product2", "name": "the product 2", "price": 30},
    {"id": "product3", "name": "the product 3", "price": 40},
]
P1, P2, P3 = PRODUCTS
SKU_A = {"SKU": "A", "qty": 1}
SKU_A2 = {"SKU": "A", "qty": 2}
SKU_B = {"SKU": "B", "qty": 1}
NO_SKU = {"qty": 3}
NULL_SKU = {"SKU": None, "qty": 4}

CASES: list[tuple[Callable[..., Any], tuple[Any, ...], Any]] = [
    # distinct / distinctWithNull
    (distinct, ([10, 2, 10, None],), [10, 2]),
    (distinct, ([1, 1.0, 2.0, 2],), [1, 2.0]),
    (distinct, ([True, 1, False, 0],), [True, 1, False, 0]),
    (
        distinct,
        ([dt("2019-06-03T08:30+02:00"), dt("2019-06-03T06:30+00:00")],),
        [dt("2019-06-03T08:30+02:00")],
    ),
    (distinct, ([SKU_A, SKU_B, dict(SKU_A), SKU_A2],), [SKU_A, SKU_B, SKU_A2]),
    (distinct, ([[1, 2], [1.0, 2.0], None, []],), [[1, 2], []]),
    (distinct, ([],), []),
    (distinct, (None,), None),
    (distinct_with_null, ([10, 2, 10, None],), [10, 2, None]),
    (distinct_with_null, ([None, 1, None, 1],), [None, 1]),
    (distinct_with_null, (None,), None),
    (distinct_by_key, ([SKU_A, SKU_B, SKU_A2, NO_SKU, NULL_SKU], "SKU"), [SKU_A, SKU_B]),
    (distinct_by_key, (None, "SKU"), None),
    (distinct_by_key, ([SKU_A], None), None),
    # filter
    (filter_, (PRODUCTS, "id", ["product2", "product3", "product4"]), [P2, P3]),
    (filter_, (PRODUCTS, "price", [40.0, None, 20]), [P1, P3]),
    (filter_, ([NULL_SKU, NO_SKU, None, SKU_A], "SKU", [None, "A"]), [SKU_A]),
    (filter_, (None, "id", ["x"]), None),
    (filter_, (PRODUCTS, None, ["x"]), None),
    (filter_, (PRODUCTS, "id", None), None),
    # getListItem
    (get_list_item, (["A", "B", "C"], 2), "C"),
    (get_list_item, ([1, 2, 3], 3), None),
    (get_list_item, ([1, 2, 3], -1), None),
    (get_list_item, (["20", "45", "2", "3434"], 0), "20"),
    (get_list_item, (None, 0), None),
    (get_list_item, ([1], None), None),
    # in
    (in_, (2.0, [1, 2, 3]), True),
    (in_, ("addToCart", ["view", "addToCart"]), True),
    (in_, (4, [1, 2, 3]), False),
    (in_, (None, [1, None]), False),
    (in_, (1, None), False),
    (in_, (1, [True]), False),
    (in_, (dt("2019-06-03T08:30+02:00"), [dt("2019-06-03T06:30+00:00")]), True),
    # intersect
    (
        intersect,
        (["sports", "news", "documentary"], ["sports", "movies", "documentary"]),
        ["sports", "documentary"],
    ),
    (intersect, ([1, 2, 2, None, 3], [None, 3, 2.0]), [2, 3]),
    (intersect, (None, [1]), []),
    (intersect, ([1], None), []),
    # limit
    (limit, (["A", "B", "C", "D", "E"], 3), ["A", "B", "C"]),
    (limit, (["A", "B", "C", "D", "E"], 3, False), ["C", "D", "E"]),
    (limit, (["A", "B", "C", "D", "E"], 3, True), ["A", "B", "C"]),
    (limit, (["A", "B"], 5, False), ["A", "B"]),
    (limit, (["A", "B"], 0), []),
    (limit, (["A", "B"], -1, False), []),
    (limit, ((1, None, 3), 2), [1, None]),
    (limit, (None, 2), None),
    (limit, (["A"], None), None),
    (limit, (["A"], 1, None), None),
    # list
    (list_, ("a",), ["a"]),
    (list_, ([1, 2],), [1, 2]),
    (list_, (True,), [True]),
    (list_, (SKU_A,), [SKU_A]),
    (list_, (["SKU-1", "SKU-2"],), ["SKU-1", "SKU-2"]),
    (list_, (None,), None),
    # listSize
    (list_size, ([1, None, 3],), 3),
    (list_size, ([10, 2, 3],), 3),
    (list_size, ([],), 0),
    (list_size, (None,), 0),
    # serializeList
    (serialize_list, (["Hello", "World"], ",", True), '"Hello","World"'),
    (serialize_list, (["Hello", "World"], " ", False), "Hello World"),
    (serialize_list, (['a"b', None, "c"], ";", True), '"a"b";"c"'),
    (serialize_list, ([1, 2.5, True, None, 1e10], "|", False), "1|2.5|true|1.0E10"),
    (
        serialize_list,
        ([date(2023, 8, 18), timedelta(seconds=1.52)], ",", False),
        "2023-08-18,PT1.52S",
    ),
    (serialize_list, ([], ",", True), ""),
    (serialize_list, ([None], ",", True), ""),
    (serialize_list, (None, ",", True), None),
    (serialize_list, (["a"], None, True), None),
    (serialize_list, (["a"], ",", None), None),
    # sort
    (sort, (["A", "C", "B"], True), ["A", "B", "C"]),
    (sort, (["b", None, "a"], False), ["b", "a", None]),
    (sort, (["b", None, "a"], True), ["a", "b", None]),
    (sort, (["B", "a", "C"], True), ["B", "C", "a"]),
    (sort, ([3, None, 1.5, 2], True), [1.5, 2, 3, None]),
    (sort, ([None, 3, None, 1], False), [3, 1, None, None]),
    (sort, ([True, False, True], True), [False, True, True]),
    (sort, ([True, False], False), [True, False]),
    (
        sort,
        (
            [
                dt("2019-06-03T08:30+02:00"),
                dt("2019-06-03T07:00+00:00"),
                dt("2019-06-03T06:30+00:00"),
            ],
            True,
        ),
        [dt("2019-06-03T08:30+02:00"), dt("2019-06-03T06:30+00:00"), dt("2019-06-03T07:00+00:00")],
    ),
    (
        sort,
        ([timedelta(hours=2), timedelta(minutes=5)], True),
        [timedelta(minutes=5), timedelta(hours=2)],
    ),
    (sort, ([date(2023, 2, 1), date(2023, 1, 1)], True), [date(2023, 1, 1), date(2023, 2, 1)]),
    (sort, ([], True), []),
    (sort, (None, True), None),
    (sort, ([1], None), None),
    # sort by key
    (sort_by_key, (PRODUCTS[::-1], "price", True), PRODUCTS),
    (sort_by_key, (PRODUCTS, "price", False), PRODUCTS[::-1]),
    (
        sort_by_key,
        ([NO_SKU, SKU_B, NULL_SKU, SKU_A, SKU_A2], "SKU", True),
        [SKU_A, SKU_A2, SKU_B, NO_SKU, NULL_SKU],
    ),
    (
        sort_by_key,
        ([NO_SKU, SKU_B, NULL_SKU, SKU_A, SKU_A2], "SKU", False),
        [SKU_B, SKU_A, SKU_A2, NO_SKU, NULL_SKU],
    ),
    (sort_by_key, (None, "SKU", True), None),
    (sort_by_key, ([SKU_A], None, True), None),
    (sort_by_key, ([SKU_A], "SKU", None), None),
]


@pytest.mark.parametrize(
    ("fn", "args", "expected"), CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]
)
def test_list_function(fn: Callable[..., Any], args: tuple[Any, ...], expected: Any) -> None:
    result = fn(*args)
    assert result == expected
    if isinstance(expected, list):
        assert [type(x) for x in result] == [type(x) for x in expected]
        if expected and isinstance(expected[0], dict):
            assert all(r is e for r, e in zip(result, expected, strict=True))


def test_list_returns_a_list_unchanged() -> None:
    value = [1, 2]
    assert list_(value) is value


def test_limit_returns_a_copy() -> None:
    value = [1, 2]
    assert limit(value, 5) is not value


def test_key_functions_apply_coerce() -> None:
    items = [{"n": "2"}, {"n": "10"}, {"n": None}, {"n": "2.0"}]

    def coerce(v: Any) -> Any:
        assert v is not None
        return float(v)

    assert sort_by_key(items, "n", True, coerce) == [items[0], items[3], items[1], items[2]]
    assert distinct_by_key(items, "n", coerce) == [items[0], items[1]]
    assert filter_(items, "n", [2], coerce) == [items[0], items[3]]
    assert attribute(items[0], "n", coerce) == 2.0
    assert attribute(None, "n", coerce) is None


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        (sort, ([1, "a"], True)),
        (sort, ([True, 1], True)),
        (sort, ([dt("2023-01-01T00:00+00:00"), dt("2023-01-01T00:00")], True)),
        (sort, ([date(2023, 1, 1), datetime(2023, 1, 1)], True)),
        (sort, ([[1], [2]], True)),
        (sort, ([{"a": 1}], True)),
        (sort_by_key, ([{"k": 1}, {"k": "a"}], "k", True)),
        (sort_by_key, ([{"k": 1}, 5], "k", True)),
        (filter_, ([5], "k", [1])),
        (distinct_by_key, (["x"], "k")),
        (serialize_list, ([[1]], ",", False)),
        (serialize_list, ([{"a": 1}], ",", False)),
    ],
)
def test_runtime_type_errors(fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    with pytest.raises(EvalFault) as e:
        fn(*args)
    assert e.value.code == "E-EVAL-TYPE"


# --------------------------------------------------------------------------- properties

sortable = st.one_of(
    st.lists(st.one_of(st.none(), st.integers(-5, 5), st.floats(-5, 5))),
    st.lists(st.one_of(st.none(), st.text(max_size=2))),
    st.lists(st.one_of(st.none(), st.booleans())),
)


@given(sortable, st.booleans())
def test_sort_is_stable_and_puts_nulls_last(values: list[Any], asc: bool) -> None:
    tagged = [{"k": v, "pos": i} for i, v in enumerate(values)]
    result = sort_by_key(tagged, "k", asc)
    assert result is not None
    keys = [obj["k"] for obj in result]
    assert keys == sort(values, asc)
    n = len(values) - values.count(None)
    assert all(k is not None for k in keys[:n])
    assert all(k is None for k in keys[n:])
    for a, b in pairwise(result):
        if a["k"] is None or b["k"] is None or a["k"] == b["k"]:
            if (a["k"] is None) == (b["k"] is None):
                assert a["pos"] < b["pos"]
        else:
            assert (a["k"] < b["k"]) is asc


@given(st.lists(st.one_of(st.none(), st.integers(-3, 3), st.floats(-3, 3), st.text(max_size=1))))
def test_distinct_keeps_first_occurrences(values: list[Any]) -> None:
    result = distinct(values)
    assert result is not None
    assert None not in result
    for i, x in enumerate(result):
        assert not any(in_(x, [y]) for y in result[i + 1 :])
    assert all(in_(x, result) for x in values if x is not None)
    assert distinct_with_null(values) == (
        result if None not in values else _with_first_null(values, result)
    )


def _with_first_null(values: list[Any], result: list[Any]) -> list[Any]:
    before = values[: values.index(None)]
    k = len(distinct(before) or [])
    return [*result[:k], None, *result[k:]]


@given(st.lists(st.integers(-3, 3) | st.none()), st.lists(st.integers(-3, 3) | st.none()))
def test_intersect_is_ordered_subset(a: list[Any], b: list[Any]) -> None:
    result = intersect(a, b)
    assert result == [x for x in (distinct(a) or []) if x in b]
