"""Capping and throttling of custom actions, per action across journeys (journey spec §4.6).

Every attempt of an action is logged in the store (``rate_log``: action, attempt key, instant,
whether it was made or only reserved),
so the sliding windows survive restarts and change in the same transaction as everything else.
A window of length D at instant t holds the attempts in (t − D, t].

* ``throttle N per D``: an attempt that would be the (N+1)-th in its window is *delayed* to the
  first instant it fits, and that slot is reserved at once (logged at the future instant), so
  later attempts queue behind it and delayed attempts keep their order. The driver turns the
  delay into a timer and calls again at that instant; the reserved slot is then used as is.
* ``capping N per D``: checked when the attempt is made (after any throttle delay); the
  (N+1)-th attempt in its window (counting attempts made, not reservations) is not made and
  not logged — the call fails with ``capped``.

:func:`throttle_slot` is the pure computation; :class:`RateLimiter` adds the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from jengine.core.instants import from_micros, to_micros
from jengine.runtime.store import Store

__all__ = ["Decision", "Rate", "RateLimiter", "throttle_slot"]


@dataclass(frozen=True)
class Rate:
    """``count`` attempts per sliding window of length ``per``."""

    count: int
    per: dt.timedelta


@dataclass(frozen=True)
class Decision:
    """``go`` (make the attempt now), ``delay`` (until ``at``) or ``capped``."""

    verdict: Literal["go", "delay", "capped"]
    at: dt.datetime


def throttle_slot(times: Sequence[dt.datetime], now: dt.datetime, rate: Rate) -> dt.datetime:
    """The first instant ≥ ``now``, and ≥ every logged attempt (order is kept), at which one
    more attempt fits: fewer than ``rate.count`` of ``times`` in (t − per, t]."""
    ordered = sorted(times)
    t = max([now, *ordered[-1:]])
    window = [a for a in ordered if a > t - rate.per]
    if len(window) < rate.count:
        return t
    # all logged times are ≤ t, so moving t right only lets the oldest ones out
    return window[-rate.count] + rate.per


class RateLimiter:
    """Sliding-window capping and throttling over the store's ``rate_log``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def decide(self, action: str, key: str, now: dt.datetime, capping: Rate | None,
               throttle: Rate | None) -> Decision:
        """Decide an attempt identified by ``key`` (unique per attempt); log it unless capped."""
        self._prune(action, now, capping, throttle)
        reserved = self._reserved(action, key)
        if throttle is not None and (reserved is None or reserved > now):
            slot = throttle_slot(self._times(action, now - throttle.per, key), now, throttle)
            if slot > now:
                self._log(action, key, slot, made=False)
                return Decision("delay", slot)
        if capping is not None and self._count(action, now, capping.per, key) >= capping.count:
            self._forget(action, key)
            return Decision("capped", now)
        self._log(action, key, now, made=True)
        return Decision("go", now)

    def _times(self, action: str, after: dt.datetime, key: str) -> list[dt.datetime]:
        rows = self.store.execute(
            "SELECT at FROM rate_log WHERE action = ? AND at > ? AND key != ? ORDER BY at",
            (action, to_micros(after), key))
        return [from_micros(r[0]) for r in rows]

    def _count(self, action: str, now: dt.datetime, per: dt.timedelta, key: str) -> int:
        row = self.store.execute(
            "SELECT count(*) FROM rate_log "
            "WHERE action = ? AND made = 1 AND at > ? AND at <= ? AND key != ?",
            (action, to_micros(now - per), to_micros(now), key)).fetchone()
        return int(row[0])

    def _reserved(self, action: str, key: str) -> dt.datetime | None:
        row = self.store.execute("SELECT at FROM rate_log WHERE action = ? AND key = ?",
                                 (action, key)).fetchone()
        return None if row is None else from_micros(row[0])

    def _log(self, action: str, key: str, at: dt.datetime, *, made: bool) -> None:
        self.store.execute("INSERT OR REPLACE INTO rate_log VALUES (?, ?, ?, ?)",
                           (action, key, to_micros(at), int(made)))

    def _forget(self, action: str, key: str) -> None:
        self.store.execute("DELETE FROM rate_log WHERE action = ? AND key = ?", (action, key))

    def _prune(self, action: str, now: dt.datetime, *rates: Rate | None) -> None:
        spans = [r.per for r in rates if r is not None]
        if spans:
            self.store.execute("DELETE FROM rate_log WHERE action = ? AND at <= ?",
                               (action, to_micros(now - max(spans))))
