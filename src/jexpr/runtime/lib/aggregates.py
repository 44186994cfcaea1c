"""The aggregation functions of spec §10.4 (avg, count*, distinctCount*, max, min, sum).

Null elements are ignored (except by ``countOnlyNull``, ``countWithNull`` and
``distinctCountWithNull``) and a null list behaves as ``[]`` (§9): counts give ``0``, ``sum``
gives ``0``/``0.0``, ``avg``/``max``/``min`` give null. Two-argument forms are the list form on
``[a, b]``.

Integer or decimal results: the compiler passes ``decimal=True`` when the static type says the
result is a decimal (``max(3, 2.5)``, ``sum`` of a ``listDecimal``); otherwise the runtime values
decide, a list mixing integers and decimals being treated as decimals. Any other mixture of kinds
is ``E-EVAL-TYPE``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from operator import gt, lt
from typing import Any

from jexpr.errors import EvalFault
from jexpr.runtime.lib.lists import Coerce, attribute
from jexpr.runtime.values import UNSET, EqSet, check_float, check_int, kind

__all__ = [
    "avg_list",
    "avg_numbers",
    "avg_pair",
    "count",
    "count_only_null",
    "count_with_null",
    "distinct_count",
    "distinct_count_by_key",
    "distinct_count_with_null",
    "max_list",
    "max_numbers",
    "max_pair",
    "min_list",
    "min_numbers",
    "min_pair",
    "sum_list",
    "sum_numbers",
    "sum_pair",
]

ListValue = Sequence[Any]

_FAST_KIND: dict[type, str] = {
    int: "integer",
    float: "decimal",
    timedelta: "duration",
    date: "dateOnly",
}
_EXTREMUM_GROUP = {
    "integer": "number",
    "decimal": "number",
    "duration": "duration",
    "dateTime": "dateTime",
    "dateTimeOnly": "dateTimeOnly",
    "dateOnly": "dateOnly",
}


# --------------------------------------------------------------------------- counts


def count(lst: ListValue | None) -> int:
    """Number of non-null elements; 0 for a null list."""
    return 0 if lst is None else len(lst) - lst.count(None)


def count_only_null(lst: ListValue | None) -> int:
    """Number of null elements; 0 for a null list."""
    return 0 if lst is None else lst.count(None)


def count_with_null(lst: ListValue | None) -> int:
    """Number of elements, nulls included; 0 for a null list."""
    return 0 if lst is None else len(lst)


def distinct_count(lst: ListValue | None) -> int:
    """Number of distinct non-null values (§6.3 equality; objects compared whole)."""
    return 0 if lst is None else len(EqSet(x for x in lst if x is not None))


def distinct_count_with_null(lst: ListValue | None) -> int:
    """Number of distinct values, null counting as one value."""
    return 0 if lst is None else len(EqSet(lst))


def distinct_count_by_key(
    lst: ListValue | None, key: str | None, coerce: Coerce | None = None
) -> int:
    """Number of distinct non-null values of attribute ``key`` over a list of objects."""
    if lst is None or key is None:
        return 0
    seen = EqSet()
    for obj in lst:
        value = attribute(obj, key, coerce)
        if value is not None:
            seen.add(value)
    return len(seen)


# --------------------------------------------------------------------------- sum and avg


def _numbers(lst: ListValue | None, name: str) -> tuple[list[Any], bool]:
    """The non-null elements, and whether one is a decimal; ``E-EVAL-TYPE`` for non-numbers."""
    if lst is None:
        return [], False
    values = [x for x in lst if x is not None]
    floats = False
    for x in values:
        t = type(x)
        if t is float:
            floats = True
        elif t is not int:
            k = kind(x)
            if k == "decimal":
                floats = True
            elif k != "integer":
                raise EvalFault("E-EVAL-TYPE", f"{name}: got a {k} element, want numbers")
    return values, floats


def _float_sum(values: list[Any]) -> float:
    """Left-to-right double sum (Java promotion of integer elements)."""
    total = 0.0
    for x in values:
        total += x
    return total


def sum_list(lst: ListValue | None, decimal: bool = False) -> int | float:
    """Sum of the non-null numbers; ``0``/``0.0`` (by ``decimal``) when there are none."""
    values, floats = _numbers(lst, "sum")
    if floats or decimal:
        return check_float(_float_sum(values))
    return check_int(sum(values))


def sum_pair(a: Any, b: Any, decimal: bool = False) -> int | float:
    """``sum(a, b)``: the list form on ``[a, b]``."""
    return sum_list([a, b], decimal)


def avg_list(lst: ListValue | None) -> float | None:
    """Arithmetic mean of the non-null numbers; null when there are none."""
    values, floats = _numbers(lst, "avg")
    n = len(values)
    if n == 0:
        return None
    if not floats:
        return float(sum(values) / n)  # exact integer sum, correctly rounded quotient
    mean = _float_sum(values) / n
    if not math.isfinite(mean):  # the running sum overflowed: scale before adding
        mean = check_float(_float_sum([x / n for x in values]))
    return mean


def avg_pair(a: Any, b: Any) -> float | None:
    """``avg(a, b)``: the list form on ``[a, b]``."""
    return avg_list([a, b])


# --------------------------------------------------------------------------- any lists


def sum_numbers(lst: ListValue) -> Any:
    """``sum`` of a list typed at run time, in one pass: integers, or decimals as soon as one
    element is a decimal (what the dispatcher's listInteger / listDecimal choice gives: a
    left-to-right double sum); UNSET for anything but plain numbers (ints within 64 bits,
    finite floats) and nulls."""
    sums = _number_sums(lst)
    if sums is None:
        return UNSET
    exact, total, floats, _ = sums
    return check_float(total) if floats else check_int(exact)


def avg_numbers(lst: ListValue) -> Any:
    """``avg`` of a list typed at run time (see :func:`sum_numbers`)."""
    sums = _number_sums(lst)
    return UNSET if sums is None else mean_of(*sums)


def _number_sums(lst: ListValue) -> tuple[int, float, bool, int] | None:
    """One pass over the non-null elements: the exact integer sum, the double sum, whether a
    decimal was seen and how many were counted; None at anything but a plain number."""
    exact, total, floats, n = 0, 0.0, False, 0
    for x in lst:
        t = type(x)
        if t is int:
            if not -(1 << 63) <= x < (1 << 63):
                return None
            exact += x
        elif t is float:
            if x - x != 0.0:
                return None
            floats = True
        elif x is None:
            continue
        else:
            return None
        total += x
        n += 1
    return exact, total, floats, n


def mean_of(exact: int, total: float, floats: bool, n: int) -> Any:
    """The mean from an exact integer sum and a double sum; UNSET when the double sum
    overflowed (:func:`avg_list` rescales)."""
    if n == 0:
        return None
    if not floats:
        return float(exact / n)
    mean = total / n
    return mean if mean - mean == 0.0 else UNSET


def _extreme_numbers(lst: ListValue, better: Any) -> Any:
    best: Any = None
    floats = False
    for x in lst:
        t = type(x)
        if t is int:
            if not -(1 << 53) <= x <= (1 << 53):  # compared exactly, as Java's doubles do
                return UNSET
        elif t is float:
            if x - x != 0.0:
                return UNSET
            floats = True
        elif x is None:
            continue
        else:
            return UNSET
        if best is None or better(x, best):
            best = x
    return float(best) if floats else best


def max_numbers(lst: ListValue) -> Any:
    """``max`` of a list of numbers typed at run time (see :func:`sum_numbers`)."""
    return _extreme_numbers(lst, gt)


def min_numbers(lst: ListValue) -> Any:
    """``min`` of a list of numbers typed at run time (see :func:`sum_numbers`)."""
    return _extreme_numbers(lst, lt)


# --------------------------------------------------------------------------- max and min


def _extremum(lst: ListValue | None, decimal: bool, better: Any, name: str) -> Any:
    """First element that no later element beats under ``better``; null when none."""
    if lst is None:
        return None
    best: Any = None
    group = ""
    floats = decimal
    for x in lst:
        if x is None:
            continue
        k = _FAST_KIND.get(type(x)) or kind(x)
        g = _EXTREMUM_GROUP.get(k)
        if g is None:
            raise EvalFault(
                "E-EVAL-TYPE", f"{name}: got a {k} element, want numbers, durations or dates"
            )
        if k == "decimal":
            floats = True
        if best is None:
            best, group = x, g
        elif g != group:
            raise EvalFault("E-EVAL-TYPE", f"{name}: got {group} and {g} elements")
        elif better(x, best):
            best = x
    if floats and group == "number":
        return float(best)
    return best


def max_list(lst: ListValue | None, decimal: bool = False) -> Any:
    """Largest non-null element (§6.4 ordering), first on ties; null when none."""
    return _extremum(lst, decimal, gt, "max")


def min_list(lst: ListValue | None, decimal: bool = False) -> Any:
    """Smallest non-null element (§6.4 ordering), first on ties; null when none."""
    return _extremum(lst, decimal, lt, "min")


def max_pair(a: Any, b: Any, decimal: bool = False) -> Any:
    """``max(a, b)``: the list form on ``[a, b]`` (``max(3, 2.5) → 3.0``)."""
    return _extremum((a, b), decimal, gt, "max")


def min_pair(a: Any, b: Any, decimal: bool = False) -> Any:
    """``min(a, b)``: the list form on ``[a, b]``."""
    return _extremum((a, b), decimal, lt, "min")
