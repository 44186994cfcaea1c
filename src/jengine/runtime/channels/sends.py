"""The ``sends`` and ``suppressions`` tables (schema v2): the durable queue of messages given to
a channel, and the addresses and domains that never receive email.

Every function runs one statement on the store's connection, inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jengine.runtime.records import Json
from jengine.runtime.store import Store, loads, pack

__all__ = ["SendRow", "add_suppression", "complete", "get", "history", "insert", "reschedule",
           "suppression"]


@dataclass(frozen=True)
class SendRow:
    seq: int
    key: str
    status: str
    channel: str
    kind: str
    profile: str
    recipient: str | None
    time: int
    due: int
    attempts: int
    message: Json
    outbox: Json


_COLUMNS = ("seq, key, status, channel, kind, profile, recipient, time, due, attempts, message, "
            "outbox")


def insert(store: Store, key: str, channel: str, kind: str, category: str, profile: str,
           recipient: str | None, time: int, due: int, message: Json, outbox: Json) -> None:
    """Queue a message (a key already queued or done is left alone)."""
    store.execute(
        "INSERT OR IGNORE INTO sends (key, channel, kind, category, profile, recipient, time, "
        "due, status, message, outbox) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
        (key, channel, kind, category, profile, recipient, time, due, pack(message),
         pack(outbox)))


def get(store: Store, key: str) -> SendRow | None:
    """The send record of an idempotency key."""
    row = store.execute(f"SELECT {_COLUMNS} FROM sends WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    return SendRow(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5]),
                   row[6], int(row[7]), int(row[8]), int(row[9]), loads(row[10]),
                   loads(row[11]))


def complete(store: Store, key: str, status: str, attempts: int, provider_id: str | None,
             detail: str | None) -> None:
    store.execute("UPDATE sends SET status = ?, attempts = ?, provider_id = ?, detail = ? "
                  "WHERE key = ?", (status, attempts, provider_id, detail, key))


def reschedule(store: Store, key: str, attempts: int, due: int, detail: str) -> None:
    """A transient failure: try again at ``due``."""
    store.execute("UPDATE sends SET attempts = ?, due = ?, detail = ? WHERE key = ?",
                  (attempts, due, detail, key))


def recipient(store: Store, instance_prefix: str, step: str) -> str | None:
    """The recipient of the latest message of a step for instances ``{journey}/{version}/
    {profile}/…`` (the instance number is not in a reaction)."""
    row = store.execute("SELECT recipient FROM sends WHERE key LIKE ? ESCAPE '\\' "
                        "AND key LIKE ? ESCAPE '\\' ORDER BY seq DESC LIMIT 1",
                        (_like(instance_prefix) + "%", "%:" + _like(step))).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def history(store: Store, profile: str, since: int) -> list[tuple[int, str]]:
    """(time, kind) of the profile's marketing messages queued or sent after ``since``."""
    rows = store.execute(
        "SELECT time, kind FROM sends WHERE profile = ? AND time > ? AND category = 'marketing' "
        "AND status IN ('queued', 'sent') ORDER BY time", (profile, since)).fetchall()
    return [(int(t), str(k)) for t, k in rows]


def suppressions(store: Store) -> set[str]:
    """Every suppressed value."""
    return {str(v) for (v,) in store.execute("SELECT value FROM suppressions").fetchall()}


def suppression(store: Store, address: str) -> str | None:
    """The category of the suppression entry for an address or its domain, if any."""
    address = address.strip().lower()
    domain = address.rpartition("@")[2]
    row = store.execute("SELECT category FROM suppressions WHERE value IN (?, ?) LIMIT 1",
                        (address, domain)).fetchone()
    return None if row is None else str(row[0])


def add_suppression(store: Store, value: str, category: str, reason: str, at: int) -> None:
    store.execute("INSERT OR IGNORE INTO suppressions (value, category, reason, created) "
                  "VALUES (?, ?, ?, ?)", (value.strip().lower(), category, reason, at))


def counts(store: Store) -> dict[str, Any]:
    """Messages by status (for reports and tests)."""
    rows = store.execute("SELECT status, COUNT(*) FROM sends GROUP BY status").fetchall()
    return {str(s): int(n) for s, n in rows}
