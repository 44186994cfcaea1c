"""Who may do what: write keys for ingestion, the admin token for everything else.

* **Ingestion** (``/v1/events``, ``/v1/profiles``, the Segment endpoints) needs a write key:
  as the HTTP Basic user (``Authorization: Basic base64("KEY:")``, how the Segment and
  RudderStack SDKs send it), as ``Authorization: Bearer KEY``, or — on the Segment endpoints
  only — as ``writeKey`` in the JSON body.
* **Management, the read API and the dashboard** need the admin token: ``Authorization:
  Bearer TOKEN``, or the session cookie the dashboard's login form sets. The cookie holds
  ``HMAC-SHA256(token, "jengine-session-v1")``, never the token; it is ``HttpOnly``,
  ``SameSite=Strict`` and ``Path=/``, so another site can neither read it nor make a browser
  send it; changing the token ends every session.

Every comparison is constant-time (:func:`hmac.compare_digest`) and runs against every
configured key, so the time taken says nothing about which key came close.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Mapping

from jengine.service.config import Secret

__all__ = ["COOKIE", "admin_allowed", "basic_user", "bearer", "matches", "session_value",
           "write_key_of"]

COOKIE = "jengine_session"
_SESSION_SALT = b"jengine-session-v1"


def matches(candidate: str | None, secrets: Iterable[Secret]) -> bool:
    """Whether ``candidate`` equals one of ``secrets`` (constant time, every one compared)."""
    given = (candidate or "").encode("utf-8")
    found = False
    for secret in secrets:
        found |= hmac.compare_digest(given, secret.reveal().encode("utf-8"))
    return found and candidate is not None


def basic_user(header: str | None) -> str | None:
    """The user of an ``Authorization: Basic …`` header (the write key), else None."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, _password = decoded.partition(":")
    return user or None


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, else None."""
    if not header or header[:7].lower() != "bearer ":
        return None
    return header[7:].strip() or None


def write_key_of(headers: Mapping[str, str], body_key: str | None = None) -> str | None:
    """The write key a request presents (Basic user, Bearer token, or the body's)."""
    auth = headers.get("authorization")
    return basic_user(auth) or bearer(auth) or body_key


def session_value(token: Secret) -> str:
    """The session cookie's value for an admin token."""
    return hmac.new(token.reveal().encode("utf-8"), _SESSION_SALT, hashlib.sha256).hexdigest()


def admin_allowed(headers: Mapping[str, str], cookies: Mapping[str, str],
                  token: Secret | None) -> bool:
    """Whether a request carries the admin token (Bearer) or a valid session cookie."""
    if token is None:
        return False
    if matches(bearer(headers.get("authorization")), [token]):
        return True
    cookie = cookies.get(COOKIE)
    return cookie is not None and hmac.compare_digest(cookie.encode("utf-8"),
                                                      session_value(token).encode("utf-8"))
