"""The service's built-in inputs: ``@profile`` (a profile update) and ``@journey`` (a
publication or a lifecycle command). They come through the input stream like any event, so
they are ordered with the events around them and applied exactly once, in the transaction of
their batch (journey spec §4.6); ``jengine run`` accepts them in an events file too.

``{"event": "@profile", "payload": {"profile": <§5.2 profile>, "merge": false}}`` replaces the
stored profile; with ``"merge": true`` it updates it: each field group of ``attributes`` is
merged into the stored one (nested objects merged, other values replaced), ``audiences`` are
merged, ``events`` are prepended, ``namespace``/``timeZone``/``testProfile`` replace the
stored ones when given.

``{"event": "@journey", "payload": {"command": …}}`` — ``publish`` (``files``: the workspace
texts to run), ``pause`` (``journey``, ``version``, ``mode`` ``hold``/``discard``), ``resume``,
``close``, ``stop`` (:mod:`jengine.runtime.lifecycle` has their semantics). A command that
cannot apply (a workspace with errors, a version conflict, a transition the journey's state
does not allow) becomes a dead letter with reason ``refused``; nothing else changes.
"""

from __future__ import annotations

import json
from typing import Any, Final

from jengine.core.state import ProfileIn
from jengine.runtime.io import DeadLetter, InputEvent, SourceLine, parse_profile_line
from jengine.runtime.loading import profile_json
from jengine.runtime.records import Json, Profile

__all__ = ["CONTROL", "JOURNEY", "PROFILE", "REFUSED", "control", "merged_profile"]

PROFILE: Final = "@profile"
JOURNEY: Final = "@journey"
CONTROL: Final = frozenset({PROFILE, JOURNEY})
REFUSED: Final = "refused"


def control(loop: Any, ev: InputEvent) -> None:
    """Apply a ``@profile`` or ``@journey`` input in the loop's open batch."""
    if ev.event == PROFILE:
        _profile(loop, ev)
        return
    from jengine.runtime.lifecycle import apply

    problem = apply(loop, ev.payload)
    if problem is not None:
        refuse(loop, ev, problem)


def refuse(loop: Any, ev: InputEvent, message: str) -> None:
    loop.effects.dead(DeadLetter(ev.line, REFUSED, message, ev.text))


def _profile(loop: Any, ev: InputEvent) -> None:
    payload = ev.payload
    record = payload.get("profile")
    merge = payload.get("merge", False)
    if not isinstance(record, dict) or not isinstance(merge, bool):
        refuse(loop, ev, "@profile payload: `profile` must be an object and `merge` a boolean")
        return
    pid = record.get("id")
    if merge and isinstance(pid, str) and pid:
        stored = loop.world.slice_for(ProfileIn(profile=pid)).profiles.get(pid)
        if stored is not None:
            record = merged_profile(stored, record)
    parsed = parse_profile_line(SourceLine(ev.line, json.dumps(record, ensure_ascii=False)))
    if isinstance(parsed, DeadLetter):
        refuse(loop, ev, f"@profile payload: {parsed.message}")
        return
    # through the core: replacing a stored profile may change rule audiences (§2.4)
    loop.process(ProfileIn(ev.line, None, parsed.id, profile_json(parsed)), loop.now())


def _deep(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for key, value in new.items():
            out[key] = _deep(old.get(key), value)
        return out
    return new


def merged_profile(stored: Json, update: Json) -> Json:
    """A stored profile (the world's JSON form) updated by a §5.2 object (``merge: true``)."""
    out: Json = {"id": stored["id"], "namespace": stored.get("namespace"),
                 "timeZone": stored.get("timeZone"),
                 "testProfile": bool(stored.get("test", stored.get("testProfile", False))),
                 "attributes": dict(stored.get("attributes") or {}),
                 "audiences": dict(stored.get("audiences") or {}),
                 "events": list(stored.get("events") or [])}
    for key in ("namespace", "timeZone", "testProfile"):
        if update.get(key) is not None:
            out[key] = update[key]
    attributes = update.get("attributes")
    if isinstance(attributes, dict):
        for group, fields in attributes.items():
            out["attributes"][group] = _deep(out["attributes"].get(group), fields)
    if isinstance(update.get("audiences"), dict):
        out["audiences"].update(update["audiences"])
    if isinstance(update.get("events"), list):
        out["events"] = list(update["events"]) + out["events"]
    return out


def profile_record(obj: Json) -> Profile | None:
    """A §5.2 object as a :class:`Profile` (None when it is not a valid profile)."""
    parsed = parse_profile_line(SourceLine(0, json.dumps(obj, ensure_ascii=False)))
    return None if isinstance(parsed, DeadLetter) else parsed
