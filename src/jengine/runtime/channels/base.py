"""What every provider shares: the rendered :class:`Message`, the :class:`SendResult`, the
:class:`Sender` interface and reading a channel's secrets from the environment.

A sender makes *one* attempt and says what happened: ``sent`` (with the provider's id),
``retry`` (a transient failure: network error, timeout, SMTP 4xx, HTTP 429/5xx) or ``failed``
(permanent: SMTP 5xx, HTTP 4xx, a missing secret). ``bounce`` marks a failure that changes
what may be sent later: ``hard`` (the address is put on the suppression list) or ``optout``
(the recipient unsubscribed at the provider: consent is withdrawn).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from jengine.lang.model import ChannelModel

__all__ = ["Message", "MissingSecret", "SendResult", "Sender", "secret"]


@dataclass(frozen=True)
class Message:
    """A rendered message, as stored in the send record (``to_json``/``from_json``)."""

    key: str
    kind: str
    to: str | None
    subject: str | None = None
    html: str | None = None
    text: str | None = None
    title: str | None = None
    body: str | None = None
    message_id: str | None = None
    date: str | None = None
    unsubscribe: tuple[str, ...] = ()
    status_callback: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in _FIELDS}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()
                if v is not None and v != ()}

    @staticmethod
    def from_json(obj: Mapping[str, Any]) -> Message:
        data = dict(obj)
        data["unsubscribe"] = tuple(data.get("unsubscribe", ()))
        data.setdefault("to", None)
        return Message(**data)


_FIELDS = ("key", "kind", "to", "subject", "html", "text", "title", "body", "message_id", "date",
           "unsubscribe", "status_callback")


@dataclass(frozen=True)
class SendResult:
    outcome: Literal["sent", "retry", "failed"]
    provider_id: str | None = None
    detail: str | None = None
    bounce: Literal["hard", "optout"] | None = None


class Sender(Protocol):
    """Delivers messages of one provider; keeps connections between calls until ``close``.
    ``idempotent``: the provider ignores a repeat of a message key it has already accepted
    (then the answers need not be committed one by one)."""

    def send(self, channel: ChannelModel, message: Message) -> SendResult: ...

    def idempotent(self, channel: ChannelModel) -> bool: ...

    def close(self) -> None: ...


class MissingSecret(Exception):
    """A channel setting names an environment variable that is not set."""


def secret(channel: ChannelModel, name: str, env: Mapping[str, str]) -> str | None:
    """The value of setting ``name``: ``secret("VAR")`` reads ``VAR`` from ``env`` (raising
    :class:`MissingSecret` when unset); a plain setting is returned as is; None if absent."""
    var = channel.secrets.get(name)
    if var is None:
        value = channel.settings.get(name)
        return None if value is None else str(value)
    found = env.get(var)
    if found is None:
        raise MissingSecret(f"environment variable {var} (channel {channel.name}, "
                            f"setting {name}) is not set")
    return found
