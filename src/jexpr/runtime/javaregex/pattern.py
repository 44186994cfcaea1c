"""A compiled Java pattern and Java's four string operations on it, bounded (spec §13).

One job: ``String.matches``, ``replaceFirst``/``replaceAll`` and ``split`` on one compiled
pattern, each as a single C-level call of the ``regex`` package where it can be:

* a pattern that is plain text (no metacharacter) uses the ``str`` methods;
* a replacement is parsed once per pattern (Java's ``appendReplacement`` syntax) into a
  ``regex`` template, so replacing is one ``sub`` whatever the replacement holds;
* the time bound (``regexTimeout``) is passed to the engine only when the pattern's
  :class:`~jexpr.runtime.javaregex.translate.Cost` cannot prove that the input is short enough
  for the worst case to fit well inside it (the engine's own timeout costs microseconds per
  call); patterns with back references, lookaround or nested repetition always get it;
* a replacement's result may not grow past its input by more than :data:`MAX_OUTPUT` code
  points (``E-EVAL-OVERFLOW``), checked before the engine builds it when the worst case could
  exceed that, match by match otherwise.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from typing import Any

import regex

from jexpr.errors import EvalFault
from jexpr.runtime.javaregex.error import JavaRegexError
from jexpr.runtime.javaregex.replacement import _parse_replacement
from jexpr.runtime.javaregex.translate import Cost, translate

MAX_OUTPUT = 1_000_000  # code points a replace or replaceAll may add to its input
STEP_SECONDS = 10e-9  # the assumed cost of one backtracking step (measured: under 1 ns)
SAFETY = 4  # an unbounded call must fit in a quarter of the time bound
_METACHARACTERS = frozenset("\\^$.|?*+()[]{}")
_Parts = tuple[str | int, ...]


def timeout_fault(pattern: str, timeout: float) -> EvalFault:
    message = f"regular expression {pattern!r} took longer than {timeout * 1000:g} ms"
    return EvalFault("E-EVAL-REGEX-TIMEOUT", message)


class InvalidTimeout:
    """A context ``regexTimeout`` that is not a positive finite number of seconds; refused
    (``E-EVAL-PAYLOAD``) by the regex operation that would use it, so an expression whose
    regular expressions are not evaluated does not fail for it."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def invalid_timeout(timeout: object) -> EvalFault:
    value = timeout.value if isinstance(timeout, InvalidTimeout) else timeout
    return EvalFault("E-EVAL-PAYLOAD", "context 'regexTimeout' must be a positive finite "
                     f"number of seconds, got {value!r}")


def _too_large(grown: int) -> EvalFault:
    return EvalFault("E-EVAL-OVERFLOW", f"the replacement would add more than {MAX_OUTPUT:,} "
                     f"characters to its input (at least {grown:,})")


def stdlib_twin(text: str, flags: int) -> re.Pattern[str] | None:
    """The same pattern compiled by Python's ``re`` when its text is in the syntax both engines
    read alike (no nested classes or class set operations, no Unicode properties or scoped
    Unicode mode, no full case folding) and ``re`` accepts it (fixed-width lookbehind, global
    flags first); None otherwise. ``re`` matches such patterns as ``regex`` does, about three
    times faster, but has no time bound: it runs only where :class:`Cost` vouches for the
    input."""
    if flags != regex.V1 | regex.ASCII or "(?u:" in text or "(?-f)" in text:
        return None
    in_class, previous, i = False, "", 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if text[i + 1:i + 2] in ("p", "P", "N"):
                return None
            i, previous = i + 2, ""
            continue
        if in_class:
            if ch == "[" or (ch in "&-|~" and previous == ch):
                return None  # a nested class or a V1 set operation
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if text[i + 1:i + 2] == "^":
                i += 1
        previous = ch
        i += 1
    try:
        return re.compile(text, re.ASCII)
    except (re.error, OverflowError, RecursionError):
        return None


