"""The shared store in PostgreSQL (psycopg 3), for a cluster of workers.

Tables (created on first use): ``outputs`` (effect id primary key, stream, line, a serial
``seq`` for insertion order), ``profiles`` (id, profile, member audiences as a text array
with a GIN index), ``counters`` and ``claims`` (cap counters, compare-and-set by claim id),
``rate_log`` (the custom-action sliding windows), ``registry`` (the journey versions) and
``specs`` (published spec snapshots). Each thread has its own connection (activities run in a
thread pool); :meth:`PgStore.locked` is a transaction holding a transaction-level advisory lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jengine.temporal.codec import OutputRecord
from jengine.temporal.store import SharedStore

__all__ = ["SCHEMA", "PgStore"]

Json = dict[str, Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS outputs (
  effect_id text PRIMARY KEY, stream text NOT NULL, line jsonb NOT NULL,
  seq bigserial NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS outputs_stream_seq ON outputs (stream, seq);
CREATE TABLE IF NOT EXISTS profiles (
  id text PRIMARY KEY, profile jsonb NOT NULL, member text[] NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS profiles_member ON profiles USING gin (member);
CREATE TABLE IF NOT EXISTS counters (key text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE IF NOT EXISTS claims (claim_id text PRIMARY KEY);
CREATE TABLE IF NOT EXISTS rate_log (
  action text NOT NULL, key text NOT NULL, at bigint NOT NULL, made boolean NOT NULL,
  PRIMARY KEY (action, key));
CREATE TABLE IF NOT EXISTS registry (id int PRIMARY KEY, records jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS specs (id text PRIMARY KEY, gen bigint NOT NULL, snapshot jsonb NOT NULL);
"""


