"""The live engine adapter: the runner's live driver on a thread of its own, fed by the inbox.

:class:`LiveEngine` is the service's only coupling to how journeys run: it starts
:func:`jengine.runtime.live.drive_published` (the same loop, core and store as ``jengine run``)
with the inbox as its input source, wakes it after each inbox commit, and stops it by asking
it to finish: the driver stops only when the inbox is empty, so a clean stop leaves nothing
acknowledged unprocessed. Its store connection shares the inbox writer's write lock.

Outgoing HTTP calls (custom actions, data sources) are timed for the metrics. The driver's
diagnostics (for instance a refused publication) go to the structured log.
"""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import threading
from contextlib import AbstractContextManager
from typing import Any, TextIO, cast

from jengine.lang.model import Model
from jengine.lang.workspace import load_texts
from jengine.runtime.http import HttpxTransport, Transport
from jengine.runtime.inbox import InboxSource
from jengine.runtime.lifecycle import TEMPLATES
from jengine.runtime.live import drive_published
from jengine.runtime.options import RunOptions
from jengine.runtime.store import Store
from jengine.service.context import Service
from jengine.service.logs import log
from jengine.service.metrics import TimedTransport

__all__ = ["LiveEngine"]


class _LogStream(io.TextIOBase):
    """A text stream whose lines become warning log records."""

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                log.warning(line, extra={"source": "engine"})
        return len(text)


class LiveEngine:
    """The engine thread (see the module docstring)."""

    def __init__(self, service: Service, write_lock: AbstractContextManager[Any],
                 transport: Transport | None = None, poll: float = 0.05) -> None:
        cfg = service.config
        self.service, self.lock = service, write_lock
        contended = getattr(write_lock, "contended", lambda: False)
        self.source = InboxSource(poll, contended=contended)
        self._stop = threading.Event()
        self._failure: str | None = None
        self._thread: threading.Thread | None = None
        self._model: Model | None = None
        self._model_stale = True
        self._model_lock = threading.Lock()
        inner = transport or HttpxTransport()
        self.options = RunOptions(
            workspace=cfg.workspace, state=cfg.state, outbox=cfg.outbox, journal=cfg.journal,
            dead_letters=cfg.dead_letters, mode="live", source=self.source, deliver=cfg.deliver,
            stop=self._stop.is_set, late_after=dt.timedelta(milliseconds=cfg.late_ms),
            transport=TimedTransport(inner, service.metrics.http_calls),
            err=cast(TextIO, _LogStream()))

    # -- EngineHandle ------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="live-engine", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.source.wake()
        if self._thread is not None:
            self._thread.join()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def failure(self) -> str | None:
        return self._failure

    def model(self) -> Model | None:
        """The published journeys' model (reloaded after a publication)."""
        with self._model_lock:
            if self._model_stale:
                self._model = self._load_model()
                self._model_stale = False
            return self._model

    def wake(self) -> None:
        self.source.wake()

    def published_changed(self) -> None:
        """A publication was applied: the model is read again on next use."""
        with self._model_lock:
            self._model_stale = True

    # -- the thread ----------------------------------------------------------------------------

    def _open_store(self) -> Store:
        cfg = self.service.config
        store = Store(cfg.state, synchronous=cfg.synchronous, write_lock=self.lock)
        store.execute("PRAGMA wal_autocheckpoint = 0")   # the inbox writer checkpoints
        return store

    def _run(self) -> None:
        try:
            result = drive_published(self.options, self._open_store)
            log.info("engine stopped", extra={"inputs": result.events, "timers": result.timers})
        except Exception as exc:   # the thread must report, not vanish
            self._failure = f"{type(exc).__name__}: {exc}"
            log.exception("engine failed")

    def _load_model(self) -> Model | None:
        with self.service.read() as conn:
            try:
                files = {p: t for p, t in conn.execute("SELECT path, text FROM published")
                         if not p.startswith(TEMPLATES)}
            except sqlite3.Error:
                return None
        if not files:
            return None
        return load_texts(files, root=self.service.config.workspace).model


def make_engine(write_lock: AbstractContextManager[Any],
                transport: Transport | None = None) -> Any:
    """The engine factory :func:`jengine.service.app.build_service` takes."""
    return lambda service: LiveEngine(service, write_lock, transport)
