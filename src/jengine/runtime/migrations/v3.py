"""Schema version 3 of the state store: the indexes of an engine that reads on demand.

Version 3 lets the runner keep only a bounded cache in memory (issue 12) and find everything
else by index:

* ``instances_active_by_profile`` — a profile's active instances (loading its slice);
* ``instances_active_by_version`` — a version's active instances in uid order (a window end);
* ``reentrance_by_profile`` — a profile's re-entrance memory (loading its slice);
* ``audience_members`` — who is in an audience, in profile-id order (a read audience, a
  business event): ``rule = 0`` rows are the ``realized``/``existing`` memberships of the
  profiles' ``audiences`` column, whatever the workspace declares; ``rule = 1`` rows are the
  profiles a declared rule audience's ``where`` holds for, as computed with the rule recorded in
  ``audience_rules`` (a changed rule is recomputed by the runner);
* ``audience_members_by_profile`` — a profile's rows (replacing a profile).

From version 3 an ``outputs`` row may hold several lines of its stream, in order, separated by
``\\n`` (a JSON line never holds a raw newline): the runner stores a batch's lines of a stream
as one row. Older rows (one line each) read the same.

The upgrade fills the ``rule = 0`` rows from the stored profiles; ``audience_rules`` starts
empty, so the runner computes the rule rows when it first opens the store.
"""

from __future__ import annotations

import sqlite3

VERSION = 3

SQL = """
CREATE INDEX instances_active_by_profile ON instances (profile) WHERE active = 1;
CREATE INDEX instances_active_by_version ON instances (journey, version, uid) WHERE active = 1;
CREATE INDEX reentrance_by_profile ON reentrance (profile);
CREATE TABLE audience_members (
    audience TEXT    NOT NULL,
    rule     INTEGER NOT NULL,
    profile  TEXT    NOT NULL,
    PRIMARY KEY (audience, rule, profile)
) WITHOUT ROWID;
CREATE INDEX audience_members_by_profile ON audience_members (profile);
CREATE TABLE audience_rules (
    audience TEXT PRIMARY KEY,
    rule     TEXT NOT NULL
);
INSERT OR IGNORE INTO audience_members (audience, rule, profile)
    SELECT m.key, 0, p.id FROM profiles AS p, json_each(p.audiences) AS m
    WHERE m.value IN ('realized', 'existing');
"""


def upgrade(conn: sqlite3.Connection) -> None:
    """Add the version-3 indexes and tables to a version-2 database."""
    for statement in SQL.split(";"):
        if statement.strip():
            conn.execute(statement)
