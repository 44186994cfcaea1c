"""The channel senders of scenario runs: every message is accepted and recorded, none leaves.

A scenario plays a workspace whose channels point at real providers; like HTTP calls (the
scripted transport), deliveries stay inside the test: :class:`RecordingSenders` answers
``sent`` with the id ``stub-<hash of the message key>`` and keeps each (channel, message) in order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from jengine.lang.model import ChannelModel
from jengine.runtime.channels.base import Message, SendResult

__all__ = ["RecordingSenders"]


@dataclass(eq=False)
class RecordingSenders:
    sent: list[tuple[str, Message]] = field(default_factory=list)

    def __call__(self, channel: ChannelModel) -> RecordingSenders:
        return self

    def send(self, channel: ChannelModel, message: Message) -> SendResult:
        self.sent.append((channel.name, message))
        digest = hashlib.sha256(message.key.encode("utf-8")).hexdigest()[:12]
        return SendResult("sent", provider_id=f"stub-{digest}")

    def idempotent(self, channel: ChannelModel) -> bool:
        return True

    def close(self) -> None:
        return None
