"""The list functions of spec §10.7 on runtime values (distinct … sort).

Each function takes already-evaluated arguments. Null follows §9: a null list (or any other null
argument) gives null, except ``in`` (false), ``intersect`` (``[]``) and ``listSize`` (``0``).
Element equality is the runtime equality of §6.3 (:mod:`jexpr.runtime.values`).

Functions reading an object attribute (``key``) take ``coerce``: the compiler passes the payload
coercion for the attribute's declared type (§5.3, §10.7); it is applied to every non-null
attribute value read. ``None`` reads the value as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from operator import itemgetter
from typing import Any

from jexpr.errors import EvalFault
from jexpr.runtime.values import EqSet, equals, kind

__all__ = [
    "Coerce",
    "attribute",
    "distinct",
    "distinct_by_key",
    "distinct_with_null",
    "filter_",
    "get_list_item",
    "in_",
    "intersect",
    "limit",
    "list_",
    "list_size",
    "serialize_list",
    "sort",
    "sort_by_key",
]

Coerce = Callable[[Any], Any]
ListValue = Sequence[Any]

_SORT_GROUP = {
    "integer": "number",
    "decimal": "number",
    "string": "string",
    "boolean": "boolean",
    "dateTime": "dateTime",
    "dateTimeOnly": "dateTimeOnly",
    "dateOnly": "dateOnly",
    "duration": "duration",
}
_FAST_SORT_GROUP: dict[type, str] = {
    int: "number",
    float: "number",
    str: "string",
    bool: "boolean",
    date: "dateOnly",
    timedelta: "duration",
}
_first = itemgetter(0)


def attribute(obj: Any, key: str, coerce: Coerce | None) -> Any:
    """Attribute ``key`` of a list element (null for a null element or an absent key)."""
    if obj is None:
        return None
    if not isinstance(obj, Mapping):
        raise EvalFault("E-EVAL-TYPE", f"got a {kind(obj)} element, want an object")
    value = obj.get(key)
    if value is None or coerce is None:
        return value
    return coerce(value)


# --------------------------------------------------------------------------- distinct


def distinct(lst: ListValue | None) -> list[Any] | None:
    """Non-null elements, first occurrence of each value kept, original order (objects whole)."""
    if lst is None:
        return None
    return EqSet(x for x in lst if x is not None).items()


def distinct_with_null(lst: ListValue | None) -> list[Any] | None:
    """As :func:`distinct`, keeping one null where the first null was."""
    if lst is None:
        return None
    return EqSet(lst).items()


def distinct_by_key(
    lst: ListValue | None, key: str | None, coerce: Coerce | None = None
) -> list[Any] | None:
    """First object of each group with equal non-null ``key``; null-key objects dropped."""
    if lst is None or key is None:
        return None
    seen = EqSet()
    out = []
    for obj in lst:
        value = attribute(obj, key, coerce)
        if value is not None and seen.add(value):
            out.append(obj)
    return out


# --------------------------------------------------------------------------- membership


def filter_(
    lst: ListValue | None,
    key: str | None,
    values: ListValue | None,
    coerce: Coerce | None = None,
) -> list[Any] | None:
    """Objects whose attribute ``key`` equals some non-null element of ``values``, in order."""
    if lst is None or key is None or values is None:
        return None
    wanted = EqSet(v for v in values if v is not None)
    out = []
    for obj in lst:
        value = attribute(obj, key, coerce)
        if value is not None and value in wanted:
            out.append(obj)
    return out


def in_(v: Any, lst: ListValue | None) -> bool:
    """``v`` equals some element of ``lst``; false when either is null."""
    if v is None or lst is None:
        return False
    t = type(v)
    if t in _HOMOGENEOUS and set(map(type, lst)) <= {t, _NONE}:
        return v in lst  # one Python type: its == is jexpr equality
    return any(equals(v, x) for x in lst)


_NONE = type(None)
_HOMOGENEOUS = frozenset((str, int, bool))


def intersect(a: ListValue | None, b: ListValue | None) -> list[Any]:
    """Elements of ``a`` equal to some element of ``b``, ``a``'s order, deduplicated, no nulls."""
    if a is None or b is None:
        return []
    other = EqSet(x for x in b if x is not None)
    seen = EqSet()
    return [x for x in a if x is not None and x in other and seen.add(x)]


# --------------------------------------------------------------------------- access and shape


def get_list_item(lst: ListValue | None, i: int | None) -> Any:
    """Element at 0-based ``i``; null when out of range."""
    if lst is None or i is None or i < 0 or i >= len(lst):
        return None
    return lst[i]


def limit(lst: ListValue | None, n: int | None, first: bool | None = True) -> list[Any] | None:
    """The first (``first``) or last ``n`` elements, in original order."""
    if lst is None or n is None or first is None:
        return None
    if n <= 0:
        return []
    return list(lst[:n] if first else lst[-n:])


def list_(v: Any) -> Any:
    """Wrap a non-list value in a one-element list; a list is returned unchanged; null → null."""
    if v is None or isinstance(v, list | tuple):
        return v
    return [v]


def list_size(lst: ListValue | None) -> int:
    """Number of elements including nulls; 0 for a null list."""
    return 0 if lst is None else len(lst)


def serialize_list(lst: ListValue | None, sep: str | None, quote: bool | None) -> str | None:
    """Non-null elements rendered by §11 and joined with ``sep``, optionally in ``"`` quotes."""
    if lst is None or sep is None or quote is None:
        return None
    from jexpr.runtime.render import render_value

    parts = [_render(render_value, x) for x in lst if x is not None]
    if quote:
        parts = [f'"{p}"' for p in parts]
    return sep.join(parts)


def _render(render_value: Callable[[object], str | None], x: Any) -> str:
    try:
        text = render_value(x)
    except TypeError:
        text = None
    if text is None:
        raise EvalFault("E-EVAL-TYPE", f"serializeList: got a {kind(x)} element, want scalars")
    return text


# --------------------------------------------------------------------------- sort


def sort(lst: ListValue | None, asc: bool | None) -> list[Any] | None:
    """Stable sort, nulls last in both directions; equal elements keep their order."""
    if lst is None or asc is None:
        return None
    values = [x for x in lst if x is not None]
    _check_sortable(values)
    values.sort(reverse=not asc)
    values.extend(None for x in lst if x is None)
    return values


def sort_by_key(
    lst: ListValue | None, key: str | None, asc: bool | None, coerce: Coerce | None = None
) -> list[Any] | None:
    """Stable sort of objects by attribute ``key``; null or absent keys go last."""
    if lst is None or key is None or asc is None:
        return None
    keyed: list[tuple[Any, Any]] = []
    last: list[Any] = []
    for obj in lst:
        value = attribute(obj, key, coerce)
        if value is None:
            last.append(obj)
        else:
            keyed.append((value, obj))
    _check_sortable([value for value, _ in keyed])
    keyed.sort(key=_first, reverse=not asc)
    return [obj for _, obj in keyed] + last


def _check_sortable(values: list[Any]) -> None:
    """``E-EVAL-TYPE`` unless all values share one sortable group (numbers mix freely)."""
    if not values:
        return
    group = _sort_group(values[0])
    for x in values:
        g = _sort_group(x)
        if g != group:
            raise EvalFault("E-EVAL-TYPE", f"sort: got {group} and {g} elements")


def _sort_group(x: Any) -> str:
    group = _FAST_SORT_GROUP.get(type(x))
    if group is not None:
        return group
    k = kind(x)
    group = _SORT_GROUP.get(k)
    if group is None:
        raise EvalFault("E-EVAL-TYPE", f"sort: got a {k} element, want a scalar")
    return group
