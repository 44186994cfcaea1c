"""One transaction per batch of inputs (:class:`BatchTx`), and the garbage collector tuned for
the run loop (:func:`collector`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from jengine.runtime.store import Store

__all__ = ["FULL_GC_EVERY", "BatchTx", "collector"]

# Inputs between two full collections. Counted in inputs, not batches: a live run commits
# tiny batches (the service commits as soon as its inbox writer waits), and a full collection
# every few batches there stalled every acknowledgement behind it (p99 ~95 ms instead of ~6).
FULL_GC_EVERY = 100_000


@contextmanager
def collector() -> Iterator[None]:
    """Run the loop with the cyclic garbage collector tuned for it, then restore it.

    The state's entities are JSON trees (no reference cycles: reference counting frees them),
    but the profile cache holds hundreds of thousands of them, and CPython's automatic full
    collections walk every one of them again and again as entries come and go — a quarter of
    the run time at 100,000 profiles. Inside the loop the objects alive at start (the compiled
    workspace, modules) are frozen out of collections, young collections happen every 20,000
    allocations instead of 700, automatic full collections are off, and the loop collects
    fully every :data:`FULL_GC_EVERY` inputs (:meth:`BatchTx.flush`), which still frees the
    rare cycles (an exception's traceback). The settings are process-wide while a run lasts."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(20_000, 20, 1_000_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


class BatchTx:
    """One transaction per batch of inputs (no per-input savepoints: the core never raises
    and the world is written at the batch end, so an input cannot half-apply)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending = 0
        self.commits = 0
        self._since_gc = 0   # inputs committed since the last full collection
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
            self._since_gc += self.pending
            tx, self._tx, self.pending = self._tx, None, 0
            tx.__exit__(None, None, None)
            self.commits += 1
            if self._since_gc >= FULL_GC_EVERY:
                self._since_gc = 0
                gc.collect()

    def abort(self) -> None:
        if self._tx is not None:
            tx, self._tx, self.pending = self._tx, None, 0
            with suppress(RuntimeError):
                tx.__exit__(RuntimeError, RuntimeError("batch aborted"), None)
