"""Java ``java.util.regex`` patterns on top of the ``regex`` package (spec §13).

One job: translate a Java pattern into an equivalent ``regex`` pattern — rejecting whatever Java
rejects or jexpr cannot reproduce, never reinterpreting it — and run Java's ``String.matches``,
``replaceFirst``, ``replaceAll`` and ``split`` (with ``appendReplacement`` syntax) on it, bounded
in time.

The translator is a small recursive-descent parser modelled on ``java.util.Pattern``: after Java's
own ``\\Q…\\E`` pre-pass it reads alternations, sequences, atoms, quantifiers, groups with scoped
inline flags and character classes (nesting, ``&&`` intersection). Everything whose meaning
differs between the two engines is emitted explicitly: ``.``, ``^``, ``$``, ``\\Z``, ``\\b``,
``\\d \\w \\s \\h \\v``, the POSIX classes (explicit ASCII sets) and Unicode properties (inside a
scoped ``(?u:…)``). Literal characters are always emitted escaped.
"""

from __future__ import annotations

import functools
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace

import regex

from jexpr.errors import EvalFault

__all__ = [
    "JavaRegexError",
    "check_replacement",
    "compile_java",
    "literal_pattern_error",
    "literal_replacement_error",
    "matches",
    "replace_all",
    "replace_first",
    "split",
]


class JavaRegexError(Exception):
    """A pattern or replacement that Java rejects or that jexpr cannot reproduce."""


# --------------------------------------------------------------------------------------------
# Fixed translations
# --------------------------------------------------------------------------------------------

_ANY = r"[\x00-\U0010FFFF]"
_WORD = "[A-Za-z0-9_]"
_DOT = r"[^\n\r\x85\u2028\u2029]"
_DOT_UNIX = r"[^\n]"
_TERMINATORS = r"[\n\r\x85\u2028\u2029]"
_LINEBREAK = r"(?>\r\n|[\n\x0B\f\r\x85\u2028\u2029])"
_BOUNDARY = f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))"
_NON_BOUNDARY = f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))"
_HSPACE = r"\t\x20\xA0\u1680\u180E\u2000-\u200A\u202F\u205F\u3000"
_VSPACE = r"\n\x0B\f\r\x85\u2028\u2029"

# \d \D \w \W \s \S \h \H \v \V — the ASCII meaning of Java, as explicit sets.
_ESCAPE_SETS = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "w": "[A-Za-z0-9_]",
    "W": "[^A-Za-z0-9_]",
    "s": r"[\x20\t\n\x0B\f\r]",
    "S": r"[^\x20\t\n\x0B\f\r]",
    "h": f"[{_HSPACE}]",
    "H": f"[^{_HSPACE}]",
    "v": f"[{_VSPACE}]",
    "V": f"[^{_VSPACE}]",
}

# POSIX classes and the other ASCII/Latin-1 names of java.util.regex.
_POSIX_SETS = {
    "Lower": "[a-z]",
    "Upper": "[A-Z]",
    "ASCII": r"[\x00-\x7F]",
    "Alpha": "[A-Za-z]",
    "Digit": "[0-9]",
    "Alnum": "[A-Za-z0-9]",
    "Punct": r"[!-/:-@\[-`{-~]",
    "Graph": "[!-~]",
    "Print": r"[\x20-~]",
    "Blank": r"[\x20\t]",
    "Cntrl": r"[\x00-\x1F\x7F]",
    "XDigit": "[0-9A-Fa-f]",
    "Space": r"[\x20\t\n\x0B\f\r]",
    "L1": r"[\x00-\xFF]",
    "all": _ANY,
}

# General categories known to java.util.regex (CharPredicates.forProperty).
_CATEGORY_NAMES = (
    "Cn Lu Ll Lt Lm Lo Mn Me Mc Nd Nl No Zs Zl Zp Cc Cf Co Cs Pd Ps Pe Pc Po Sm Sc Sk So Pi Pf "
    "L M N Z C P S LC"
)
_CATEGORIES = frozenset(_CATEGORY_NAMES.split())

