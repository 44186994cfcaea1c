"""Array, aggregation, map and object helpers (functions/arrays-list.md, aggregation.md,
maps.md, objects.md).

Aggregations skip nulls (``count`` counts the non-null elements; ``countWithNull`` every
element); ``topN(xs, field, n)`` sorts by the bare field name ``field`` of each element,
descending (``bottomN`` ascending), and keeps ``n``; elements without the field sort last.
``notIn`` is false for a null value (AJO: "also ensures that neither value is equal to null").
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from jengine.templates.functions.signature import Fn, fn
from jengine.templates.values import equal, order

__all__ = ["FUNCTIONS"]


def _numbers(xs: list[Any]) -> list[Any]:
    return [x for x in xs if isinstance(x, int | float) and not isinstance(x, bool)]


def _average(xs: list[Any]) -> float | None:
    nums = _numbers(xs)
    return sum(nums) / len(nums) if nums else None


def _extreme(xs: list[Any], sign: int) -> Any:
    best = None
    for x in xs:
        if x is None:
            continue
        if best is None or (order(x, best) or 0) * sign > 0:
            best = x
    return best


def _member(value: Any, xs: list[Any]) -> bool:
    return any(equal(value, x) for x in xs)


def _distinct(xs: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in xs:
        if not any(equal(x, y) or (x is None and y is None) for y in out):
            out.append(x)
    return out


def _sorted_by(xs: list[Any], key: Callable[[Any], Any], n: int, descending: bool) -> list[Any]:
    present = [x for x in xs if key(x) is not None]
    missing = [x for x in xs if key(x) is None]
    def cmp(a: Any, b: Any) -> int:
        return order(key(a), key(b)) or 0

    present.sort(key=functools.cmp_to_key(cmp), reverse=descending)
    return (present + missing)[:max(0, n)]


def _join(xs: list[Any], sep: str) -> str:
    from jengine.templates.values import text_of
    return sep.join(text_of(x) for x in xs if x is not None)


def _get(m: Any, key: Any) -> Any:
    if isinstance(m, dict):
        return m.get(key if isinstance(key, str) else str(key))
    if isinstance(m, list) and isinstance(key, int) and 0 <= key < len(m):
        return m[key]
    return None


FUNCTIONS: list[Fn] = [
    fn("average", "l", "n", _average),
    fn("count", "l", "i", lambda xs: sum(1 for x in xs if x is not None)),
    fn("max", "l", "item", lambda xs: _extreme(xs, 1)),
    fn("min", "l", "item", lambda xs: _extreme(xs, -1)),
    fn("sum", "l", "item", lambda xs: sum(_numbers(xs))),
    fn("countOnlyNull", "l", "i", lambda xs: sum(1 for x in xs if x is None)),
    fn("countWithNull", "l", "i", len),
    fn("distinct", "l", "list", lambda xs: [x for x in _distinct(xs) if x is not None]),
    fn("distinctCountWithNull", "l", "i", lambda xs: len(_distinct(xs))),
    fn("head", "l", "item", lambda xs: xs[0] if xs else None),
    fn("topN", "l a i", "list", lambda xs, key, n: _sorted_by(xs, key, n, True), field_arg=1),
    fn("bottomN", "l a i", "list", lambda xs, key, n: _sorted_by(xs, key, n, False),
       field_arg=1),
    fn("in", "a l", "b", _member),
    fn("includes", "l a", "b", lambda xs, v: _member(v, xs)),
    fn("intersects", "l l", "b", lambda a, b: any(_member(x, b) for x in a if x is not None)),
    fn("notIn", "a l", "b", lambda v, xs: v is not None and not _member(v, xs), nulls=True),
    fn("subsetOf", "l l", "b", lambda a, b: all(_member(x, b) for x in a)),
    fn("supersetOf", "l l", "b", lambda a, b: all(_member(x, a) for x in b)),
    fn("join", "l s", "s", _join),
    fn("get", "a a", "a", _get),
    fn("keys", "m", "l", lambda m: list(m.keys()) if isinstance(m, dict) else []),
    fn("values", "m", "l", lambda m: list(m.values()) if isinstance(m, dict) else []),
    fn("isNull", "a", "b", lambda v: v is None, nulls=True),
    fn("isNotNull", "a", "b", lambda v: v is not None, nulls=True),
]
