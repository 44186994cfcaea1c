"""Deliveries: a channel step's message from the core's effect to the provider, exactly once.

**In the step's commit** (:meth:`Deliveries.accept`, called by the effect executor for the
outbox line of a channel step that has a declared channel): the governance decision
(:func:`jengine.core.governance.decide` — suppression list, consent, quiet hours, frequency
caps); a suppressed message is written to the outbox at once (``suppressed``, with the
reason); otherwise the message is rendered and *queued* in the ``sends`` table (due now, or at
the end of quiet hours), keyed by the effect's idempotency key, with a ``send`` timer at
that time. A template that fails to render is a ``failed`` outbox line and a ``failed``
reaction.

**When its timer fires** (:meth:`Deliveries.fire`, from the run loop's timer processing, so a
message goes out at its place in the engine's order of inputs and timers — the outputs do not
depend on where commits fall): suppression and consent are checked again, the message goes to
its provider and the answer is recorded — ``sent`` or ``failed`` (the outbox line, with the
provider's id, the attempts and the error), or a retry timer (transient errors, up to the
channel's ``retries``, 10 s × 2^(k−1) later on the engine clock). For SMTP the queue row and
the timer commit before the attempt and the answer right after it: a crash in between sends
the message again, and a crash anywhere else neither repeats nor loses it (SMTP cannot tell
whether a message arrived, so only a crash between the server's "250 OK" and the commit of
that answer repeats an email, with the same ``Message-ID`` — RFC 1047's window, milliseconds
wide). HTTP providers receive the same ``Idempotency-Key`` and body on every attempt. A
permanent failure becomes a ``failed`` reaction of the step (``await { failed S -> … }``); a
hard bounce puts the address on the suppression list, a provider-side opt-out (SMS STOP)
withdraws the profile's consent. At the end of a run, messages due by the engine clock are
sent (:meth:`Deliveries.finish`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Protocol

from jengine.core.governance import consent_reason, decide, merged_attributes
from jengine.core.instants import from_micros, render_instant, to_micros
from jengine.core.state import Input, OutboxOut, ReactionIn
from jengine.lang import ast as A
from jengine.lang.channels import recipient_field, step_channel
from jengine.lang.model import ChannelModel
from jengine.runtime.channels import sends
from jengine.runtime.channels.base import Message, Sender, SendResult
from jengine.runtime.channels.compose import compose, digest, step_template, template_data
from jengine.runtime.channels.consent import set_consent, withdraw_consent
from jengine.runtime.channels.links import TRACKING_KEY_ENV, Delivery, Tracker
from jengine.runtime.io import CONSENT, REACTION
from jengine.runtime.records import OUTBOX, Json
from jengine.templates import RenderError
from jengine.templates.workspace import Templates

__all__ = ["RETRY_BASE_US", "ChannelConfigError", "Deliveries", "channel_problems"]

KINDS = frozenset(("email", "sms", "push"))
RETRY_BASE_US = 10_000_000
SEND_TIMER_KIND = 1     # an ordinary timer (§4.4 kind 1)
DEFAULT_RETRIES = 3


class ChannelConfigError(Exception):
    """The run cannot deliver: a channel needs something the environment lacks."""


def channel_problems(channels: Mapping[str, ChannelModel],
                     env: Mapping[str, str] | None) -> list[str]:
    """What the environment lacks for these channels (the run refuses to start)."""
    values = env if env is not None else os.environ
    return [f"channel {c.name} tracks opens and clicks: set {TRACKING_KEY_ENV} (the key that "
            "signs links)" for c in channels.values()
            if c.settings.get("tracking") and not values.get(TRACKING_KEY_ENV)]


class LoopPort(Protocol):
    """What deliveries need of the run loop (:class:`jengine.runtime.driver.Loop`)."""

    spec: Any
    world: Any
    effects: Any
    result: Any
    batcher: Any
    timers: Any
    clock_us: int

    def flush(self) -> None: ...

    def process(self, inp: Input, now: dt.datetime) -> None: ...

    def now(self) -> dt.datetime: ...


def _field(profile: Any, path: str | None) -> Any:
    """The value at a dotted path of the merged profile (None where it is missing)."""
    value = profile if path else None
    for name in (path or "").split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


class Deliveries:
    """Queues, governs and dispatches the messages of declared channels."""

    def __init__(self, store: Any, templates: Templates,
                 senders: Callable[[ChannelModel], Sender], env: Mapping[str, str],
                 channels: Mapping[str, ChannelModel]) -> None:
        self.store, self.templates, self.senders, self.env = store, templates, senders, env
        self.used: set[Sender] = set()
        self.suppressions: set[str] | None = None
        self.queued: dict[str, sends.SendRow] = {}    # rows queued by this process
        self.trackers: dict[str, Tracker] = {}
        self.configure(channels, templates)

    def configure(self, channels: Mapping[str, ChannelModel], templates: Templates) -> None:
        """Take (new) channel declarations and templates; check the tracking key."""
        problems = channel_problems(channels, self.env)
        if problems:
            raise ChannelConfigError("; ".join(problems))
        self.templates = templates
        key = self.env.get(TRACKING_KEY_ENV, "").encode()
        self.trackers = {c.name: Tracker(str(c.settings["tracking"]), key)
                         for c in channels.values() if c.settings.get("tracking")}

    # -- in the step's commit ----------------------------------------------------------------

    def accept(self, spec: Any, world: Any, e: OutboxOut, now: dt.datetime,
               timers: Any) -> tuple[Json | None, list[Input]]:
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
        profile = world.profile(obj["profile"])
        data = template_data(profile, world.instance(e.instance), obj)
        to = data["params"]["to"] if "to" in data["params"] else _field(
            data["profile"], recipient_field(channel))
        to = str(to) if isinstance(to, str) and to else None
        now_us = to_micros(now)
        line: Json = {**obj, "channel": channel.name, "provider": channel.provider, "to": to}
        verdict = decide(spec.model.rules, channel.kind, channel.category, profile,
                         to or (channel.name if channel.provider == "webhook" else None),
                         now_us, lambda: self._history(spec, obj["profile"], now_us),
                         self._suppressed, data["profile"])
        if verdict.action == "suppress":
            return {**line, "status": "suppressed", "reason": verdict.reason}, []
        key = f"{e.instance}:{e.step}"
        who = Delivery(obj["journey"], obj["version"], obj["profile"], obj["step"])
        try:
            template = step_template(self.templates, obj["journey"], obj["step"], body)
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
        stored = message.to_json()
        sends.insert(self.store, key, channel.name, channel.kind, channel.category,
                     obj["profile"], to, now_us, due, stored, line)
        self.queued[key] = sends.SendRow(0, key, "queued", channel.name, channel.kind,
                                         obj["profile"], to, now_us, due, 0, stored, line)
        timers.add(due, SEND_TIMER_KIND, None, {"t": "send", "key": key})
        return None, []

    def _history(self, spec: Any, profile: str, now_us: int) -> list[tuple[int, str]]:
        caps = spec.model.rules.caps
        if not caps:
            return []
        return sends.history(self.store, profile, now_us - max(c.per_ms for c in caps) * 1000)

    def _suppressed(self, address: str) -> str | None:
        """The suppression list (loaded once; every later entry goes through
        :meth:`_suppress_address`): an address, a number, a token, or an email's domain."""
        if self.suppressions is None:
            self.suppressions = sends.suppressions(self.store)
        value = address.strip().lower()
        if value in self.suppressions or value.rpartition("@")[2] in self.suppressions:
            return "suppression_list"
        return None

    def _suppress_address(self, value: str, reason: str, at: int) -> None:
        sends.add_suppression(self.store, value, "hard", reason, at)
        if self.suppressions is not None:
            self.suppressions.add(value.strip().lower())

    @staticmethod
    def _reaction(obj: Json, kind: str) -> ReactionIn:
        return ReactionIn(0, None, obj["journey"], obj["version"], obj["profile"], obj["step"],
                          kind)

    # -- feedback inputs ----------------------------------------------------------------------

    def intercept(self, loop: LoopPort, event: str | None, payload: Json) -> bool:
        """Handle what an input changes for deliveries: an ``@consent`` input (consumed:
        the profile's consent is set), or a ``failed`` ``@reaction`` with ``"bounce":
        "hard"`` (the message's recipient goes on the suppression list; the reaction then
        goes on to the journey)."""
        if event == CONSENT:
            set_consent(loop.world, loop.spec.model, payload["profile"], payload["channel"],
                        payload["choice"])
            return True
        if event == REACTION and payload.get("kind") == "failed" and \
                payload.get("bounce") == "hard":
            uid = f"{payload['journey']}/{payload['version']}/{payload['profile']}/"
            recipient = sends.recipient(self.store, uid, str(payload["step"]))
            if recipient:
                self._suppress_address(recipient, "hard bounce (provider feedback)",
                                       loop.clock_us)
        return False

    # -- when its timer fires ------------------------------------------------------------------

    def fire(self, loop: LoopPort, timer: tuple[int, int, int, str | None, Json],
             now: dt.datetime) -> None:
        """Send the message of a ``send`` timer (already taken off the queue) and record the
        answer. For a sender that is not idempotent (SMTP), the queue row and the timer are
        committed first and the answer right after, so a crash in between sends it again and
        nothing else; an idempotent sender's message is sent and recorded inside the batch
        (a crash repeats the batch and the provider ignores the repeat)."""
        key = str(timer[4]["key"])
        row = self.queued.pop(key, None) or sends.get(self.store, key)
        if row is None or row.status != "queued":
            return
        channel = loop.spec.model.channels.get(row.channel)
        reason = self._still_allowed(loop, row, channel)
        if reason is not None:
            self._suppress(loop, row, reason)
            return
        if channel is None:
            result = SendResult("failed", detail=f"channel {row.channel} is no longer declared")
            self._record(loop, row, channel, result, now)
            return
        sender = self.senders(channel)
        self.used.add(sender)
        safe = sender.idempotent(channel)
        if not safe:
            loop.timers.keep(timer)
            loop.flush()
        result = sender.send(channel, Message.from_json(row.message))
        loop.batcher.begin()
        if not safe:
            loop.timers.release(timer[0])
        self._record(loop, row, channel, result, now)
        if not safe:
            loop.flush()

    def finish(self, loop: LoopPort) -> None:
        """End of a run: send the messages due by now (their timers would otherwise wait for
        the next input), then close the connections."""
        now_us = to_micros(loop.now())
        due = sorted((r for r in loop.timers.live.values()
                      if r[4].get("t") == "send" and r[1] <= now_us),
                     key=lambda r: (r[1], r[2], r[0]))
        for timer in due:
            if loop.timers.take(timer[0]) is not None:
                loop.batcher.begin()
                self.fire(loop, timer, loop.now())
        loop.flush()
        self.close()

    def close(self) -> None:
        for sender in self.used:
            sender.close()
        self.used.clear()

    def _record(self, loop: LoopPort, row: sends.SendRow, channel: ChannelModel | None,
                result: SendResult, now: dt.datetime) -> None:
        attempts = row.attempts + 1
        retries = int(channel.settings.get("retries", DEFAULT_RETRIES)) if channel else 0
        if result.outcome == "retry" and attempts <= retries:
            due = to_micros(now) + RETRY_BASE_US * (1 << (attempts - 1))
            sends.reschedule(self.store, row.key, attempts, due, result.detail or "")
            self.queued[row.key] = replace(row, attempts=attempts, due=due)
            loop.timers.add(due, SEND_TIMER_KIND, None, {"t": "send", "key": row.key})
        else:
            self._done(loop, row, result, attempts, now)

    def _still_allowed(self, loop: LoopPort, row: sends.SendRow,
                       channel: ChannelModel | None) -> str | None:
        """The suppression list is checked again at send time (a bounce may have come in since
        the message was queued), and consent for a message that waited (quiet hours, a
        retry)."""
        if row.recipient and self._suppressed(row.recipient):
            return "suppression_list"
        waited = row.due > row.time or row.attempts > 0
        if waited and channel is not None and channel.category == "marketing":
            profile = loop.world.profile(row.profile)
            return consent_reason(merged_attributes(profile), row.kind)
        return None

    def _suppress(self, loop: LoopPort, row: sends.SendRow, reason: str) -> None:
        sends.complete(self.store, row.key, "suppressed", row.attempts, None, reason)
        loop.effects.output(OUTBOX, {**row.outbox, "status": "suppressed", "reason": reason})
        loop.result.outbox += 1

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
            self._suppress_address(row.recipient, result.detail or "",
                                  to_micros(now))
        elif result.bounce == "optout":
            withdraw_consent(loop.world, loop.spec.model, row.profile, row.kind)
        instance = loop.world.instance(row.key.rpartition(":")[0])
        if status == "failed" and instance is not None and instance.get("active"):
            # the step's `failed` reaction, for an instance still running (an ended one has
            # nothing to react with: no `discarded` journal line for it)
            loop.process(self._reaction(row.outbox, "failed"), now)
