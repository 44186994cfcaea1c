"""One transaction per batch of inputs: :class:`BatchTx` (the run loop's commits)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from jengine.runtime.store import Store

__all__ = ["BatchTx"]


class BatchTx:
    """One transaction per batch of inputs (no per-input savepoints: the core never raises
    and the world is written at the batch end, so an input cannot half-apply)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending = 0
        self._tx: Any = None

    def begin(self) -> None:
        """Open the batch's transaction if needed (then process one input and count it in
        ``pending``; an exception propagates and the run aborts the batch)."""
        if self._tx is None:
            self._tx = self.store.transaction()
            self._tx.__enter__()

    @contextmanager
    def item(self) -> Iterator[None]:
        self.begin()
        yield
        self.pending += 1

    def flush(self) -> None:
        if self._tx is not None:
            tx, self._tx, self.pending = self._tx, None, 0
            tx.__exit__(None, None, None)

    def abort(self) -> None:
        if self._tx is not None:
            tx, self._tx, self.pending = self._tx, None, 0
            with suppress(RuntimeError):
                tx.__exit__(RuntimeError, RuntimeError("batch aborted"), None)
