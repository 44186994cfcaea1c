"""The durable state store: one SQLite file in WAL mode (journey spec §4.5, §4.6).

Everything the engine must not lose or repeat lives here and changes in one transaction per
processed input or timer (or per batch of them): instances, timers, re-entrance memory,
counters, profiles, journey versions, recorded effects, the HTTP rate log, the input offset and
the *output rows* — every outbox, journal and dead-letter line, appended with a global sequence
number. The JSONL files are exported from those rows only after the commit
(:mod:`jengine.runtime.export`), so a SIGKILL at any point neither loses nor duplicates a line.

Transactions: :meth:`Store.transaction` opens ``BEGIN IMMEDIATE`` at the outermost level and a
``SAVEPOINT`` when nested, so a driver can wrap N inputs in one commit (throughput; the
runner's :class:`jengine.runtime.batch.BatchTx`) while a nested step still rolls back alone on
an exception. Callbacks registered with
:meth:`Store.on_commit` run after each outermost commit. A write outside any transaction
autocommits by itself; the driver should always use one.

Several connections in one process (the service's inbox writer and its engine) may share a
``write_lock``: the outermost transaction holds it, so the writers hand SQLite's write lock to
each other at once rather than through SQLite's busy-wait sleeps.

Durability: WAL with ``synchronous = NORMAL`` (the default). Every commit is atomic and a
process crash (SIGKILL) loses nothing committed; a power loss or OS crash may lose the last
commits, but never part of one (the WAL is synced at checkpoints, not at each commit), so the
store always holds a consistent prefix of the run that a restart continues exactly once.
``Store(path, synchronous="FULL")`` also makes each commit durable against power loss.

Tuning: a 32 MiB page cache (the run loop reads profile entries by index on cache misses) and a
WAL checkpoint every ~16 MiB (fewer, larger checkpoints write a page modified many times once).

Schema: ``PRAGMA user_version`` with forward migrations (:mod:`jengine.runtime.migrations`), applied
when the file is opened. Times are stored as integer microseconds since the epoch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, cast

from jengine.core.instants import from_micros, to_micros
from jengine.runtime.jsontext import dumps, loads, pack
from jengine.runtime.migrations import (
    SCHEMA_MIGRATIONS,
    Migration,
    refuse_foreign,
    schema_version,
    upgrade_schema,
    upgrade_state,
)
from jengine.runtime.records import (
    Counter,
    Effect,
    InputOffset,
    InstanceRecord,
    Json,
    OutputRow,
    Profile,
    Reentrance,
    Stream,
    Timer,
    TimerKind,
    VersionRecord,
)

__all__ = ["PAGE_CACHE_KIB", "WAL_CHECKPOINT_PAGES", "Store", "dumps", "loads", "pack"]

PAGE_CACHE_KIB = 32 * 1024      # SQLite's page cache (the default is 2 MiB)
WAL_CHECKPOINT_PAGES = 4000     # checkpoint the WAL at ~16 MiB (the default is ~4 MiB)

_PUT_ACTIVE = ("INSERT INTO instances VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO UPDATE "
               "SET format_version = excluded.format_version, state = excluded.state")
_PUT_ENDED = ("INSERT INTO instances VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO UPDATE "
              "SET active = excluded.active, format_version = excluded.format_version, "
              "state = excluded.state")


def _opt_micros(t: Any) -> int | None:
    return None if t is None else to_micros(t)


def _opt_time(us: int | None) -> Any:
    return None if us is None else from_micros(us)


class Store:
    """A connection to one store file, migrated to the current schema on open."""

    def __init__(self, path: str | Path, *, synchronous: str = "NORMAL",
                 migrations: tuple[Migration, ...] = SCHEMA_MIGRATIONS,
                 write_lock: AbstractContextManager[Any] | None = None) -> None:
        self.path = str(path)
        self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        refuse_foreign(self.conn, migrations)   # closes the connection when it refuses
        self._lock = write_lock
        self._depth = 0
        self._on_commit: list[Callable[[], None]] = []
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute(f"PRAGMA synchronous = {synchronous}")
        self.conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
        self.conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        self.conn.execute("PRAGMA foreign_keys = ON")
        with self.transaction():
            upgrade_schema(self.conn, migrations)

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return schema_version(self.conn)

    # -- transactions --------------------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` after every outermost commit (e.g. the output exporter)."""
        self._on_commit.append(callback)

    @contextmanager
    def transaction(self, notify: bool = True) -> Iterator[None]:
        """All-or-nothing: commit on normal exit, roll back (and re-raise) on an exception.
        ``notify=False``: no :meth:`on_commit` callback runs after this commit (the exporter
        records its progress so, from its own callback)."""
        savepoint = f"sp{self._depth}"
        outer = self._depth == 0
        if outer and self._lock is not None:
            self._lock.__enter__()
        try:
            self.conn.execute("BEGIN IMMEDIATE" if outer else f"SAVEPOINT {savepoint}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                self._rollback(savepoint)
                raise
            self._depth -= 1
            if not outer:
                self.conn.execute(f"RELEASE {savepoint}")
                return
            self.conn.execute("COMMIT")
        finally:
            if outer and self._lock is not None:
                self._lock.__exit__(None, None, None)
        for callback in self._on_commit if notify else ():
            callback()

    def _rollback(self, savepoint: str) -> None:
        if self._depth == 0:
            self.conn.execute("ROLLBACK")
        else:
            self.conn.execute(f"ROLLBACK TO {savepoint}")
            self.conn.execute(f"RELEASE {savepoint}")

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """Run one statement (for adapters that keep their own SQL on the store's tables)."""
        return self.conn.execute(sql, params)

    # -- durable sequences ---------------------------------------------------------------------

    def next_seq(self, name: str) -> int:
        """1, 2, 3 … per ``name``, durable and transactional (timer seq, event seq …)."""
        row = self.conn.execute(
            "INSERT INTO meta (name, value) VALUES (?, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value", (name,),
        ).fetchone()
        return int(row[0])

    def get_seq(self, name: str) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return 0 if row is None else int(row[0])

    # -- versions ------------------------------------------------------------------------------

    def put_version(self, v: VersionRecord) -> None:
        """Insert or replace a stored version; opening one closes the journey's others."""
        if v.is_open:
            self.conn.execute("UPDATE versions SET is_open = 0 WHERE journey = ?", (v.journey,))
        self.conn.execute(
            "INSERT OR REPLACE INTO versions VALUES (?, ?, ?, ?, ?)",
            (v.journey, v.version, v.source, v.hash, int(v.is_open)))

    def close_versions(self, journey: str) -> None:
        """Close every version of a journey to new entries (a journey removed from the files)."""
        self.conn.execute("UPDATE versions SET is_open = 0 WHERE journey = ?", (journey,))

    def versions(self, journey: str | None = None) -> list[VersionRecord]:
        sql = "SELECT * FROM versions"
        rows = (self.conn.execute(sql + " WHERE journey = ? ORDER BY version", (journey,))
                if journey is not None else self.conn.execute(sql + " ORDER BY journey, version"))
        return [VersionRecord(j, v, s, h, bool(o)) for j, v, s, h, o in rows]

    def get_version(self, journey: str, version: int) -> VersionRecord | None:
        return next((v for v in self.versions(journey) if v.version == version), None)

    # -- instances -----------------------------------------------------------------------------

    def put_instance(self, inst: InstanceRecord) -> None:
        """Insert or update an instance (a second active one for the same journey and profile
        violates a unique index: ``sqlite3.IntegrityError``)."""
        self.conn.execute(
            "INSERT INTO instances VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO UPDATE SET "
            "journey = excluded.journey, version = excluded.version, profile = excluded.profile, "
            "active = excluded.active, format_version = excluded.format_version, "
            "state = excluded.state",
            (inst.uid, inst.journey, inst.version, inst.profile, int(inst.active),
             inst.format_version, pack(inst.state)))

    def put_instances(self, records: Iterable[InstanceRecord]) -> None:
        """:meth:`put_instance` for many records, in order (one ``executemany`` per run of
        records with the same ``active``). A record's ``uid`` names its journey, version and
        profile, and an instance never becomes active again once ended, so a stored row
        keeps those columns: an active record rewrites only its state (no index changes —
        the indexes of ``instances`` are on those columns and ``active``), an ended one also
        ``active`` (it leaves the partial indexes)."""
        run: list[tuple[Any, ...]] = []
        active: bool | None = None
        for inst in records:
            if bool(inst.active) != active and run:
                self._put_run(bool(active), run)
                run = []
            active = bool(inst.active)
            run.append((inst.uid, inst.journey, inst.version, inst.profile, int(inst.active),
                        inst.format_version, pack(inst.state)))
        if run:
            self._put_run(bool(active), run)

    def _put_run(self, active: bool, rows: list[tuple[Any, ...]]) -> None:
        self.conn.executemany(_PUT_ACTIVE if active else _PUT_ENDED, rows)

    def active_instance_records(self) -> list[InstanceRecord]:
        """Every active instance (the runner's world at start), in uid order."""
        rows = self.conn.execute("SELECT * FROM instances WHERE active = 1 ORDER BY uid")
        return [self._instance(r) for r in rows]

    def get_instance(self, uid: str) -> InstanceRecord | None:
        row = self.conn.execute("SELECT * FROM instances WHERE uid = ?", (uid,)).fetchone()
        return None if row is None else self._instance(row)

    def active_instance(self, journey: str, profile: str) -> InstanceRecord | None:
        row = self.conn.execute(
            "SELECT * FROM instances WHERE journey = ? AND profile = ? AND active = 1",
            (journey, profile)).fetchone()
        return None if row is None else self._instance(row)

    def active_instances(self, journey: str) -> list[InstanceRecord]:
        """The active instances of a journey, in profile order (window end, business events)."""
        rows = self.conn.execute(
            "SELECT * FROM instances WHERE journey = ? AND active = 1 ORDER BY profile",
            (journey,))
        return [self._instance(r) for r in rows]

    @staticmethod
    def _instance(row: tuple[Any, ...]) -> InstanceRecord:
        uid, journey, version, profile, active, fmt, state = row
        migrated = upgrade_state(loads(state), fmt)
        return InstanceRecord(uid, journey, version, profile, bool(active), migrated)

    # -- timers --------------------------------------------------------------------------------

    def add_timer(self, due: Any, kind: TimerKind, instance: str | None,
                  payload: Json) -> Timer:
        """Schedule a timer; its ``seq`` is the next value of a durable counter (§4.4)."""
        cur = self.conn.execute(
            "INSERT INTO timers (due, kind, instance, payload) VALUES (?, ?, ?, ?)",
            (to_micros(due), int(kind), instance, pack(payload)))
        return Timer(due, kind, cast(int, cur.lastrowid), instance, payload)

    def next_timer(self, until: Any = None) -> Timer | None:
        """The first timer in (due, kind, seq) order, if due at or before ``until`` (if given)."""
        sql = "SELECT seq, due, kind, instance, payload FROM timers"
        params: tuple[Any, ...] = ()
        if until is not None:
            sql, params = sql + " WHERE due <= ?", (to_micros(until),)
        row = self.conn.execute(sql + " ORDER BY due, kind, seq LIMIT 1", params).fetchone()
        if row is None:
            return None
        seq, due, kind, instance, payload = row
        return Timer(from_micros(due), TimerKind(kind), seq, instance, loads(payload))

    def delete_timer(self, seq: int) -> None:
        self.conn.execute("DELETE FROM timers WHERE seq = ?", (seq,))

    def delete_instance_timers(self, instance: str) -> None:
        """Cancel every timer of an instance (it ended)."""
        self.conn.execute("DELETE FROM timers WHERE instance = ?", (instance,))

    def timer_rows(self) -> list[tuple[int, int, int, str | None, Json]]:
        """Every timer as ``(seq, due µs, kind, instance, payload)`` in (due, kind, seq) order
        (the runner's in-memory timer queue is loaded from these)."""
        rows = self.conn.execute(
            "SELECT seq, due, kind, instance, payload FROM timers ORDER BY due, kind, seq")
        return [(s, d, k, i, loads(p)) for s, d, k, i, p in rows]

    def insert_timers(self, rows: Iterable[tuple[int, int, int, str | None, Json]]) -> None:
        """Insert timers whose ``seq`` the caller allocated (``(seq, due µs, kind, instance,
        payload)``); pair with :meth:`set_timer_seq` so the counter stays durable."""
        self.conn.executemany(
            "INSERT INTO timers (seq, due, kind, instance, payload) VALUES (?, ?, ?, ?, ?)",
            [(seq, due, kind, inst, pack(payload)) for seq, due, kind, inst, payload in rows])

    def delete_timers(self, seqs: Iterable[int]) -> None:
        self.conn.executemany("DELETE FROM timers WHERE seq = ?", [(s,) for s in seqs])

    def set_timer_seq(self, seq: int) -> None:
        """Record ``seq`` as handed out (never handed out again), even if no row kept it."""
        if self.conn.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = "
                             "'timers'", (seq,)).rowcount == 0:
            self.conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('timers', ?)",
                              (seq,))

    def timers(self) -> list[Timer]:
        rows = self.conn.execute(
            "SELECT seq, due, kind, instance, payload FROM timers ORDER BY due, kind, seq")
        return [Timer(from_micros(d), TimerKind(k), s, i, loads(p)) for s, d, k, i, p in rows]

    def timer_seq(self) -> int:
        """The last timer ``seq`` handed out (0 if none)."""
        row = self.conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'timers'").fetchone()
        return 0 if row is None else int(row[0])

    # -- re-entrance memory --------------------------------------------------------------------

    def get_reentrance(self, journey: str, profile: str) -> Reentrance:
        row = self.conn.execute(
            "SELECT instances, last_entry, last_end FROM reentrance "
            "WHERE journey = ? AND profile = ?", (journey, profile)).fetchone()
        if row is None:
            return Reentrance(journey, profile)
        return Reentrance(journey, profile, row[0], _opt_time(row[1]), _opt_time(row[2]))

    def put_reentrance(self, r: Reentrance) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO reentrance (journey, profile, instances, last_entry, last_end) "
            "VALUES (?, ?, ?, ?, ?)",
            (r.journey, r.profile, r.instances, _opt_micros(r.last_entry),
             _opt_micros(r.last_end)))

    def put_reentrances(self, rows: Iterable[Reentrance]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO reentrance (journey, profile, instances, last_entry, last_end) "
            "VALUES (?, ?, ?, ?, ?)",
            [(r.journey, r.profile, r.instances, _opt_micros(r.last_entry),
              _opt_micros(r.last_end)) for r in rows])

    # -- counters ------------------------------------------------------------------------------

    def add_counter(self, kind: str, journey: str, version: int, step: str, name: str,
                    by: int = 1) -> int:
        """Add ``by`` to a counter (created at 0); return the new value."""
        row = self.conn.execute(
            "INSERT INTO counters VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET value = value + excluded.value RETURNING value",
            (kind, journey, version, step, name, by)).fetchone()
        return int(row[0])

    def get_counter(self, kind: str, journey: str, version: int, step: str, name: str) -> int:
        row = self.conn.execute(
            "SELECT value FROM counters WHERE kind = ? AND journey = ? AND version = ? "
            "AND step = ? AND name = ?", (kind, journey, version, step, name)).fetchone()
        return 0 if row is None else int(row[0])

    def counters(self, kind: str) -> list[Counter]:
        rows = self.conn.execute(
            "SELECT * FROM counters WHERE kind = ? ORDER BY journey, version, step, name",
            (kind,))
        return [Counter(*row) for row in rows]

    # -- profiles ------------------------------------------------------------------------------

    def get_profile(self, profile_id: str) -> Profile | None:
        row = self.conn.execute("SELECT * FROM profiles WHERE id = ?", (profile_id,)).fetchone()
        if row is None:
            return None
        pid, ns, tz, test, attributes, audiences, events = row
        return Profile(pid, ns, tz, bool(test), loads(attributes), loads(audiences), loads(events))

    def put_profile(self, p: Profile) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO profiles VALUES (?, ?, ?, ?, ?, ?, ?)",
            (p.id, p.namespace, p.time_zone, int(p.test), pack(p.attributes),
             pack(p.audiences), pack(p.events)))

    def put_profiles(self, profiles: Iterable[Profile]) -> None:
        """:meth:`put_profile` for many profiles (one ``executemany``)."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO profiles VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(p.id, p.namespace, p.time_zone, int(p.test), pack(p.attributes),
              pack(p.audiences), pack(p.events)) for p in profiles])

    def all_profiles(self) -> list[Profile]:
        """Every stored profile, in id order."""
        rows = self.conn.execute("SELECT * FROM profiles ORDER BY id")
        return [Profile(pid, ns, tz, bool(test), loads(a), loads(au), loads(ev))
                for pid, ns, tz, test, a, au, ev in rows]

    def profile_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM profiles ORDER BY id")]

    # -- effects -------------------------------------------------------------------------------

    def record_effect(self, e: Effect) -> bool:
        """Record an effect once; ``False`` if its key was already recorded (nothing changes)."""
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO effects VALUES (?, ?, ?, ?, ?)",
            (e.instance, e.step, e.attempt, e.kind, pack(e.data)))
        return cur.rowcount == 1

    def record_effects(self, effects: Iterable[Effect]) -> None:
        """Insert effects already known to be new (the caller checked :meth:`effect_keys`)."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO effects VALUES (?, ?, ?, ?, ?)",
            [(e.instance, e.step, e.attempt, e.kind, pack(e.data)) for e in effects])

    def effect_keys(self, instance: str) -> set[tuple[str, int]]:
        """The (step, attempt) keys recorded for an instance."""
        rows = self.conn.execute("SELECT step, attempt FROM effects WHERE instance = ?",
                                 (instance,))
        return {(st, at) for st, at in rows}

    def get_effect(self, instance: str, step: str, attempt: int = 1) -> Effect | None:
        row = self.conn.execute(
            "SELECT kind, data FROM effects WHERE instance = ? AND step = ? AND attempt = ?",
            (instance, step, attempt)).fetchone()
        return None if row is None else Effect(instance, step, attempt, row[0], loads(row[1]))

    # -- input offsets -------------------------------------------------------------------------

    def get_offset(self, source: str) -> InputOffset:
        row = self.conn.execute(
            "SELECT line, byte FROM input_offsets WHERE source = ?", (source,)).fetchone()
        return InputOffset(source) if row is None else InputOffset(source, row[0], row[1])

    def set_offset(self, offset: InputOffset) -> None:
        self.conn.execute("INSERT OR REPLACE INTO input_offsets VALUES (?, ?, ?)",
                          (offset.source, offset.line, offset.byte))

    # -- outputs -------------------------------------------------------------------------------

    def append_output(self, stream: Stream, obj: Json) -> int:
        """Append one output line (``obj`` as compact JSON, key order kept); return its seq."""
        cur = self.conn.execute("INSERT INTO outputs (stream, line) VALUES (?, ?)",
                                (stream, dumps(obj)))
        return cast(int, cur.lastrowid)

    def outputs(self, stream: Stream, after: int = 0) -> Iterator[OutputRow]:
        """The committed lines of a stream with a sequence above ``after``, in order (a row
        may hold several lines, newline-separated: each comes out with the row's seq)."""
        rows = self.conn.execute(
            "SELECT seq, line FROM outputs WHERE stream = ? AND seq > ? ORDER BY seq",
            (stream, after))
        for seq, text in rows:
            for line in text.split("\n"):
                yield OutputRow(seq, stream, line)
