"""Segment's HTTP Tracking API, mapped onto journey inputs.

Endpoints ``/v1/track``, ``/v1/identify`` (one message, its type from the path) and
``/v1/batch`` (``{"batch": [{"type": …}, …]}``; what the Segment SDKs send), as documented at
https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/ .

Mapping (docs/serve.md, "Segment"):

* ``track``: ``event`` → the event name — the ``[serve.segment.events]`` table first, else the
  name itself when the workspace declares it, else the name with its spaces and punctuation
  removed (``Order Completed`` → ``OrderCompleted``) when that is declared, else the name
  as sent (it then becomes an ``unknown_event`` dead letter, as in a file run).
  ``properties`` → the payload. The profile (``userId``, else ``anonymousId``) is written at
  the path the event declaration's ``key`` reads when that key is a plain field reference
  (``key @event{E.email}`` → ``payload.email``).
* ``identify``: ``traits`` → a ``@profile`` input merging the traits into the field group
  ``[serve.segment] traits_group`` (default ``traits``) of the profile ``userId`` (else
  ``anonymousId``).
* ``timestamp`` → the event time (absent: the arrival time); ``messageId`` → the idempotency
  key (a repeated ``messageId`` is accepted and processed once).
* ``page``, ``screen``, ``group`` and ``alias`` are accepted and ignored (counted).

A message without ``userId`` and ``anonymousId``, a ``track`` without ``event``, a bad
``timestamp`` or an unknown ``type`` is refused (400, the whole request stores nothing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jengine.lang.model import Model
from jengine.runtime.io import DeadLetter, SourceLine, parse_event_line
from jengine.service.bodies import BodyError
from jengine.service.config import SegmentConfig
from jengine.service.native import CHECK_ARRIVAL, MAX_KEY, PROFILE_EVENT, Item, ItemErrors, dumps
from jexpr.syntax import ast as X

__all__ = ["IGNORED_TYPES", "SegmentResult", "segment_items"]

IGNORED_TYPES = frozenset({"page", "screen", "group", "alias"})
_TYPES = frozenset({"track", "identify"}) | IGNORED_TYPES
_PUNCT = re.compile(r"[^A-Za-z0-9_]+")


class SegmentResult:
    """The items to store, how many messages were ignored, and a body ``writeKey``."""

    def __init__(self, items: list[Item], ignored: int, write_key: str | None) -> None:
        self.items, self.ignored, self.write_key = items, ignored, write_key


def segment_items(body: Any, path_type: str | None, cfg: SegmentConfig, model: Model | None,
                  max_event: int, max_items: int) -> SegmentResult:
    """The inbox items of a Segment request body (``path_type``: None for ``/v1/batch``)."""
    if not isinstance(body, dict):
        raise ItemErrors([BodyError("bad_input", "the body is not a JSON object")])
    write_key = body.get("writeKey") if isinstance(body.get("writeKey"), str) else None
    if path_type is None:
        batch = body.get("batch")
        if not isinstance(batch, list):
            raise ItemErrors([BodyError("bad_input", "`batch` is missing or not a list")])
        if len(batch) > max_items:
            raise ItemErrors([BodyError("too_large", f"a batch holds at most {max_items} "
                                        "messages", 413)])
        messages = [({"index": i}, m) for i, m in enumerate(batch)]
    else:
        messages = [({"index": 0}, dict(body, type=path_type))]
    items: list[Item] = []
    ignored = 0
    errors: list[BodyError] = []
    for where, msg in messages:
        try:
            item = _message(msg, where, cfg, model, max_event)
        except BodyError as e:
            errors.append(e)
            continue
        if item is None:
            ignored += 1
        else:
            items.append(item)
    if errors:
        raise ItemErrors(errors)
    return SegmentResult(items, ignored, write_key)


def _message(msg: Any, where: dict[str, int], cfg: SegmentConfig, model: Model | None,
             max_event: int) -> Item | None:
    if not isinstance(msg, dict):
        raise BodyError("bad_input", "a message is not a JSON object", where=where)
    if len(dumps(msg).encode("utf-8")) > max_event:
        raise BodyError("too_large", f"a message is over {max_event} bytes", 413, where)
    kind = msg.get("type")
    if kind not in _TYPES:
        raise BodyError("bad_input", f"`type` must be one of {', '.join(sorted(_TYPES))}: "
                        f"{dumps(kind)}", where=where)
    if kind in IGNORED_TYPES:
        return None
    who = _identity(msg, where)
    key = _message_id(msg, where)
    line: dict[str, Any] = {}
    if kind == "track":
        name = msg.get("event")
        if not isinstance(name, str) or not name:
            raise BodyError("bad_input", "a track message needs a non-empty `event`",
                            where=where)
        event = event_name(name, cfg.events, model)
        line = {"event": event, "payload": _payload(msg, event, who, model, where)}
    else:
        traits = msg.get("traits") if msg.get("traits") is not None else {}
        if not isinstance(traits, dict):
            raise BodyError("bad_input", "`traits` is not an object", where=where)
        line = {"event": PROFILE_EVENT, "payload": {
            "profile": {"id": who, "attributes": {cfg.traits_group: traits}}, "merge": True}}
    if msg.get("timestamp") is not None:
        line = {"event": line["event"], "time": msg["timestamp"], "payload": line["payload"]}
    text = dumps(line)
    parsed = parse_event_line(SourceLine(1, text), CHECK_ARRIVAL)
    if isinstance(parsed, DeadLetter):
        raise BodyError(parsed.reason, parsed.message.replace("`time`", "`timestamp`"),
                        where=where)
    return Item(key, text)


def _identity(msg: Mapping[str, Any], where: dict[str, int]) -> str:
    for name in ("userId", "anonymousId"):
        value = msg.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value:
            return value
    raise BodyError("bad_input", "a message needs `userId` or `anonymousId`", where=where)


def _message_id(msg: Mapping[str, Any], where: dict[str, int]) -> str | None:
    mid = msg.get("messageId")
    if mid is None:
        return None
    if not isinstance(mid, str) or not mid or len(mid) > MAX_KEY:
        raise BodyError("bad_input", f"`messageId` must be a non-empty string of at most "
                        f"{MAX_KEY} characters", where=where)
    return mid


def event_name(name: str, table: Mapping[str, str], model: Model | None) -> str:
    """The journey event a Segment event name maps to (see the module docstring)."""
    if name in table:
        return table[name]
    declared = model.events if model is not None else {}
    if name in declared:
        return name
    joined = _PUNCT.sub("", name.title() if " " in name else name)
    return joined if joined in declared else name


def key_path(model: Model | None, event: str) -> tuple[str, ...] | None:
    """The payload path an event's ``key`` reads, when it is a plain ``@event{E.a.b}``."""
    decl = model.events.get(event) if model is not None else None
    ref = decl.key if decl is not None else None
    if not isinstance(ref, X.Reference) or ref.kind != "event" or ref.default is not None:
        return None
    names = tuple(s.name for s in ref.steps if isinstance(s, X.FieldStep))
    return names if names and len(names) == len(ref.steps) else None


def _payload(msg: Mapping[str, Any], event: str, who: str, model: Model | None,
             where: dict[str, int]) -> dict[str, Any]:
    props = msg.get("properties") if msg.get("properties") is not None else {}
    if not isinstance(props, dict):
        raise BodyError("bad_input", "`properties` is not an object", where=where)
    payload = dict(props)
    path = key_path(model, event)
    if path is not None:
        node = payload
        for name in path[:-1]:
            child = node.get(name)
            node[name] = child = dict(child) if isinstance(child, dict) else {}
            node = child
        node[path[-1]] = who
    return payload
