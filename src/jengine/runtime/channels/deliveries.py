"""Deliveries: a channel step's message from the core's effect to the provider, exactly once.

**In the step's commit** (:meth:`Deliveries.accept`, called by the effect executor for the
outbox line of a channel step that has a declared channel): the governance decision
(:func:`jengine.core.governance.decide` — suppression list, consent, quiet hours, frequency
caps); a suppressed message is written to the outbox at once (``suppressed``, with the
reason); otherwise the message is rendered and *queued* in the ``sends`` table (due now, or at
the end of quiet hours), keyed by the effect's idempotency key. A template that fails to
render is a ``failed`` outbox line and a ``failed`` reaction.

**After every commit** (:meth:`Deliveries.dispatch`, called by the run loop): each queued
message that is due goes to its provider, one at a time, and its outcome commits before the
next is sent — ``sent`` or ``failed`` (the outbox line, with the provider's id, the attempts
and the error), or back to the queue for a retry (transient errors, up to the channel's
``retries``, 10 s × 2^(k−1) later on the engine clock). A send that a crash interrupts is sent
again after the restart: HTTP providers receive the same ``Idempotency-Key`` and the same
body; an SMTP server the same ``Message-ID`` (SMTP has no way to ask whether the message
arrived: only a crash between the server's "250 OK" and the commit of that answer can repeat
an email — RFC 1047's window, milliseconds wide). A permanent failure becomes a ``failed``
reaction of the step (``await { failed S -> … }``); a hard bounce puts the address on the
suppression list, a provider-side opt-out (SMS STOP) withdraws the profile's consent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from jengine.core.governance import consent_reason, decide, merged_attributes
from jengine.core.instants import from_micros, render_instant, to_micros
from jengine.core.state import Input, OutboxOut, ReactionIn
from jengine.lang import ast as A
from jengine.lang.channels import step_channel
from jengine.lang.model import ChannelModel
from jengine.runtime.channels import sends
from jengine.runtime.channels.base import Message, Sender, SendResult
from jengine.runtime.channels.compose import compose, digest, template_data
from jengine.runtime.channels.consent import withdraw_consent
from jengine.runtime.channels.links import TRACKING_KEY_ENV, Delivery, Tracker
from jengine.runtime.records import OUTBOX, Json
from jengine.templates import RenderError
from jengine.templates.workspace import StepTemplate, Templates

__all__ = ["RETRY_BASE_US", "ChannelConfigError", "Deliveries"]

KINDS = frozenset(("email", "sms", "push"))
RETRY_BASE_US = 10_000_000
DEFAULT_RETRIES = 3


class ChannelConfigError(Exception):
    """The run cannot deliver: a channel needs something the environment lacks."""


class LoopPort(Protocol):
    """What deliveries need of the run loop (:class:`jengine.runtime.driver.Loop`)."""

    spec: Any
    world: Any
    effects: Any
    result: Any
    batcher: Any
    clock_us: int

    def flush(self) -> None: ...

    def process(self, inp: Input, now: dt.datetime) -> None: ...

    def advance(self, t: dt.datetime, t_us: int) -> dt.datetime: ...

    def now(self) -> dt.datetime: ...


class Deliveries:
    """Queues, governs and dispatches the messages of declared channels."""

    def __init__(self, store: Any, templates: Templates,
                 senders: Callable[[ChannelModel], Sender], env: Mapping[str, str],
                 channels: Mapping[str, ChannelModel]) -> None:
        self.store, self.templates, self.senders, self.env = store, templates, senders, env
        self.busy = False
        self.used: set[Sender] = set()
        self.trackers: dict[str, Tracker] = {}
        self.configure(channels, templates)

    def configure(self, channels: Mapping[str, ChannelModel], templates: Templates) -> None:
        """Take (new) channel declarations and templates; check the tracking key."""
        self.templates = templates
        key = self.env.get(TRACKING_KEY_ENV)
        self.trackers = {}
        for c in channels.values():
            if c.settings.get("tracking"):
                if not key:
                    raise ChannelConfigError(f"channel {c.name} tracks opens and clicks: set "
                                             f"{TRACKING_KEY_ENV} (the key that signs links)")
                self.trackers[c.name] = Tracker(str(c.settings["tracking"]), key.encode())

    # -- in the step's commit ----------------------------------------------------------------

    def accept(self, spec: Any, world: Any, e: OutboxOut,
               now: dt.datetime) -> tuple[Json | None, list[Input]]:
        """The outbox line to write now (None: queued) and follow-up inputs."""
        obj = e.obj
        if not spec.model.channels or obj["action"] not in KINDS or obj["status"] != "sent":
            return obj, []
        vs = spec.version(obj["journey"], obj["version"])
        body = vs.journey.steps[obj["step"]].node.body if vs is not None else None
        channel = step_channel(spec.model.channels, body) if isinstance(
            body, A.Channel) else None
        if channel is None or channel.provider == "outbox":
            return obj, []
        profile = world.state.profiles.get(obj["profile"])
        data = template_data(profile, world.state.instances.get(e.instance), obj)
        to = data["params"].get("to")
        to = str(to) if isinstance(to, str) and to else None
        now_us = to_micros(now)
        line: Json = {**obj, "channel": channel.name, "provider": channel.provider, "to": to}
        verdict = decide(spec.model.rules, channel.kind, channel.category, profile,
                         to or (channel.name if channel.provider == "webhook" else None),
                         now_us, self._history(spec, obj["profile"], now_us), self._suppressed)
        if verdict.action == "suppress":
            return {**line, "status": "suppressed", "reason": verdict.reason}, []
        key = f"{e.instance}:{e.step}"
        who = Delivery(obj["journey"], obj["version"], obj["profile"], obj["step"])
        try:
            template = self._template(obj, body)
            message = compose(template, channel, key, to, data, now, who,
                              self.trackers.get(channel.name))
        except RenderError as exc:
            failed = {**line, "status": "failed", "detail": f"{exc.code}: {exc}"}
            return failed, [self._reaction(obj, "failed")]
        line["messageId"] = message.message_id
        line["hash"] = {p: digest(t) for p, t in (("subject", message.subject),
                        ("html", message.html), ("text", message.text),
                        ("title", message.title), ("body", message.body)) if t is not None}
        due = verdict.until if verdict.action == "wait" and verdict.until else now_us
        if due > now_us:
            line["sendAt"] = render_instant(from_micros(due))
        sends.insert(self.store, key, channel.name, channel.kind, channel.category,
                     obj["profile"], to, now_us, due, message.to_json(), line)
        return None, []

    def _history(self, spec: Any, profile: str, now_us: int) -> list[tuple[int, str]]:
        caps = spec.model.rules.caps
        if not caps:
            return []
        return sends.history(self.store, profile, now_us - max(c.per_ms for c in caps) * 1000)

    def _suppressed(self, address: str) -> str | None:
        return "suppression_list" if sends.suppression(self.store, address) else None

    def _template(self, obj: Json, body: Any) -> StepTemplate:
        found = self.templates.for_step(obj["journey"], obj["step"])
        if found is None:
            name = next((str(p.value.value) for p in body.params if p.name.text == "template"
                         and hasattr(p.value, "value")), None)
            found = next((t for t in self.templates.steps.values() if t.name == name), None)
        if found is None or found.has_errors:
            raise RenderError("T-TEMPLATE", f"no checked template for step {obj['step']}")
        return found

    @staticmethod
    def _reaction(obj: Json, kind: str) -> ReactionIn:
        return ReactionIn(0, None, obj["journey"], obj["version"], obj["profile"], obj["step"],
                          kind)

    # -- after each commit ----------------------------------------------------------------------

    def dispatch(self, loop: LoopPort, limit_us: int) -> int:
        """Send every queued message due at or before ``limit_us``, one commit each; the
        number of attempts made."""
        if self.busy:
            return 0
        self.busy = True
        made = 0
        try:
            while (row := sends.next_due(self.store, limit_us)) is not None:
                self._deliver(loop, row)
                made += 1
            return made
        finally:
            self.busy = False
            for sender in self.used:
                sender.close()
            self.used.clear()

    def drain(self, loop: Any, until: dt.datetime) -> None:
        """``--until T``: send what is due by T, then fire the timers that causes, until
        nothing more is due by T (messages waiting past T stay queued)."""
        limit = to_micros(until)
        while self.dispatch(loop, limit):
            loop.fire_timers(until)
            loop.flush()

    def _deliver(self, loop: LoopPort, row: sends.SendRow) -> None:
        channel = loop.spec.model.channels.get(row.channel)
        reason = self._still_allowed(loop, row, channel)
        if reason is not None:
            self._suppress(loop, row, reason)
            return
        if channel is None:
            result = SendResult("failed", detail=f"channel {row.channel} is no longer declared")
        else:
            sender = self.senders(channel)
            self.used.add(sender)
            result = sender.send(channel, Message.from_json(row.message))
        loop.batcher.begin()
        if row.due > loop.clock_us:
            loop.advance(from_micros(row.due), row.due)
        now = loop.now()
        attempts = row.attempts + 1
        retries = int(channel.settings.get("retries", DEFAULT_RETRIES)) if channel else 0
        if result.outcome == "retry" and attempts <= retries:
            due = to_micros(now) + RETRY_BASE_US * (1 << (attempts - 1))
            sends.reschedule(self.store, row.key, attempts, due, result.detail or "")
        else:
            self._done(loop, row, result, attempts, now)
        loop.flush()

    def _still_allowed(self, loop: LoopPort, row: sends.SendRow,
                       channel: ChannelModel | None) -> str | None:
        """Suppression and consent are checked again at send time (a bounce or an
        unsubscribe may have come in since the message was queued)."""
        if row.recipient and self._suppressed(row.recipient):
            return "suppression_list"
        if channel is not None and channel.category == "marketing":
            profile = loop.world.state.profiles.get(row.profile)
            return consent_reason(merged_attributes(profile), row.kind)
        return None

    def _suppress(self, loop: LoopPort, row: sends.SendRow, reason: str) -> None:
        loop.batcher.begin()
        sends.complete(self.store, row.key, "suppressed", row.attempts, None, reason)
        loop.effects.output(OUTBOX, {**row.outbox, "status": "suppressed", "reason": reason})
        loop.result.outbox += 1
        loop.flush()

    def _done(self, loop: LoopPort, row: sends.SendRow, result: SendResult, attempts: int,
              now: dt.datetime) -> None:
        status = "sent" if result.outcome == "sent" else "failed"
        sends.complete(self.store, row.key, status, attempts, result.provider_id, result.detail)
        line: Json = {**row.outbox, "status": status, "attempts": attempts}
        if result.provider_id:
            line["providerId"] = result.provider_id
        if result.detail and status == "failed":
            line["detail"] = result.detail
        loop.effects.output(OUTBOX, line)
        loop.result.outbox += 1
        if result.bounce == "hard" and row.recipient:
            sends.add_suppression(self.store, row.recipient, "hard", result.detail or "",
                                  to_micros(now))
        elif result.bounce == "optout":
            withdraw_consent(loop.world, loop.spec.model, row.profile, row.kind)
        if status == "failed":
            loop.process(self._reaction(row.outbox, "failed"), now)
