"""Forward migrations of the state store, and of the persisted instance-state JSON (rule 7).

*Schema migrations*: ``PRAGMA user_version`` is the schema version of a store file; 0 is an
empty database. :data:`SCHEMA_MIGRATIONS` lists one :class:`Migration` per version, each taking
the schema from ``version - 1`` to ``version`` with plain SQL (module ``vN``). :func:`upgrade_schema`
runs the missing ones in order, each in the caller's transaction, setting ``user_version`` after
each. A store newer than this code is refused (:class:`SchemaTooNew`).

*State migrations*: every instance row carries the ``format_version`` of its state JSON.
:data:`STATE_MIGRATIONS` maps a version *v* to a pure function turning a version-*v* dict into a
version-*v+1* dict; :func:`upgrade_state` applies them up to :data:`STATE_FORMAT_VERSION`.
There is one format so far, so the table is empty; frozen fixtures of every released format
live in ``tests/jengine/engine/fixtures``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jengine.runtime.migrations import v1, v2, v3, v4, v5

__all__ = [
    "SCHEMA_MIGRATIONS", "SCHEMA_VERSION", "STATE_FORMAT_VERSION", "STATE_MIGRATIONS",
    "ForeignStore", "Migration", "SchemaTooNew", "StateTooNew", "refuse_foreign", "upgrade_schema",
    "upgrade_state",
]

StateDict = dict[str, Any]


@dataclass(frozen=True)
class Migration:
    """One schema step: ``upgrade`` takes the database from ``version - 1`` to ``version``."""

    version: int
    upgrade: Callable[[sqlite3.Connection], None]


SCHEMA_MIGRATIONS: tuple[Migration, ...] = (Migration(v1.VERSION, v1.upgrade),
                                              Migration(v2.VERSION, v2.upgrade),
                                              Migration(v3.VERSION, v3.upgrade),
                                              Migration(v4.VERSION, v4.upgrade),
                                              Migration(v5.VERSION, v5.upgrade))
SCHEMA_VERSION = SCHEMA_MIGRATIONS[-1].version

STATE_FORMAT_VERSION = 1
STATE_MIGRATIONS: Mapping[int, Callable[[StateDict], StateDict]] = {}


class SchemaTooNew(RuntimeError):
    """The store file was written by a newer jengine."""


class ForeignStore(RuntimeError):
    """The file is an SQLite database that jengine did not create (it is left untouched)."""


class StateTooNew(ValueError):
    """An instance state has a format newer than this code understands."""


def schema_version(conn: sqlite3.Connection) -> int:
    """The ``user_version`` of the database."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def refuse_foreign(conn: sqlite3.Connection,
                   migrations: Sequence[Migration] = SCHEMA_MIGRATIONS) -> None:
    """:class:`ForeignStore` when the database has tables but no schema version (another
    program's file), :class:`SchemaTooNew` when its version is newer than ``migrations``:
    checked before anything, even the journal mode, is changed in the file."""
    current = schema_version(conn)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        conn.close()
        raise SchemaTooNew(f"store schema version {current} is newer than {latest}")
    if current != 0:
        return
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")]
    if tables:
        conn.close()
        raise ForeignStore("an SQLite database of another program (it holds "
                           f"{', '.join(tables[:5])}{', …' if len(tables) > 5 else ''} "
                           "and no jengine schema version)")


def upgrade_schema(conn: sqlite3.Connection,
                   migrations: Sequence[Migration] = SCHEMA_MIGRATIONS) -> int:
    """Apply every migration above the current version, in order; return the final version.

    The caller owns the transaction (the store runs this inside ``BEGIN IMMEDIATE``), so a
    failing migration leaves the file at its old version."""
    current = schema_version(conn)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise SchemaTooNew(f"store schema version {current} is newer than {latest}")
    refuse_foreign(conn)
    for migration in migrations:
        if migration.version > current:
            migration.upgrade(conn)
            conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            current = migration.version
    return current


def upgrade_state(state: StateDict, format_version: int,
                  migrations: Mapping[int, Callable[[StateDict], StateDict]] = STATE_MIGRATIONS,
                  target: int = STATE_FORMAT_VERSION) -> StateDict:
    """Migrate a persisted instance state to ``target``, one pure step at a time."""
    if format_version > target:
        raise StateTooNew(f"state format {format_version} is newer than {target}")
    while format_version < target:
        state = migrations[format_version](state)
        format_version += 1
    return state
