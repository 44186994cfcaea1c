"""The tracking and provider-feedback endpoints: a small ASGI (Starlette) application.

``jengine serve`` mounts it with :func:`tracking_mounts`: one app per path of the channels'
``tracking`` URLs (``tracking: "https://t.shop.example/t"`` → ``{"/t": tracking_app(key,
submit)}``, passed to its ``create_app(service, mounts)``), with ``submit`` =
``Service.submit``, which commits one input event (a JSON object, as in an events file) to the
service's inbox under an idempotency key (or None); it may be a plain function or a coroutine
function, its result is ignored. Provider feedback and unsubscribes carry a key made from the
link's token and the outcome, so a provider that repeats a status callback (Twilio retries
until it gets a 2xx) or a person who confirms twice makes one input; opens and clicks carry
none: each is a real occurrence.
The key is ``JENGINE_TRACKING_KEY``, the one the engine signs links with (:mod:`.links`).
Every endpoint verifies the token's signature first; a forged or damaged token submits
nothing. An event that ``submit`` refuses (``ValueError``) is logged; the person still gets
the pixel, the redirect or the page.

========================  ===================================================================
``GET /o/{token}.gif``    the open pixel: ``@reaction`` ``opened``; always answers the 1×1 GIF
``GET /c/{token}``        a click: ``@reaction`` ``clicked``, then ``302`` to the link's target
                          (only a signed target: never an open redirect); 400 when invalid
``GET /u/{token}``        the unsubscribe page: a form that confirms with POST (a GET must not
                          unsubscribe: mail scanners follow links)
``POST /u/{token}``       RFC 8058 one-click unsubscribe (``List-Unsubscribe=One-Click``) and
                          the form: ``@consent`` (email, ``n``) for the profile
``POST /f/{token}``       provider feedback for one message: a Twilio status callback
                          (``MessageStatus`` form field) or JSON ``{"status": …}``; ``delivered``
                          → ``@reaction delivered``; ``failed``, ``undelivered``,
                          ``bounced`` → ``@reaction failed`` (a hard bounce, ``"bounce":
                          "hard"``, also puts the recipient on the suppression list)
========================  ===================================================================

Bodies over 64 KiB are refused (413).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from jengine.core.instants import render_instant
from jengine.lang.model import ChannelModel
from jengine.runtime.channels.links import TRACKING_KEY_ENV, verify

__all__ = ["PIXEL", "Submit", "tracking_app", "tracking_mounts", "tracking_paths"]

#: (event, idempotency key or None); may return an awaitable (Service.submit)
Submit = Callable[[dict[str, Any], str | None], object]
_log = logging.getLogger("jengine.tracking")
PIXEL = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
         b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
MAX_BODY = 64 * 1024
_FEEDBACK = {"delivered": "delivered", "read": "opened", "opened": "opened",
             "clicked": "clicked", "failed": "failed", "undelivered": "failed",
             "bounced": "failed", "bounce": "failed"}
_NO_STORE = {"Cache-Control": "no-store, max-age=0"}


def tracking_app(key: bytes, submit: Submit,
                 clock: Callable[[], dt.datetime] | None = None) -> Starlette:
    """The tracking endpoints (see the module docstring)."""
    now = clock or (lambda: dt.datetime.now(dt.UTC))

    async def emit(event: str, payload: dict[str, Any], key: str | None = None) -> None:
        try:
            result = submit({"event": event, "time": render_instant(now()),
                             "payload": payload}, key)
            if inspect.isawaitable(result):
                await result
        except ValueError as exc:
            _log.warning("tracking: %s refused: %s", event, exc)

    def reaction(claims: dict[str, Any], kind: str) -> dict[str, Any]:
        return {"journey": claims["j"], "version": claims["v"], "profile": claims["p"],
                "step": claims["s"], "kind": kind}

    def claims_of(request: Request, use: str) -> dict[str, Any] | None:
        token = str(request.path_params["token"])
        found = verify(token.removesuffix(".gif"), key)
        return found if found is not None and found.get("k") == use else None

    async def opened(request: Request) -> Response:
        claims = claims_of(request, "o")
        if claims is not None:
            await emit("@reaction", reaction(claims, "opened"))
        return Response(PIXEL, media_type="image/gif", headers=_NO_STORE)

    async def clicked(request: Request) -> Response:
        claims = claims_of(request, "c")
        target = claims.get("u") if claims else None
        if claims is None or not isinstance(target, str) or not target.startswith(
                ("https://", "http://")):
            return PlainTextResponse("invalid or damaged link", 400)
        await emit("@reaction", reaction(claims, "clicked"))
        return RedirectResponse(target, 302, headers=_NO_STORE)

    async def unsubscribe_page(request: Request) -> Response:
        if claims_of(request, "u") is None:
            return PlainTextResponse("invalid or damaged link", 400)
        return HTMLResponse('<!doctype html><meta charset="utf-8"><title>Unsubscribe</title>'
                            '<form method="post"><p>Stop receiving these emails?</p>'
                            '<button name="List-Unsubscribe" value="One-Click">Unsubscribe'
                            "</button></form>", headers=_NO_STORE)

    async def unsubscribe(request: Request) -> Response:
        claims = claims_of(request, "u")
        if claims is None:
            return PlainTextResponse("invalid or damaged link", 400)
        await emit("@consent", {"profile": claims["p"], "channel": "email", "choice": "n"},
                   _once(request, "u"))
        return HTMLResponse("<!doctype html><p>You are unsubscribed.</p>", headers=_NO_STORE)

    async def feedback(request: Request) -> Response:
        claims = claims_of(request, "f")
        if claims is None:
            return PlainTextResponse("invalid or damaged link", 400)
        fields = await _fields(request)
        status = str(fields.get("MessageStatus") or fields.get("status") or "").lower()
        kind = _FEEDBACK.get(status)
        if kind is None:
            return PlainTextResponse("ignored", 202)     # queued, sent, … : nothing to do
        payload = reaction(claims, kind)
        if kind == "failed" and str(fields.get("bounce", "")).lower() == "hard":
            payload["bounce"] = "hard"
        await emit("@reaction", payload, _once(request, f"f:{status}"))
        return PlainTextResponse("ok")

    routes = [Route("/o/{token}", opened, methods=["GET"]),
              Route("/c/{token}", clicked, methods=["GET"]),
              Route("/u/{token}", unsubscribe_page, methods=["GET"]),
              Route("/u/{token}", unsubscribe, methods=["POST"]),
              Route("/f/{token}", feedback, methods=["POST"])]
    return Starlette(routes=routes, max_body_size=MAX_BODY)


def _once(request: Request, what: str) -> str:
    """The idempotency key of a callback that must count once: its link and its outcome."""
    token = str(request.path_params["token"])
    return f"track:{what}:{hashlib.sha256(token.encode()).hexdigest()[:32]}"


def tracking_paths(channels: Mapping[str, ChannelModel]) -> list[str]:
    """The distinct URL paths of the channels' ``tracking`` settings (``"/t"``), sorted."""
    paths = {urlsplit(str(c.settings["tracking"])).path.rstrip("/") or "/"
             for c in channels.values() if c.settings.get("tracking")}
    return sorted(paths)


def tracking_mounts(channels: Mapping[str, ChannelModel], env: Mapping[str, str],
                    submit: Submit) -> dict[str, Starlette]:
    """What ``jengine serve`` mounts: path → :func:`tracking_app`, one per path of
    :func:`tracking_paths` (empty when no channel tracks). Raises ``ValueError`` when a channel
    tracks and ``JENGINE_TRACKING_KEY`` is not set (the links could not be verified)."""
    paths = tracking_paths(channels)
    if not paths:
        return {}
    key = env.get(TRACKING_KEY_ENV, "")
    if not key:
        raise ValueError(f"{TRACKING_KEY_ENV} is not set: the tracking endpoints cannot "
                         "verify their links")
    return {path: tracking_app(key.encode(), submit) for path in paths}


async def _fields(request: Request) -> dict[str, Any]:
    """The form fields or the JSON object of a feedback request."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(await request.body())
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
