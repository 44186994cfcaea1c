"""Schema version 2: message deliveries and the suppression list (docs/channels.md).

``sends`` is the durable queue and the record of every message given to a real channel: one
row per channel-step effect, keyed by its idempotency key (``{instanceUID}:{step}``), written
in the commit that runs the step (``queued``) and updated in the commit that records the
provider's answer (``sent`` or ``failed``) — a message is sent once whatever the crashes.
``due`` is when it may go (engine time, µs: the step, the end of quiet hours or the next
retry); ``message`` holds the rendered parts and headers (JSON); ``outbox`` the outbox line to
write when it is done. Frequency caps count a profile's ``queued`` and ``sent`` marketing rows
by ``time``. ``suppressions`` holds addresses and domains that never receive email (hard
bounces, complaints, manual entries).
"""

from __future__ import annotations

import sqlite3

VERSION = 2

SQL = """
CREATE TABLE sends (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT    NOT NULL UNIQUE,
    channel     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    profile     TEXT    NOT NULL,
    recipient   TEXT,
    time        INTEGER NOT NULL,
    due         INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    status      TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    outbox      TEXT    NOT NULL,
    provider_id TEXT,
    detail      TEXT
);
CREATE INDEX sends_queued ON sends (status, due, seq);
CREATE INDEX sends_by_profile ON sends (profile, time);
CREATE TABLE suppressions (
    value    TEXT PRIMARY KEY,
    category TEXT    NOT NULL,
    reason   TEXT    NOT NULL,
    created  INTEGER NOT NULL
);
"""


def upgrade(conn: sqlite3.Connection) -> None:
    """Add the ``sends`` and ``suppressions`` tables to a version-1 store."""
    for statement in SQL.split(";"):
        if statement.strip():
            conn.execute(statement)
