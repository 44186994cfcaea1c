"""String helpers of AJO's personalization library (functions/string.md).

Regular expressions are Java's (``matches``, ``replaceAll``, ``regexGroup``, ``split``), run by
jexpr's bounded Java-regex engine. ``replace`` is literal and replaces every occurrence (Java
``String.replace``). Case-sensitive comparisons unless the name says otherwise.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from jengine.templates.functions.signature import Fn, RenderContext, RenderError, fn
from jexpr.runtime import javaregex
from jexpr.runtime.javaregex import JavaRegexError, compile_java

__all__ = ["FUNCTIONS"]


def _words(s: str) -> str:
    return re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + m.group(2).upper(), s)


def _title(s: str) -> str:
    return re.sub(r"(^|\s)(\S)(\S*)", lambda m: m.group(1) + m.group(2).upper()
                  + m.group(3).lower(), s)


def _contains(s: str, t: str, case: bool = True) -> bool:
    return t in s if case else t.lower() in s.lower()


def _starts(s: str, t: str, case: bool = True) -> bool:
    return s.startswith(t) if case else s.lower().startswith(t.lower())


def _ends(s: str, t: str, case: bool = True) -> bool:
    return s.endswith(t) if case else s.lower().endswith(t.lower())


def _concat(*parts: Any) -> str:
    from jengine.templates.values import text_of
    return "".join(text_of(p) for p in parts)


def _equals_any(s: str | None, *candidates: str | None) -> bool:
    return s is not None and any(c is not None and s.lower() == c.lower() for c in candidates)


def _decode64(s: str) -> str:
    try:
        return base64.b64decode(s, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return s


def _mask(s: str, keep_start: int, keep_end: int) -> str:
    if keep_start + keep_end >= len(s):
        return s
    return s[:keep_start] + "X" * (len(s) - keep_start - keep_end) + s[len(s) - keep_end:]


def _like(s: str, pattern: str) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, s, re.S) is not None


def _regex_call(fn_: Any, *args: Any) -> Any:
    try:
        return fn_(*args)
    except JavaRegexError as exc:
        raise RenderError("T-RENDER-REGEX", f"invalid regular expression: {exc}") from None


def _matches(ctx: RenderContext, s: str, pattern: str) -> bool:
    # AJO's matches() finds the pattern anywhere ((?i)^John matches "John Doe")
    compiled = _regex_call(compile_java, pattern)
    return compiled.search(s, timeout=ctx.regex_timeout) is not None


def _replace_all(ctx: RenderContext, s: str, pattern: str, replacement: str) -> str:
    return str(_regex_call(javaregex.replace_all, s, pattern, replacement, ctx.regex_timeout))


def _split(ctx: RenderContext, s: str, sep: str) -> list[str]:
    return list(_regex_call(javaregex.split, s, sep, ctx.regex_timeout))


def _regex_group(ctx: RenderContext, s: str, pattern: str, group: int) -> str | None:
    compiled = _regex_call(compile_java, pattern)
    m = compiled.search(s, timeout=ctx.regex_timeout)
    if m is None:
        return None
    try:
        value = m.group(group)
    except IndexError:
        raise RenderError("T-RENDER-ARG", f"the pattern has no group {group}") from None
    return value if isinstance(value, str) else None


def _substr(s: str, begin: int, end: int | None = None) -> str:
    end = len(s) if end is None else end
    return s[max(0, begin):max(0, min(end, len(s)))]


def _to_number(s: Any) -> Any:
    try:
        return float(s)
    except (TypeError, ValueError):
        return s


def _to_int(s: str) -> int | None:
    try:
        return int(s.strip())
    except ValueError:
        return None


def _to_bool(x: Any) -> bool:
    if isinstance(x, str):
        return x.strip().lower() == "true"
    return bool(x)


def _url(s: str, part: str) -> str:
    u = urlsplit(s)
    return {"host": u.hostname or "", "path": u.path, "protocol": u.scheme,
            "fragment": u.fragment}[part]


def _append_query(url: str, key: str, value: Any) -> str:
    from jengine.templates.values import text_of
    u = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(u.query, keep_blank_values=True) if k != key]
    pairs.append((key, text_of(value)))
    return urlunsplit((u.scheme, u.netloc, u.path, urlencode(pairs), u.fragment))


def _compare_to(a: str, b: str) -> int:
    for x, y in zip(a, b, strict=False):
        if x != y:
            return ord(x) - ord(y)
    return len(a) - len(b)


def _index(s: str, t: str) -> int:
    return s.find(t)


FUNCTIONS: list[Fn] = [
    fn("camelCase", "s", "s", _words),
    fn("titleCase", "s", "s", _title),
    fn("charCodeAt", "s i", "i", lambda s, i: ord(s[i]) if 0 <= i < len(s) else -1),
    fn("concat", "a*", "s", _concat, nulls=True),
    fn("contains", "s s b?", "b", _contains),
    fn("doesNotContain", "s s b?", "b", lambda s, t, c=True: not _contains(s, t, c)),
    fn("startsWith", "s s b?", "b", _starts),
    fn("doesNotStartWith", "s s b?", "b", lambda s, t, c=True: not _starts(s, t, c)),
    fn("endsWith", "s s b?", "b", _ends),
    fn("doesNotEndWith", "s s b?", "b", lambda s, t, c=True: not _ends(s, t, c)),
    fn("equals", "s s", "b", lambda a, b: a == b),
    fn("equalsIgnoreCase", "s s", "b", lambda a, b: a.lower() == b.lower()),
    fn("equalsAnyIgnoreCase", "s s*", "b", _equals_any, nulls=True),
    fn("notEqualTo", "s s", "b", lambda a, b: a != b),
    fn("notEqualWithIgnoreCase", "s s", "b", lambda a, b: a.lower() != b.lower()),
    fn("encode64", "s", "s", lambda s: base64.b64encode(s.encode()).decode("ascii")),
    fn("decode64", "s", "s", _decode64),
    fn("extractEmailDomain", "s", "s", lambda s: s.rpartition("@")[2] if "@" in s else None),
    fn("getUrlHost", "s", "s", lambda s: _url(s, "host")),
    fn("getUrlPath", "s", "s", lambda s: _url(s, "path")),
    fn("getUrlProtocol", "s", "s", lambda s: _url(s, "protocol")),
    fn("getUrlFragment", "s", "s", lambda s: _url(s, "fragment")),
    fn("appendQueryParams", "s s a", "s", _append_query),
    fn("indexOf", "s s", "i", _index),
    fn("lastIndexOf", "s s", "i", lambda s, t: s.rfind(t)),
    fn("isEmpty", "s", "b", lambda s: s is None or s == "", nulls=True),
    fn("isNotEmpty", "s", "b", lambda s: s is not None and s != "", nulls=True),
    fn("leftTrim", "s", "s", lambda s: s.lstrip()),
    fn("rightTrim", "s", "s", lambda s: s.rstrip()),
    fn("trim", "s", "s", lambda s: s.strip()),
    fn("length", "s", "i", len),
    fn("like", "s s", "b", _like),
    fn("lowerCase", "s", "s", lambda s: s.lower()),
    fn("upperCase", "s", "s", lambda s: s.upper()),
    fn("mask", "s i i", "s", _mask),
    fn("matches", "s s", "b", _matches, context=True),
    fn("md5", "s", "s", lambda s: hashlib.md5(s.encode()).hexdigest()),
    fn("sha256", "s", "s", lambda s: hashlib.sha256(s.encode()).hexdigest()),
    fn("regexGroup", "s s i", "s", _regex_group, context=True),
    fn("replace", "s s s", "s", lambda s, a, b: s.replace(a, b)),
    fn("replaceAll", "s s s", "s", _replace_all, context=True),
    fn("split", "s s", "l", _split, context=True),
    fn("substr", "s i i?", "s", _substr),
    fn("ampSubstr", "s i i", "s", _substr),
    fn("compareTo", "s s", "i", _compare_to),
    fn("string_to_integer", "s", "i", _to_int),
    fn("stringToNumber", "s", "n", _to_number),
    fn("toBool", "a", "b", _to_bool),
    fn("urlEncode", "s", "s", lambda s: quote(s, safe="")),
    fn("urlDecode", "s", "s", unquote),
]
