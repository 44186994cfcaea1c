"""The ingestion side of the inbox: acknowledged means committed (group commit).

Requests hand their items to :meth:`InboxWriter.submit` and wait; one writer thread, with its
own SQLite connection to the state store, drains every request queued so far, stores them in
one transaction (``inbox`` rows; ``inbox_keys`` for the idempotency keys, so a repeated key is
accepted and not stored again), commits, and only then answers each request. Grouping keeps
the commit rate bounded whatever the request rate, and keeps SQLite's work off the event loop.

Back-pressure: when the rows stored but not yet processed would pass ``capacity``, the request
is refused with :class:`InboxFull` (the API answers 429 with ``Retry-After``); nothing of it is
stored. The engine's progress is read from the store (the committed offset of source
``inbox``), so the writer needs nothing from the engine but the ``wake`` callback it calls after
each commit.

Housekeeping, in the writer thread, once a second, in a short transaction: the rows the
engine's offset has passed are deleted, keys older than the dedup retention are forgotten. A
thread of its own checkpoints the WAL (:meth:`InboxWriter._checkpoint`).

Writers share ``write_lock`` (a :class:`FairLock`) with the engine's store connection, so the
two hand the SQLite write lock to each other at once, in turn, instead of through SQLite's
busy-wait sleeps.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jengine.service.native import Item

__all__ = ["INBOX_SOURCE", "Accepted", "FairLock", "InboxFull", "InboxWriter", "StoreUnavailable"]

INBOX_SOURCE = "inbox"
MAX_GROUP = 4096          # requests per transaction
HOUSEKEEPING_S = 1.0
CHECKPOINT_S = 1.0


class InboxFull(Exception):
    """The inbox holds ``capacity`` unprocessed rows: retry later."""


class StoreUnavailable(Exception):
    """The store could not commit (disk full, I/O error): retry later."""


@dataclass(frozen=True)
class Accepted:
    """What a request stored: the ``seq`` of each new row, and how many were duplicates."""

    seqs: tuple[int, ...]
    duplicates: int

    @property
    def last(self) -> int:
        return self.seqs[-1] if self.seqs else 0


@dataclass
class _Request:
    items: Sequence[Item]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Accepted]


def now_us() -> int:
    return time.time_ns() // 1000


class FairLock:
    """A first-come first-served lock (a ticket lock).

    The engine commits a batch, releases the store's write lock and at once takes it again for
    the next batch; with :class:`threading.Lock` (no fairness) the inbox writer waiting for it
    can lose that race again and again — acknowledgements then stall for as long as inputs
    keep coming. Here the waiting writer is served first."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._next = 0
        self._serving = 0

    def __enter__(self) -> FairLock:
        with self._cond:
            ticket = self._next
            self._next += 1
            while ticket != self._serving:
                self._cond.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()

    def contended(self) -> bool:
        """Whether someone waits for the lock (the holder should let go soon)."""
        return self._next - self._serving > 1