class JavaPattern:
    """A Java pattern compiled for the ``regex`` package (and, where it reads the same, for
    ``re``), with its cost bound."""

    __slots__ = ("_limits", "_lock", "_templates", "compiled", "cost", "fast", "literal",
                 "source")

    def __init__(self, source: str, compiled: regex.Pattern[str], cost: Cost,
                 fast: re.Pattern[str] | None = None) -> None:
        self.source = source
        self.compiled = compiled
        self.fast: Any = fast or compiled  # what runs when the cost bound allows no timeout
        self.cost = cost
        self.literal = source if source and not _METACHARACTERS & set(source) else None
        self._limits: dict[tuple[float, bool], int] = {}
        self._templates: dict[str, tuple[_Parts, str, str, int]] = {}
        self._lock = threading.Lock()

    # ---- the time bound -------------------------------------------------------------------

    def unbounded(self, n: int, timeout: float, search: bool) -> bool:
        """Whether an input of ``n`` code points provably runs well inside ``timeout`` (then
        the engine's timeout is not armed)."""
        return n <= self.limit(timeout, search)

    def limit(self, timeout: Any, search: bool) -> int:
        """The longest input that provably runs well inside ``timeout`` without the engine's
        timeout (-1 for none, and for an invalid timeout)."""
        limit = self._limits.get((timeout, search))
        if limit is None:
            if type(timeout) is not float:
                return -1
            limit = self._max_length(timeout, search)
            with self._lock:
                if len(self._limits) > 32:
                    self._limits.clear()
                self._limits[(timeout, search)] = limit
        return limit

    def _max_length(self, timeout: float, search: bool) -> int:
        budget = timeout / STEP_SECONDS / SAFETY
        low, high = -1, 1 << 24  # the longest input whose worst case fits the budget
        while low < high:
            mid = (low + high + 1) // 2
            steps = self.cost.steps(mid, search)
            if steps is not None and steps <= budget:
                low = mid
            else:
                high = mid - 1
        return low

    # ---- the operations -------------------------------------------------------------------

    def matches(self, s: str, timeout: float, left: float | None = None) -> bool:
        """Java ``String.matches``: the pattern matches the whole of ``s``. ``timeout`` is
        the bound, ``left`` the part of it not yet spent (compiling)."""
        if type(timeout) is not float:
            raise invalid_timeout(timeout)
        if self.literal is not None:
            return s == self.literal
        if self.unbounded(len(s), timeout, False):
            return self.fast.fullmatch(s) is not None
        try:
            return self.compiled.fullmatch(s, 0, len(s), None, False,
                                           timeout if left is None else left) is not None
        except TimeoutError:
            raise timeout_fault(self.source, timeout) from None

    def replacement(self, text: str) -> tuple[_Parts, str, str, int]:
        """A Java replacement parsed for this pattern: its parts (literal chunks and group
        numbers), the ``regex`` template doing the same, its literal text and its number of
        group references; ``E-EVAL-REGEX`` if invalid."""
        found = self._templates.get(text)
        if found is None:
            try:
                parts = _parse_replacement(self.compiled, text)
            except JavaRegexError as err:
                message = f"invalid replacement {text!r} for {self.source!r}: {err}"
                raise EvalFault("E-EVAL-REGEX", message) from None
            template = "".join(p.replace("\\", "\\\\") if isinstance(p, str) else f"\\g<{p}>"
                               for p in parts)
            literal = "".join(p for p in parts if isinstance(p, str))
            found = (parts, template, literal, sum(1 for p in parts if not isinstance(p, str)))
            with self._lock:
                if len(self._templates) > 64:
                    self._templates.clear()
                self._templates[text] = found
        return found

    def replace(self, s: str, text: str, timeout: float, first: bool,
                left: float | None = None) -> str:
        """Java ``replaceFirst`` (``first``) or ``replaceAll``."""
        if type(timeout) is not float:
            raise invalid_timeout(timeout)
        parts, template, literal, groups = self.replacement(text)
        if self.literal is not None and not groups:
            count = min(1, s.count(self.literal)) if first else s.count(self.literal)
            grown = count * (len(literal) - len(self.literal))
            if grown > MAX_OUTPUT:
                raise _too_large(grown)
            return s.replace(self.literal, literal, 1 if first else -1)
        matches = 1 if first else len(s) + 1
        if matches * (len(literal) + groups * len(s)) > MAX_OUTPUT:
            return self._replace_checked(s, parts, timeout, first, left)
        count = 1 if first else 0
        if self.unbounded(len(s), timeout, True):
            out: str = self.fast.sub(template, s, count)
            return out
        try:
            return self.compiled.sub(template, s, count, 0, len(s), None,
                                     timeout if left is None else left)
        except TimeoutError:
            raise timeout_fault(self.source, timeout) from None

    def direct_sub(self, text: str, first: bool, timeout: float
                   ) -> tuple[Any, tuple[Any, ...], tuple[Any, ...], int] | None:
        """What :meth:`replace` does under ``timeout`` for every input of at most
        *longest* code points, as one C call ``fn(*before, s, *after)``: (fn, before, after,
        longest), or None when the replacement is invalid or no input qualifies."""
        try:
            _, template, literal, groups = self.replacement(text)
        except EvalFault:
            return None
        if self.literal is not None and not groups:
            after = (self.literal, literal, 1 if first else -1)
            return str.replace, (), after, MAX_OUTPUT // max(1, len(literal))
        low, high = -1, self.limit(timeout, True)  # the output cap: longest input within it
        while low < high:
            mid = (low + high + 1) // 2
            if (1 if first else mid + 1) * (len(literal) + groups * mid) <= MAX_OUTPUT:
                low = mid
            else:
                high = mid - 1
        if low < 0:
            return None
        count, sub = 1 if first else 0, self.fast.sub
        if "\\" not in template:
            return sub, (template,), (count,), low
        # a template with group references is compiled by an import inside the engine,
        # which needs a frame with the full builtins (not the generated function's)

        def expand(s: str) -> str:
            out: str = sub(template, s, count)
            return out
        return expand, (), (), low

    def _replace_checked(self, s: str, parts: _Parts, timeout: float, first: bool,
                         left: float | None) -> str:
        """Replacing match by match, the output size checked as it grows."""
        out: list[str] = []
        size, last = 0, 0
        for found in self._find(s, timeout, left):
            piece = "".join(p if isinstance(p, str) else (found.group(p) or "") for p in parts)
            size += found.start() - last + len(piece)
            if size - found.end() > MAX_OUTPUT:
                raise _too_large(size - found.end())
            out.extend([s[last:found.start()], piece])
            last = found.end()
            if first:
                break
        out.append(s[last:])
        return "".join(out)

    def split(self, s: str, timeout: float, left: float | None = None) -> list[str]:
        """Java ``String.split(pattern)`` (limit 0), spec §13.4."""
        if type(timeout) is not float:
            raise invalid_timeout(timeout)
        if self.literal is not None:
            if self.literal not in s:
                return [s]
            pieces = s.split(self.literal)
        else:
            pieces = []
            index = 0
            for found in self._find(s, timeout, left):
                if index == 0 and found.start() == 0 == found.end():
                    continue  # no leading empty piece for a zero-width match at 0
                pieces.append(s[index:found.start()])
                index = found.end()
            if index == 0:
                return [s]
            pieces.append(s[index:])
        return drop_trailing_empty(pieces)

    def _find(self, s: str, timeout: float, left: float | None) -> Any:
        """Java ``Matcher.find`` repeated (after an empty match the search starts one
        further, which ``regex`` iteration does too), under the time bound."""
        if self.unbounded(len(s), timeout, True):
            yield from self.fast.finditer(s)
            return
        deadline = time.monotonic() + (timeout if left is None else left)
        pos = 0
        while pos <= len(s):
            left = deadline - time.monotonic()
            if left <= 0:
                raise timeout_fault(self.source, timeout)
            try:
                found = self.compiled.search(s, pos, len(s), None, False, left)
            except TimeoutError:
                raise timeout_fault(self.source, timeout) from None
            if found is None:
                return
            yield found
            pos = found.end() + 1 if found.end() == found.start() else found.end()


