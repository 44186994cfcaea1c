"""Schema version 1 of the state store: the first released layout (journey spec §4.5, §4.6).

Times are INTEGER microseconds since the Unix epoch (UTC); JSON columns hold plain JSON text
(never pickle). A timer's ``seq`` (its scheduling order, §4.4) is its AUTOINCREMENT key: a
durable, transactional counter that never reuses a value. ``outputs`` holds every outbox, journal and dead-letter line, in commit order,
until the driver exports it to its JSONL file (``exports`` remembers how far, per stream).
"""

from __future__ import annotations

import sqlite3

VERSION = 1

SQL = """
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE versions (
    journey   TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    source    TEXT    NOT NULL,
    hash      TEXT    NOT NULL,
    is_open   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (journey, version)
);
CREATE TABLE instances (
    uid            TEXT PRIMARY KEY,
    journey        TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    profile        TEXT    NOT NULL,
    active         INTEGER NOT NULL,
    format_version INTEGER NOT NULL,
    state          TEXT    NOT NULL
);
CREATE UNIQUE INDEX instances_one_active ON instances (journey, profile) WHERE active = 1;
CREATE INDEX instances_by_journey ON instances (journey, active);
CREATE TABLE timers (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    due      INTEGER NOT NULL,
    kind     INTEGER NOT NULL,
    instance TEXT,
    payload  TEXT    NOT NULL
);
CREATE INDEX timers_by_due ON timers (due, kind, seq);
CREATE INDEX timers_by_instance ON timers (instance);
CREATE TABLE reentrance (
    journey    TEXT    NOT NULL,
    profile    TEXT    NOT NULL,
    instances  INTEGER NOT NULL,
    last_entry INTEGER,
    last_end   INTEGER,
    PRIMARY KEY (journey, profile)
);
CREATE TABLE counters (
    kind    TEXT    NOT NULL,
    journey TEXT    NOT NULL,
    version INTEGER NOT NULL,
    step    TEXT    NOT NULL,
    name    TEXT    NOT NULL,
    value   INTEGER NOT NULL,
    PRIMARY KEY (kind, journey, version, step, name)
);
CREATE TABLE profiles (
    id         TEXT PRIMARY KEY,
    namespace  TEXT,
    time_zone  TEXT,
    test       INTEGER NOT NULL DEFAULT 0,
    attributes TEXT    NOT NULL,
    audiences  TEXT    NOT NULL,
    events     TEXT    NOT NULL
);
CREATE TABLE effects (
    instance TEXT    NOT NULL,
    step     TEXT    NOT NULL,
    attempt  INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    data     TEXT    NOT NULL,
    PRIMARY KEY (instance, step, attempt)
);
CREATE TABLE rate_log (
    action TEXT    NOT NULL,
    key    TEXT    NOT NULL,
    at     INTEGER NOT NULL,
    made   INTEGER NOT NULL,
    PRIMARY KEY (action, key)
);
CREATE INDEX rate_log_by_time ON rate_log (action, at);
CREATE TABLE input_offsets (
    source TEXT PRIMARY KEY,
    line   INTEGER NOT NULL,
    byte   INTEGER NOT NULL
);
CREATE TABLE outputs (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    stream TEXT NOT NULL,
    line   TEXT NOT NULL
);
CREATE INDEX outputs_by_stream ON outputs (stream, seq);
CREATE TABLE exports (
    stream TEXT PRIMARY KEY,
    path   TEXT    NOT NULL,
    seq    INTEGER NOT NULL,
    size   INTEGER NOT NULL
);
"""


def upgrade(conn: sqlite3.Connection) -> None:
    """Create the version-1 tables in an empty database."""
    for statement in SQL.split(";"):
        if statement.strip():
            conn.execute(statement)
