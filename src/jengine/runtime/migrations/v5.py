"""Schema version 5 of the state store: what a live service adds (``jengine serve``).

* ``inbox`` — inputs acknowledged by the service and not yet processed: each row is one input
  line (journey spec §5.1, built-in events included) with the microsecond it was committed
  (its arrival time). The live driver reads the rows after its committed input offset (source
  ``inbox``: the offset's line is the last processed ``seq``) and the service deletes the rows
  the offset has passed.
* ``inbox_keys`` — the idempotency keys seen (a Segment ``messageId``, a native ``id``) with
  the ``seq`` they were stored under, kept for the dedup retention: a repeated key is accepted
  and stored once.
* ``lifecycle`` — the journey versions an operator paused, closed or stopped (AJO's pause /
  close to new entrances / stop), with the pause mode (``hold`` or ``discard``), when, and
  for a pause when it resumes by itself.
* ``published`` — the workspace files of the last publication, path → text: the service runs
  the journeys of these texts, not of the files on disk (editing a file makes a draft).
"""

from __future__ import annotations

import sqlite3

VERSION = 5

SQL = """
CREATE TABLE inbox (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    line     TEXT    NOT NULL,
    received INTEGER NOT NULL
);
CREATE TABLE inbox_keys (
    key      TEXT PRIMARY KEY,
    seq      INTEGER NOT NULL,
    received INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX inbox_keys_by_time ON inbox_keys (received);
CREATE TABLE lifecycle (
    journey TEXT    NOT NULL,
    version INTEGER NOT NULL,
    state   TEXT    NOT NULL,
    mode    TEXT,
    since   INTEGER NOT NULL,
    until   INTEGER,
    PRIMARY KEY (journey, version)
);
CREATE TABLE published (
    path TEXT PRIMARY KEY,
    text TEXT NOT NULL
);
"""


def upgrade(conn: sqlite3.Connection) -> None:
    """Add the version-3 tables."""
    for statement in SQL.split(";"):
        if statement.strip():
            conn.execute(statement)
