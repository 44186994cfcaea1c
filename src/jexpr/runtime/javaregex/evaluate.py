"""Running Java's ``matches``, ``replaceFirst``, ``replaceAll`` and ``split`` on a pattern given
as text, bounded in time (spec §13.5).

One job: compile the pattern (cached; refused beyond the size limits of
:mod:`jexpr.runtime.javaregex.translate`, so compiling is small and fast), count the
compilation against the time bound, and run the operation of
:class:`~jexpr.runtime.javaregex.pattern.JavaPattern` with the time that is left. Invalid
patterns are ``E-EVAL-REGEX``, timeouts ``E-EVAL-REGEX-TIMEOUT``. (Patterns written as literals
are compiled once, when the expression is, and call the :class:`JavaPattern` directly.)
"""

from __future__ import annotations

import time

from jexpr.errors import EvalFault
from jexpr.runtime.javaregex.error import JavaRegexError
from jexpr.runtime.javaregex.pattern import (
    JavaPattern,
    compile_pattern,
    invalid_timeout,
    timeout_fault,
)


def _compiled(pattern: str, timeout: float) -> tuple[JavaPattern, float]:
    """The compiled pattern and the time left for the operation."""
    if type(timeout) is not float:
        raise invalid_timeout(timeout)
    start = time.monotonic()
    try:
        compiled = compile_pattern(pattern)
    except JavaRegexError as err:
        raise EvalFault("E-EVAL-REGEX", f"invalid regular expression {pattern!r}: {err}") from None
    left = timeout - (time.monotonic() - start)
    if left <= 0:
        raise timeout_fault(pattern, timeout)
    return compiled, left


def matches(s: str, pattern: str, timeout: float) -> bool:
    """Java ``String.matches``: the pattern matches the whole of ``s``."""
    compiled, left = _compiled(pattern, timeout)
    return compiled.matches(s, timeout, left)


def replace_first(s: str, pattern: str, replacement: str, timeout: float) -> str:
    """Java ``String.replaceFirst``."""
    compiled, left = _compiled(pattern, timeout)
    return compiled.replace(s, replacement, timeout, True, left)


def replace_all(s: str, pattern: str, replacement: str, timeout: float) -> str:
    """Java ``String.replaceAll``."""
    compiled, left = _compiled(pattern, timeout)
    return compiled.replace(s, replacement, timeout, False, left)


def split(s: str, pattern: str, timeout: float) -> list[str]:
    """Java ``String.split(pattern)`` (limit 0), spec §13.4."""
    compiled, left = _compiled(pattern, timeout)
    return compiled.split(s, timeout, left)
