"""The host boundary: values a host passed in (context, payloads) that jexpr has no value for.

A host may hand an evaluator anything Python has: ``nan``, infinities, integers beyond 64 bits,
strings with lone surrogates (from JSON ``"\\ud800"`` escapes). jexpr's operations refuse the
numbers when they touch them (:func:`jexpr.runtime.values.kind`); this module is the last
gate — every value an evaluation returns (a field returned as it is, a list or object holding
payload values, a string built from one) is checked here, so none of them ever reaches a
result, an outbox or a JSON encoder: ``E-EVAL-PAYLOAD`` instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from jexpr.errors import EvalFault

INT_MIN, INT_MAX = -(1 << 63), (1 << 63) - 1
_PLAIN = (bool, type(None))


def host_result(value: Any) -> Any:
    """``value`` itself when it holds nothing invalid (checked in full, iteratively)."""
    t = type(value)
    if t in _PLAIN or (t is str and value.isascii()):
        return value
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is str or isinstance(v, str):
            if not v.isascii():
                _text(v)
        elif t is float or (isinstance(v, float)):
            if not math.isfinite(v):
                raise EvalFault("E-EVAL-PAYLOAD", f"decimal {v} from the host is not finite",
                                )
        elif t is int or (isinstance(v, int) and not isinstance(v, bool)):
            if not INT_MIN <= v <= INT_MAX:
                raise EvalFault("E-EVAL-PAYLOAD", "an integer from the host is outside the "
                                "64-bit range")
        elif t is list or t is tuple or isinstance(v, list | tuple):
            stack.extend(v)
        elif isinstance(v, Mapping):
            stack.extend(v.keys())
            stack.extend(v.values())
    return value


def _text(s: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EvalFault("E-EVAL-PAYLOAD", f"a string from the host has a lone surrogate "
                        f"(U+{ord(s[exc.start]):04X} at index {exc.start})") from None
