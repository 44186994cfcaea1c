"""Coded errors for a state store or an output file that cannot be used.

A disk that fills up, a read-only folder, a file that is not a state store (garbage bytes, an
SQLite database of another program) or a store written by a newer jengine used to end
``jengine run`` with "internal error" and a Python exception name. :func:`describe` turns each
into one line ``CODE file: what happened; what to do``; the run stops (status 1) and what was
committed stays committed, so the same command continues once the cause is fixed.

============================  ===========================================================
``E-STATE-FOREIGN``           an SQLite database jengine did not create (left untouched)
``E-STATE-GARBAGE``           not an SQLite database, or a damaged one
``E-STATE-TOO-NEW``           written by a newer jengine (a schema version this one lacks)
``E-STATE-IO``                the store cannot be opened or written (disk full, read-only)
``E-OUTPUT-IO``               an output file cannot be opened or written
``E-RUN-LOCKED``              another process runs on the store or an output file
``E-INPUT-ORDER``             ``--strict-order``: an input older than the one before it
``E-IO``                      another file (an input) cannot be read
============================  ===========================================================
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from jengine.runtime.admission import OutOfOrder
from jengine.runtime.lock import Locked
from jengine.runtime.migrations import ForeignStore, SchemaTooNew

__all__ = ["describe"]

_GARBAGE = ("file is not a database", "malformed", "not a database")


def _same(a: str | os.PathLike[str] | None, b: str | Path) -> bool:
    return a is not None and os.path.abspath(a) == os.path.abspath(b)


def describe(exc: BaseException, state: str | Path,
             outputs: Iterable[str | Path]) -> str | None:
    """The coded message for ``exc``, or ``None`` when it is none of the above."""
    if isinstance(exc, Locked | OutOfOrder):
        return str(exc)
    if isinstance(exc, ForeignStore):
        return f"E-STATE-FOREIGN {state}: not a jengine state store: {exc}; name another --state"
    if isinstance(exc, SchemaTooNew):
        return f"E-STATE-TOO-NEW {state}: {exc}: it was written by a newer jengine"
    if isinstance(exc, sqlite3.DatabaseError):
        text = str(exc)
        if any(g in text for g in _GARBAGE):
            return (f"E-STATE-GARBAGE {state}: not a jengine state store ({text}); name "
                    "another --state, or restore the file from a backup")
        return (f"E-STATE-IO {state}: {text} (is the disk full, or the folder read-only?); "
                "the committed progress is kept: run again once fixed")
    if isinstance(exc, OSError):
        name = exc.filename
        what = exc.strerror or str(exc)
        if _same(name, state):
            return f"E-STATE-IO {state}: {what}"
        if any(_same(name, p) for p in outputs):
            return (f"E-OUTPUT-IO {name}: {what}; the committed progress is kept: run again "
                    "once fixed (the file is completed from the state store)")
        if name is not None:
            return f"E-IO {name}: {what}"
    return None
