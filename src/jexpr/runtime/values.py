"""The runtime value model: kinds, equality, ordering and arithmetic on plain host values.

Runtime values are the host values of spec §5.4 (``None``, ``bool``, ``int``, ``float``, ``str``,
aware/naive ``datetime``, ``date``, ``timedelta``, ``list``/``tuple``, ``Mapping``). This module is
the single place that knows how they behave under the operators of spec §6:

* :func:`kind` names a value's jexpr kind (§5.4) and rejects host values with no jexpr type;
* :func:`equals` is the runtime equality of §6.3, :func:`equality_key` and :class:`EqSet` give a
  hashed view of the same equality for the set-like list functions;
* :func:`compare` is the ordering of §6.4;
* :func:`add_num`, :func:`sub`, :func:`mul`, :func:`div`, :func:`mod`, :func:`neg` are the
  arithmetic of §6.6 and §6.9 (64-bit integers that never wrap, finite decimals, zero on division
  by zero, Java truncation and remainder rules).

Everything here sits on the evaluator's hot path: the common cases are decided with ``type(x) is``
tests before any general dispatch. ``bool`` is a subclass of ``int`` and ``datetime`` a subclass of
``date``; the exact-type tests keep them apart.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from jexpr.errors import EvalFault

__all__ = [
    "INT_MAX",
    "INT_MIN",
    "UNSET",
    "EqSet",
    "NoEqualityKey",
    "add_num",
    "check_float",
    "check_int",
    "compare",
    "div",
    "equality_key",
    "equals",
    "is_number",
    "kind",
    "mod",
    "mul",
    "neg",
    "sub",
]

INT_MIN = -(1 << 63)
INT_MAX = (1 << 63) - 1


class _Unset:
    """The marker of a value a fast path did not compute (the general path does)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

_NoneType = type(None)
_KIND_BY_TYPE: dict[type, str] = {
    _NoneType: "null",
    bool: "boolean",
    str: "string",
    date: "dateOnly",
    timedelta: "duration",
    list: "list",
    tuple: "list",
    dict: "object",
}
_SCALAR_TYPES = frozenset({_NoneType, bool, int, float, str, date, datetime, timedelta})
_ORDERED_KINDS = frozenset({"dateTime", "dateTimeOnly", "dateOnly", "duration"})
_NUMBER_KINDS = frozenset({"integer", "decimal"})


# --------------------------------------------------------------------------- kinds and ranges


def kind(v: Any) -> str:
    """The jexpr kind of a runtime/host value (§5.4); ``E-EVAL-PAYLOAD`` when it has none."""
    t = type(v)
    k = _KIND_BY_TYPE.get(t)
    if k is not None:
        return k
    if t is int:
        return "integer" if INT_MIN <= v <= INT_MAX else _bad_int(v)
    if t is float:
        return "decimal" if math.isfinite(v) else _bad_float(v)
    if t is datetime:
        return "dateTimeOnly" if v.utcoffset() is None else "dateTime"
    return _kind_slow(v)


def _kind_slow(v: Any) -> str:
    """:func:`kind` for subclasses of the host types, in the check order of §5.4."""
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer" if INT_MIN <= v <= INT_MAX else _bad_int(v)
    if isinstance(v, float):
        return "decimal" if math.isfinite(v) else _bad_float(v)
    if isinstance(v, str):
        return "string"
    if isinstance(v, datetime):
        return "dateTimeOnly" if v.utcoffset() is None else "dateTime"
    if isinstance(v, date):
        return "dateOnly"
    if isinstance(v, timedelta):
        return "duration"
    if isinstance(v, list | tuple):
        return "list"
    if isinstance(v, Mapping):
        return "object"
    raise EvalFault("E-EVAL-PAYLOAD", f"a {type(v).__name__} value has no jexpr type")


def _bad_int(v: int) -> str:
    raise EvalFault("E-EVAL-PAYLOAD", f"integer {v} is outside the 64-bit range")


def _bad_float(v: float) -> str:
    raise EvalFault("E-EVAL-PAYLOAD", f"decimal {v} is not finite")


def is_number(v: Any) -> bool:
    """True for an integer or decimal runtime value (never for a boolean)."""
    t = type(v)
    return t is int or t is float


def check_int(n: int) -> int:
    """Return ``n`` when it fits 64 bits, else raise ``E-EVAL-OVERFLOW`` (§6.6)."""
    if INT_MIN <= n <= INT_MAX:
        return n
    raise EvalFault("E-EVAL-OVERFLOW", f"integer result {n} is outside the 64-bit range")


def check_float(x: float) -> float:
    """Return ``x`` when it is finite, else raise ``E-EVAL-OVERFLOW`` (§6.6)."""
    if math.isfinite(x):
        return x
    raise EvalFault("E-EVAL-OVERFLOW", "decimal result is not finite")


