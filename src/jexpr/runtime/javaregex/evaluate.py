"""Running Java's ``matches``, ``replaceFirst``, ``replaceAll`` and ``split``, bounded in time.

One job: evaluate translated patterns the way ``java.lang.String`` does (``Matcher.find``
stepping, replacement expansion, trailing empty pieces) and turn invalid patterns and timeouts
into evaluation faults.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import regex

from jexpr.errors import EvalFault
from jexpr.runtime.javaregex.error import JavaRegexError
from jexpr.runtime.javaregex.replacement import _parse_replacement, _Replacement
from jexpr.runtime.javaregex.translate import compile_java

# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


def _compiled(pattern: str) -> regex.Pattern[str]:
    try:
        return compile_java(pattern)
    except JavaRegexError as err:
        raise EvalFault("E-EVAL-REGEX", f"invalid regular expression {pattern!r}: {err}") from None


def _replacement(compiled: regex.Pattern[str], pattern: str, text: str) -> _Replacement:
    try:
        return _parse_replacement(compiled, text)
    except JavaRegexError as err:
        message = f"invalid replacement {text!r} for {pattern!r}: {err}"
        raise EvalFault("E-EVAL-REGEX", message) from None


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("regex timed out")
    return left


def _timeout_fault(pattern: str, timeout: float) -> EvalFault:
    message = f"regular expression {pattern!r} took longer than {timeout * 1000:g} ms"
    return EvalFault("E-EVAL-REGEX-TIMEOUT", message)


def _find_all(compiled: regex.Pattern[str], s: str, deadline: float) -> Iterator[regex.Match[str]]:
    """Java ``Matcher.find`` repeated: after an empty match the search starts one further."""
    pos = 0
    while pos <= len(s):
        found = compiled.search(s, pos=pos, timeout=_remaining(deadline))
        if found is None:
            return
        yield found
        pos = found.end() + 1 if found.end() == found.start() else found.end()


def _expand(parts: _Replacement, found: regex.Match[str]) -> str:
    return "".join(p if isinstance(p, str) else (found.group(p) or "") for p in parts)


def matches(s: str, pattern: str, timeout: float) -> bool:
    """Java ``String.matches``: the pattern matches the whole of ``s``."""
    deadline = time.monotonic() + timeout
    compiled = _compiled(pattern)
    try:
        return compiled.fullmatch(s, timeout=_remaining(deadline)) is not None
    except TimeoutError:
        raise _timeout_fault(pattern, timeout) from None


def _replace(s: str, pattern: str, replacement: str, timeout: float, limit: int | None) -> str:
    deadline = time.monotonic() + timeout
    compiled = _compiled(pattern)
    parts = _replacement(compiled, pattern, replacement)
    out: list[str] = []
    last = 0
    try:
        for count, found in enumerate(_find_all(compiled, s, deadline), start=1):
            out.extend([s[last : found.start()], _expand(parts, found)])
            last = found.end()
            if count == limit:
                break
    except TimeoutError:
        raise _timeout_fault(pattern, timeout) from None
    out.append(s[last:])
    return "".join(out)


def replace_first(s: str, pattern: str, replacement: str, timeout: float) -> str:
    """Java ``String.replaceFirst``."""
    return _replace(s, pattern, replacement, timeout, 1)


def replace_all(s: str, pattern: str, replacement: str, timeout: float) -> str:
    """Java ``String.replaceAll``."""
    return _replace(s, pattern, replacement, timeout, None)


def split(s: str, pattern: str, timeout: float) -> list[str]:
    """Java ``String.split(pattern)`` (limit 0), spec §13.4."""
    deadline = time.monotonic() + timeout
    compiled = _compiled(pattern)
    pieces: list[str] = []
    index = 0
    try:
        for found in _find_all(compiled, s, deadline):
            if index == 0 and found.start() == 0 == found.end():
                continue  # no leading empty piece for a zero-width match at 0
            pieces.append(s[index : found.start()])
            index = found.end()
    except TimeoutError:
        raise _timeout_fault(pattern, timeout) from None
    if index == 0:
        return [s]
    pieces.append(s[index:])
    while pieces and pieces[-1] == "":
        pieces.pop()
    return pieces
