"""Opening the shared store named by a location (``--store``, ``$JENGINE_STORE``): a
``postgresql://`` (or ``postgres://``) URL is PostgreSQL, anything else a folder of files."""

from __future__ import annotations

from pathlib import Path

from jengine.temporal.store import SharedStore

__all__ = ["open_store"]


def open_store(location: str | Path) -> SharedStore:
    """The store at ``location``: a PostgreSQL URL or a folder (created if missing)."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        from jengine.temporal.pgstore import PgStore

        return PgStore(text)
    from jengine.temporal.filestore import FileStore

    return FileStore(Path(text))
