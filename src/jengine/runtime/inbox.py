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
after each commit) or ``poll`` seconds pass (the timers' granularity).
"""

from __future__ import annotations

import threading
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

    def __init__(self, poll: float = 0.05) -> None:
        self.poll = poll
        self._wake = threading.Event()

    def wake(self) -> None:
        """New rows were committed (or the service is stopping): look again now."""
        self._wake.set()

    def lines(self, store: Store, offset: InputOffset,
              stop: Callable[[], bool]) -> Iterator[SourceLine]:
        """The rows after ``offset`` in ``seq`` order, waiting for more until ``stop()``."""
        after = offset.line
        while True:
            self._wake.clear()
            rows = store.execute(
                "SELECT seq, line, received FROM inbox WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, READ_AHEAD)).fetchall()
            for seq, line, received in rows:
                yield SourceLine(seq, line, seq, arrival=received)
                after = seq
            if rows:
                continue
            if stop():
                return
            self._wake.wait(self.poll)
