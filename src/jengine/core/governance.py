"""Governance of one message, as AJO's business rules: a pure decision on state and time.

:func:`decide` answers send, suppress (with the reason) or wait (until the end of quiet
hours) for one message about to be given to a channel. The order is AJO's: a missing recipient;
the suppression list (email addresses and domains, phone numbers, push tokens); then, for marketing messages only,
consent, quiet hours and frequency caps. Transactional channels skip everything but the
suppression list.

* **Consent** — the profile's XDM consents, merged over its field groups:
  ``consents.marketing.any.val`` or ``consents.marketing.<channel>.val`` equal to ``n`` (or
  ``dn``, "default no") is an opt-out; empty means consent (AJO's default).
* **Quiet hours** — a period is a daily window (``start``–``end`` minutes; a window ending
  before it starts crosses midnight and belongs to the day it starts) on some weekdays, or whole
  days; it is read in a fixed zone, or in the profile's ``timeZone`` (with an optional
  fallback; without either, the rule does not apply, as in AJO). Back-to-back periods join;
  a message that would wait 7 days or more is dropped, as AJO drops messages queued that long.
* **Frequency caps** — at most N marketing messages on the rule's channels (one counter) in the
  sliding window of length D ending now; ``history`` lists the profile's earlier marketing
  messages still counted (queued or sent) as (time µs, channel kind).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jengine.core.instants import from_micros, to_micros
from jengine.lang.model import QuietModel, RulesModel

__all__ = ["Verdict", "consent_reason", "decide", "merged_attributes", "quiet_until"]

_OPT_OUT = frozenset(("n", "dn"))
MAX_WAIT_US = 7 * 86_400_000_000   # AJO drops a message queued longer than 7 days


@dataclass(frozen=True)
class Verdict:
    action: Literal["send", "suppress", "wait"]
    reason: str | None = None
    until: int | None = None


def merged_attributes(profile: Mapping[str, Any] | None) -> dict[str, Any]:
    """The profile's field groups (all but ``Events``) merged into one object, deeply; the
    first field group that sets a field wins."""
    out: dict[str, Any] = {}
    groups = (profile or {}).get("attributes") or {}
    for name in groups:
        if name != "Events" and isinstance(groups[name], Mapping):
            _merge(out, groups[name])
    return out


def _merge(into: dict[str, Any], more: Mapping[str, Any]) -> None:
    for key, value in more.items():
        if key not in into:
            into[key] = value
        elif isinstance(into[key], dict) and isinstance(value, Mapping):
            into[key] = dict(into[key])
            _merge(into[key], value)


def _val(attrs: Mapping[str, Any], *path: str) -> Any:
    node: Any = attrs
    for part in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def consent_reason(attrs: Mapping[str, Any], kind: str) -> str | None:
    """``consent`` when the profile opted out of marketing on this channel, else None."""
    for scope in ("any", kind):
        value = _val(attrs, "consents", "marketing", scope, "val")
        if isinstance(value, str) and value.lower() in _OPT_OUT:
            return "consent"
    return None


def _zone(rule: QuietModel, profile_zone: str | None) -> dt.tzinfo | None:
    names = ([profile_zone] if rule.profile_zone else []) + [rule.zone]
    for name in names:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return None


def _period_end(rule: QuietModel, t: dt.datetime) -> dt.datetime | None:
    """The end of the period of ``rule`` that holds the local time ``t`` (None: none does)."""
    for back in (0, 1):
        day = t.date() - dt.timedelta(days=back)
        if rule.days and day.weekday() not in rule.days:
            continue
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=t.tzinfo)
        if rule.start is None or rule.end is None:
            start, end = midnight, midnight + dt.timedelta(days=1)
        else:
            start = midnight + dt.timedelta(minutes=rule.start)
            end = midnight + dt.timedelta(days=0 if rule.end > rule.start else 1,
                                          minutes=rule.end)
        if start <= t < end:
            return end
    return None


def quiet_until(rules: Sequence[QuietModel], now_us: int,
                profile_zone: str | None) -> tuple[str, int] | None:
    """(action, end µs) when ``now`` is in quiet hours of one of ``rules`` (joined periods
    followed to their common end); ``drop`` wins over ``wait``, and a wait of more than 7 days
    is a drop (AJO drops messages queued that long)."""
    end_us: int | None = None
    action = "wait"
    t_us = now_us
    while t_us < now_us + MAX_WAIT_US:
        found = False
        for rule in rules:
            zone = _zone(rule, profile_zone)
            if zone is None:
                continue
            end = _period_end(rule, from_micros(t_us).astimezone(zone))
            if end is not None:
                found = True
                action = "drop" if rule.action == "drop" else action
                end_us = max(end_us or 0, to_micros(end.astimezone(dt.UTC)))
        if not found or end_us is None or end_us <= t_us:
            break
        t_us = end_us
    if end_us is not None and end_us >= now_us + MAX_WAIT_US:
        action = "drop"
    return None if end_us is None else (action, end_us)


def _capped(rules: RulesModel, kind: str, now_us: int,
            history: Callable[[], Sequence[tuple[int, str]]]) -> bool:
    caps = [cap for cap in rules.caps if kind in cap.kinds]
    if not caps:
        return False
    earlier = history()
    for cap in caps:
        since = now_us - cap.per_ms * 1000
        if sum(1 for t, k in earlier if k in cap.kinds and t > since) >= cap.count:
            return True
    return False


def decide(rules: RulesModel, kind: str, category: str, profile: Mapping[str, Any] | None,
           recipient: str | None, now_us: int,
           history: Callable[[], Sequence[tuple[int, str]]],
           suppressed: Callable[[str], str | None],
           attrs: Mapping[str, Any] | None = None) -> Verdict:
    """Send, suppress or wait (see the module docstring). ``history`` is asked for only when
    a cap applies; ``attrs`` are the profile's merged attributes when already at hand."""
    if recipient is None or recipient == "":
        return Verdict("suppress", "no_recipient")
    reason = suppressed(recipient)
    if reason is not None:
        return Verdict("suppress", reason)
    if category != "marketing":
        return Verdict("send")
    reason = consent_reason(attrs if attrs is not None else merged_attributes(profile), kind)
    if reason is not None:
        return Verdict("suppress", reason)
    quiet = quiet_until([q for q in rules.quiet if kind in q.kinds], now_us,
                        (profile or {}).get("timeZone"))
    if quiet is not None:
        action, until = quiet
        return Verdict("suppress", "quiet_hours") if action == "drop" else Verdict(
            "wait", "quiet_hours", until)
    if _capped(rules, kind, now_us, history):
        return Verdict("suppress", "frequency_cap")
    return Verdict("send")