# --------------------------------------------------------------------------- equality (§6.3)


def equals(a: Any, b: Any) -> bool:
    """Runtime equality of §6.3: Java numeric promotion, instants, deep lists and objects."""
    ta, tb = type(a), type(b)
    if ta is tb:
        if (ta is float and a - a != 0.0) or (ta is int and not INT_MIN <= a <= INT_MAX):
            kind(a)  # nan, infinities, integers beyond 64 bits: E-EVAL-PAYLOAD
        if ta is int and not INT_MIN <= b <= INT_MAX:
            kind(b)
        if ta in _SCALAR_TYPES:
            return bool(a == b)  # naive and aware datetimes are never equal
        if ta is list or ta is tuple:
            return _lists_equal(a, b)
        if ta is dict:
            return _maps_equal(a, b)
    elif ta is int and tb is float:
        return bool(float(a) == b) if kind(a) and kind(b) else False
    elif ta is float and tb is int:
        return bool(a == float(b)) if kind(a) and kind(b) else False
    return _equals_slow(a, b)


def _equals_slow(a: Any, b: Any) -> bool:
    """:func:`equals` for values of different Python types: compare by jexpr kind."""
    if a is None or b is None:
        return False
    ka, kb = kind(a), kind(b)
    if ka != kb:
        if ka in _NUMBER_KINDS and kb in _NUMBER_KINDS:
            return float(a) == float(b)
        return False
    if ka == "list":
        return _lists_equal(a, b)
    if ka == "object":
        return _maps_equal(a, b)
    return bool(a == b)


def _lists_equal(a: Any, b: Any) -> bool:
    if len(a) != len(b):
        return False
    return all(equals(x, y) for x, y in zip(a, b, strict=True))


def _maps_equal(a: Mapping[Any, Any], b: Mapping[Any, Any]) -> bool:
    if len(a) != len(b) or a.keys() != b.keys():
        return False
    return all(equals(v, b[k]) for k, v in a.items())


class NoEqualityKey(Exception):
    """Raised by :func:`equality_key` for a value whose equality cannot be hashed."""


_TWO_53 = 1 << 53


def equality_key(v: Any) -> Hashable:
    """A hashable key with ``key(a) == key(b)`` exactly when ``equals(a, b)``.

    Raises :class:`NoEqualityKey` for an integer beyond ±2^53 that is not exactly a double: Java
    promotion makes its equality with decimals non-transitive, so callers compare pairwise.
    """
    key: Hashable = v
    t = type(v)
    if t is str or t is float or v is None:
        return key
    if t is int:
        if -_TWO_53 <= v <= _TWO_53 or float(v) == v:
            return key
        raise NoEqualityKey
    return _equality_key_slow(v)


def _equality_key_slow(v: Any) -> Hashable:
    k = kind(v)
    if k == "integer":
        return equality_key(int(v))
    if k == "decimal":
        return float(v)
    if k == "string":
        return str(v)
    if k == "list":
        return (k, tuple(equality_key(x) for x in v))
    if k == "object":
        return (k, frozenset((key, equality_key(x)) for key, x in v.items()))
    return (k, v)  # tagged by kind: True is not 1, a dateOnly is not a dateTimeOnly


