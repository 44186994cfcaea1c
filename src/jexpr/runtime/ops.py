"""The runtime: the only names generated code (and the reference interpreter) may call.

Everything here works on plain host values (spec §5.4) and raises :class:`EvalFault` for
evaluation errors. Fast paths are inlined by the code generator (``type(v) is dict`` lookups,
numeric comparisons); the ``*_slow`` functions here handle every other case, so the generated
code and the interpreter share one definition of the semantics: navigation and projection
(§4.3–4.4), coercion of declared payload types (§5.3), logic on ``any`` values (§6.2), runtime
dispatch of overloaded calls (§10.1) and the usage rules (§14). The coercion of declared payload
types (§5.3) lives in :mod:`jexpr.runtime.coerce` and is re-exported here.
"""

from __future__ import annotations

import math
import random as _random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from jexpr import types as T
from jexpr.errors import EvalFault
from jexpr.runtime import temporal
from jexpr.runtime.coerce import COERCERS as COERCERS  # re-exported for generated code
from jexpr.runtime.coerce import coerce as coerce
from jexpr.runtime.coerce import coercer as coercer
from jexpr.runtime.coerce import host_int as host_int
from jexpr.runtime.javaregex.pattern import InvalidTimeout
from jexpr.runtime.lib import dates
from jexpr.runtime.values import UNSET, compare, kind

EMPTY: Mapping[str, Any] = {}
__all__ = ["EMPTY", "UNSET", "EvalFault"]
DEFAULT_RNG = _random.Random()
Fn = Callable[..., Any]


# ---- context -------------------------------------------------------------------------------


def mapping(value: Any) -> Mapping[str, Any]:
    """A context entry that must be a mapping (absent → empty)."""
    if value is None:
        return EMPTY
    if isinstance(value, Mapping):
        return value
    raise EvalFault("E-EVAL-PAYLOAD", f"context entry must be a mapping, got {type(value).__name__}")


def context_now(ctx: Mapping[str, Any]) -> datetime:
    """The evaluation instant: the context's ``now`` or the system clock (read once)."""
    now = ctx.get("now")
    if now is None:
        return datetime.now(UTC)
    if type(now) is datetime and type(now.tzinfo) is timezone:
        return now  # already an instant at a fixed offset
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise EvalFault("E-EVAL-PAYLOAD", "context 'now' must be an aware datetime")
    return temporal.to_fixed(now)


def context_rng(ctx: Mapping[str, Any]) -> _random.Random:
    rng = ctx.get("random")
    return rng if rng is not None else DEFAULT_RNG


DEFAULT_REGEX_TIMEOUT = 0.1  # seconds, when the context gives no regexTimeout


def context_timeout(ctx: Mapping[str, Any]) -> Any:
    """The regex time bound in seconds (default 0.1): a positive finite number; anything else
    (``NaN``, infinity, zero, a string) is handed on as :class:`InvalidTimeout`, which the
    regex operation refuses (``E-EVAL-PAYLOAD``) when it runs."""
    value = ctx.get("regexTimeout")
    if value is None:
        return DEFAULT_REGEX_TIMEOUT
    if (type(value) is float or type(value) is int) and 0 < value < math.inf:
        return float(value)
    return InvalidTimeout(value)


# ---- navigation (§4.3, §4.4) ---------------------------------------------------------------


def field_slow(v: Any, name: str) -> Any:
    """A field step on anything but a dict: mapping, projection over a list, or null."""
    if isinstance(v, Mapping):
        return v.get(name)
    if type(v) is list or type(v) is tuple:
        return project_field(v, name)
    return None


def field(v: Any, name: str) -> Any:
    if type(v) is dict:
        return v.get(name)
    return field_slow(v, name)


def project(items: Sequence[Any], step: Fn) -> list[Any]:
    """flatMap of a step over a list: lists spliced, nulls dropped (§4.3)."""
    out: list[Any] = []
    for element in items:
        r = step(element)
        if r is None:
            continue
        if type(r) is list or type(r) is tuple:
            out.extend(r)
        else:
            out.append(r)
    return out


def project_field(items: Sequence[Any], name: str) -> list[Any]:
    """A field step over a list (projection, §4.3) as one tight loop."""
    out: list[Any] = []
    for element in items:
        r = element.get(name) if type(element) is dict else field(element, name)
        if r is None:
            continue
        if type(r) is list or type(r) is tuple:
            out.extend(r)
        else:
            out.append(r)
    return out


def as_list(v: Any, step: str) -> Sequence[Any]:
    """The list a collection step applies to (callers handle null first)."""
    if type(v) is list or type(v) is tuple:
        return v
    raise EvalFault("E-EVAL-TYPE", f"{step}() applies to a list, got {kind(v)}")


