"""Numeric conversions and math of spec §10.5 and §10.8: toBool, toDecimal, toInteger, round, random.

A conversion that fails on a computed argument gives null (D19); the checker reports failing
*literal* arguments statically, so these functions never raise for a bad value of an accepted
kind. A value of a kind no signature accepts (possible only with ``any``) is ``E-EVAL-TYPE``.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from jexpr.errors import EvalFault
from jexpr.runtime.values import INT_MAX, INT_MIN, check_int, kind

__all__ = ["decimal_of_text", "integer_of_text", "random_", "round_", "to_bool", "to_decimal",
           "to_integer"]

_DECIMAL_TEXT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_JAVA_TRIM = "".join(chr(c) for c in range(0x21))  # String.trim removes code points <= U+0020
_MAX_INTEGER_TEXT = 20  # a sign and 19 digits
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_TWO_62 = float(2**62)


def _unsupported(name: str, v: Any) -> EvalFault:
    return EvalFault("E-EVAL-TYPE", f"{name}: got {kind(v)}")


def to_bool(v: Any) -> bool | None:
    """``toBool``: number ≠ 0; a string is true only when it is exactly ``"true"`` (Adobe's
    conversion-functions reference: ``"TRUE"``, ``"1"``, ``"yes"`` give false); null → null."""
    t = type(v)
    if v is None:
        return None
    if t is bool:
        return bool(v)
    if t is str:
        return bool(v == "true")
    if t is int or t is float:
        return bool(v != 0)
    k = kind(v)
    if k == "string":
        return to_bool(str(v))
    if k in ("integer", "decimal"):
        return bool(v != 0)
    raise _unsupported("toBool", v)


def to_decimal(v: Any) -> float | None:
    """``toDecimal``: integer widened, boolean 1.0/0.0, decimal text (§10.5); failure → null."""
    t = type(v)
    if t is float or t is int:
        return float(v)
    if v is None:
        return None
    if t is bool:
        return 1.0 if v else 0.0
    if t is str:
        return _parse_decimal(v)
    k = kind(v)
    if k == "boolean" or k == "integer" or k == "decimal":
        return float(v)
    if k == "string":
        return _parse_decimal(str(v))
    raise _unsupported("toDecimal", v)


def _parse_decimal(text: str) -> float | None:
    text = text.strip(_JAVA_TRIM)
    if _DECIMAL_TEXT.fullmatch(text) is None:
        return None
    x = float(text)
    return x if math.isfinite(x) else None


def to_integer(v: Any) -> int | None:
    """``toInteger``: decimal truncated, ``[+-]?[0-9]+`` text, boolean 1/0, dateTime epoch ms."""
    t = type(v)
    if t is int:
        return int(v)
    if v is None:
        return None
    if t is float:
        return _in_range(math.trunc(v))
    if t is bool:
        return 1 if v else 0
    if t is str:
        return _parse_integer(v)
    return _to_integer_slow(v)


def _to_integer_slow(v: Any) -> int | None:
    k = kind(v)
    if k == "boolean":
        return 1 if v else 0
    if k == "integer":
        return int(v)
    if k == "decimal":
        return _in_range(math.trunc(float(v)))
    if k == "string":
        return _parse_integer(str(v))
    if k == "dateTime":
        return int((v - _EPOCH) // _MILLISECOND)
    raise _unsupported("toInteger", v)


def _parse_integer(text: str) -> int | None:
    if _INTEGER_TEXT.fullmatch(text) is None:
        return None
    if len(text) > _MAX_INTEGER_TEXT:  # keep int() clear of its digit limit
        digits = text.lstrip("+-").lstrip("0")
        if len(digits) > 19:
            return None
        text = ("-" if text[0] == "-" else "") + (digits or "0")
    n = int(text)
    return n if INT_MIN <= n <= INT_MAX else None


def integer_of_text(s: str | None) -> int | None:
    """``toInteger(string)``: ``[+-]?[0-9]+`` within 64 bits; failure → null."""
    return None if s is None else _parse_integer(s)


def decimal_of_text(s: str | None) -> float | None:
    """``toDecimal(string)``: Java's decimal syntax after trimming, finite; failure → null."""
    return None if s is None else _parse_decimal(s)


def _in_range(n: int) -> int | None:
    return n if INT_MIN <= n <= INT_MAX else None


def round_(v: Any) -> int | None:
    """``round``: nearest integer, ties toward +∞ (Java ``Math.round``), computed exactly."""
    t = type(v)
    if t is int:
        return int(v)
    if v is None:
        return None
    if t is not float:
        k = kind(v)
        if k == "integer":
            return int(v)
        if k != "decimal":
            raise _unsupported("round", v)
        v = float(v)
    if -_TWO_62 < v < _TWO_62:  # v - floor(v) is exact: no rounding error
        low: int = math.floor(v)
        return low + 1 if v - low >= 0.5 else low
    num, den = v.as_integer_ratio()
    return check_int((2 * num + den) // (2 * den))  # floor(v + 1/2), exactly


def random_(rng: Random) -> float:
    """``random``: a uniform decimal in [0, 1) from the context's random source."""
    return rng.random()
