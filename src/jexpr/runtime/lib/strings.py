"""The string functions of spec §10.9 on runtime values (concat … uuid).

Each function takes already-evaluated arguments. Null follows §9: a predicate (``contain*``,
``startWith*``, ``endWith*``, ``equalIgnoreCase``, ``notEqualIgnoreCase``, ``matchRegExp``,
``isEmpty``, ``isNotEmpty``) gives false when any argument is null; every other function gives
null. Strings are sequences of code points (D27); "ignoring case" compares ``str.lower()`` of both
sides. The regex functions delegate to :mod:`jexpr.runtime.javaregex` and take the ``timeout`` bound in
seconds (§13.5).
"""

from __future__ import annotations

import random
import uuid as _uuid
from collections.abc import Sequence

from jexpr.errors import EvalFault
from jexpr.runtime import javaregex

__all__ = [
    "concat",
    "concat_list",
    "contain",
    "contain_ignore_case",
    "end_with",
    "end_with_ignore_case",
    "equal_ignore_case",
    "index_of",
    "is_empty",
    "is_not_empty",
    "last_index_of",
    "length",
    "lower",
    "match_reg_exp",
    "not_equal_ignore_case",
    "replace",
    "replace_all",
    "split",
    "start_with",
    "start_with_ignore_case",
    "substr",
    "substr_range",
    "trim",
    "upper",
    "uuid",
]

_JAVA_TRIMMED = "".join(chr(cp) for cp in range(0x21))


def concat(a: str | None, b: str | None) -> str | None:
    """``concat(string, string)``."""
    if a is None or b is None:
        return None
    return a + b


def concat_list(values: Sequence[str | None] | None) -> str | None:
    """``concat(listString)``: the elements joined with no separator, nulls skipped."""
    if values is None:
        return None
    return "".join(v for v in values if v is not None)


def contain(s: str | None, t: str | None) -> bool:
    return s is not None and t is not None and t in s


def contain_ignore_case(s: str | None, t: str | None) -> bool:
    return s is not None and t is not None and t.lower() in s.lower()


def end_with(s: str | None, t: str | None) -> bool:
    return s is not None and t is not None and s.endswith(t)


def end_with_ignore_case(s: str | None, t: str | None) -> bool:
    return s is not None and t is not None and s.lower().endswith(t.lower())


def start_with(s: str | None, t: str | None) -> bool:
    return s is not None and t is not None and s.startswith(t)


def start_with_ignore_case(s: str | None, t: str | None) -> bool:
    return s is not None and t is not None and s.lower().startswith(t.lower())


def equal_ignore_case(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.lower() == b.lower()


def not_equal_ignore_case(a: str | None, b: str | None) -> bool:
    """Not ``equalIgnoreCase`` for non-null arguments; false if either is null (§9)."""
    return a is not None and b is not None and a.lower() != b.lower()


def index_of(s: str | None, t: str | None) -> int | None:
    if s is None or t is None:
        return None
    return s.find(t)


def last_index_of(s: str | None, t: str | None) -> int | None:
    if s is None or t is None:
        return None
    return s.rfind(t)


def is_empty(s: str | None) -> bool:
    return s is not None and len(s) == 0


def is_not_empty(s: str | None) -> bool:
    return s is not None and len(s) != 0


def length(s: str | None) -> int | None:
    return None if s is None else len(s)


def lower(s: str | None) -> str | None:
    return None if s is None else s.lower()


def upper(s: str | None) -> str | None:
    return None if s is None else s.upper()


def trim(s: str | None) -> str | None:
    """Java ``String.trim``: strips code points up to U+0020 at both ends."""
    return None if s is None else s.strip(_JAVA_TRIMMED)


def match_reg_exp(s: str | None, pattern: str | None, timeout: float) -> bool:
    """``matchRegExp``: the Java pattern matches the whole of ``s`` (§13.2)."""
    if s is None or pattern is None:
        return False
    return javaregex.matches(s, pattern, timeout)


def replace(
    s: str | None, pattern: str | None, replacement: str | None, timeout: float
) -> str | None:
    """``replace``: Java ``replaceFirst`` (§13.3)."""
    if s is None or pattern is None or replacement is None:
        return None
    return javaregex.replace_first(s, pattern, replacement, timeout)


def replace_all(
    s: str | None, pattern: str | None, replacement: str | None, timeout: float
) -> str | None:
    """``replaceAll``: Java ``replaceAll`` (§13.3)."""
    if s is None or pattern is None or replacement is None:
        return None
    return javaregex.replace_all(s, pattern, replacement, timeout)


def split(s: str | None, pattern: str | None, timeout: float) -> list[str] | None:
    """``split``: Java ``String.split`` with limit 0 (§13.4)."""
    if s is None or pattern is None:
        return None
    return javaregex.split(s, pattern, timeout)


def _substring(s: str, begin: int, end: int) -> str:
    if begin < 0 or end > len(s) or begin > end:
        message = f"substr indexes {begin}..{end} out of range for a string of length {len(s)}"
        raise EvalFault("E-EVAL-RANGE", message)
    return s[begin:end]


def substr(s: str | None, begin: int | None) -> str | None:
    """``substr(s, begin)``: code points from ``begin`` to the end."""
    if s is None or begin is None:
        return None
    return _substring(s, begin, len(s))


def substr_range(s: str | None, begin: int | None, end: int | None) -> str | None:
    """``substr(s, begin, end)``: code points ``begin`` (inclusive) to ``end`` (exclusive)."""
    if s is None or begin is None or end is None:
        return None
    return _substring(s, begin, end)


def uuid(rng: random.Random) -> str:
    """``uuid()``: a random version-4 UUID drawn from ``rng``, lowercase, 36 characters."""
    return str(_uuid.UUID(int=rng.getrandbits(128), version=4))