def entry(v: Any, key: Any) -> Any:
    if key is None or v is None:
        return None
    if isinstance(v, Mapping):
        return v.get(key)
    if type(v) is list or type(v) is tuple:
        return project(v, lambda e: entry(e, key))
    return None


def keys(v: Any, first_only: bool) -> Any:
    if isinstance(v, Mapping):
        if first_only:
            return next(iter(v), None)
        return list(v)
    if type(v) is list or type(v) is tuple:
        return project(v, lambda e: keys(e, first_only))
    return None


def _as_list(v: Any, step: str) -> Sequence[Any] | None:
    if type(v) is list or type(v) is tuple:
        return v
    if v is None:
        return None
    raise EvalFault("E-EVAL-TYPE", f"{step}() applies to a list, got {kind(v)}")


def truth(v: Any) -> bool:
    """The boolean of a condition value typed ``any``: null is false (§6.2)."""
    if v is True or v is False:
        return v
    if v is None:
        return False
    raise EvalFault("E-EVAL-TYPE", f"got {kind(v)}, want boolean")


def keep_all(v: Any, cond: Fn | None) -> Any:
    items = _as_list(v, "all")
    if items is None:
        return None
    if cond is None:
        return list(items)
    return [e for e in items if cond(e) is True]


def keep_first(v: Any, cond: Fn | None) -> Any:
    items = _as_list(v, "first")
    if not items:
        return None
    if cond is None:
        return items[0]
    return next((e for e in items if cond(e) is True), None)


def keep_last(v: Any, cond: Fn | None) -> Any:
    items = _as_list(v, "last")
    if not items:
        return None
    if cond is None:
        return items[-1]
    return next((e for e in reversed(items) if cond(e) is True), None)


def at(v: Any, index: Any) -> Any:
    items = _as_list(v, "at")
    if items is None or index is None:
        return None
    if type(index) is not int:
        raise EvalFault("E-EVAL-TYPE", f"at(): got {kind(index)}, want integer")
    return items[index] if 0 <= index < len(items) else None


def data_group(sources: Any, ds: str, fg: str, params: dict[str, Any] | None,
               cache: dict[Any, Any]) -> Any:
    """The payload of field group ``fg`` of data source ``ds`` (§4.7)."""
    if sources is None:
        return None
    if isinstance(sources, Mapping):
        return field(mapping(sources.get(ds)), fg) if sources.get(ds) is not None else None
    key = (ds, fg, _freeze(params or {}))
    if key in cache:
        return cache[key]
    try:
        result = sources(ds, fg, dict(params or {}))
    except EvalFault:
        raise
    except Exception as exc:
        raise EvalFault("E-EVAL-DATASOURCE", f"data source {ds}.{fg} failed: {exc}") from exc
    cache[key] = result
    return result


def data_group_fast(sources: Any, ds: str, fg: str) -> Any:
    """The field group when ``dataSources`` is a plain mapping of mappings (computed once per
    evaluation); :data:`UNSET` for everything else, which :func:`data_group` handles where the
    reference is evaluated."""
    if type(sources) is dict:
        groups = sources.get(ds)
        if type(groups) is dict:
            return groups.get(fg)
        if groups is None:
            return None
    return UNSET


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return (type(value).__name__, value)


# ---- operators on any-typed values ---------------------------------------------------------


def compare_any(a: Any, b: Any, op: str) -> bool:
    """An ordering operator on runtime values (§6.4); null makes it false."""
    if a is None or b is None:
        return False
    c = compare(a, b)
    if op == "<":
        return c < 0
    if op == "<=":
        return c <= 0
    if op == ">":
        return c > 0
    return c >= 0


def plus_any(a: Any, b: Any) -> Any:
    """Binary ``+`` decided at run time: concatenation, date or number addition (§6.7)."""
    if a is None or b is None:
        return None
    ka, kb = kind(a), kind(b)
    if ka == "string" or kb == "string":
        return concat_values(a, b)
    if kb == "duration" and ka in ("dateTime", "dateTimeOnly"):
        return dates.add_duration(a, b)
    if ka == kb == "duration":
        return add_durations(a, b)
    from jexpr.runtime.values import add_num
    return add_num(a, b)


def concat_values(a: Any, b: Any) -> Any:
    """String ``+`` of values of any type: each must be a jexpr value (``kind``: integers
    beyond 64 bits and non-finite doubles are ``E-EVAL-PAYLOAD``, as in :func:`plus_any`)."""
    if a is None or b is None:
        return None
    kind(a)
    kind(b)
    from jexpr.runtime.render import render_value
    try:
        return f"{render_value(a)}{render_value(b)}"
    except TypeError as exc:
        raise EvalFault("E-EVAL-TYPE", f"'+': cannot render {kind(a)} and {kind(b)}") from exc