class PgStore(SharedStore):
    """See the module docstring."""

    def __init__(self, url: str) -> None:
        self.location = url
        self._local = threading.local()
        self._conns: list[psycopg.Connection[Any]] = []
        self._guard = threading.Lock()
        with self.conn().transaction():
            self.conn().execute("SELECT pg_advisory_xact_lock(hashtext('jengine-schema'))")
            self.conn().execute(SCHEMA)

    def conn(self) -> psycopg.Connection[Any]:
        c: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if c is None or c.closed:
            c = psycopg.connect(self.location, autocommit=True)
            self._local.conn = c
            with self._guard:
                self._conns.append(c)
        return c

    def close(self) -> None:
        with self._guard:
            for c in self._conns:
                c.close()
            self._conns.clear()

    @contextmanager
    def locked(self, name: str = "") -> Iterator[None]:
        c = self.conn()
        if c.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            yield  # nested: the outer transaction holds the lock
            return
        with c.transaction():
            c.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"jengine:{name}",))
            yield

    # -- outputs ---------------------------------------------------------------------------

    def put_outputs(self, records: Sequence[OutputRecord]) -> int:
        if not records:
            return 0
        c = self.conn()
        inserted = 0
        with c.transaction(), c.cursor() as cur:
            for rec in records:
                cur.execute("INSERT INTO outputs (effect_id, stream, line) VALUES (%s, %s, %s) "
                            "ON CONFLICT (effect_id) DO NOTHING",
                            (rec.id, rec.stream, Jsonb(rec.line)))
                inserted += cur.rowcount
        return inserted

    def output_records(self, stream: str) -> list[OutputRecord]:
        rows = self.conn().execute(
            "SELECT effect_id, line FROM outputs WHERE stream = %s ORDER BY seq",
            (stream,)).fetchall()
        return [OutputRecord(eid, stream, line) for eid, line in rows]

    # -- profiles --------------------------------------------------------------------------

    def put_profiles(self, rows: Sequence[tuple[str, Json, Sequence[str]]]) -> None:
        if not rows:
            return
        c = self.conn()
        with c.transaction(), c.cursor() as cur:
            cur.executemany(
                "INSERT INTO profiles (id, profile, member) VALUES (%s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET profile = EXCLUDED.profile, "
                "member = EXCLUDED.member",
                [(pid, Jsonb(p), sorted(m)) for pid, p, m in rows])

    def members(self, audience: str) -> list[str]:
        rows = self.conn().execute(
            "SELECT id FROM profiles WHERE member @> ARRAY[%s]::text[] ORDER BY id COLLATE \"C\"",
            (audience,)).fetchall()
        return [r[0] for r in rows]

    def profile(self, pid: str) -> Json | None:
        row = self.conn().execute("SELECT profile FROM profiles WHERE id = %s",
                                  (pid,)).fetchone()
        return None if row is None else dict(row[0])

    # -- cap counters ----------------------------------------------------------------------

    def claim(self, claim_id: str, changes: Mapping[str, tuple[int, int]]) -> dict[str, int]:
        c = self.conn()
        with self.locked("caps"):
            if c.execute("SELECT 1 FROM claims WHERE claim_id = %s", (claim_id,)).fetchone():
                return {}
            keys = sorted(changes)
            rows = c.execute("SELECT key, value FROM counters WHERE key = ANY(%s)",
                             (keys,)).fetchall()
            current = dict.fromkeys(keys, 0) | {k: int(v) for k, v in rows}
            if any(current[k] != changes[k][0] for k in keys):
                return current
            for k in keys:
                c.execute("INSERT INTO counters VALUES (%s, %s) ON CONFLICT (key) "
                          "DO UPDATE SET value = EXCLUDED.value", (k, changes[k][1]))
            c.execute("INSERT INTO claims VALUES (%s)", (claim_id,))
            return {}

    # -- rate log --------------------------------------------------------------------------

    def rate_times(self, action: str, after: int, key: str) -> list[int]:
        rows = self.conn().execute(
            "SELECT at FROM rate_log WHERE action = %s AND at > %s AND key <> %s ORDER BY at",
            (action, after, key)).fetchall()
        return [int(r[0]) for r in rows]

    def rate_count(self, action: str, low: int, high: int, key: str) -> int:
        row = self.conn().execute(
            "SELECT count(*) FROM rate_log WHERE action = %s AND made AND at > %s "
            "AND at <= %s AND key <> %s", (action, low, high, key)).fetchone()
        return int(row[0]) if row else 0

    def rate_reserved(self, action: str, key: str) -> int | None:
        row = self.conn().execute("SELECT at FROM rate_log WHERE action = %s AND key = %s",
                                  (action, key)).fetchone()
        return None if row is None else int(row[0])

    def rate_log(self, action: str, key: str, at: int, made: bool) -> None:
        self.conn().execute(
            "INSERT INTO rate_log VALUES (%s, %s, %s, %s) ON CONFLICT (action, key) "
            "DO UPDATE SET at = EXCLUDED.at, made = EXCLUDED.made", (action, key, at, made))

    def rate_forget(self, action: str, key: str) -> None:
        self.conn().execute("DELETE FROM rate_log WHERE action = %s AND key = %s",
                            (action, key))

    def rate_prune(self, action: str, before: int) -> None:
        self.conn().execute("DELETE FROM rate_log WHERE action = %s AND at <= %s",
                            (action, before))

    # -- versions and specs ----------------------------------------------------------------

    def registry(self) -> list[Json]:
        row = self.conn().execute("SELECT records FROM registry WHERE id = 1").fetchone()
        return [] if row is None else list(row[0])

    def put_registry(self, records: Sequence[Json]) -> None:
        self.conn().execute(
            "INSERT INTO registry VALUES (1, %s) ON CONFLICT (id) DO UPDATE SET "
            "records = EXCLUDED.records", (Jsonb(list(records)),))

    def put_spec(self, snapshot: Json) -> None:
        self.conn().execute("INSERT INTO specs VALUES (%s, %s, %s) ON CONFLICT (id) DO NOTHING",
                            (snapshot["id"], snapshot["gen"], Jsonb(snapshot)))

    def spec(self, spec_id: str) -> Json | None:
        row = self.conn().execute("SELECT snapshot FROM specs WHERE id = %s",
                                  (spec_id,)).fetchone()
        return None if row is None else dict(row[0])

    def latest_spec(self) -> Json | None:
        row = self.conn().execute(
            "SELECT snapshot FROM specs ORDER BY gen DESC LIMIT 1").fetchone()
        return None if row is None else dict(row[0])
