"""Coercion of declared payload types (spec §5.3): a value read through a path declared
``string``, ``integer``, ``decimal``, ``boolean``, ``object``, a date type, a duration or a list
of those, checked and converted, or ``E-EVAL-PAYLOAD``.

One job: the coercers generated code and the interpreter call (through
:mod:`jexpr.runtime.ops`), with the common cases first — values already of the declared Python
type pass at C speed (whole lists included), ISO date-times go through ``fromisoformat``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from jexpr import types as T
from jexpr.errors import EvalFault
from jexpr.runtime import temporal
from jexpr.runtime.values import INT_MAX, INT_MIN

Fn = Callable[..., Any]



def coerce(v: Any, type_name: str) -> Any:
    """A payload value read through a path declared ``type_name``."""
    if v is None:
        return None
    if T.is_list(type_name):
        if type(v) is not list and type(v) is not tuple:
            raise _payload(v, type_name)
        inner = T.element(type_name)
        return [coerce(e, inner) for e in v] if inner != "any" else list(v)
    fn = _COERCE.get(type_name)
    return fn(v) if fn else v


def _payload(v: Any, type_name: str) -> EvalFault:
    shown = repr(v) if len(repr(v)) < 60 else repr(v)[:57] + "..."
    extra = ""
    if isinstance(v, list | tuple) and not T.is_list(type_name):
        extra = " (the path crosses a list: declare that list field with a list type)"
    return EvalFault("E-EVAL-PAYLOAD", f"payload value {shown} is not a {type_name}{extra}")


def _coerce_string(v: Any) -> Any:
    if type(v) is str or isinstance(v, str):
        return str(v)
    raise _payload(v, "string")


def _coerce_integer(v: Any) -> Any:
    if type(v) is int and INT_MIN <= v <= INT_MAX:
        return v
    if type(v) is float and v.is_integer() and INT_MIN <= v <= INT_MAX:
        return int(v)
    raise _payload(v, "integer")


def _coerce_decimal(v: Any) -> Any:
    if (type(v) is float and math.isfinite(v)) or (type(v) is int and INT_MIN <= v <= INT_MAX):
        return float(v)  # an integer beyond 64 bits is no host value (docs/security.md)
    raise _payload(v, "decimal")


def _coerce_boolean(v: Any) -> Any:
    if type(v) is bool:
        return v
    raise _payload(v, "boolean")


def _coerce_object(v: Any) -> Any:
    if isinstance(v, Mapping):
        return v
    raise _payload(v, "object")


_COERCE: dict[str, Fn] = {
    "string": _coerce_string, "integer": _coerce_integer, "decimal": _coerce_decimal,
    "boolean": _coerce_boolean, "object": _coerce_object,
    **{t: (lambda v, t=t: temporal.coerce_temporal(v, t))
       for t in ("dateTime", "dateTimeOnly", "dateOnly", "duration")},
}


def host_int(v: Any) -> Any:
    """An undeclared payload value: integers must fit 64 bits (spec §5.4)."""
    if type(v) is int and not INT_MIN <= v <= INT_MAX:
        raise _payload(v, "integer")
    return v


def _coerce_date_time(v: Any) -> Any:
    if type(v) is str:
        parsed = temporal.parse_offset_datetime(v)
        if parsed is not None:
            return parsed
    return temporal.coerce_temporal(v, "dateTime")



_NONE = type(None)


def _list_of(pytype: type, element: str) -> Fn:
    """Coercion to a list type whose elements of one Python type need no conversion: the
    payload list itself when every element already has that type (or is null), checked at C
    speed; element by element otherwise."""
    plain = frozenset((pytype, _NONE))
    list_type = T.list_of(element)

    def coerce_list(v: Any) -> Any:
        if type(v) is list:
            if len(v) < 8:  # a short list: a loop beats building a set
                for x in v:
                    if type(x) is not pytype and x is not None:
                        return coerce(v, list_type)
                return v
            if set(map(type, v)) <= plain:
                return v
        return coerce(v, list_type)
    return coerce_list


COERCERS: dict[str, Fn] = {
    **_COERCE, "dateTime": _coerce_date_time,
    "listString": _list_of(str, "string"), "listBoolean": _list_of(bool, "boolean")}


def coercer(type_name: str) -> Fn:
    """A one-argument coercion function (for the key attributes of list functions)."""
    return lambda v: coerce(v, type_name)
