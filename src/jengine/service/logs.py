"""Structured logs: one JSON object a line on standard error, secrets masked.

Every record becomes ``{"ts": …, "level": …, "logger": …, "msg": …, <extra fields>}``. The
service logs each request (method, path without its query, status, milliseconds, bytes),
startup and shutdown, and failures; never a header or a body. As a second line of defence,
:class:`Redact` replaces any configured secret (write keys, admin token) that would still reach
a log line with ``***``. uvicorn's own loggers go through the same handler; its access log is
off (the service writes its own).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable
from typing import Any, TextIO

__all__ = ["JsonFormatter", "Redact", "configure_logging", "log"]

LOGGER = "jengine.serve"
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
log = logging.getLogger(LOGGER)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        obj: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(), "logger": record.name,
            "msg": record.getMessage()}
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                obj[key] = value
        if record.exc_info:
            obj["exc"] = self.formatException(record.exc_info)
        return json.dumps(obj, ensure_ascii=False, default=str)


class Redact(logging.Filter):
    """Masks every secret value in a formatted line (defence in depth)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self, stream: TextIO, redact: Redact) -> None:
        super().__init__(stream)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact.mask(super().format(record))


def configure_logging(level: str, secrets: Iterable[str], stream: TextIO | None = None) -> None:
    """Send the service's and uvicorn's logs to ``stream`` as masked JSON lines."""
    handler = _Handler(stream or sys.stderr, Redact(secrets))
    handler.setFormatter(JsonFormatter())
    for name in (LOGGER, "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
    access = logging.getLogger("uvicorn.access")
    access.handlers = []
    access.propagate = False
    access.disabled = True
