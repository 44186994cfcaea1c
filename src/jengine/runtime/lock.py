"""One run per state store and per output file: an exclusive, non-blocking lock.

Two processes running on one state store used to both die with ``IntegrityError`` and leave
the outputs wrong after resuming (lines missing, lines duplicated). :func:`run_lock` takes an
exclusive ``flock`` on the state store file and on each output file (opening them in append
mode, which creates them and never truncates) before anything is read or written, and holds it
until the run ends. A second process asking for any of them is refused at once with
:class:`Locked` (``E-RUN-LOCKED``, naming the file); nothing of the first run is touched.

``flock`` locks belong to the open file description, so they are independent of SQLite's own
POSIX record locks, are released by the kernel when the process dies (SIGKILL included: no
stale lock file to clean up) and are advisory: only ``jengine`` processes honour them. On a
system without ``fcntl`` (Windows) no lock is taken.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Final, Protocol, TypeVar

__all__ = ["LOCKED", "Locked", "hold", "locked_store", "run_lock"]

LOCKED: Final = "E-RUN-LOCKED"


class _Closable(Protocol):
    def close(self) -> None: ...


S = TypeVar("S", bound=_Closable)

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class Locked(Exception):
    """Another process holds the lock on ``path``."""

    def __init__(self, path: str, what: str) -> None:
        self.path, self.what = path, what
        super().__init__(f"{LOCKED} {path}: another jengine process is using this {what}; "
                         f"wait for it to end (or give this run its own --state and output "
                         f"files)")


def _lock(stack: ExitStack, path: str, what: str) -> None:
    f: IO[bytes] = stack.enter_context(open(path, "ab"))  # noqa: SIM115 - held by the stack
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise Locked(path, what) from None


@contextmanager
def run_lock(state: str | Path, outputs: Iterable[str | Path]) -> Iterator[None]:
    """Hold exclusive locks on ``state`` and every output file for the block
    (:class:`Locked` when another process holds one; ``OSError`` when one cannot be opened)."""
    with ExitStack() as stack:
        if fcntl is not None:
            seen: set[str] = set()
            for path, what in [(state, "state store"), *((p, "output file") for p in outputs)]:
                key = os.path.realpath(path)
                if key not in seen:
                    seen.add(key)
                    _lock(stack, str(path), what)
        yield


def hold(state: str | Path, outputs: Iterable[str | Path]) -> ExitStack:
    """:func:`run_lock` taken now; ``close()`` the result to release it."""
    stack = ExitStack()
    stack.enter_context(run_lock(state, outputs))
    return stack


@contextmanager
def locked_store(state: str | Path, outputs: Iterable[str | Path],
                 opener: Callable[[str | Path], S]) -> Iterator[S]:
    """:func:`run_lock` held while the store ``opener(state)`` is open (closed at the end; the
    lock is released even when opening the store fails)."""
    with run_lock(state, outputs):
        store = opener(state)
        try:
            yield store
        finally:
            store.close()
