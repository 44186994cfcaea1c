"""Confining the paths a workspace or a scenario names to its folder, and bounded reads.

A ``schema "…"`` clause, a scenario's ``workspace``/``profiles`` paths and a scenario's inline
workspace file names are text written by whoever wrote the file: ``/etc/passwd``, ``../../x``,
``/dev/zero`` or a FIFO. :func:`confined` resolves a path (following symbolic links) and
refuses it unless it stays inside one of the allowed folders; :func:`read_confined` also
refuses anything but a regular file (devices, FIFOs, sockets — opened without blocking) and
reads at most ``limit`` bytes. :func:`inside` is the write-side check (a name to create below
a folder). Each refusal is an :class:`OutsideFolder` (a ``ValueError``) whose message names the
path and the rule.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "OutsideFolder", "check_name", "confined", "inside", "read_confined", "read_regular",
    "stays_inside",
]


class OutsideFolder(ValueError):
    """A path that leaves its folder, is not a regular file or is too large."""


def confined(path: Path, roots: Iterable[Path]) -> Path:
    """``path`` resolved, when it lies inside one of ``roots`` (resolved too)."""
    target = Path(os.path.realpath(path))
    folders = [Path(os.path.realpath(r)) for r in roots]
    if not any(target == f or target.is_relative_to(f) for f in folders):
        where = " or ".join(str(f) for f in folders)
        raise OutsideFolder(f"{path}: outside the folder ({where}); paths must stay inside it")
    return target


def read_confined(path: Path, roots: Iterable[Path], limit: int) -> bytes:
    """The bytes of the regular file ``path`` (inside ``roots``), at most ``limit`` of them."""
    return read_regular(confined(path, roots), limit, str(path))


def stays_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is not a symbolic link, or one whose target lies inside ``folder``."""
    return not path.is_symlink() or Path(os.path.realpath(path)).is_relative_to(
        os.path.realpath(folder))


def read_regular(target: Path, limit: int, name: str | None = None) -> bytes:
    """The bytes of ``target`` when it is a regular file of at most ``limit`` bytes (opened
    without blocking: a FIFO or a device is refused, never waited on)."""
    path = name or str(target)
    fd = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise OutsideFolder(f"{path}: not a regular file (a device, FIFO or socket)")
        if st.st_size > limit:
            raise OutsideFolder(f"{path}: over {limit:,} bytes")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise OutsideFolder(f"{path}: over {limit:,} bytes")
    return data


def check_name(name: str) -> str:
    """``name`` when it is a relative file name of plain segments (no absolute path, drive,
    ``..``, backslash or NUL)."""
    path = Path(name)
    if (not name or "\0" in name or "\\" in name or path.is_absolute() or path.drive
            or ".." in path.parts):
        raise OutsideFolder(f"{name!r}: a file name must be relative and stay inside the "
                            f"folder (no absolute path, no '..')")
    return name


def inside(root: Path, name: str) -> Path:
    """The path of a file ``name`` (:func:`check_name`) to create below ``root``, whose
    existing parents are not links that leave ``root``."""
    target = root / check_name(name)
    confined(target, [root])
    return target