_GRAPH = r"[^\p{White_Space}\p{Cc}\p{Cs}\p{Cn}]"

# \p{IsX} binary properties (java.util.regex CharPredicates), keyed by the upper-cased name.
_BINARY_PROPERTIES = {
    "ALPHABETIC": r"\p{Alphabetic}",
    "ASSIGNED": r"\P{Cn}",
    "CONTROL": r"\p{Cc}",
    "EMOJI": r"\p{Emoji}",
    "EMOJI_PRESENTATION": r"\p{Emoji_Presentation}",
    "EMOJI_MODIFIER": r"\p{Emoji_Modifier}",
    "EMOJI_MODIFIER_BASE": r"\p{Emoji_Modifier_Base}",
    "EMOJI_COMPONENT": r"\p{Emoji_Component}",
    "EXTENDED_PICTOGRAPHIC": r"\p{Extended_Pictographic}",
    "HEXDIGIT": r"\p{Hex_Digit}",
    "HEX_DIGIT": r"\p{Hex_Digit}",
    "IDEOGRAPHIC": r"\p{Ideographic}",
    "JOINCONTROL": r"\p{Join_Control}",
    "JOIN_CONTROL": r"\p{Join_Control}",
    "LETTER": r"\p{L}",
    "LOWERCASE": r"\p{Lowercase}",
    "NONCHARACTERCODEPOINT": r"\p{Noncharacter_Code_Point}",
    "NONCHARACTER_CODE_POINT": r"\p{Noncharacter_Code_Point}",
    "TITLECASE": r"\p{Lt}",
    "PUNCTUATION": r"\p{P}",
    "UPPERCASE": r"\p{Uppercase}",
    "WHITESPACE": r"\p{White_Space}",
    "WHITE_SPACE": r"\p{White_Space}",
    "DIGIT": r"\p{Nd}",
    "ALNUM": r"[\p{Alphabetic}\p{Nd}]",
    "BLANK": r"[\p{Zs}\t]",
    "WORD": r"[\p{Alphabetic}\p{Mn}\p{Me}\p{Mc}\p{Nd}\p{Pc}\p{Join_Control}]",
    "GRAPH": _GRAPH,
    "PRINT": rf"[[{_GRAPH}\p{{Zs}}\t]&&\P{{Cc}}]",
}

_PROPERTY_VALUE = re.compile(r"[A-Za-z0-9_ \-]+")
_JAVA_SPACE = " \t\n\x0b\f\r"
_MAX_REPS = 0x7FFFFFFF
_REF_MARK = re.compile("\x00([0-9]+)\x00")


def _is_digit(ch: str) -> bool:
    return len(ch) == 1 and "0" <= ch <= "9"


def _is_ascii_alpha(ch: str) -> bool:
    return len(ch) == 1 and ("a" <= ch <= "z" or "A" <= ch <= "Z")


def _is_hex(ch: str) -> bool:
    return len(ch) == 1 and ch in "0123456789abcdefABCDEF"


def _literal(cp: int) -> str:
    """One code point as ``regex`` text that is literal both inside and outside a set."""
    if cp < 0x80 and (chr(cp).isalnum() or cp == 0x5F):
        return chr(cp)
    if 0x20 < cp < 0x7F:
        return "\\" + chr(cp)
    if cp <= 0xFF:
        return f"\\x{cp:02X}"
    if cp <= 0xFFFF:
        return f"\\u{cp:04X}"
    return f"\\U{cp:08X}"


def _negate(text: str) -> str:
    if text.startswith("\\p{"):
        return "\\P" + text[2:]
    if text.startswith("\\P{"):
        return "\\p" + text[2:]
    return f"[^{text}]"


