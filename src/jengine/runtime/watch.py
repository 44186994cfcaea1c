"""Noticing that the workspace files changed (live mode, journey spec §4.5)."""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

__all__ = ["WorkspaceWatch"]


class WorkspaceWatch:
    """Notices a change of the workspace files (live mode, §4.5): the modification time and
    size of every file below the workspace folder (hidden folders skipped)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.snapshot = self.scan()

    def scan(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        if self.root.is_file():
            st = self.root.stat()
            return {str(self.root): (st.st_mtime_ns, st.st_size)}
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in files:
                path = os.path.join(folder, name)
                with suppress(OSError):
                    st = os.stat(path)
                    out[path] = (st.st_mtime_ns, st.st_size)
        return out

    def changed(self) -> bool:
        """Whether the files changed since the last call (or the start)."""
        now = self.scan()
        if now == self.snapshot:
            return False
        self.snapshot = now
        return True
