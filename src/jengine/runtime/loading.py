"""Loading a profiles file into the store (journey spec §5.2), streamed in batches.

The file is read line by line and written ``BATCH`` profiles at a time (one ``executemany``
for the rows, one for their audience membership index rows), in the caller's transaction, so
memory holds one batch whatever the file's size. A loaded profile *replaces* a stored one with
the same id (its old index rows go; the instances and re-entrance memory stay), and the world's
cached entry for it is dropped. Bad lines are reported on ``err`` as warnings
(``file:line: warning bad_input …``) and skipped.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TextIO

from jengine.core.state import Json
from jengine.runtime.entities import profile_row, set_members
from jengine.runtime.io import DeadLetter, read_profiles
from jengine.runtime.membership import Row, rows_of
from jengine.runtime.records import Profile
from jengine.runtime.world import World

__all__ = ["BATCH", "load_profiles", "profile_json"]

BATCH = 5000


def profile_json(p: Profile) -> Json:
    """The core's JSON form of a profile record."""
    return {"id": p.id, "namespace": p.namespace, "timeZone": p.time_zone, "test": p.test,
            "attributes": p.attributes, "audiences": p.audiences, "events": p.events}


def load_profiles(path: Path, world: World, err: TextIO) -> int:
    """Load every profile line of ``path``; the number of profiles loaded."""
    conn = world.store.conn
    fresh = conn.execute("SELECT NOT EXISTS (SELECT 1 FROM profiles)").fetchone()[0] == 1
    batch: list[Json] = []
    count = 0
    for item in read_profiles(path):
        if isinstance(item, DeadLetter):
            print(f"{path}:{item.line}: warning bad_input {item.message}", file=err)
            continue
        batch.append(profile_json(item))
        if len(batch) >= BATCH:
            fresh = _write(world, batch, fresh)
            count += len(batch)
            batch = []
    _write(world, batch, fresh)
    return count + len(batch)


def _write(world: World, batch: list[Json], fresh: bool) -> bool:
    """Write a batch; each line replaces the stored profile with its id (a later line of the
    same id, in this batch or a later one, wins, index rows included). ``fresh``: no profile
    of the batch can be stored yet (the store had none and no id repeated so far), so plain
    inserts do; a repeated id turns that off. Returns ``fresh`` for the next batch."""
    if not batch:
        return fresh
    conn = world.store.conn
    rows = [profile_row(p) for p in batch]
    if fresh:
        try:
            conn.executemany("INSERT INTO profiles VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        except sqlite3.IntegrityError:
            fresh = False
    if not fresh:
        for p in batch:
            world.forget(p["id"])
        conn.executemany("INSERT OR REPLACE INTO profiles VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        conn.executemany("DELETE FROM audience_members WHERE profile = ?",
                         [(p["id"],) for p in batch])
    last = {p["id"]: p for p in batch}
    members: list[Row] = []
    for p in last.values():
        members += rows_of(world.spec, world.rules, p)
    set_members(conn, members, ())
    return fresh