@functools.lru_cache(maxsize=256)
def _known_property(text: str) -> bool:
    try:
        regex.compile(f"(?u:{text})", regex.V1)
    except regex.error:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Unicode property names (java.util.regex.Pattern.family)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Set:
    """A set usable as a member of a ``regex`` V1 character set; ``unicode`` needs ``(?u:…)``."""

    text: str
    unicode: bool = False


def _named_value(kind: str, value: str) -> _Set | None:
    if not _PROPERTY_VALUE.fullmatch(value):
        return None
    text = f"\\p{{{kind}={value}}}"
    return _Set(text, True) if _known_property(text) else None


def _java_property(name: str) -> _Set | None:
    """``CharPredicates.forProperty``: categories, POSIX and Latin-1 names."""
    if name in _CATEGORIES:
        return _Set(f"\\p{{{name}}}", True)
    if name == "LD":
        return _Set(r"[\p{L}\p{Nd}]", True)
    if name in _POSIX_SETS:
        return _Set(_POSIX_SETS[name])
    return None


def _property_set(name: str) -> _Set | None:
    if "=" in name:
        key, value = name.split("=", 1)
        key = key.lower()
        if key in ("sc", "script"):
            return _named_value("Script", value)
        if key in ("blk", "block"):
            return _named_value("Block", value)
        if key in ("gc", "general_category") and value in _CATEGORIES:
            return _Set(f"\\p{{{value}}}", True)
        return None
    if name.startswith("In"):
        return _named_value("Block", name[2:])
    if name.startswith("Is"):
        rest = name[2:]
        binary = _BINARY_PROPERTIES.get(rest.upper())
        if binary is not None:
            return _Set(binary, True)
        return _java_property(rest) or _named_value("Script", rest)
    return _java_property(name)


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
# The translator
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


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def _times(length: int | None, count: int | None) -> int | None:
    if length == 0:
        return 0
    return None if length is None or count is None else length * count


class _Translator:
    """Reads one Java pattern and produces the ``regex`` pattern text."""

    def __init__(self, source: str) -> None:
        self.src = _remove_qe_quoting(source)
        self.pos = 0
        self.flags = _Flags()
        self.unicode_case = False
        self.opened = 0
        self.names: dict[str, int] = {}
        self.refs: list[tuple[int, int]] = []

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
            atom = self.atom()
            if isinstance(atom, str):
                parts.append(atom)
                continue
            piece = self.quantified(atom)
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

    def quantified(self, atom: _Piece) -> _Piece:
        self.skip_space()
        ch = self.peek()
        if ch in ("*", "+", "?") and ch:
            self.pos += 1
            quant, upper = ch, {"*": None, "+": None, "?": 1}[ch]
        elif ch == "{":
            quant, upper = self.curly()
        else:
            return atom
        self.skip_space()
        mode = self.peek()
        if mode in ("?", "+") and mode:
            self.pos += 1
            quant += mode
        return _Piece(f"(?:{atom.text}){quant}", _times(atom.maxlen, upper))

    def number(self) -> int:
        digits = ""
        while _is_digit(self.peek()):
            digits += self.take()
        return int(digits)

    def curly(self) -> tuple[str, int | None]:
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
        return text, high

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
        body = self.group_body(f"(?<{kind}", saved)
        if body.maxlen is None:
            raise self.error("look-behind group does not have an obvious maximum length")
        return _Piece(body.text, 0)

    def group_name(self) -> str:
        if not _is_ascii_alpha(self.peek()):
            raise self.error("capturing group name does not start with a Latin letter")
        name = ""
        while _is_ascii_alpha(self.peek()) or _is_digit(self.peek()):
            name += self.take()
        if self.take() != ">":
            raise self.error("named capturing group is missing trailing '>'")
        return name

    def capturing(self, name: str | None, saved: _Flags) -> _Piece:
        self.opened += 1
        if name is None:
            return self.group_body("(", saved)
        if name in self.names:
            raise self.error(f"named capturing group <{name}> is already defined")
        self.names[name] = self.opened
        return self.group_body(f"(?P<{name}>", saved)

    def group_body(self, opening: str, saved: _Flags) -> _Piece:
        body = self.expr()
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
        return _Piece(f"\x00{len(self.refs) - 1}\x00", None)

    def named_backref(self) -> _Piece:
        if self.take() != "<":
            raise self.error("\\k is not followed by '<' for named capturing group")
        name = self.group_name()
        if name not in self.names:
            raise self.error(f"named capturing group <{name}> does not exist")
        return _Piece(f"(?:(?P={name}))", None)

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
        text = unions[0] if len(unions) == 1 else "[" + "&&".join(unions) + "]"
        unicode = any(item.unicode for items in operands for item in items)
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


