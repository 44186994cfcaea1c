"""The inbox as an input source of the live driver (``jengine serve``; store schema 3).

A service commits each acknowledged input as a row of the store's ``inbox`` table (``seq``,
the line, the microsecond it was committed). :class:`InboxSource` hands the rows after the
driver's committed offset to the run loop as :class:`~jengine.runtime.io.SourceLine` s whose
line number and byte offset are the row's ``seq`` and whose ``arrival`` is its commit time, so
the offset the driver commits with each batch (source :data:`INBOX`) says exactly which rows
are processed: after a crash the loop resumes at the first unprocessed row — nothing
acknowledged is lost, nothing is processed twice (§4.6).

When no row is waiting the source calls the driver's ``stop()`` (which fires the due timers
and commits the batch) and sleeps until :meth:`InboxSource.wake` is called (the service does
after each commit) or ``poll`` seconds pass (the timers' granularity); woken, it lingers
``linger`` seconds so that the inputs arriving meanwhile share one batch (its commit and export
cost the same for one input or fifty: this is what keeps the engine's share of the CPU small at
a steady rate, at the price of ``linger`` more processing latency). While rows keep coming
it also calls ``stop()`` (its answer is only taken when the inbox is empty) after
``commit_every`` seconds, and as soon as ``contended()`` says another writer waits for the
store's write lock: a batch holds that lock, and the service's inbox writer needs it to
acknowledge the next requests — so acknowledgements wait for one input's processing, not for
a whole batch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Final

from jengine.runtime.io import SourceLine
from jengine.runtime.records import InputOffset
from jengine.runtime.store import Store

__all__ = ["INBOX", "InboxSource"]

INBOX: Final = "inbox"
READ_AHEAD = 1000


class InboxSource:
    """The ``inbox`` table as the live driver's input (see the module docstring)."""

    name = INBOX

    def __init__(self, poll: float = 0.05, commit_every: float = 0.05,
                 linger: float = 0.01, contended: Callable[[], bool] = lambda: False) -> None:
        self.poll, self.commit_every, self.linger = poll, commit_every, linger
        self.contended = contended
        self._wake = threading.Event()

    def wake(self) -> None:
        """New rows were committed (or the service is stopping): look again now."""
        self._wake.set()

    def lines(self, store: Store, offset: InputOffset,
              stop: Callable[[], bool]) -> Iterator[SourceLine]:
        """The rows after ``offset`` in ``seq`` order, waiting for more until ``stop()``."""
        after = offset.line
        since = time.monotonic()
        while True:
            self._wake.clear()
            rows = store.execute(
                "SELECT seq, line, received FROM inbox WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, READ_AHEAD)).fetchall()
            for seq, line, received in rows:
                yield SourceLine(seq, line, seq, arrival=received)
                after = seq
                if self.contended() or time.monotonic() - since > self.commit_every:
                    stop()   # commit now: the batch holds the store's write lock
                    since = time.monotonic()
            if rows:
                continue
            if stop():
                return
            since = time.monotonic()
            if self._wake.wait(self.poll) and self.linger:
                time.sleep(self.linger)   # let a few more arrive: one commit for all of them
