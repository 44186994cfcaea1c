"""The translator proper: a Java pattern's structure → ``regex`` pattern text, and compilation.

One job: alternations, sequences, quantifiers, groups with scoped inline flags and back-reference
resolution on top of :class:`~jexpr.runtime.javaregex.reader._Reader`, then :func:`compile_java`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import regex

from jexpr.runtime.javaregex.charsets import (
    _ANY,
    _DOT,
    _DOT_UNIX,
    _MAX_REPS,
    _REF_MARK,
    _is_digit,
    _literal,
)
from jexpr.runtime.javaregex.error import JavaRegexError
from jexpr.runtime.javaregex.reader import _Flags, _Piece, _Reader

# --------------------------------------------------------------------------------------------
# The translator
# --------------------------------------------------------------------------------------------


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def _times(length: int | None, count: int | None) -> int | None:
    if length == 0:
        return 0
    return None if length is None or count is None else length * count


MAX_PATTERN_LENGTH = 10_000  # code points of a Java pattern
MAX_UNITS = 50_000  # pattern atoms once counted repetitions are expanded (what regex compiles)


@dataclass(frozen=True)
class Cost:
    """A bound on the backtracking work of a pattern over an input of ``n`` code points:
    ``starts(n) * choices * (n + 1) ** unbounded`` paths of at most ``units`` atoms each, where
    ``starts`` is 1 for an anchored pattern or a whole-input match and ``n + 1`` for a search.
    It holds for patterns without nested or alternating repetition, back references and
    lookaround (``unsafe``): each unbounded quantifier then picks one of ``n + 1`` iteration
    counts, each bounded quantifier or alternation one of a fixed number of choices."""

    unbounded: int
    choices: int
    units: int
    anchored: bool
    unsafe: bool

    def steps(self, n: int, search: bool) -> int | None:
        """The bound for an input of ``n`` code points; None when there is none."""
        if self.unsafe:
            return None
        starts = n + 1 if search and not self.anchored else 1
        paths: int = (n + 1) ** self.unbounded
        return starts * self.choices * self.units * paths


class _Translator(_Reader):
    """Reads one Java pattern and produces the ``regex`` pattern text."""

    def __init__(self, source: str) -> None:
        if len(source) > MAX_PATTERN_LENGTH:
            raise JavaRegexError(f"pattern is longer than {MAX_PATTERN_LENGTH:,} characters")
        super().__init__(source)
        self.units = 0  # atoms so far, counted repetitions expanded
        self.quantifiers = 0
        self.alternations = 0
        self.unbounded = 0
        self.choices = 1
        self.depth = 0
        self.top_branches = 1

    def cost(self) -> Cost:
        anchored = self.src.startswith("^") and self.top_branches == 1
        return Cost(self.unbounded, self.choices, max(1, self.units), anchored,
                    self.unsafe or self.choices > 10**9)

    # ---- structure ----------------------------------------------------------------------

    def translate(self) -> str:
        piece = self.expr()
        if self.pos < len(self.src):
            raise self.error("unmatched closing ')'")
        return _REF_MARK.sub(self.resolve_ref, piece.text)

    def resolve_ref(self, mark: re.Match[str]) -> str:
        number, opened = self.refs[int(mark.group(1))]
        if number > self.opened:
            return "(?!)"  # Java: a group that never exists never matches
        if number > opened:
            raise JavaRegexError(f"back reference \\{number} to a later group is not supported")
        return f"(?:\\{number})"

    def expr(self) -> _Piece:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        if len(branches) > 1:
            self.alternations += 1
            self.choices *= len(branches)
        if self.depth == 0:
            self.top_branches = len(branches)
        lengths = [b.maxlen for b in branches]
        longest = None if None in lengths else max(x for x in lengths if x is not None)
        return _Piece("|".join(b.text for b in branches), longest)

    def sequence(self) -> _Piece:
        parts: list[str] = []
        total: int | None = 0
        while True:
            self.skip_space()
            ch = self.peek()
            if ch in ("", "|", ")"):
                return _Piece("".join(parts), total)
            if ch in ("*", "+", "?"):
                raise self.error(f"dangling meta character '{ch}'")
            marks = (self.units, self.quantifiers, self.alternations)
            atom = self.atom()
            if isinstance(atom, str):
                parts.append(atom)
                continue
            if ch != "(":
                self.units += 1
            piece = self.quantified(atom, marks)
            parts.append(piece.text)
            total = _add(total, piece.maxlen)

    def atom(self) -> _Piece | str:
        ch = self.peek()
        if ch == "(":
            return self.group()
        if ch == "[":
            self.pos += 1
            cls = self.class_body()
            return _Piece(f"(?u:{cls.text})" if cls.unicode else cls.text, 1)
        if ch == "\\":
            return self.escape_atom()
        if ch == "{":
            return _Piece("", 0)  # Java: an empty slice; the closure that follows applies to it
        self.pos += 1
        if ch == "^":
            return _Piece(self.caret(), 0)
        if ch == "$":
            return _Piece(self.dollar(self.flags.m), 0)
        if ch == ".":
            return _Piece(_ANY if self.flags.s else _DOT_UNIX if self.flags.d else _DOT, 1)
        return _Piece(_literal(ord(ch)), 1)

    # ---- quantifiers --------------------------------------------------------------------

    def quantified(self, atom: _Piece, marks: tuple[int, int, int]) -> _Piece:
        self.skip_space()
        ch = self.peek()
        if ch in ("*", "+", "?") and ch:
            self.pos += 1
            quant, lower, upper = ch, (1 if ch == "+" else 0), {"*": None, "+": None, "?": 1}[ch]
            copies = 1
        elif ch == "{":
            quant, lower, upper = self.curly()
            copies = upper if upper is not None else lower + 1
        else:
            return atom
        self.skip_space()
        mode = self.peek()
        if mode in ("?", "+") and mode:
            self.pos += 1
            quant += mode
        self.count(marks, lower, upper, copies, possessive=mode == "+")
        return _Piece(f"(?:{atom.text}){quant}", _times(atom.maxlen, upper))

    def count(self, marks: tuple[int, int, int], lower: int, upper: int | None, copies: int,
              possessive: bool) -> None:
        """Account for one quantifier: the expanded size (refused beyond
        :data:`MAX_UNITS`, whatever Java accepts, so compiling stays small and fast) and the
        backtracking cost profile of :class:`Cost`."""
        units, quantifiers, alternations = marks
        self.units = units + (self.units - units) * max(1, copies)
        if self.units > MAX_UNITS:
            raise JavaRegexError(f"pattern too large: its repetitions expand to more than "
                                 f"{MAX_UNITS:,} elements")
        if self.quantifiers > quantifiers or self.alternations > alternations:
            self.unsafe = True  # nested or alternating repetition
        self.quantifiers += 1
        if possessive:
            return
        if upper is None:
            self.unbounded += 1
        else:
            self.choices *= upper - lower + 1

    def number(self) -> int:
        digits = ""
        while _is_digit(self.peek()):
            digits += self.take()
        return int(digits)

    def curly(self) -> tuple[str, int, int | None]:
        self.pos += 1
        self.skip_space()
        if not _is_digit(self.peek()):
            raise self.error("illegal repetition")
        low = self.number()
        high: int | None = low
        text = f"{{{low}}}"
        self.skip_space()
        if self.peek() == ",":
            self.pos += 1
            self.skip_space()
            high = self.number() if _is_digit(self.peek()) else None
            text = f"{{{low},{'' if high is None else high}}}"
            self.skip_space()
        if self.take() != "}":
            raise self.error("unclosed counted closure")
        if low > _MAX_REPS or (high is not None and (high > _MAX_REPS or high < low)):
            raise self.error("illegal repetition range")
        return text, low, high

    # ---- groups and inline flags --------------------------------------------------------

    def group(self) -> _Piece | str:
        saved = self.flags
        self.pos += 1
        if self.peek() != "?":
            return self.capturing(None, saved)
        self.pos += 1
        ch = self.take()
        if ch == ":":
            return self.group_body("(?:", saved)
        if ch in ("=", "!") and ch:
            self.unsafe = True  # lookaround runs at every position: no cost bound
            return _Piece(self.group_body(f"(?{ch}", saved).text, 0)
        if ch == ">":
            return self.group_body("(?>", saved)
        if ch == "<":
            return self.angle_group(saved)
        if ch in ("$", "@") and ch:
            raise self.error("unknown group type")
        self.pos -= len(ch)
        return self.flag_group(saved)

    def angle_group(self, saved: _Flags) -> _Piece:
        kind = self.peek()
        if kind not in ("=", "!") or not kind:
            return self.capturing(self.group_name(), saved)
        self.pos += 1
        self.unsafe = True
        body = self.group_body(f"(?<{kind}", saved)
        if body.maxlen is None:
            raise self.error("look-behind group does not have an obvious maximum length")
        return _Piece(body.text, 0)


    def capturing(self, name: str | None, saved: _Flags) -> _Piece:
        self.opened += 1
        if name is None:
            return self.group_body("(", saved)
        if name in self.names:
            raise self.error(f"named capturing group <{name}> is already defined")
        self.names[name] = self.opened
        return self.group_body(f"(?P<{name}>", saved)

    def group_body(self, opening: str, saved: _Flags) -> _Piece:
        self.depth += 1
        body = self.expr()
        self.depth -= 1
        if self.take() != ")":
            raise self.error("unclosed group")
        self.flags = saved  # Java restores the flags at the end of every group
        return _Piece(f"{opening}{body.text})", body.maxlen)

    def flag_group(self, saved: _Flags) -> _Piece | str:
        new = self.inline_flags()
        ch = self.take()
        case = "i" if new.i else "-i"
        if ch == ")":
            changed = new.i != self.flags.i
            self.flags = new
            return f"(?{case})" if changed else ""
        if ch == ":":
            self.flags = new
            return self.group_body(f"(?{case}:", saved)
        raise self.error("unknown inline modifier")

    def inline_flags(self) -> _Flags:
        flags, on = self.flags, True
        while True:
            ch = self.peek()
            if ch == "-" and on:
                on = False
            elif ch == "U":
                if on:
                    raise self.error("UNICODE_CHARACTER_CLASS (?U) is not supported")
            elif ch == "u":
                self.unicode_case = self.unicode_case or on
            elif ch in ("i", "m", "s", "x", "d") and ch:
                flags = replace(flags, **{ch: on})
            else:
                return flags
            self.pos += 1


# --------------------------------------------------------------------------------------------
# Compilation and replacement syntax
# --------------------------------------------------------------------------------------------


def translate(pattern: str) -> tuple[str, int, Cost]:
    """The ``regex`` pattern text, the flags to compile it with, and its cost bound;
    :class:`JavaRegexError` if Java rejects the pattern, jexpr cannot reproduce it, or it is
    beyond the size limits."""
    translator = _Translator(pattern)
    try:
        text = translator.translate()
    except RecursionError:
        raise JavaRegexError("pattern is nested too deeply") from None
    flags = regex.V1 if translator.unicode_case else regex.V1 | regex.ASCII
    if translator.unicode_case:
        text = "(?-f)" + text  # Java folds case one character at a time
    return text, flags, translator.cost()
