"""Email over SMTP (``provider: smtp``), with the standard library's ``smtplib``.

The server is the channel's ``server`` (``smtp://host:port``; ``smtps://`` is implicit TLS),
or ``JENGINE_SMTP_URL`` from the environment when set — which may also carry
``user:password@``. ``security``: ``none``, ``starttls`` (required: a server that does not
offer it fails the send) or ``ssl``. ``user``/``password`` are secrets from the environment;
``SSL_CERT_FILE`` in the environment names extra trusted certificates. One connection is
opened on the first message and reused until :meth:`SmtpSender.close` (the end of a dispatch
round); a dropped connection is reopened once.

The message is ``multipart/alternative`` (text, then HTML) with ``From``, ``To``, ``Reply-To``,
``Subject``, ``Date`` (the step's time), ``Message-ID`` (derived from the effect's idempotency
key: the same for every attempt) and RFC 8058 ``List-Unsubscribe``/``List-Unsubscribe-Post``.
Header values never contain line breaks (personalized subjects are flattened).

Answers: 250 → ``sent`` (the id is the Message-ID); 4xx, a network error or a timeout →
``retry``; 5xx → ``failed`` (a refused recipient, or an enhanced status 5.1.x, is a hard
bounce).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from jengine.lang.model import ChannelModel
from jengine.runtime.channels.base import Message, MissingSecret, SendResult, secret

__all__ = ["SMTP_URL_ENV", "SmtpSender", "build_email"]

SMTP_URL_ENV = "JENGINE_SMTP_URL"


def _flat(text: str) -> str:
    return " ".join(text.split())


def build_email(channel: ChannelModel, m: Message) -> EmailMessage:
    """The MIME message of a rendered email."""
    msg = EmailMessage()
    msg["From"] = _flat(str(channel.settings.get("from", "")))
    msg["To"] = _flat(m.to or "")
    reply_to = channel.settings.get("replyTo")
    if reply_to:
        msg["Reply-To"] = _flat(str(reply_to))
    msg["Subject"] = _flat(m.subject or "")
    if m.date:
        msg["Date"] = m.date
    if m.message_id:
        msg["Message-ID"] = m.message_id
    if m.unsubscribe:
        msg["List-Unsubscribe"] = ", ".join(f"<{u}>" for u in m.unsubscribe)
        if any(u.startswith(("https://", "http://")) for u in m.unsubscribe):
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(m.text if m.text is not None else "")
    if m.html is not None:
        msg.add_alternative(m.html, subtype="html")
    return msg


class SmtpSender:
    """Sends email through one SMTP server per channel (see the module docstring)."""

    def __init__(self, env: Mapping[str, str], timeout: float = 10.0) -> None:
        self.env = env
        self.timeout = timeout
        self.connections: dict[str, smtplib.SMTP] = {}
        self._context: ssl.SSLContext | None = None

    def context(self) -> ssl.SSLContext:
        """The TLS context (made once: loading the trusted certificates takes ~50 ms)."""
        if self._context is None:
            self._context = ssl.create_default_context(cafile=self.env.get("SSL_CERT_FILE"))
        return self._context

    def send(self, channel: ChannelModel, message: Message) -> SendResult:
        try:
            email = build_email(channel, message)
        except (ValueError, TypeError) as exc:
            return SendResult("failed", detail=f"invalid message: {exc}")
        for attempt in (1, 2):
            try:
                conn = self._connection(channel)
                refused = conn.send_message(email, to_addrs=[message.to or ""])
            except MissingSecret as exc:
                return SendResult("failed", detail=str(exc))
            except smtplib.SMTPServerDisconnected as exc:
                self._drop(channel)
                if attempt == 1:
                    continue
                return SendResult("retry", detail=f"SMTP server disconnected: {exc}")
            except smtplib.SMTPRecipientsRefused as exc:
                self._drop(channel)
                code, text = next(iter(exc.recipients.values()))
                return _answer(code, text, recipient=True)
            except smtplib.SMTPNotSupportedError as exc:
                self._drop(channel)
                return SendResult("failed", detail=f"SMTP server: {exc}")
            except smtplib.SMTPResponseException as exc:
                self._drop(channel)
                return _answer(exc.smtp_code, exc.smtp_error)
            except (OSError, smtplib.SMTPException) as exc:
                self._drop(channel)
                return SendResult("retry", detail=f"SMTP connection failed: "
                                  f"{type(exc).__name__}: {exc}")
            if refused:
                code, text = next(iter(refused.values()))
                return _answer(code, text, recipient=True)
            return SendResult("sent", provider_id=message.message_id)
        return SendResult("retry", detail="SMTP server disconnected")

    def idempotent(self, channel: ChannelModel) -> bool:
        return False

    def _server(self, channel: ChannelModel) -> tuple[str, int, str, str | None, str | None]:
        url = self.env.get(SMTP_URL_ENV) or str(channel.settings.get("server", ""))
        parts = urlsplit(url)
        ssl_url = parts.scheme == "smtps"
        security = "ssl" if ssl_url else str(channel.settings.get("security", "none"))
        user = unquote(parts.username) if parts.username else secret(channel, "user", self.env)
        password = unquote(parts.password) if parts.password else secret(
            channel, "password", self.env)
        port = parts.port or (465 if security == "ssl" else 25)
        return parts.hostname or "localhost", port, security, user, password

    def _connection(self, channel: ChannelModel) -> smtplib.SMTP:
        conn = self.connections.get(channel.name)
        if conn is not None:
            return conn
        host, port, security, user, password = self._server(channel)
        if security == "ssl":
            conn = smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=self.context())
        else:
            conn = smtplib.SMTP(host, port, timeout=self.timeout)
        try:
            conn.ehlo()
            if security == "starttls":
                conn.starttls(context=self.context())
                conn.ehlo()
            if user:
                conn.login(user, password or "")
        except BaseException:
            _quit(conn)
            raise
        self.connections[channel.name] = conn
        return conn

    def _drop(self, channel: ChannelModel) -> None:
        conn = self.connections.pop(channel.name, None)
        if conn is not None:
            _quit(conn)

    def close(self) -> None:
        for conn in self.connections.values():
            _quit(conn)
        self.connections.clear()


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (TimeoutError, OSError, smtplib.SMTPException):
        conn.close()


def _answer(code: int, text: bytes | str, recipient: bool = False) -> SendResult:
    message = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    detail = f"SMTP {code} {message}"
    if 400 <= code < 500:
        return SendResult("retry", detail=detail)
    # a refused recipient, or an enhanced status 5.1.x (bad mailbox or domain, RFC 3463)
    hard = recipient or message.lstrip().startswith("5.1.")
    return SendResult("failed", detail=detail, bounce="hard" if hard else None)
