"""Java ``Matcher.appendReplacement`` syntax: replacement text against a compiled pattern.

One job: parse a replacement into literal chunks and group numbers, rejecting what Java rejects.
"""

from __future__ import annotations

import regex

from jexpr.runtime.javaregex.charsets import _is_ascii_alpha, _is_digit
from jexpr.runtime.javaregex.error import JavaRegexError

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
