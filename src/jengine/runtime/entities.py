"""The store's side of the per-profile entities: reading one profile's entry, writing what
changed, and walking the groups of a fan-out (schema version 3 indexes).

A profile's *entry* is everything one input about that profile may touch, as a
:class:`~jengine.core.state.State` slice: the profile (absent when none is stored), its active
instances (one per journey at most) and its re-entrance memory per journey. :func:`load_entry`
reads it with one statement over three indexes. Profiles are written
column by column: :func:`write_profiles` inserts new ones whole and, for stored ones, updates
only the columns whose value changed (a reaction rewrites ``events``, an ``@audience`` line
``audiences``; nothing re-encodes the attributes). :func:`member_page` and
:func:`active_page` read a fan-out group a page at a time (keyset pagination: each page starts
after the last key of the previous one, so writes made meanwhile to earlier keys do not shift
it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from jengine.core.state import Json, State, pair
from jengine.runtime.migrations import upgrade_state
from jengine.runtime.store import loads, pack

__all__ = ["COLUMNS", "Rows", "active_page", "decode_entry", "entry_rows", "journey_page",
           "load_entry", "member_page", "profile_row", "set_members", "write_profiles"]

#: profile JSON key → (column, encoder)
COLUMNS: dict[str, tuple[str, Any]] = {
    "namespace": ("namespace", None), "timeZone": ("time_zone", None), "test": ("test", int),
    "attributes": ("attributes", pack), "audiences": ("audiences", pack),
    "events": ("events", pack),
}
_EMPTY: dict[str, Any] = {"attributes": {}, "audiences": {}, "events": []}


_ENTRY_SQL = (
    "SELECT 0, namespace, time_zone, test, attributes, audiences, events FROM profiles "
    "WHERE id = ?1 "
    "UNION ALL SELECT 1, journey, format_version, state, NULL, NULL, NULL FROM instances "
    "WHERE profile = ?1 AND active = 1 "
    "UNION ALL SELECT 2, journey, instances, last_entry, last_end, last_read, NULL "
    "FROM reentrance "
    "WHERE profile = ?1")


Rows = list[tuple[Any, ...]]


def entry_rows(conn: sqlite3.Connection, pid: str) -> Rows:
    """A profile's entry as stored: the rows of one statement over three indexes (what
    :func:`decode_entry` turns into the slice; the world keeps them as its compact tier)."""
    return conn.execute(_ENTRY_SQL, (pid,)).fetchall()


def decode_entry(pid: str, rows: Rows) -> State:
    """The :class:`~jengine.core.state.State` slice of a profile's stored rows (``counters``
    is left empty: the world's are shared by every slice). Every call builds new objects."""
    entry = State()
    for part, a, b, c, d, e, f in rows:
        if part == 0:
            entry.profiles[pid] = {"id": pid, "namespace": a, "timeZone": b, "test": bool(c),
                                   "attributes": loads(d), "audiences": loads(e),
                                   "events": loads(f)}
        elif part == 1:
            inst = upgrade_state(loads(c), b)
            entry.instances[inst["uid"]] = inst
            entry.active[pair(a, pid)] = inst["uid"]
        else:
            memory = {"instances": b, "lastEntry": c, "lastEnd": d}
            if e is not None:
                memory["lastRead"] = e
            entry.reentrance[pair(a, pid)] = memory
    return entry


def load_entry(conn: sqlite3.Connection, pid: str) -> State:
    """Read a profile's entry — the profile's slice of the state — with one statement over
    three indexes (``counters`` is left empty: the world's are shared by every slice)."""
    return decode_entry(pid, entry_rows(conn, pid))


def profile_row(p: Json) -> tuple[Any, ...]:
    """The ``profiles`` row of a profile JSON (see :data:`COLUMNS`)."""
    audiences, events = p.get("audiences"), p.get("events")
    return (p["id"], p.get("namespace"), p.get("timeZone"), int(bool(p.get("test"))),
            pack(p.get("attributes") or {}), pack(audiences) if audiences else "{}",
            pack(events) if events else "[]")


def write_profiles(conn: sqlite3.Connection,
                   changes: Iterable[tuple[Json, Json | None]]) -> None:
    """Write profiles as ``(new, stored)`` pairs: a new profile (``stored`` None) is inserted
    whole; a stored one gets an UPDATE of the columns whose value differs."""
    inserts: list[tuple[Any, ...]] = []
    updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for new, stored in changes:
        if stored is None:
            inserts.append(profile_row(new))
            continue
        keys = tuple(k for k in COLUMNS if not _same(new.get(k), stored.get(k)))
        if keys:
            updates.setdefault(keys, []).append(
                (*(_encode(k, new.get(k)) for k in keys), new["id"]))
    if inserts:
        conn.executemany("INSERT OR REPLACE INTO profiles VALUES (?, ?, ?, ?, ?, ?, ?)",
                         inserts)
    for keys, rows in updates.items():
        sets = ", ".join(f"{COLUMNS[k][0]} = ?" for k in keys)
        conn.executemany(f"UPDATE profiles SET {sets} WHERE id = ?", rows)


def _same(a: Any, b: Any) -> bool:
    return a is b or a == b


def _encode(key: str, value: Any) -> Any:
    encoder = COLUMNS[key][1]
    if value is None and key in _EMPTY:
        value = _EMPTY[key]
    return value if encoder is None else encoder(value)


def member_page(conn: sqlite3.Connection, audience: str, rule: bool, after: str,
                limit: int) -> list[str]:
    """Up to ``limit`` members of an audience with a profile id above ``after``, in order."""
    rows = conn.execute(
        "SELECT profile FROM audience_members WHERE audience = ? AND rule = ? AND profile > ? "
        "ORDER BY profile LIMIT ?", (audience, int(rule), after, limit))
    return [r[0] for r in rows]


def active_page(conn: sqlite3.Connection, journey: str, version: int, after: str,
                limit: int) -> list[tuple[str, str]]:
    """Up to ``limit`` (uid, profile) of a version's active instances above uid ``after``."""
    rows = conn.execute(
        "SELECT uid, profile FROM instances WHERE journey = ? AND version = ? AND active = 1 "
        "AND uid > ? ORDER BY uid LIMIT ?", (journey, version, after, limit))
    return [(u, p) for u, p in rows]


def journey_page(conn: sqlite3.Connection, journey: str, after: str, limit: int) -> list[str]:
    """Up to ``limit`` profiles with an active instance of the journey (any version), above
    ``after``, in profile order."""
    rows = conn.execute(
        "SELECT profile FROM instances WHERE journey = ? AND active = 1 AND profile > ? "
        "ORDER BY profile LIMIT ?", (journey, after, limit))
    return [r[0] for r in rows]


def set_members(conn: sqlite3.Connection, add: Sequence[tuple[str, int, str]],
                remove: Sequence[tuple[str, int, str]]) -> None:
    """Insert and delete ``(audience, rule, profile)`` rows of the membership index."""
    if remove:
        conn.executemany("DELETE FROM audience_members WHERE audience = ? AND rule = ? "
                         "AND profile = ?", remove)
    if add:
        conn.executemany("INSERT OR IGNORE INTO audience_members VALUES (?, ?, ?)", add)
