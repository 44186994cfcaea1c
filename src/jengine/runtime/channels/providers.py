"""SMS, push and webhook providers over HTTP, through the runtime's :class:`Transport`.

* ``twilio`` (SMS) — a Twilio Messages API call: ``POST {url}`` (``…/Accounts/{sid}/
  Messages.json``), form fields ``To``, ``From`` or ``MessagingService Sid``, ``Body`` and
  ``StatusCallback`` (the tracking endpoint, when the channel has ``tracking``), HTTP Basic
  ``account:token``. 2xx → ``sent`` with the JSON ``sid``; error 21610 (the recipient texted
  STOP) → ``failed`` and an opt-out.
* ``fcm`` (push) — an FCM HTTP v1 ``messages:send`` call: ``POST {url}`` with
  ``{"message": {"token": …, "notification": {"title", "body"}, "data": {…}}}`` and
  ``Authorization: Bearer {token}``. 2xx → ``sent`` with the returned ``name``; error
  ``UNREGISTERED`` → ``failed`` and the token is suppressed (a hard bounce).
* ``webhook`` (any kind) — ``POST {url}`` of the rendered ``.json`` template, with
  ``Authorization: Bearer {token}`` when set and ``X-Jengine-Signature: sha256=<hex>`` (HMAC of
  the body with ``signingKey``) when set. 2xx → ``sent`` (``id`` of a JSON answer, if any).

Every request carries ``Idempotency-Key`` (the effect's key, the same for every attempt and
after a crash), so a provider that honours it never sends twice. 429, 5xx, network errors and
timeouts are ``retry``; other statuses ``failed`` with the provider's message.

Requests go through the runtime's transport (:mod:`jengine.runtime.transport`, the one HTTP
actions use): the channel's ``timeout`` is the deadline of each attempt, enforced on every
socket operation (a provider that trickles its answer cannot hold the engine longer), and an
answer over :data:`MAX_ANSWER` bytes is cut off and fails the message without a retry (the
provider may have taken it: a retry could send it twice).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from jengine.lang.model import ChannelModel
from jengine.runtime.channels.base import Message, MissingSecret, SendResult, secret
from jengine.runtime.transport import (
    HttpRequest,
    ResponseTooLarge,
    Transport,
    TransportFailure,
    TransportTimeout,
)

__all__ = ["MAX_ANSWER", "HttpSender", "fcm_request", "twilio_request", "webhook_request"]

MAX_ANSWER = 64 * 1024      # a provider's answer: an id or an error, never large


def _timeout(channel: ChannelModel) -> dt.timedelta:
    return dt.timedelta(milliseconds=int(channel.settings.get("timeout", 10_000)))


def twilio_request(channel: ChannelModel, m: Message, env: Mapping[str, str]) -> HttpRequest:
    account, token = secret(channel, "account", env), secret(channel, "token", env)
    fields = {"To": m.to or "", "Body": m.text or ""}
    service = channel.settings.get("messagingService")
    if service:
        fields["MessagingServiceSid"] = str(service)
    else:
        fields["From"] = str(channel.settings.get("from", ""))
    if m.status_callback:
        fields["StatusCallback"] = m.status_callback
    basic = base64.b64encode(f"{account}:{token}".encode()).decode("ascii")
    headers = {"Authorization": f"Basic {basic}", "Idempotency-Key": m.key,
               "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    return HttpRequest("POST", str(channel.settings["url"]), headers,
                       urlencode(fields).encode("utf-8"), _timeout(channel), MAX_ANSWER)


def fcm_request(channel: ChannelModel, m: Message, env: Mapping[str, str]) -> HttpRequest:
    token = secret(channel, "token", env)
    notification = {k: v for k, v in (("title", m.title), ("body", m.text)) if v is not None}
    body = {"message": {"token": m.to, "notification": notification,
                        "data": {"messageKey": m.key}}}
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": m.key,
               "Content-Type": "application/json; charset=utf-8"}
    return HttpRequest("POST", str(channel.settings["url"]), headers,
                       json.dumps(body, ensure_ascii=False).encode("utf-8"), _timeout(channel),
                       MAX_ANSWER)


def webhook_request(channel: ChannelModel, m: Message, env: Mapping[str, str]) -> HttpRequest:
    body = (m.body or "").encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": m.key}
    token = secret(channel, "token", env)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    key = secret(channel, "signingKey", env)
    if key:
        digest = hmac.new(key.encode("utf-8"), body, hashlib.sha256).hexdigest()
        headers["X-Jengine-Signature"] = f"sha256={digest}"
    return HttpRequest("POST", str(channel.settings["url"]), headers, body, _timeout(channel),
                       MAX_ANSWER)


_BUILD = {"twilio": twilio_request, "fcm": fcm_request, "webhook": webhook_request}


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _interpret(provider: str, status: int, body: bytes) -> SendResult:
    data = _json(body)
    obj = data if isinstance(data, dict) else {}
    if 200 <= status < 300:
        ident = obj.get("sid") or obj.get("name") or obj.get("id")
        return SendResult("sent", provider_id=str(ident) if ident is not None else None)
    detail = f"HTTP {status}: {_error_text(obj) or body[:200].decode('utf-8', 'replace')}"
    if status == 429 or status >= 500:
        return SendResult("retry", detail=detail)
    if provider == "twilio" and obj.get("code") == 21610:
        return SendResult("failed", detail=detail, bounce="optout")
    if provider == "fcm" and "UNREGISTERED" in json.dumps(obj):
        return SendResult("failed", detail=detail, bounce="hard")
    return SendResult("failed", detail=detail)


def _error_text(obj: dict[str, Any]) -> str | None:
    error = obj.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error.get("status") or "")
    if "message" in obj:
        code = obj.get("code")
        return f"{obj['message']}" + (f" (code {code})" if code is not None else "")
    return None


class HttpSender:
    """Sends through an HTTP provider (see the module docstring); stateless between calls."""

    def __init__(self, transport: Transport, env: Mapping[str, str]) -> None:
        self.transport = transport
        self.env = env

    def send(self, channel: ChannelModel, message: Message) -> SendResult:
        try:
            request = _BUILD[channel.provider](channel, message, self.env)
        except MissingSecret as exc:
            return SendResult("failed", detail=str(exc))
        try:
            response = self.transport.send(request)
        except (TransportTimeout, TransportFailure) as exc:
            return SendResult("retry", detail=str(exc))
        except ResponseTooLarge as exc:
            return SendResult("failed", detail=f"the provider's answer is too large ({exc})")
        return _interpret(channel.provider, response.status, response.body)

    def idempotent(self, channel: ChannelModel) -> bool:
        """Webhook receivers must honour ``Idempotency-Key`` (docs/channels.md); Twilio and
        FCM do not promise to, so their answers commit one by one."""
        return channel.provider == "webhook"

    def close(self) -> None:
        return None
