"""``jengine completion SHELL``: print a shell completion script (bash, zsh or tcsh).

The script is generated from the argument parser by shtab, so it completes every command and
option, and file or folder names where a command takes a path. Install it once::

    jengine completion bash > ~/.local/share/bash-completion/completions/jengine
    jengine completion zsh > "${fpath[1]}/_jengine"
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TextIO

__all__ = ["HELP", "SHELLS", "configure", "run", "script"]

HELP = "print a shell completion script (bash, zsh, tcsh)"
SHELLS = ("bash", "zsh", "tcsh")

#: Set by :mod:`jengine.cli` (the full parser is built there; this module cannot import it).
build_parser: Callable[[], argparse.ArgumentParser] | None = None


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("shell", choices=SHELLS, help="the shell to complete for")


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of ``parser`` for ``shell``."""
    import shtab

    _paths(parser, shtab.FILE)
    text: str = shtab.complete(parser, shell=shell)
    return text


def _paths(parser: argparse.ArgumentParser, files: object) -> None:
    """Complete file and folder names for every argument that takes a path."""
    from pathlib import Path

    for action in parser._actions:
        if action.type is Path and not hasattr(action, "complete"):
            action.complete = files  # type: ignore[attr-defined]
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _paths(child, files)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    assert build_parser is not None
    out.write(script(build_parser(), args.shell))
    return 0
