"""The shared store every worker reaches: outputs de-duplicated by effect id, the profile
directory that audience scans read, ``cap`` counters, the custom-action rate log, the journey
version registry and the published spec snapshots.

Two implementations: :class:`~jengine.temporal.pgstore.PgStore` (PostgreSQL, for a cluster)
and :class:`~jengine.temporal.filestore.FileStore` (JSONL files in a folder, for one machine;
several worker processes may share it). :func:`jengine.temporal.stores.open_store` picks one
from a location: a ``postgresql://`` (or ``postgres://``) URL, else a folder path.

Every method is safe to call again with the same arguments after a crash (activities are
retried): outputs are keyed by effect id, cap claims by claim id, rate-log entries by attempt
key, profiles by id.
"""

from __future__ import annotations

import abc
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from jengine.temporal.codec import OutputRecord

__all__ = ["STREAMS", "SharedStore", "report_rows"]

Json = dict[str, Any]
STREAMS = ("outbox", "journal", "deadletter")


class SharedStore(abc.ABC):
    """The operations the Temporal driver needs from its shared store."""

    location: str

    # -- outputs ---------------------------------------------------------------------------

    @abc.abstractmethod
    def put_outputs(self, records: Sequence[OutputRecord]) -> int:
        """Insert the records whose effect id is new; the number inserted."""

    @abc.abstractmethod
    def output_records(self, stream: str) -> list[OutputRecord]:
        """The records of a stream, in insertion order."""

    def outputs(self, stream: str) -> list[Json]:
        return [r.line for r in self.output_records(stream)]

    # -- profiles directory ----------------------------------------------------------------

    @abc.abstractmethod
    def put_profiles(self, rows: Sequence[tuple[str, Json, Sequence[str]]]) -> None:
        """Upsert profiles: (id, profile JSON, the audiences it is a member of)."""

    @abc.abstractmethod
    def members(self, audience: str) -> list[str]:
        """The ids of the profiles that are members of ``audience``, sorted."""

    @abc.abstractmethod
    def profile(self, pid: str) -> Json | None:
        """A profile as last mirrored by its workflow."""

    # -- cap counters ----------------------------------------------------------------------

    @abc.abstractmethod
    def claim(self, claim_id: str, changes: Mapping[str, tuple[int, int]]) -> dict[str, int]:
        """Compare-and-set counters: for every key, ``old`` → ``new`` if the stored value is
        ``old``. All or nothing. Returns ``{}`` when applied (also when ``claim_id`` was applied
        before), else the current values of the keys."""

    # -- rate log (shared rate limiter) ----------------------------------------------------

    @abc.abstractmethod
    @contextmanager
    def locked(self, name: str) -> Iterator[None]:
        """A lock across processes (and a transaction for the operations inside)."""

    @abc.abstractmethod
    def rate_times(self, action: str, after: int, key: str) -> list[int]: ...

    @abc.abstractmethod
    def rate_count(self, action: str, low: int, high: int, key: str) -> int: ...

    @abc.abstractmethod
    def rate_reserved(self, action: str, key: str) -> int | None: ...

    @abc.abstractmethod
    def rate_log(self, action: str, key: str, at: int, made: bool) -> None: ...

    @abc.abstractmethod
    def rate_forget(self, action: str, key: str) -> None: ...

    @abc.abstractmethod
    def rate_prune(self, action: str, before: int) -> None: ...

    # -- versions and specs ----------------------------------------------------------------

    @abc.abstractmethod
    def registry(self) -> list[Json]:
        """The version records: journey, version, source, hash, open."""

    @abc.abstractmethod
    def put_registry(self, records: Sequence[Json]) -> None: ...

    @abc.abstractmethod
    def put_spec(self, snapshot: Json) -> None:
        """Store a spec snapshot (immutable, keyed by its ``id``; ``gen`` orders them)."""

    @abc.abstractmethod
    def spec(self, spec_id: str) -> Json | None: ...

    @abc.abstractmethod
    def latest_spec(self) -> Json | None: ...

    def close(self) -> None:  # noqa: B027 - most stores hold nothing to release
        """Release connections and files."""

    def __enter__(self) -> SharedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def report_rows(journal: Sequence[Json]) -> list[Json]:
    """The ``jengine report`` rows of a journal: per (journey, version, step) the outcome
    counts, discards and exits by reason (the aggregation of the embedded runner)."""
    tally: Counter[tuple[str, int, str, str]] = Counter()
    for obj in journal:
        if obj.get("journey") is None or obj.get("version") is None:
            continue
        name = obj["outcome"]
        if name in ("discarded", "exited", "entered") and obj.get("reason"):
            name = f"{name}:{obj['reason']}"
        tally[(obj["journey"], obj["version"], obj.get("step") or "", name)] += 1
        if obj.get("late"):
            tally[(obj["journey"], obj["version"], obj.get("step") or "", "late")] += 1
    rows: dict[tuple[str, int, str], Json] = {}
    for (j, v, s, name), n in sorted(tally.items()):
        row = rows.setdefault((j, v, s), {})
        if ":" in name:
            kind, reason = name.split(":", 1)
            row[kind] = row.get(kind, 0) + n
            row.setdefault(f"{kind}_by_reason", {})[reason] = n
        else:
            row[name] = row.get(name, 0) + n
    return [{"journey": j, "version": v, "step": s or None, **counts}
            for (j, v, s), counts in sorted(rows.items())]
