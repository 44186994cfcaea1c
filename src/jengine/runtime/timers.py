"""The timers: the store's ``timers`` table with a bounded in-memory window in front of it.

The runner needs the next timer in (due, kind, seq) order (§4.4) before every input, and adds
and cancels timers all the time; the table may hold millions (every active instance has its
timeout). :class:`TimerQueue` keeps in memory only the *first* timers — at most about
``capacity`` of them, in a heap — and the invariant that every timer whose key
``(due, kind, seq)`` is below :attr:`TimerQueue.floor` is in memory; the others are in the table
or in the batch's pending inserts. When the memory window is used up, the next ``capacity``
timers are read from the table (by the ``timers_by_due`` index, after writing the pending
changes); when it grows past twice ``capacity`` (a read audience scheduling a timer per member),
its last half goes back to the table side and the floor moves down.

``seq`` comes from the same durable counter as :meth:`Store.add_timer` (the table's
AUTOINCREMENT sequence, which :meth:`TimerQueue.write` advances even for a timer that was added
and fired within one batch and so never reached the table). :meth:`TimerQueue.write` inserts the
new timers and deletes the fired and cancelled ones in the caller's transaction, so at every
commit the table equals what per-timer SQL would have left.
"""

from __future__ import annotations

import heapq

from jengine.core.state import Json
from jengine.runtime.store import Store, loads

__all__ = ["DEFAULT_TIMER_WINDOW", "TimerQueue", "TimerRow"]

TimerRow = tuple[int, int, int, str | None, Json]  # seq, due (µs), kind, instance, payload
Key = tuple[int, int, int]                          # due, kind, seq
DEFAULT_TIMER_WINDOW = 20_000
_LOWEST: Key = (-(2**63), -1, -1)


