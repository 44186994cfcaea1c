"""Encoding of HTTP requests (journey spec §4.6) and reading of answers, as pure functions.

:func:`encode_body` (the plain-JSON object of the non-null parameters, temporal values as X§11
text), :func:`encode_query` (``name=value`` pairs, a list repeating the name, RFC 3986
percent-encoding), :func:`encode_path` (the dynamic path, segment by segment; ``.`` and ``..``
refused), :func:`header_text` (a variable header value; line breaks refused), :func:`backoff`
(100 ms × 2^(k−1)) and :func:`retry_after` (RFC 9110 ``Retry-After``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from jexpr.runtime.jsonenc import to_plain_json
from jexpr.runtime.render import render_value

__all__ = ["RETRY_BASE", "BadParameter", "backoff", "encode_body", "encode_path",
           "encode_query", "header_text", "retry_after"]

RETRY_BASE = dt.timedelta(milliseconds=100)


def encode_body(params: Mapping[str, Any]) -> bytes:
    """The JSON request body: {parameter → value} of the non-null parameters (§4.6)."""
    obj = {k: to_plain_json(v) for k, v in params.items() if v is not None}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _text(value: Any) -> str:
    if isinstance(value, list | tuple | Mapping):
        return json.dumps(to_plain_json(value), ensure_ascii=False, separators=(",", ":"))
    text = render_value(value)
    assert text is not None
    return text


def encode_query(params: Mapping[str, Any]) -> str:
    """``name=value&…`` of the non-null parameters; a list repeats the name per non-null
    element; values as X§11 text; percent-encoded per RFC 3986 (unreserved kept)."""
    pairs: list[str] = []
    for name, value in params.items():
        items = value if isinstance(value, list | tuple) else [value]
        pairs += [f"{quote(name, safe='')}={quote(_text(v), safe='')}"
                  for v in items if v is not None]
    return "&".join(pairs)


class BadParameter(Exception):
    """A step parameter that cannot go into a request (a header with a line break, a path
    with a ``..`` segment); the call fails ``internalError`` without an attempt."""


def encode_path(value: Any) -> str:
    """The dynamic path (AJO's *Path* field): its ``/``-separated segments percent-encoded;
    empty, ``.`` and ``..`` segments are refused (the path may not climb out of the URL)."""
    segments = _text(value).strip("/").split("/")
    if any(s in ("", ".", "..") for s in segments):
        raise BadParameter("the path has an empty, '.' or '..' segment")
    return "/".join(quote(s, safe="") for s in segments)


def header_text(name: str, value: Any) -> str:
    text = _text(value)
    if any(c in text for c in "\r\n\0"):
        raise BadParameter(f"the value of header {name} holds a line break or NUL")
    return text


def backoff(retry: int) -> dt.timedelta:
    """The wait before retry ``retry`` (1-based): 100 ms × 2^(retry−1)."""
    return RETRY_BASE * (1 << (retry - 1))


def retry_after(headers: Mapping[str, str], now: dt.datetime) -> dt.timedelta | None:
    """A ``Retry-After`` header: seconds or an HTTP date (RFC 9110 §10.2.3)."""
    raw = headers.get("retry-after", "").strip()
    if raw.isdigit():
        return dt.timedelta(seconds=min(int(raw), 86_400))
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, dt.timedelta(0))
