"""What Java's fixed escapes, POSIX classes and Unicode property names mean, as ``regex`` sets.

One job: the tables and small helpers the translator emits for ``.``, anchors, ``\\d \\w \\s \\h
\\v``, ``\\p{…}`` and literal code points (java.util.regex.Pattern.family, CharPredicates).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import regex

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