class TimerQueue:
    """The timers, the first ones in memory (see the module docstring)."""

    def __init__(self, store: Store, capacity: int = DEFAULT_TIMER_WINDOW) -> None:
        self.store = store
        self.capacity = max(16, capacity)
        self.heap: list[Key] = []
        self.live: dict[int, TimerRow] = {}            # the timers in memory
        self.added: dict[int, TimerRow] = {}           # not yet in the table
        self.by_instance: dict[str, set[int]] = {}     # seqs in live or added, per instance
        self.deleted: list[int] = []                   # rows of the table to delete
        self.cancelled: list[str] = []                 # instances whose rows to delete
        self.floor: Key | None = _LOWEST               # None: every timer is in memory
        self.last_seq = self.written_seq = store.timer_seq()

    def __len__(self) -> int:
        """Timers in memory (the table may hold more)."""
        return len(self.live)

    @property
    def pending(self) -> int:
        """Changes not yet written to the table."""
        return len(self.added) + len(self.deleted) + len(self.cancelled)

    def add(self, due: int, kind: int, instance: str | None, payload: Json) -> int:
        """Schedule a timer; return its ``seq``."""
        self.last_seq += 1
        seq = self.last_seq
        row = (seq, due, kind, instance, payload)
        self.added[seq] = row
        self._track(row)
        key = (due, kind, seq)
        if self.floor is None or key < self.floor:
            self.live[seq] = row
            heapq.heappush(self.heap, key)
            if len(self.live) > 2 * self.capacity:
                self._shrink()
        return seq

    def _track(self, row: TimerRow) -> None:
        if row[3] is not None:
            self.by_instance.setdefault(row[3], set()).add(row[0])

    def _untrack(self, row: TimerRow) -> None:
        instance = row[3]
        if instance is not None:
            seqs = self.by_instance.get(instance)
            if seqs is None:
                return
            seqs.discard(row[0])
            if not seqs:
                del self.by_instance[instance]

    def next_due(self) -> int | None:
        """The due time (µs) of the first timer, if any."""
        heap, live = self.heap, self.live
        while True:
            while heap and heap[0][2] not in live:
                heapq.heappop(heap)  # fired or cancelled
            if heap or self.floor is None:
                return heap[0][0] if heap else None
            self._refill()

    def pop(self, limit: int) -> TimerRow | None:
        """Remove and return the first timer if it is due at or before ``limit``."""
        due = self.next_due()
        if due is None or due > limit:
            return None
        seq = heapq.heappop(self.heap)[2]
        row = self.live.pop(seq)
        self._untrack(row)
        if self.added.pop(seq, None) is None:
            self.deleted.append(seq)
        return row

    def take(self, seq: int) -> TimerRow | None:
        """Remove one timer of the memory window by its ``seq`` (it is then processed as if
        popped); None when it is not in memory."""
        row = self.live.pop(seq, None)
        if row is not None:
            self._untrack(row)
            if self.added.pop(seq, None) is None:
                self.deleted.append(seq)
        return row

    def keep(self, row: TimerRow) -> None:
        """Keep a popped timer in the table until :meth:`release` (a message send that must
        not be lost if the process dies while it is in flight: the timer fires again after a
        restart, at its place)."""
        seq = row[0]
        if seq in self.deleted:
            self.deleted.remove(seq)
        else:
            self.added[seq] = row

    def release(self, seq: int) -> None:
        """Delete a kept timer (in the next write)."""
        self.added.pop(seq, None)
        self.deleted.append(seq)

    def cancel(self, instance: str) -> None:
        """Delete every timer of an instance (it ended)."""
        for seq in self.by_instance.pop(instance, ()):
            self.live.pop(seq, None)
            self.added.pop(seq, None)
        self.cancelled.append(instance)
        if len(self.heap) > 1024 and len(self.heap) > 4 * len(self.live):
            self.heap = [(r[1], r[2], r[0]) for r in self.live.values()]
            heapq.heapify(self.heap)

    def _shrink(self) -> None:
        """Keep the first ``capacity`` timers in memory; the rest go to the table side."""
        keys = sorted(k for k in self.heap if k[2] in self.live)
        for key in keys[self.capacity:]:
            row = self.live.pop(key[2])
            if key[2] not in self.added:
                self._untrack(row)
        self.floor = keys[self.capacity] if len(keys) > self.capacity else self.floor
        self.heap = keys[:self.capacity]

    def _refill(self) -> None:
        """Read the next ``capacity`` timers from the table (memory holds none)."""
        assert self.floor is not None
        self.write(self.store)
        rows = self.store.execute(
            "SELECT seq, due, kind, instance, payload FROM timers "
            "WHERE (due, kind, seq) >= (?, ?, ?) ORDER BY due, kind, seq LIMIT ?",
            (*self.floor, self.capacity + 1)).fetchall()
        self.floor = None
        if len(rows) > self.capacity:
            seq, due, kind = rows[self.capacity][:3]
            self.floor = (due, kind, seq)
            del rows[self.capacity:]
        for seq, due, kind, instance, payload in rows:
            row = (seq, due, kind, instance, loads(payload))
            self.live[seq] = row
            self._track(row)
            self.heap.append((due, kind, seq))
        heapq.heapify(self.heap)

    def write(self, store: Store) -> None:
        """Mirror the changes since the last write to the table (in the caller's transaction):
        the cancelled instances' rows go first (a pending timer of one was dropped from
        ``added`` when it was cancelled), then the fired rows, then the new timers."""
        if self.cancelled:
            store.conn.executemany("DELETE FROM timers WHERE instance = ?",
                                   [(i,) for i in self.cancelled])
            self.cancelled.clear()
        if self.deleted:
            store.delete_timers(self.deleted)
            self.deleted.clear()
        if self.added:
            store.insert_timers(self.added.values())
            for seq, row in self.added.items():
                if seq not in self.live:
                    self._untrack(row)
            self.added.clear()
        if self.last_seq != self.written_seq:
            store.set_timer_seq(self.last_seq)
            self.written_seq = self.last_seq