class EqSet:
    """A set of runtime values under :func:`equals`; hashed, pairwise when a key is missing."""

    __slots__ = ("_items", "_keys")

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._keys: set[Hashable] | None = set()
        self._items: list[Any] = []
        for item in items:
            self.add(item)

    def add(self, v: Any) -> bool:
        """Add ``v``; return False when an equal value was already present."""
        keys = self._keys
        if keys is not None:
            try:
                k = equality_key(v)
            except NoEqualityKey:
                self._keys = None
            else:
                if k in keys:
                    return False
                keys.add(k)
                self._items.append(v)
                return True
        if any(equals(v, x) for x in self._items):
            return False
        self._items.append(v)
        return True

    def __contains__(self, v: Any) -> bool:
        keys = self._keys
        if keys is not None:
            try:
                return equality_key(v) in keys
            except NoEqualityKey:
                pass
        return any(equals(v, x) for x in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[Any]:
        """The distinct values, first occurrences, in insertion order."""
        return self._items


# --------------------------------------------------------------------------- ordering (§6.4)


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1 for an orderable pair of §6.4; ``E-EVAL-TYPE`` otherwise (nulls included)."""
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        kind(a), kind(b)  # nan, infinities, integers beyond 64 bits: E-EVAL-PAYLOAD
        if ta is not tb:
            a, b = float(a), float(b)
        return int((a > b) - (a < b))
    ka, kb = kind(a), kind(b)
    if ka == kb and ka in _ORDERED_KINDS:
        return int((a > b) - (a < b))
    if ka in _NUMBER_KINDS and kb in _NUMBER_KINDS:
        return compare(
            int(a) if ka == "integer" else float(a), int(b) if kb == "integer" else float(b)
        )
    raise EvalFault("E-EVAL-TYPE", f"cannot order the values: got {ka} and {kb}")


# --------------------------------------------------------------------------- arithmetic (§6.6)


def _type_error(op: str, a: Any, b: Any) -> EvalFault:
    return EvalFault("E-EVAL-TYPE", f"'{op}': got {kind(a)} and {kind(b)}, want numbers")


def _floats(op: str, a: Any, b: Any) -> tuple[float, float]:
    """Both operands as doubles (Java promotion); ``E-EVAL-TYPE`` for non-numbers."""
    if _number_kind(a) and _number_kind(b):
        return float(a), float(b)
    raise _type_error(op, a, b)


def _number_kind(v: Any) -> bool:
    t = type(v)
    return t is int or t is float or (t is not bool and kind(v) in _NUMBER_KINDS)


def _ints(a: Any, b: Any) -> bool:
    """True when both operands are integers (exact ``int`` or an ``int`` subclass but not bool)."""
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return True
    if ta is float or tb is float:
        return False
    return _number_kind(a) and _number_kind(b) and kind(a) == kind(b) == "integer"


def add_num(a: Any, b: Any) -> Any:
    """Numeric ``a + b`` (§6.6); null when either operand is null."""
    ta, tb = type(a), type(b)
    if (ta is float and (tb is float or tb is int)) or (tb is float and ta is int):
        r = a + b  # Java promotion: the integer is converted to a double
        return r if r - r == 0.0 else check_float(r)
    if type(a) is int and type(b) is int:
        return check_int(a + b)
    if a is None or b is None:
        return None
    if _ints(a, b):
        return check_int(int(a) + int(b))
    x, y = _floats("+", a, b)
    return check_float(x + y)


def sub(a: Any, b: Any) -> Any:
    """Numeric ``a - b`` (§6.6); null when either operand is null."""
    ta, tb = type(a), type(b)
    if (ta is float and (tb is float or tb is int)) or (tb is float and ta is int):
        r = a - b  # Java promotion: the integer is converted to a double
        return r if r - r == 0.0 else check_float(r)
    if type(a) is int and type(b) is int:
        return check_int(a - b)
    if a is None or b is None:
        return None
    if _ints(a, b):
        return check_int(int(a) - int(b))
    x, y = _floats("-", a, b)
    return check_float(x - y)


def mul(a: Any, b: Any) -> Any:
    """Numeric ``a * b`` (§6.6); null when either operand is null."""
    ta, tb = type(a), type(b)
    if (ta is float and (tb is float or tb is int)) or (tb is float and ta is int):
        r = a * b  # Java promotion: the integer is converted to a double
        return r if r - r == 0.0 else check_float(r)
    if type(a) is int and type(b) is int:
        return check_int(a * b)
    if a is None or b is None:
        return None
    if _ints(a, b):
        return check_int(int(a) * int(b))
    x, y = _floats("*", a, b)
    return check_float(x * y)


def div(a: Any, b: Any) -> Any:
    """``a / b`` (§6.6): integers truncate toward zero; division by zero gives zero."""
    if a is None or b is None:
        return None
    if _ints(a, b):
        return _int_div(int(a), int(b))
    x, y = _floats("/", a, b)
    return check_float(x / y) if y != 0.0 else 0.0


def _int_div(a: int, b: int) -> int:
    if b == 0:
        return 0
    q = a // b
    if q < 0 and q * b != a:
        q += 1
    return check_int(q)


def mod(a: Any, b: Any) -> Any:
    """``a % b`` (§6.6): Java remainder, sign of the dividend; remainder by zero gives zero."""
    if a is None or b is None:
        return None
    if _ints(a, b):
        return _int_mod(int(a), int(b))
    x, y = _floats("%", a, b)
    return math.fmod(x, y) if y != 0.0 else 0.0


def _int_mod(a: int, b: int) -> int:
    if b == 0:
        return 0
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def neg(a: Any) -> Any:
    """Unary minus (§6.9) on an integer, decimal or duration; null gives null."""
    t = type(a)
    if t is int:
        return check_int(-a)
    if t is float:
        return -a
    if a is None:
        return None
    k = kind(a)
    if k == "duration":
        return _neg_duration(a)
    if k == "integer":
        return check_int(-int(a))
    if k == "decimal":
        return -float(a)
    raise EvalFault("E-EVAL-TYPE", f"unary '-': got {k}, want integer, decimal or duration")


def _neg_duration(d: timedelta) -> timedelta:
    try:
        return -d
    except OverflowError:
        raise EvalFault("E-EVAL-OVERFLOW", "duration result is out of range") from None
