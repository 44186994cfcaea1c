"""The native ingestion format: events (journey spec §5.1) and profiles (§5.2) into inbox items.

A body is one JSON object, a JSON array of objects, or NDJSON (one object a line;
``Content-Type: application/x-ndjson``, or any body whose first line is not the whole body's
JSON). Every item is checked exactly as ``jengine run`` checks an input line
(:func:`jengine.runtime.io.parse_event_line`), so a malformed event gets the same coded
message the CLI writes to the dead letters — here as a 400 answer, and nothing of the request
is stored (all or nothing). A well-formed event the workspace cannot route (an unknown event,
a failing ``key``) is accepted and becomes a dead letter when processed, as in a file run.

An item may carry ``"id"``: its idempotency key (a repeated id is accepted and processed
once). ``time`` may be left out: the event then takes its arrival time.

Profiles become ``@profile`` inputs (replacing the stored profile), so they are ordered with
the events and processed exactly once by the engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from jengine.runtime.io import DeadLetter, SourceLine, parse_event_line, parse_profile_line
from jengine.runtime.store import dumps as store_dumps
from jengine.service.bodies import BodyError, parse_json, parse_ndjson

__all__ = ["CHECK_ARRIVAL", "JOURNEY_EVENT", "MAX_KEY", "PROFILE_EVENT", "RESERVED", "Item", "ItemErrors", "dumps", "event_items", "profile_items",
           "split_body"]

PROFILE_EVENT = "@profile"
JOURNEY_EVENT = "@journey"
RESERVED = frozenset({PROFILE_EVENT, JOURNEY_EVENT})   # only the service writes these
MAX_KEY = 200
# any instant: when checking, only whether `time` may be absent matters
CHECK_ARRIVAL = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def dumps(obj: Any) -> str:
    """Compact JSON text (the inbox's line format: the store's encoder)."""
    return store_dumps(obj)


@dataclass(frozen=True)
class Item:
    """One input for the inbox: its idempotency key (or None) and its line (§5.1 JSON)."""

    key: str | None
    line: str


def split_body(body: bytes, content_type: str) -> list[tuple[dict[str, int], Any]]:
    """The items of a body with where each came from (``index`` or ``line``, 0-based)."""
    if "ndjson" in content_type or "jsonlines" in content_type:
        return [({"line": n}, v) for n, v in parse_ndjson(body)]
    try:
        value = parse_json(body)
    except BodyError:
        first = next((line for line in body.split(b"\n") if line.strip()), b"")
        if first.strip() != body.strip() and _is_json(first):   # NDJSON sent as plain JSON
            return [({"line": n}, v) for n, v in parse_ndjson(body)]
        raise
    if isinstance(value, list):
        return [({"index": i}, v) for i, v in enumerate(value)]
    return [({"index": 0}, value)]


def _is_json(text: bytes) -> bool:
    try:
        parse_json(text)
    except BodyError:
        return False
    return True


def _key(obj: Any, where: dict[str, int]) -> str | None:
    key = obj.get("id") if isinstance(obj, dict) else None
    if key is None:
        return None
    if not isinstance(key, str) or not key or len(key) > MAX_KEY:
        raise BodyError("bad_input", f"`id` must be a non-empty string of at most {MAX_KEY} "
                        "characters", where=where)
    return key


def _check_size(text: str, limit: int, where: dict[str, int]) -> None:
    if len(text.encode("utf-8")) > limit:
        raise BodyError("too_large", f"an item is over {limit} bytes", 413, where)


def event_items(body: bytes, content_type: str, max_item: int) -> list[Item]:
    """The events of a native body, checked (:class:`BodyError` list on the first bad ones)."""
    items: list[Item] = []
    errors: list[BodyError] = []
    for where, obj in split_body(body, content_type):
        try:
            items.append(_event(obj, where, max_item))
        except BodyError as e:
            errors.append(e)
    if errors:
        raise ItemErrors(errors)
    return items


def _event(obj: Any, where: dict[str, int], max_item: int) -> Item:
    key = _key(obj, where)
    line = dumps({k: v for k, v in obj.items() if k != "id"}) if isinstance(obj, dict) \
        else dumps(obj)
    _check_size(line, max_item, where)
    parsed = parse_event_line(SourceLine(1, line), CHECK_ARRIVAL)
    if isinstance(parsed, DeadLetter):
        raise BodyError(parsed.reason, parsed.message, where=where)
    if parsed.event in RESERVED:
        raise BodyError("bad_input", f"`{parsed.event}` inputs are made by the service "
                        "(/v1/profiles, the journey endpoints), not sent as events", where=where)
    return Item(key, line)


def profile_items(body: bytes, content_type: str, max_item: int) -> list[Item]:
    """The profiles of a native body as ``@profile`` inputs (replace), checked."""
    items: list[Item] = []
    errors: list[BodyError] = []
    for where, obj in split_body(body, content_type):
        try:
            text = dumps(obj)
            _check_size(text, max_item, where)
            parsed = parse_profile_line(SourceLine(1, text))
            if isinstance(parsed, DeadLetter):
                raise BodyError(parsed.reason, parsed.message, where=where)
            items.append(Item(None, dumps({"event": PROFILE_EVENT,
                                           "payload": {"profile": obj, "merge": False}})))
        except BodyError as e:
            errors.append(e)
    if errors:
        raise ItemErrors(errors)
    return items


class ItemErrors(Exception):
    """Every refused item of a request (the request stores nothing)."""

    def __init__(self, errors: list[BodyError]) -> None:
        super().__init__(errors[0].message)
        self.errors = errors


