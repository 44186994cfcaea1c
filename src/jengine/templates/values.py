"""Template values at render time: plain Python data (``None``, ``bool``, ``int``, ``float``,
``str``, ``list``, ``dict``) plus aware ``datetime`` for date-times.

* :func:`text_of` — the printed text of a value: null is empty, booleans ``true``/``false``,
  decimals as Java's ``Double.toString`` (``89.99``, ``1.0E10``), date-times as Java's
  ``ZonedDateTime.toString``, lists as their items' text joined by ``,`` (as Handlebars prints
  an array), objects as compact JSON.
* :func:`get` — read a field; a list projects it over its elements (flattening one level).
* :func:`truthy` — Handlebars truthiness for ``{{#if}}``: false, null, ``""``, ``0`` and ``[]``
  are false.
* :func:`equal` and :func:`order` — PQL comparisons (numbers compare across int/decimal).
* :func:`as_datetime` — a date-time read from JSON text (declared ``dateTime`` fields).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from jengine.templates.functions.javadates import iso_text
from jexpr.runtime.render import java_double
from jexpr.runtime.temporal import parse_offset_datetime

__all__ = ["as_datetime", "equal", "get", "is_empty", "order", "text_of", "truthy"]


def text_of(value: Any) -> str:
    if value is None:
        return ""
    t = type(value)
    if t is str:
        return value  # type: ignore[no-any-return]
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return str(value)
    if t is float:
        return java_double(value)
    if isinstance(value, dt.datetime | dt.date):
        return iso_text(value)
    if isinstance(value, list):
        return ",".join(text_of(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=text_of)
    return str(value)


def get(value: Any, name: str) -> Any:
    """``value.name``: a dict's entry; over a list, each element's (lists flattened)."""
    if type(value) is dict:
        return value.get(name)
    if type(value) is list:
        out: list[Any] = []
        for item in value:
            v = get(item, name)
            if type(v) is list:
                out.extend(v)
            elif v is not None:
                out.append(v)
        return out
    return None


def truthy(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, str | list | dict):
        return len(value) > 0
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0
    return True


def is_empty(value: Any) -> bool:
    """Null, or an empty string, list or object (the ``?:`` fallback test)."""
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def equal(a: Any, b: Any) -> bool:
    if _number(a) and _number(b):
        return bool(a == b)
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a == b
    return type(a) is type(b) and bool(a == b)


def order(a: Any, b: Any) -> int | None:
    """-1, 0 or 1; None when the two cannot be ordered (null, mixed kinds)."""
    if a is None or b is None:
        return None
    if (_number(a) and _number(b)) or (type(a) is type(b) and isinstance(a, str)):
        return int((a > b) - (a < b))
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        if (a.tzinfo is None) != (b.tzinfo is None):
            return None
        return (a > b) - (a < b)
    return None


def as_datetime(value: Any) -> Any:
    """A date-time from its ISO text (values of declared ``dateTime`` fields); other values
    unchanged."""
    if isinstance(value, str):
        parsed = parse_offset_datetime(value)
        return parsed if parsed is not None else value
    return value