def add_temporal(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if isinstance(a, timedelta):
        return add_durations(a, b)
    return dates.add_duration(a, b)


def add_durations(a: timedelta, b: timedelta) -> timedelta:
    try:
        return a + b
    except OverflowError as exc:
        raise EvalFault("E-EVAL-OVERFLOW", "duration out of range") from exc


def to_float(v: Any) -> Any:
    """Integer-to-decimal conversion (null stays null)."""
    return float(v) if type(v) is int else v


def list_to_float(v: Any) -> Any:
    if type(v) is list or type(v) is tuple:
        return [float(e) if type(e) is int else e for e in v]
    return v


def has_null(v: Any) -> bool:
    if v is None:
        return False
    if type(v) is list or type(v) is tuple:
        return any(e is None for e in v)
    raise EvalFault("E-EVAL-TYPE", f"'has null': got {kind(v)}, want a list")


def is_type(v: Any, which: str) -> bool:
    t = type(v)
    if which == "integer":
        return t is int
    if which == "decimal":
        return t is float
    return t is int or t is float


def check_list(items: list[Any], element: str) -> list[Any]:
    """A list literal with ``any`` elements: check each runtime element against the type."""
    out = []
    for e in items:
        if e is not None:
            k = kind(e)
            if element == "decimal" and k == "integer":
                e = float(e)
            elif not fits_kind(k, element):
                raise EvalFault("E-EVAL-TYPE", f"list element: got {k}, want {element}")
        out.append(e)
    return out


def fits_kind(k: str, t: str) -> bool:
    """Whether a runtime value kind fits a static parameter type."""
    if t in ("any", k):
        return True
    if t == "decimal":
        return k == "integer"
    if t == "listAny" or T.is_list(t):
        return k == "list"
    return False


def fits(v: Any, t: str) -> bool:
    """Whether a runtime value fits a parameter type (list elements checked)."""
    if v is None or t == "any":
        return True
    k = kind(v)
    if not fits_kind(k, t):
        return False
    if T.is_list(t) and t != "listAny":
        inner = T.element(t)
        plain = _PLAIN_ELEMENTS.get(inner)
        if plain is not None and set(map(type, v)) <= plain:
            return True  # checked at C speed
        return all(e is None or fits_kind(kind(e), inner) for e in v)
    return True


_PLAIN_ELEMENTS = {"string": frozenset((str, type(None))), "boolean": frozenset((bool, type(None)))}


def _fitted(v: Any, t: str, code: str, what: str) -> Any:
    """A value checked against a type (null passes), widened where a decimal is wanted; the
    error says ``<what>: got <kind>, want <type>``."""
    if v is None:
        return None
    if not fits(v, t):
        raise EvalFault(code, f"{what}: got {kind(v)}, want {T.display(t)}")
    if t == "decimal":
        return to_float(v)
    if t == "listDecimal":
        return list_to_float(v)
    return v


def expect(v: Any, t: str, what: str) -> Any:
    """An ``any`` argument checked against its parameter type (converted when widened).
    A list of strings or booleans where one is wanted passes with one loop (or one C-speed
    set of its types), without the general walk."""
    if type(v) is list:
        plain = _PLAIN_LISTS.get(t)
        if plain is not None:
            if len(v) < 8:  # a short list: a loop beats building a set
                for x in v:
                    if type(x) not in plain:
                        return _fitted(v, t, "E-EVAL-TYPE", what)
                return v
            if set(map(type, v)) <= plain:
                return v
    return _fitted(v, t, "E-EVAL-TYPE", what)


_PLAIN_LISTS = {"list" + k[0].upper() + k[1:]: v for k, v in _PLAIN_ELEMENTS.items()}


# ---- usage rules (§14) ---------------------------------------------------------------------


def as_condition(v: Any) -> bool:
    if v is True or v is False:
        return v
    if v is None:
        return False
    raise EvalFault("E-EVAL-RESULT", f"a condition must be boolean, got {kind(v)}")


def as_wait(v: Any, tz: Any) -> Any:
    if v is None:
        raise EvalFault("E-EVAL-RESULT", "the wait time is null")
    k = kind(v)
    if k not in ("dateTime", "dateTimeOnly"):
        raise EvalFault("E-EVAL-RESULT", f"a wait time must be a dateTimeOnly or dateTime, "
                        f"got {k}")
    return dates.wait_instant(v, "UTC" if tz is None else tz)


def as_typed(v: Any, t: str, usage: str) -> Any:
    return _fitted(v, t, "E-EVAL-RESULT", f"{usage} expression")


def as_lookup_key(v: Any) -> Any:
    if v is None or type(v) is str:
        return v
    if fits(v, "listString"):
        return list(v)
    raise EvalFault("E-EVAL-RESULT", f"a dataset lookup key must be a string or listString, "
                    f"got {kind(v)}")


def check_date(v: Any) -> Any:
    if isinstance(v, date):
        temporal.check_year_range(v)
    return v
