"""One channel step's message outside a run loop: :class:`Dispatcher` (the Temporal driver's
``jengine_deliver`` activity; the embedded engine uses :class:`~.deliveries.Deliveries`).

:func:`applies` (pure, so workflow code can call it) tells whether an outbox line is a message
of a declared channel. :meth:`Dispatcher.plan` makes the decision and the message exactly as
:meth:`.deliveries.Deliveries.accept` does — the governance decision
(:func:`jengine.core.governance.decide`: recipient, suppression, consent, quiet hours,
frequency caps; a message that must wait for the end of quiet hours is suppressed here, with
a detail saying so: there is no durable send queue outside the run loop), the template rendered with the same data, the same ``Message-ID`` and part
hashes from the same idempotency key ``{instance}:{step}`` — and :meth:`Dispatcher.result`
turns the provider's answer into the outbox line the embedded engine writes (``sent`` or
``failed``, attempts, provider id, detail). What the caller supplies: the profile's send
history (for frequency caps), the suppression list, when to retry and how to never send
twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jengine.core.governance import decide
from jengine.core.instants import from_micros, render_instant, to_micros
from jengine.lang import ast as A
from jengine.lang.channels import recipient_field, step_channel
from jengine.lang.model import ChannelModel
from jengine.runtime.channels.base import Message, Sender, SendResult
from jengine.runtime.channels.compose import compose, digest, step_template, template_data
from jengine.runtime.channels.deliveries import DEFAULT_RETRIES, KINDS
from jengine.runtime.channels.links import TRACKING_KEY_ENV, Delivery, Tracker
from jengine.templates import RenderError
from jengine.templates.workspace import Templates

__all__ = ["Dispatcher", "Planned", "applies", "channel_of"]

Json = dict[str, Any]


def channel_of(spec: Any, obj: Mapping[str, Any]) -> ChannelModel | None:
    """The declared channel (not ``outbox``) of a ``sent`` channel-step outbox line."""
    if not spec.model.channels or obj.get("action") not in KINDS or obj.get("status") != "sent":
        return None
    vs = spec.version(obj["journey"], obj["version"])
    body = vs.journey.steps[obj["step"]].node.body if vs is not None else None
    if not isinstance(body, A.Channel):
        return None
    channel = step_channel(spec.model.channels, body)
    return None if channel is None or channel.provider == "outbox" else channel


def applies(spec: Any, obj: Mapping[str, Any]) -> bool:
    """Whether the outbox line is a message a provider must receive."""
    return channel_of(spec, obj) is not None


@dataclass(frozen=True)
class Planned:
    """The decision for one message: the outbox line so far and the message to send (None:
    not sent — suppressed, or a template that failed to render: then ``failed``)."""

    line: Json
    channel: ChannelModel
    message: Message | None = None
    failed: bool = False


def _field(profile: Any, path: str | None) -> Any:
    value = profile if path else None
    for name in (path or "").split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


class Dispatcher:
    """Templates, senders and tracking key of one worker."""

    def __init__(self, templates: Templates, senders: Callable[[ChannelModel], Sender],
                 env: Mapping[str, str]) -> None:
        self.templates, self.senders = templates, senders
        self.key = env.get(TRACKING_KEY_ENV, "").encode()

    def plan(self, spec: Any, obj: Json, key: str, profile: Json | None,
             instance: Json | None, now: dt.datetime,
             history: Callable[[], Sequence[tuple[int, str]]],
             suppressed: Callable[[str], str | None]) -> Planned:
        """Decide and render (see the module docstring); ``key`` is ``{instance}:{step}``."""
        channel = channel_of(spec, obj)
        assert channel is not None
        vs = spec.version(obj["journey"], obj["version"])
        body = vs.journey.steps[obj["step"]].node.body
        data = template_data(profile, instance, obj)
        to = data["params"]["to"] if "to" in data["params"] else _field(
            data["profile"], recipient_field(channel))
        to = str(to) if isinstance(to, str) and to else None
        line: Json = {**obj, "channel": channel.name, "provider": channel.provider, "to": to}
        now_us = to_micros(now)
        verdict = decide(spec.model.rules, channel.kind, channel.category, profile,
                         to or (channel.name if channel.provider == "webhook" else None),
                         now_us, history, suppressed, data["profile"])
        if verdict.action == "suppress":
            return Planned({**line, "status": "suppressed", "reason": verdict.reason}, channel)
        if verdict.action == "wait" and verdict.until and verdict.until > now_us:
            # no durable send queue here: a message for after quiet hours is not sent
            return Planned({**line, "status": "suppressed", "reason": verdict.reason,
                            "detail": "quiet hours: waiting messages are sent by the embedded "
                            f"engine only (until {render_instant(from_micros(verdict.until))})"},
                           channel)
        who = Delivery(obj["journey"], obj["version"], obj["profile"], obj["step"])
        tracker = Tracker(str(channel.settings["tracking"]), self.key) \
            if channel.settings.get("tracking") else None
        try:
            template = step_template(self.templates, obj["journey"], obj["step"], body)
            message = compose(template, channel, key, to, data, now, who, tracker)
        except RenderError as exc:
            return Planned({**line, "status": "failed", "detail": f"{exc.code}: {exc}"},
                           channel, failed=True)
        line["messageId"] = message.message_id
        line["hash"] = {p: digest(t) for p, t in (("subject", message.subject),
                        ("html", message.html), ("text", message.text),
                        ("title", message.title), ("body", message.body)) if t is not None}
        return Planned(line, channel, message)

    @staticmethod
    def retries(channel: ChannelModel) -> int:
        """How many times a transient failure is tried again (the channel's ``retries``)."""
        return int(channel.settings.get("retries", DEFAULT_RETRIES))

    @staticmethod
    def result(planned: Planned, result: SendResult, attempts: int) -> Planned:
        """The outbox line of the provider's final answer (``failed``: a ``failed`` reaction
        follows)."""
        status = "sent" if result.outcome == "sent" else "failed"
        line: Json = {**planned.line, "status": status, "attempts": attempts}
        if result.provider_id:
            line["providerId"] = result.provider_id
        if result.detail and status == "failed":
            line["detail"] = result.detail
        return Planned(line, planned.channel, planned.message, status == "failed")
