"""Signed tracking links: the open pixel, click redirects, one-click unsubscribe, status
callbacks.

A token is ``base64url(JSON payload) "." base64url(HMAC-SHA256(key, payload)[:16])``; the
payload names the delivery — journey ``j``, version ``v``, profile ``p``, step ``s`` — the use
``k`` (``o`` open, ``c`` click, ``u`` unsubscribe, ``f`` provider feedback) and, for a click,
the target ``u``. Only the holder of the key (``JENGINE_TRACKING_KEY``, the same for the
engine and ``jengine serve``) makes tokens, so the redirect endpoint is not an open redirect
and a forged open or click cannot reach a journey. Tokens do not expire (AJO keeps links for
25 months; rotate the key to revoke every link).

:meth:`Tracker.rewrite` sends every ``<a href="http(s)://…">`` of an HTML body through the
click endpoint (except links marked ``data-notrack``) and adds the 1×1 open pixel before
``</body>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["TRACKING_KEY_ENV", "Delivery", "Tracker", "sign", "verify"]

TRACKING_KEY_ENV = "JENGINE_TRACKING_KEY"
_MAC_BYTES = 16
_LINK = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']*)\2([^>]*>)""",
                   re.IGNORECASE)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(payload: Mapping[str, Any], key: bytes) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True,
                           ensure_ascii=False).encode("utf-8"))
    mac = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()[:_MAC_BYTES]
    return f"{body}.{_b64(mac)}"


def verify(token: str, key: bytes) -> dict[str, Any] | None:
    """The payload of a token made with ``key``; None when forged, damaged or not a token."""
    body, dot, mac = token.partition(".")
    if not dot or len(token) > 4096:
        return None
    try:
        want = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()[:_MAC_BYTES]
        if not hmac.compare_digest(want, _unb64(mac)):
            return None
        payload = json.loads(_unb64(body).decode("utf-8"))
    except (ValueError, UnicodeError):
        return None
    return payload if isinstance(payload, dict) else None


@dataclass(frozen=True)
class Delivery:
    """Which delivery a link belongs to (the ``@reaction`` it becomes)."""

    journey: str
    version: int
    profile: str
    step: str

    def payload(self, use: str, **more: Any) -> dict[str, Any]:
        return {"k": use, "j": self.journey, "v": self.version, "p": self.profile,
                "s": self.step, **more}


@dataclass(frozen=True)
class Tracker:
    """Makes the tracking URLs of one channel: ``base`` is the channel's ``tracking`` URL
    (where ``jengine serve`` mounts the tracking app)."""

    base: str
    key: bytes

    def url(self, path: str, who: Delivery, use: str, **more: Any) -> str:
        return f"{self.base.rstrip('/')}/{path}/{sign(who.payload(use, **more), self.key)}"

    def open_pixel(self, who: Delivery) -> str:
        return self.url("o", who, "o") + ".gif"

    def unsubscribe(self, who: Delivery) -> str:
        return self.url("u", who, "u")

    def feedback(self, who: Delivery) -> str:
        return self.url("f", who, "f")

    def rewrite(self, body: str, who: Delivery) -> str:
        """Route the links of an HTML body through the click endpoint; add the open pixel."""
        def link(m: re.Match[str]) -> str:
            if "data-notrack" in m.group(0).lower():
                return m.group(0)
            target = html.unescape(m.group(3))
            click = html.escape(self.url("c", who, "c", u=target), quote=True)
            return f"{m.group(1)}{m.group(2)}{click}{m.group(2)}{m.group(4)}"

        out = _LINK.sub(link, body)
        pixel = (f'<img src="{html.escape(self.open_pixel(who), quote=True)}" width="1" '
                 'height="1" alt="" style="display:none">')
        at = out.lower().rfind("</body>")
        return out[:at] + pixel + out[at:] if at >= 0 else out + pixel