def drop_trailing_empty(pieces: list[str]) -> list[str]:
    """Java ``split`` with limit 0 drops the trailing empty strings (in place)."""
    while pieces and pieces[-1] == "":
        pieces.pop()
    return pieces


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> JavaPattern:
    """Compile a Java pattern (cached); :class:`JavaRegexError` if it is refused."""
    text, flags, cost = translate(pattern)
    try:
        compiled = regex.compile(text, flags)
    except (regex.error, OverflowError, RecursionError) as err:
        raise JavaRegexError(f"pattern cannot be reproduced: {err}") from None
    return JavaPattern(pattern, compiled, cost, stdlib_twin(text, flags))


def compile_java(pattern: str) -> regex.Pattern[str]:
    """The compiled ``regex`` pattern of a Java pattern (see :func:`compile_pattern`)."""
    return compile_pattern(pattern).compiled


def literal_pattern_error(pattern: str) -> str | None:
    """The message for a literal pattern that is invalid (``E-VALUE-REGEX``), else None."""
    try:
        compile_pattern(pattern)
    except JavaRegexError as err:
        return f"invalid regular expression: {err}"
    return None


def literal_replacement_error(pattern: str, replacement: str) -> str | None:
    """The message for a literal replacement invalid for a literal pattern, else None.

    An invalid pattern is reported by :func:`literal_pattern_error`, not here (None).
    """
    try:
        compiled = compile_java(pattern)
    except JavaRegexError:
        return None
    try:
        _parse_replacement(compiled, replacement)
    except JavaRegexError as err:
        return f"invalid replacement: {err}"
    return None
