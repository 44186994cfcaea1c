"""Decoding one untrusted JSON input line within bounds (events, profiles).

:func:`load_json` is ``json.loads`` for data a hostile or broken producer wrote: it refuses, with
an :class:`UnsafeJson` naming what and where, every value the engine could not carry through to
its outputs and its SQLite store — instead of crashing the batch later (and again on every
restart, on the same line):

* nesting deeper than :data:`MAX_DEPTH` arrays/objects (Python's decoder would raise
  ``RecursionError`` at about 1,000);
* a number that is not finite as a double (``1e999``; ``NaN``/``Infinity`` are not JSON);
* an integer outside the signed 64-bit range (AJO's ``integer`` is a Java ``long``; SQLite's
  ``INTEGER`` too) — which also covers integers over Python's 4,300-digit conversion limit;
* a string holding a lone UTF-16 surrogate (``"\\ud800"``), which cannot be written as UTF-8.

Every line is decoded with the number hooks (the C scanner calls them once per number: cheaper
than any scan of the text for suspect digit runs); only a line with many brackets gets the
depth scan, and only one with a surrogate escape (``\\uD800``–``\\uDFFF``) the surrogate check.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final

__all__ = ["INT_MAX", "INT_MIN", "MAX_DEPTH", "UnsafeJson", "load_json"]

MAX_DEPTH: Final = 64
INT_MAX: Final = 2**63 - 1
INT_MIN: Final = -(2**63)

# a UTF-16 surrogate escape (it may be a lone one)
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class UnsafeJson(ValueError):
    """Why a line cannot be taken (the text of its dead letter)."""


def _reject_constant(name: str) -> Any:
    raise UnsafeJson(f"not valid JSON: {name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeJson(f"number out of range: {text[:40]}")
    return value


def _int(text: str) -> int:
    if len(text) > 20:
        raise UnsafeJson(f"integer out of the 64-bit range: {text[:40]}… ({len(text)} digits)")
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise UnsafeJson(f"integer out of the 64-bit range: {text}")
    return value


_CHECKED: Final = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_float,
                                   parse_int=_int)


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects outside strings (invalid JSON: an estimate,
    the decoder reports the syntax error)."""
    depth = deepest = 0
    for m in _BRACKET.finditer(_STRING.sub("", text)):
        if m.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _surrogates(value: Any) -> None:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafeJson("a string holds a lone surrogate (not encodable as UTF-8)") from None


def load_json(text: str) -> Any:
    """The JSON value of ``text``; ``json.JSONDecodeError`` for bad syntax, :class:`UnsafeJson`
    for a value out of bounds (see the module docstring)."""
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise UnsafeJson(f"nested deeper than {MAX_DEPTH} arrays/objects")
    try:
        value = _CHECKED.decode(text)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise UnsafeJson("nested too deep") from None
    if "\\u" in text and _SURROGATE.search(text) is not None:
        _surrogates(value)
    return value
