"""Composing a message: the data a template reads, its parts rendered, the headers derived.

:func:`step_template` finds the checked template of a step; :func:`template_data` builds
what the step's template reads (``profile``: the field groups merged; ``context.journey``:
the instance's events, custom-action responses and technical properties; ``params``: the
step's evaluated parameters). :func:`compose` renders every part
of the step's template (the HTML body routed through the tracking links when the channel has
``tracking``), derives the text part of an HTML-only email, checks that a webhook body is JSON,
and adds the ``Message-ID`` (from the idempotency key), the ``Date`` (the step's time) and the
``List-Unsubscribe`` targets.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import random
import re
from collections.abc import Mapping
from email.utils import format_datetime, parseaddr
from typing import Any

from jengine.core.governance import merged_attributes
from jengine.lang.model import ChannelModel
from jengine.runtime.channels.base import Message
from jengine.runtime.channels.links import Delivery, Tracker
from jengine.templates import RenderContext, RenderError
from jengine.templates.workspace import StepTemplate, Templates
from jexpr.runtime.jsonenc import from_json

__all__ = ["compose", "digest", "template_data"]


def template_data(profile: Mapping[str, Any] | None, instance: Mapping[str, Any] | None,
                  obj: Mapping[str, Any]) -> dict[str, Any]:
    inst = instance or {}
    technical = {"journeyUID": obj["journey"], "journeyVersion": obj["version"],
                 "journeyVersionUID": f"{obj['journey']}/{obj['version']}",
                 "instanceUID": inst.get("uid"), "profileId": obj["profile"],
                 "stepName": obj["step"]}
    return {
        "profile": merged_attributes(profile),
        "context": {"journey": {"events": dict(inst.get("events") or {}),
                                "actions": dict(inst.get("actions") or {}),
                                "technicalProperties": technical}},
        "params": {k: from_json(v) for k, v in (obj.get("params") or {}).items()},
    }


def _text_of_html(body: str) -> str:
    text = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", "", body)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</h[1-6]>|</li>|</tr>", "\n", text)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@functools.lru_cache(maxsize=64)
def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "jengine"


def message_id(key: str, channel: ChannelModel) -> str:
    domain = _domain(str(channel.settings.get("from", "")))
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{domain}>"


def compose(template: StepTemplate, channel: ChannelModel, key: str, to: str | None,
            data: Mapping[str, Any], now: dt.datetime, who: Delivery,
            tracker: Tracker | None) -> Message:
    """The rendered message; raises :class:`RenderError` when a part cannot be rendered."""
    rng = random.Random(int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big"))
    ctx = RenderContext(now, random=rng)
    parts = {p: template.compile(p).render(data, ctx) for p in template.parts}
    body = parts.get("json")
    if body is not None:
        try:
            json.loads(body)
        except ValueError as exc:
            raise RenderError("T-RENDER-JSON", f"templates/{template.name}.json does not "
                              f"render to JSON: {exc}") from None
    html_body = parts.get("html")
    if html_body is not None and tracker is not None:
        html_body = tracker.rewrite(html_body, who)
    text = parts.get("txt")
    if text is None and html_body is not None:
        text = _text_of_html(parts["html"])
    email = channel.kind == "email"
    unsubscribe: list[str] = []
    if email and channel.settings.get("unsubscribe"):
        unsubscribe.append(str(channel.settings["unsubscribe"]))
    if email and tracker is not None and channel.category == "marketing":
        unsubscribe.append(tracker.unsubscribe(who))
    return Message(
        key=key, kind=channel.kind, to=to, subject=parts.get("subject"), html=html_body,
        text=text, title=parts.get("title"), body=body,
        message_id=message_id(key, channel) if email else None,
        date=format_datetime(now.astimezone(dt.UTC), usegmt=True) if email else None,
        unsubscribe=tuple(unsubscribe),
        status_callback=tracker.feedback(who) if tracker and channel.provider == "twilio"
        else None)


def step_template(templates: Templates, journey: str, step: str, body: Any) -> StepTemplate:
    """The checked template of a channel step: the one bound to the step, else the one its
    ``template`` parameter names; ``T-TEMPLATE`` when there is none or it has errors."""
    found = templates.for_step(journey, step)
    if found is None:
        name = next((str(p.value.value) for p in body.params if p.name.text == "template"
                     and hasattr(p.value, "value")), None)
        found = next((t for t in templates.steps.values() if t.name == name), None)
    if found is None or found.has_errors:
        raise RenderError("T-TEMPLATE", f"no checked template for step {step}")
    return found
