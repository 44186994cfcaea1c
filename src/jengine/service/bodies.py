"""Request bodies: bounded, gzip-decoded, parsed as JSON or NDJSON with positions.

Two limits guard every request: the *wire* size (Starlette's ``max_body_size``: a larger
``Content-Length`` or streamed body answers 413) and the *decoded* size, checked here while a
``Content-Encoding: gzip`` (or ``deflate``) body is inflated — a small body that inflates past
the limit (a gzip bomb) answers 413 without being inflated further. An encoding other than
gzip, deflate or identity answers 415; a damaged or truncated gzip stream 400.

Parsing errors are :class:`BodyError` with a code (``bad_json``, ``bad_input``, ``too_large``),
a message, and a 0-based position (``line``, ``character``) or item ``index``, as the API
reports them (docs/serve.md, "Errors").
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse

__all__ = ["BodyError", "GzipRequest", "error_json", "parse_json", "parse_ndjson"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class BodyError(Exception):
    """Why a body (or one item of it) is refused."""

    code: str
    message: str
    status: int = 400
    where: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.where}


def error_json(errors: list[BodyError], status: int | None = None) -> JSONResponse:
    """The error response: ``{"error": first message, "errors": [...]}``."""
    first = errors[0]
    return JSONResponse({"error": first.message, "code": first.code,
                         "errors": [e.to_json() for e in errors]},
                        status_code=status or first.status)


class GzipRequest:
    """ASGI middleware inflating ``Content-Encoding: gzip|deflate`` request bodies, bounded."""

    def __init__(self, app: ASGIApp, max_decoded: int) -> None:
        self.app, self.max_decoded = app, max_decoded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        encoding = dict(scope["headers"]).get(b"content-encoding", b"").strip().lower()
        if encoding in (b"", b"identity"):
            await self.app(scope, receive, send)
            return
        if encoding not in (b"gzip", b"x-gzip", b"deflate"):
            await _reply(scope, receive, send, BodyError(
                "unsupported_encoding", "Content-Encoding must be gzip, deflate or identity",
                415))
            return
        body = await self._inflate(receive, encoding == b"deflate")
        if isinstance(body, BodyError):
            await _reply(scope, receive, send, body)
            return
        if body is None:
            return  # the client went away
        headers = [(k, v) for k, v in scope["headers"]
                   if k not in (b"content-encoding", b"content-length")]
        headers.append((b"content-length", str(len(body)).encode()))
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(dict(scope, headers=headers), replay, send)

    async def _inflate(self, receive: Receive, deflate: bool) -> bytes | BodyError | None:
        d = zlib.decompressobj(zlib.MAX_WBITS | 32 if deflate else zlib.MAX_WBITS | 16)
        out = bytearray()
        more = True
        try:
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                more = bool(message.get("more_body", False))
                out += d.decompress(message.get("body", b""), self.max_decoded + 1 - len(out))
                if len(out) > self.max_decoded or d.unconsumed_tail:
                    return BodyError("too_large", f"the decoded body is over "
                                     f"{self.max_decoded} bytes", 413)
            out += d.flush()
            if not d.eof:
                raise zlib.error("truncated")
        except zlib.error:
            return BodyError("bad_encoding", "the body is not a valid gzip/deflate stream")
        return bytes(out)


async def _reply(scope: Scope, receive: Receive, send: Send, error: BodyError) -> None:
    await error_json([error])(scope, receive, send)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def parse_json(body: bytes) -> Any:
    """One JSON value (UTF-8), or :class:`BodyError` ``bad_json`` with a 0-based position."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BodyError("bad_json", "the body is not valid UTF-8",
                        where={"offset": e.start}) from None
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as e:
        raise BodyError("bad_json", f"not valid JSON: {e.msg}",
                        where={"line": e.lineno - 1, "character": e.colno - 1}) from None
    except ValueError as e:
        raise BodyError("bad_json", f"not valid JSON: {e}") from None


def parse_ndjson(body: bytes) -> list[tuple[int, Any]]:
    """The non-blank lines of an NDJSON body as (0-based line, value); errors name the line."""
    out: list[tuple[int, Any]] = []
    for number, raw in enumerate(body.split(b"\n")):
        if not raw.strip():
            continue
        try:
            out.append((number, parse_json(raw)))
        except BodyError as e:
            e.where = {"line": number, "character": e.where.get("character", 0)}
            raise
    return out
