"""Export committed output rows to the JSONL files, exactly once (journey spec §4.6).

The outbox, journal and dead-letter lines are rows of the store (:meth:`Store.append_output`),
committed with the state change that produced them. The files are *derived*: after each commit,
:class:`Exporter` appends the rows past the last exported sequence of each stream and then
records, in the store, the new sequence and the file size.

Crash safety: a SIGKILL can land between the file write and that record. On the next start,
:meth:`Exporter.recover` cuts each file back to the recorded size (dropping any line written
but not recorded, even a partial one) and appends again from the recorded sequence. A file that
is shorter than recorded (deleted or truncated by hand), or a stream whose path changed, is
rebuilt from its first row. Hence the file always equals the committed rows, line for line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jengine.runtime.records import Stream
from jengine.runtime.store import Store

__all__ = ["ExportMark", "Exporter"]


@dataclass(frozen=True)
class ExportMark:
    """How far a stream has been exported: to ``path``, through ``seq``, making ``size`` bytes."""

    path: str
    seq: int
    size: int


class Exporter:
    """Appends each stream's committed rows to its file; register it with ``store.on_commit``."""

    def __init__(self, store: Store, paths: Mapping[Stream, str | Path], *,
                 fsync: bool = False) -> None:
        self.store = store
        self.paths = {stream: str(path) for stream, path in paths.items()}
        self.fsync = fsync

    def attach(self) -> Exporter:
        """Recover the files, then export after every commit of the store."""
        self.recover()
        self.store.on_commit(self.export)
        return self

    def mark(self, stream: Stream) -> ExportMark | None:
        row = self.store.execute(
            "SELECT path, seq, size FROM exports WHERE stream = ?", (stream,)).fetchone()
        return None if row is None else ExportMark(row[0], row[1], row[2])

    def recover(self) -> None:
        """Make every file equal to its committed rows (run once at start)."""
        for stream, path in self.paths.items():
            mark = self.mark(stream)
            if mark is None or mark.path != path or not _fits(path, mark.size):
                mark = ExportMark(path, 0, 0)
            with open(path, "ab") as f:
                f.truncate(mark.size)
            self._save(stream, mark)
        self.export()

    def export(self) -> None:
        """Append the rows committed since the last export, for every stream; the new marks
        are recorded in one transaction of their own (which runs no commit callback)."""
        with self.store.transaction(notify=False):
            for stream, path in self.paths.items():
                self._export_stream(stream, path)

    def _export_stream(self, stream: Stream, path: str) -> None:
        mark = self.mark(stream) or ExportMark(path, 0, 0)
        # the rows of Store.outputs, as plain tuples (this runs after every commit)
        rows = self.store.execute(
            "SELECT seq, line FROM outputs WHERE stream = ? AND seq > ? ORDER BY seq",
            (stream, mark.seq)).fetchall()
        if not rows:
            return
        lines = [line for _, line in rows]
        lines.append("")
        data = "\n".join(lines).encode("utf-8")
        try:
            with open(path, "ab") as f:
                f.write(data)
                f.flush()
                if self.fsync:
                    os.fsync(f.fileno())
        except OSError as exc:
            exc.filename = exc.filename or path  # a failed write names no file by itself
            raise
        self._save(stream, ExportMark(path, rows[-1][0], mark.size + len(data)))

    def _save(self, stream: Stream, mark: ExportMark) -> None:
        self.store.execute("INSERT OR REPLACE INTO exports VALUES (?, ?, ?, ?)",
                           (stream, mark.path, mark.seq, mark.size))


def _fits(path: str, size: int) -> bool:
    """Whether the file holds at least ``size`` bytes (else it was cut and is rebuilt)."""
    try:
        return os.path.getsize(path) >= size
    except FileNotFoundError:
        return size == 0
