"""What every ``jengine`` command shares: the argument parser that never exits, usage errors,
and the check that a named file or folder exists.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TextIO

__all__ = ["Command", "Configure", "Parser", "Run", "UsageError", "existing"]

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace, TextIO, TextIO], int]


class Command(Protocol):
    """A command module: its help line, its arguments and what it does (exit status)."""

    HELP: str

    def configure(self, p: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int: ...


class UsageError(Exception):
    """Bad arguments or a missing input: one ``jengine: error: …`` line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser that raises :class:`UsageError` instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(message)


def existing(path: Path) -> Path:
    """``path`` itself, or a :class:`UsageError` when nothing is there."""
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    return path
