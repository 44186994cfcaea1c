"""Schema version 4 of the state store: the read mark of an incremental read audience.

``reentrance.last_read`` is ``"<version>:<n>"`` — the last read (the n-th of that version's
schedule, 1-based) at which the profile was a member of the journey's read audience. An
incremental read (AJO: members new since the previous read) lets a member enter when its mark
is not the previous read's, so the state of a read is one column per member, read and written
with the member's entry (issue 12: a read costs time in its members, nothing in memory).

``instances_active_by_journey`` lists a journey's active instances (any version) in profile
order: the members of a forced re-entrance (``force reentrance`` ends them before each read).
"""

from __future__ import annotations

import sqlite3

VERSION = 4


def upgrade(conn: sqlite3.Connection) -> None:
    """Add ``reentrance.last_read`` to a version-3 database."""
    conn.execute("ALTER TABLE reentrance ADD COLUMN last_read TEXT")
    conn.execute("CREATE INDEX instances_active_by_journey ON instances (journey, profile) "
                 "WHERE active = 1")
