"""Reading a Java pattern: the ``\\Q…\\E`` pre-pass, the cursor and the atoms read without
recursion into the pattern structure — anchors, escapes, back references, properties and
character classes (with nesting and ``&&`` intersection).

The structural part of the translator (:mod:`jexpr.runtime.javaregex.translate`) builds on the reader.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from jexpr.runtime.javaregex.charsets import (
    _BOUNDARY,
    _ESCAPE_SETS,
    _JAVA_SPACE,
    _LINEBREAK,
    _NON_BOUNDARY,
    _is_ascii_alpha,
    _is_digit,
    _is_hex,
    _literal,
    _negate,
    _property_set,
    _Set,
)
from jexpr.runtime.javaregex.error import JavaRegexError

# --------------------------------------------------------------------------------------------
# \Q…\E (java.util.regex.Pattern.RemoveQEQuoting, applied before parsing)
# --------------------------------------------------------------------------------------------


def _first_quote(p: str) -> int:
    i = 0
    while i < len(p) - 1:
        if p[i] != "\\":
            i += 1
        elif p[i + 1] != "Q":
            i += 2
        else:
            return i
    return -1


def _remove_qe_quoting(p: str) -> str:
    start = _first_quote(p)
    if start < 0:
        return p
    out = [p[:start]]
    i, n = start + 2, len(p)
    in_quote = begin_quote = True
    while i < n:
        c = p[i]
        i += 1
        if ord(c) >= 0x80 or _is_ascii_alpha(c):
            out.append(c)
        elif _is_digit(c):
            out.append("\\x3" + c if begin_quote else c)
        elif c != "\\":
            out.append("\\" + c if in_quote else c)
        elif in_quote:
            if i < n and p[i] == "E":
                i += 1
                in_quote = False
            else:
                out.append("\\\\")
        elif i < n and p[i] == "Q":
            i += 1
            in_quote = begin_quote = True
            continue
        else:
            out.append(c + p[i : i + 1])
            i += 1
        begin_quote = False
    return "".join(out)


# --------------------------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Flags:
    """Java inline flags in force; only ``i`` is handed to ``regex`` (scoped the same way)."""

    i: bool = False
    m: bool = False
    s: bool = False
    x: bool = False
    d: bool = False


@dataclass(frozen=True)
class _Piece:
    """Translated text and its longest match in code points (None: unbounded)."""

    text: str
    maxlen: int | None


class _Reader:
    """The cursor over one Java pattern and its non-structural atoms (base of the translator)."""

    def __init__(self, source: str) -> None:
        self.src = _remove_qe_quoting(source)
        self.pos = 0
        self.flags = _Flags()
        self.unicode_case = False
        self.opened = 0
        self.names: dict[str, int] = {}
        self.refs: list[tuple[int, int]] = []
        self.unsafe = False  # a construct with no backtracking cost bound (see translate.Cost)

    # ---- cursor -------------------------------------------------------------------------

    def error(self, what: str) -> JavaRegexError:
        return JavaRegexError(f"{what} near index {self.pos}")

    def peek(self, ahead: int = 0) -> str:
        return self.src[self.pos + ahead : self.pos + ahead + 1]

    def take(self) -> str:
        ch = self.peek()
        self.pos += len(ch)
        return ch

    def skip_space(self) -> None:
        """In ``(?x)`` mode skip whitespace and ``#`` comments, as Java does everywhere."""
        while self.flags.x:
            ch = self.peek()
            if ch and ch in _JAVA_SPACE:
                self.pos += 1
            elif ch == "#":
                while self.peek() and self.peek() not in "\n\r\x85\u2028\u2029":
                    self.pos += 1
            else:
                return

    # ---- anchors ------------------------------------------------------------------------

    def caret(self) -> str:
        if not self.flags.m:
            return r"\A"
        if self.flags.d:
            return r"(?:\A|(?<=\n))(?!\Z)"
        return r"(?:\A|(?<=[\n\x85\u2028\u2029])|(?<=\r)(?!\n))(?!\Z)"

    def dollar(self, multiline: bool) -> str:
        if self.flags.d:
            return r"(?=\n|\Z)" if multiline else r"(?=\n?\Z)"
        if multiline:
            return r"(?:\Z|(?=[\r\x85\u2028\u2029])|(?<!\r)(?=\n))"
        return r"(?:\Z|(?=\r\n\Z)|(?=[\r\x85\u2028\u2029]\Z)|(?<!\r)(?=\n\Z))"

    # ---- escapes ------------------------------------------------------------------------

    def escape_atom(self) -> _Piece:
        self.pos += 1
        ch = self.take()
        if ch == "":
            raise self.error("unexpected end of pattern after '\\'")
        if ch in ("p", "P"):
            prop = self.property(ch == "P")
            return _Piece(f"(?u:{prop.text})" if prop.unicode else prop.text, 1)
        if ch in "123456789":
            return self.backref(int(ch))
        if ch == "k":
            return self.named_backref()
        if ch in _ESCAPE_SETS:
            return _Piece(_ESCAPE_SETS[ch], 1)
        anchor = self.anchor_escape(ch)
        if anchor is not None:
            return anchor
        return _Piece(_literal(self.char_escape(ch)), 1)

    def anchor_escape(self, ch: str) -> _Piece | None:
        simple = {"A": r"\A", "z": r"\Z", "B": _NON_BOUNDARY}
        if ch in simple:
            return _Piece(simple[ch], 0)
        if ch == "Z":
            return _Piece(self.dollar(False), 0)
        if ch == "b":
            if self.src.startswith("{g", self.pos):
                raise self.error("\\b{g} is not supported")
            return _Piece(_BOUNDARY, 0)
        if ch == "R":
            return _Piece(_LINEBREAK, 2)
        if ch in ("G", "X"):
            raise self.error(f"\\{ch} is not supported")
        return None

    def backref(self, number: int) -> _Piece:
        while _is_digit(self.peek()) and number * 10 + int(self.peek()) <= self.opened:
            number = number * 10 + int(self.take())
        self.refs.append((number, self.opened))
        self.unsafe = True
        return _Piece(f"\x00{len(self.refs) - 1}\x00", None)

    def named_backref(self) -> _Piece:
        if self.take() != "<":
            raise self.error("\\k is not followed by '<' for named capturing group")
        name = self.group_name()
        if name not in self.names:
            raise self.error(f"named capturing group <{name}> does not exist")
        self.unsafe = True
        return _Piece(f"(?:(?P={name}))", None)

    def group_name(self) -> str:
        if not _is_ascii_alpha(self.peek()):
            raise self.error("capturing group name does not start with a Latin letter")
        name = ""
        while _is_ascii_alpha(self.peek()) or _is_digit(self.peek()):
            name += self.take()
        if self.take() != ">":
            raise self.error("named capturing group is missing trailing '>'")
        return name

    def char_escape(self, ch: str) -> int:
        """The code point of a character escape whose letter ``ch`` was just read."""
        simple = {"a": 7, "e": 0x1B, "f": 0x0C, "n": 0x0A, "r": 0x0D, "t": 0x09}
        if ch in simple:
            return simple[ch]
        readers = {"0": self.octal, "c": self.control, "x": self.hex_escape, "u": self.unicode}
        if ch in readers:
            return readers[ch]()
        if ch == "N":
            return self.named_char()
        if _is_ascii_alpha(ch) or ch in "123456789":
            raise self.error(f"illegal/unsupported escape sequence \\{ch}")
        return ord(ch)

    def octal(self) -> int:
        digits = ""
        limit = 3 if "0" <= self.peek() <= "3" else 2
        while len(digits) < limit and len(self.peek()) == 1 and "0" <= self.peek() <= "7":
            digits += self.take()
        if not digits:
            raise self.error("illegal octal escape sequence")
        return int(digits, 8)

    def control(self) -> int:
        ch = self.take()
        if not ch:
            raise self.error("illegal control escape sequence")
        return ord(ch) ^ 64

    def hex_escape(self) -> int:
        if _is_hex(self.peek()) and _is_hex(self.peek(1)):
            return int(self.take() + self.take(), 16)
        if self.peek() == "{" and _is_hex(self.peek(1)):
            self.pos += 1
            digits = ""
            while _is_hex(self.peek()):
                digits += self.take()
                if int(digits, 16) > 0x10FFFF:
                    raise self.error("hexadecimal codepoint is too big")
            if self.take() != "}":
                raise self.error("unclosed hexadecimal escape sequence")
            return int(digits, 16)
        raise self.error("illegal hexadecimal escape sequence")

    def four_hex(self) -> int:
        digits = self.src[self.pos : self.pos + 4]
        if len(digits) != 4 or not all(_is_hex(c) for c in digits):
            raise self.error("illegal Unicode escape sequence")
        self.pos += 4
        return int(digits, 16)

    def unicode(self) -> int:
        high = self.four_hex()
        if 0xD800 <= high <= 0xDBFF and self.src.startswith("\\u", self.pos):
            mark = self.pos
            self.pos += 2
            low = self.four_hex()
            if 0xDC00 <= low <= 0xDFFF:
                return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            self.pos = mark
        return high

    def named_char(self) -> int:
        end = self.src.find("}", self.pos)
        if self.peek() != "{" or end < 0:
            raise self.error("unclosed character name escape sequence")
        name = self.src[self.pos + 1 : end]
        self.pos = end + 1
        try:
            return ord(unicodedata.lookup(name))
        except KeyError:
            raise self.error(f"unknown character name [{name}]") from None

    def property(self, negated: bool) -> _Set:
        if self.peek() == "{":
            end = self.src.find("}", self.pos)
            if end < 0:
                raise self.error("unclosed character family")
            name = self.src[self.pos + 1 : end]
            self.pos = end + 1
            if not name:
                raise self.error("empty character family")
        else:
            name = self.take()
            if not name:
                raise self.error("unexpected end of pattern after \\p")
        found = _property_set(name)
        if found is None:
            raise self.error(f"unknown or unsupported character property {{{name}}}")
        return replace(found, text=_negate(found.text)) if negated else found

    # ---- character classes --------------------------------------------------------------

    def class_body(self) -> _Set:
        """A class after its ``[``: Java's operands joined by ``&&``, each a union of items."""
        negated = self.peek() == "^"
        self.pos += negated
        operands: list[list[_Set]] = []
        current: list[_Set] = []
        while True:
            self.skip_space()
            ch = self.peek()
            if ch == "":
                raise self.error("unclosed character class")
            if ch == "[":
                self.pos += 1
                current.append(self.class_body())
            elif ch == "&" and self.peek(1) == "&":
                self.pos += 2
                self.intersection_operator(operands, current)
                current = []
            elif ch == "]" and (operands or current):
                self.pos += 1
                operands.append(current)
                return self.build_class(operands, negated)
            else:
                current.append(self.class_item())

    def intersection_operator(self, operands: list[list[_Set]], left: list[_Set]) -> None:
        self.skip_space()
        if self.peek() in ("&", "]"):
            raise self.error("an empty operand of '&&' is not supported")
        if left:
            operands.append(left)

    @staticmethod
    def build_class(operands: list[list[_Set]], negated: bool) -> _Set:
        unions = ["[" + "".join(item.text for item in items) + "]" for items in operands]
        unicode = any(item.unicode for items in operands for item in items)
        if len(unions) == 1:  # one operand: negated in place (no nested set)
            return _Set("[^" + unions[0][1:] if negated else unions[0], unicode)
        text = "[" + "&&".join(unions) + "]"
        return _Set(f"[^{text}]" if negated else text, unicode)

    def class_item(self) -> _Set:
        if self.peek() != "\\":
            return self.class_range(ord(self.take()))
        self.pos += 1
        ch = self.take()
        if ch == "":
            raise self.error("unclosed character class")
        if ch in ("p", "P"):
            return self.property(ch == "P")
        if ch == "v" and self.peek() == "-":
            return self.class_range(0x0B)  # Java reads \v as U+000B at a range start
        if ch in _ESCAPE_SETS:
            return _Set(_ESCAPE_SETS[ch])
        return self.class_range(self.char_escape(ch))

    def class_range(self, low: int) -> _Set:
        self.skip_space()
        if self.peek() != "-" or self.peek(1) in ("[", "]"):
            return _Set(_literal(low))
        self.pos += 1
        high = self.range_end()
        if high < low:
            raise self.error("illegal character range")
        return _Set(f"{_literal(low)}-{_literal(high)}")

    def range_end(self) -> int:
        self.skip_space()
        ch = self.take()
        if ch == "":
            raise self.error("unclosed character class")
        if ch != "\\":
            return ord(ch)
        ch = self.take()
        if ch == "v":
            return 0x0B
        if ch in _ESCAPE_SETS or ch in ("p", "P"):
            raise self.error("illegal character range")
        return self.char_escape(ch)
