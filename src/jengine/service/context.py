"""What every endpoint of the service shares: :class:`Service` (on ``app.state.service``).

It holds the configuration, the inbox writer, the metrics, the engine handle and the
``stopping`` flag, and gives the endpoints read-only store connections and a way to wait
until the engine has processed an input (:meth:`Service.wait_processed`).

The engine is seen through :class:`EngineHandle` only — start, stop, whether it runs, the
journeys model it runs — so the HTTP layers do not depend on how the live driver works.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from jengine.lang.model import Model
from jengine.service.catalog import Catalog
from jengine.service.config import ServeConfig
from jengine.service.inbox import INBOX_SOURCE, Accepted
from jengine.service.metrics import Metrics

__all__ = ["EngineHandle", "InputWriter", "Service"]


class EngineHandle(Protocol):
    """The live engine as the HTTP layers see it."""

    def start(self) -> None:
        """Start processing the inbox (returns at once)."""

    def stop(self) -> None:
        """Process what the inbox holds, commit, and stop (returns when stopped)."""

    @property
    def running(self) -> bool:
        """Whether the engine thread is processing."""
        ...

    @property
    def failure(self) -> str | None:
        """Why the engine stopped by itself, if it did."""
        ...

    def model(self) -> Model | None:
        """The model of the published journeys (None before the first publication)."""

    def published_changed(self) -> None:
        """A publication was applied (the model must be read again)."""


class InputWriter(Protocol):
    """Where the ingestion endpoints hand their items: the inbox writer (embedded), or the
    cluster feed (``--engine temporal``). ``submit`` returns once the items are durable."""

    async def submit(self, items: Sequence[Any]) -> Accepted: ...

    @property
    def depth(self) -> int: ...

    @property
    def alive(self) -> bool: ...

    def close(self) -> None: ...


@dataclass
class Service:
    """The shared parts of one running service."""

    config: ServeConfig
    writer: InputWriter
    metrics: Metrics
    engine: EngineHandle
    stopping: bool = False
    catalog: Catalog = field(init=False)
    #: ``jengine serve --engine temporal``: the :class:`~jengine.service.cluster.ClusterFeed`
    cluster: Any = None

    def __post_init__(self) -> None:
        self.catalog = Catalog(self.config.workspace)

    def model(self) -> Model | None:
        return self.engine.model()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection to the store (WAL: it never blocks a writer)."""
        conn = sqlite3.connect(f"file:{self.config.state}?mode=ro", uri=True, timeout=10.0)
        try:
            yield conn
        finally:
            conn.close()

    def processed(self) -> int:
        """The last inbox ``seq`` the engine has committed."""
        with self.read() as conn:
            row = conn.execute("SELECT line FROM input_offsets WHERE source = ?",
                               (INBOX_SOURCE,)).fetchone()
        return int(row[0]) if row else 0

    async def submit(self, event: dict[str, Any], key: str | None = None) -> int:
        """Commit one input event (journey spec §5.1, e.g. an ``@reaction`` from a mounted
        tracking app) to the inbox; its ``seq`` once committed. A malformed event raises
        ``ValueError`` with the coded message ``jengine run`` would dead-letter it with."""
        from jengine.runtime.io import DeadLetter, SourceLine, parse_event_line
        from jengine.service.native import CHECK_ARRIVAL, RESERVED, Item, dumps

        line = dumps(event)
        parsed = parse_event_line(SourceLine(1, line), CHECK_ARRIVAL)
        if isinstance(parsed, DeadLetter):
            raise ValueError(f"{parsed.reason}: {parsed.message}")
        if parsed.event in RESERVED:
            raise ValueError(f"bad_input: `{parsed.event}` inputs are made by the service")
        accepted = await self.writer.submit([Item(key, line)])
        self.metrics.ingested.labels("mounted").inc(len(accepted.seqs))
        return accepted.last

    async def wait_processed(self, seq: int, timeout: float) -> bool:
        """Wait until the engine has committed inbox row ``seq`` (False on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            if await asyncio.to_thread(self.processed) >= seq:
                return True
            if time.monotonic() >= deadline or not self.engine.running:
                return False
            await asyncio.sleep(0.01)