# --------------------------------------------------------------------------------------------
# Compilation and replacement syntax
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def compile_java(pattern: str) -> regex.Pattern[str]:
    """Compile a Java pattern; :class:`JavaRegexError` if Java rejects it or it is unsupported."""
    translator = _Translator(pattern)
    try:
        text = translator.translate()
    except RecursionError:
        raise JavaRegexError("pattern is nested too deeply") from None
    flags = regex.V1 if translator.unicode_case else regex.V1 | regex.ASCII
    if translator.unicode_case:
        text = "(?-f)" + text  # Java folds case one character at a time
    try:
        return regex.compile(text, flags)
    except (regex.error, OverflowError, RecursionError) as err:
        raise JavaRegexError(f"pattern cannot be reproduced: {err}") from None


_Replacement = tuple[str | int, ...]


def _numbered_group(pattern: regex.Pattern[str], text: str, i: int) -> tuple[int, int]:
    if not _is_digit(text[i]):
        raise JavaRegexError("illegal group reference in replacement")
    number = int(text[i])
    if number > pattern.groups:
        raise JavaRegexError(f"no group {number} in replacement")
    i += 1
    while i < len(text) and _is_digit(text[i]) and number * 10 + int(text[i]) <= pattern.groups:
        number = number * 10 + int(text[i])
        i += 1
    return number, i


def _named_group(pattern: regex.Pattern[str], text: str, i: int) -> tuple[int, int]:
    end = i + 1
    while end < len(text) and (_is_ascii_alpha(text[end]) or _is_digit(text[end])):
        end += 1
    name = text[i + 1 : end]
    if not name:
        raise JavaRegexError("named capturing group has 0 length name in replacement")
    if end >= len(text) or text[end] != "}":
        raise JavaRegexError("named capturing group is missing trailing '}' in replacement")
    if _is_digit(name[0]):
        raise JavaRegexError(f"capturing group name {{{name}}} starts with digit character")
    if name not in pattern.groupindex:
        raise JavaRegexError(f"no group with name {{{name}}} in replacement")
    return pattern.groupindex[name], end + 1


def _parse_replacement(pattern: regex.Pattern[str], text: str) -> _Replacement:
    """Java ``Matcher.appendReplacement`` syntax: literal chunks and group numbers."""
    parts: list[str | int] = []
    chunk: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 == len(text):
                raise JavaRegexError("character to be escaped is missing in replacement")
            chunk.append(text[i + 1])
            i += 2
        elif ch == "$":
            if i + 1 == len(text):
                raise JavaRegexError("illegal group reference: group index is missing")
            reader = _named_group if text[i + 1] == "{" else _numbered_group
            group, i = reader(pattern, text, i + 1)
            parts.extend(["".join(chunk), group])
            chunk = []
        else:
            chunk.append(ch)
            i += 1
    parts.append("".join(chunk))
    return tuple(p for p in parts if p != "")


def check_replacement(pattern: regex.Pattern[str], replacement: str) -> None:
    """Raise :class:`JavaRegexError` if ``replacement`` is invalid for the compiled ``pattern``."""
    _parse_replacement(pattern, replacement)


def literal_pattern_error(pattern: str) -> str | None:
    """The message for a literal pattern that is invalid (``E-VALUE-REGEX``), else None."""
    try:
        compile_java(pattern)
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