class InboxWriter:
    """The group-commit writer thread (see the module docstring)."""

    def __init__(self, path: str | Path, *, capacity: int, dedup_ms: int,
                 synchronous: str = "NORMAL", wake: Callable[[], None] = lambda: None,
                 write_lock: AbstractContextManager[Any] | None = None,
                 on_commit: Callable[[int, float], None] | None = None) -> None:
        self.path, self.capacity, self.dedup_ms = str(path), capacity, dedup_ms
        self.wake, self.on_commit = wake, on_commit
        self.lock: AbstractContextManager[Any] = write_lock or nullcontext()
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                    timeout=30.0)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute(f"PRAGMA synchronous = {synchronous}")
        self.conn.execute("PRAGMA wal_autocheckpoint = 0")   # checkpoints: _housekeep
        self.queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self.last_seq = self._max_seq()
        self.processed = self._processed()
        self._housekept = 0.0
        self._thread = threading.Thread(target=self._run, name="inbox-writer", daemon=True)
        self._thread.start()
        self._closing = threading.Event()
        self._checkpoints = threading.Thread(target=self._checkpoint, name="checkpoints",
                                             daemon=True)
        self._checkpoints.start()

    # -- the API side --------------------------------------------------------------------------

    async def submit(self, items: Sequence[Item]) -> Accepted:
        """Store ``items`` (all or none); return once committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Accepted] = loop.create_future()
        self.queue.put(_Request(items, loop, future))
        return await future

    @property
    def depth(self) -> int:
        """Rows stored and not yet processed (as of the last commit)."""
        return max(0, self.last_seq - self.processed)

    @property
    def alive(self) -> bool:
        """Whether the writer thread runs."""
        return self._thread.is_alive()

    def close(self) -> None:
        """Finish the queued requests, then stop the threads and close the connection."""
        if self._thread.is_alive():
            self.queue.put(None)
            self._thread.join()
        self._closing.set()
        self._checkpoints.join()
        self.conn.close()

    def _checkpoint(self) -> None:
        """A passive WAL checkpoint a second, on a connection of its own: it never blocks a
        writer, and no commit pays for copying the WAL back (and its fsync) while the
        acknowledgements wait (the service's connections do not checkpoint on commit)."""
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        try:
            while not self._closing.wait(CHECKPOINT_S):
                with suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()

    # -- the writer thread -------------------------------------------------------------------

    def _max_seq(self) -> int:
        row = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'inbox'").fetchone()
        return int(row[0]) if row else 0

    def _processed(self) -> int:
        row = self.conn.execute("SELECT line FROM input_offsets WHERE source = ?",
                                (INBOX_SOURCE,)).fetchone()
        return int(row[0]) if row else 0

    def _run(self) -> None:
        while True:
            first = self.queue.get()
            if first is None:
                return
            group = [first]
            stop = False
            while len(group) < MAX_GROUP:
                try:
                    nxt = self.queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                group.append(nxt)
            self._commit(group)
            self._housekeep()
            if stop:
                return

    def _commit(self, group: list[_Request]) -> None:
        started = time.perf_counter()
        results: list[Accepted | BaseException] = []
        try:
            with self.lock:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    self.processed = self._processed()
                    received = now_us()
                    results = [self._store(r.items, received) for r in group]
                    self.conn.execute("COMMIT")
                except BaseException:
                    self.conn.execute("ROLLBACK")
                    raise
        except sqlite3.Error as e:
            self.last_seq = self._max_seq()
            results = [StoreUnavailable(str(e)) for _ in group]
        if any(isinstance(r, Accepted) and r.seqs for r in results):
            self.wake()
        if self.on_commit is not None:
            stored = sum(len(r.seqs) for r in results if isinstance(r, Accepted))
            self.on_commit(stored, time.perf_counter() - started)
        for request, result in zip(group, results, strict=True):
            request.loop.call_soon_threadsafe(_resolve, request.future, result)

    def _store(self, items: Sequence[Item], received: int) -> Accepted | BaseException:
        if self.last_seq - self.processed + len(items) > self.capacity:
            return InboxFull(f"the inbox holds {self.last_seq - self.processed} unprocessed "
                             "inputs")
        self.conn.execute("SAVEPOINT request")
        seqs: list[int] = []
        duplicates = 0
        execute = self.conn.execute
        for item in items:
            key = item.key
            if key is not None and execute("SELECT 1 FROM inbox_keys WHERE key = ?",
                                           (key,)).fetchone() is not None:
                duplicates += 1
                continue
            cur = execute("INSERT INTO inbox (line, received) VALUES (?, ?)",
                          (item.line, received))
            seq = int(cur.lastrowid or 0)
            if key is not None:
                execute("INSERT INTO inbox_keys VALUES (?, ?, ?)", (key, seq, received))
            seqs.append(seq)
        execute("RELEASE request")
        if seqs:
            self.last_seq = max(self.last_seq, seqs[-1])
        return Accepted(tuple(seqs), duplicates)

    def _housekeep(self) -> None:
        now = time.monotonic()
        if now - self._housekept < HOUSEKEEPING_S:
            return
        self._housekept = now
        try:
            with self.lock:
                self.conn.execute("BEGIN IMMEDIATE")
                processed = self._processed()
                self.conn.execute("DELETE FROM inbox WHERE seq <= ?", (processed,))
                self.conn.execute("DELETE FROM inbox_keys WHERE received < ?",
                                  (now_us() - self.dedup_ms * 1000,))
                self.conn.execute("COMMIT")
        except sqlite3.Error:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")


def _resolve(future: asyncio.Future[Accepted], result: Accepted | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)
