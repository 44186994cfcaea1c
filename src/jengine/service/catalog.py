"""Journey models the read side needs: stored versions compiled from their stored source
(once per hash), their window ends, and the draft versions of the workspace files (reloaded
when a file changes)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from jengine.core.instants import to_micros
from jengine.lang.model import JourneyModel
from jengine.lang.workspace import load_texts, load_workspace
from jengine.runtime.watch import WorkspaceWatch

__all__ = ["Catalog"]


class Catalog:
    """Compiled stored versions (by hash) and the workspace's draft versions (by file times)."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self._models: dict[tuple[str, int, str], JourneyModel | None] = {}
        self._watch: WorkspaceWatch | None = None
        self._drafts: dict[str, int] = {}
        self._lock = threading.Lock()

    def version(self, conn: sqlite3.Connection, journey: str,
                version: int) -> JourneyModel | None:
        row = conn.execute("SELECT source, hash FROM versions WHERE journey = ? AND version = ?",
                           (journey, version)).fetchone()
        if row is None:
            return None
        key = (journey, version, row[1])
        with self._lock:
            if key not in self._models:
                model = load_texts({f"{journey}@{version}.journey": row[0]}).model
                self._models[key] = model.journeys.get(journey)
            return self._models[key]

    def windows(self, conn: sqlite3.Connection) -> dict[tuple[str, int], int]:
        out = {}
        for j, v in conn.execute("SELECT journey, version FROM versions").fetchall():
            jm = self.version(conn, j, v)
            if jm is not None and jm.window is not None:
                out[(j, v)] = to_micros(jm.window[1])
        return out

    def drafts(self) -> dict[str, int]:
        """The journeys of the workspace files, with their versions (rescanned on change)."""
        with self._lock:
            if self._watch is None:
                self._watch = WorkspaceWatch(self.workspace)
                changed = True
            else:
                changed = self._watch.changed()
            if changed:
                ws = load_workspace(self.workspace)
                self._drafts = {name: jm.version for name, jm in ws.model.journeys.items()}
            return dict(self._drafts)
