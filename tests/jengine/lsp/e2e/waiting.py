"""Waiting for server notifications without races.

``wait_for_notification`` resolves on the *next* notification only: one that arrives between
two calls would be missed, and a loop waiting for it would hang. So these helpers wait for at
most ``STEP`` seconds per notification, then look again at what the client has recorded, under
an overall deadline after which the test fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from pygls.lsp.client import LanguageClient

PUBLISH = "textDocument/publishDiagnostics"
STEP = 0.5
DEADLINE = 60.0


async def until(client: LanguageClient, ready: Callable[[], bool],
                method: str = PUBLISH) -> None:
    """Wait until ``ready()`` holds, re-checking after each notification or every STEP s."""
    async with asyncio.timeout(DEADLINE):
        while not ready():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(client.wait_for_notification(method), STEP)
