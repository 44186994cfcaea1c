"""Literal values from token text: numbers (spec §2.6) and string escapes (spec §2.7).

Pure functions with no parser dependency, shared by the expression parser and the journey
parser. Problems are returned, not raised, so callers can attach positions.
"""

from __future__ import annotations

import math
import re

_INTEGER = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?")
_SIMPLE = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r", "b": "\b",
           "f": "\f"}
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
TOO_MANY_DIGITS = 10**40
"""The value given to an integer literal of more than 40 digits: far outside 64 bits, it is
reported as out of range without converting the digits (Python refuses to convert more than
4,300 and takes quadratic time below that)."""


def number_value(text: str) -> tuple[int | float, str | None]:
    """The value of a NUMBER token and a problem message (None when well formed)."""
    if _INTEGER.fullmatch(text):
        if len(text.lstrip("0")) > 40:
            return TOO_MANY_DIGITS, None
        return int(text), None
    if _DECIMAL.fullmatch(text):
        value = float(text)
        if math.isinf(value):
            return 0.0, f"decimal literal {text} is too large"
        return value, None
    return 0, f"malformed number '{text}'"


def decode_string(token: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Decode a quoted literal; problems are (offset in token, length, message)."""
    body = token[1:-1]
    out: list[str] = []
    problems: list[tuple[int, int, str]] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\" or i + 1 >= len(body):
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "u":
            i = _unicode_escape(body, i, out, problems)
            continue
        out.append(_SIMPLE.get(nxt, "\\" + nxt))
        i += 2
    return "".join(out), [(off + 1, n, msg) for off, n, msg in problems]


def _unicode_escape(body: str, i: int, out: list[str],
                    problems: list[tuple[int, int, str]]) -> int:
    """Decode ``\\uXXXX`` (with surrogate pairing) at ``i``; returns the next index."""
    hex4 = _HEX4.match(body, i + 2)
    if not hex4:
        problems.append((i, min(6, len(body) - i), "\\u must be followed by 4 hex digits"))
        return i + 2
    code = int(hex4.group(), 16)
    if 0xD800 <= code <= 0xDBFF:
        low = _HEX4.match(body, i + 8) if body[i + 6:i + 8] == "\\u" else None
        low_code = int(low.group(), 16) if low else 0
        if low and 0xDC00 <= low_code <= 0xDFFF:
            out.append(chr(0x10000 + ((code - 0xD800) << 10) + (low_code - 0xDC00)))
            return i + 12
        problems.append((i, 6, "high surrogate escape without a low surrogate after it"))
        return i + 6
    if 0xDC00 <= code <= 0xDFFF:
        problems.append((i, 6, "low surrogate escape without a high surrogate before it"))
        return i + 6
    out.append(chr(code))
    return i + 6
