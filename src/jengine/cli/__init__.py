"""The ``jengine`` command line: one module per command, registered in :data:`COMMANDS`.

::

    jengine check DIR [--json]                   # file:line:col: severity code message
    jengine fmt PATH… [--check | --write | --diff]
    jengine graph JOURNEY [--workspace DIR] [--format svg|dot|mermaid] [-o FILE]
    jengine run DIR --events FILE|- [--profiles FILE] [--state DB] [--mode simulated|live] …
    jengine run … --engine temporal [--temporal HOST:PORT --store LOC]
    jengine run … [--json] [--allow-dead-letters] [--env-file FILE]
    jengine worker DIR --temporal HOST:PORT --store LOC [--namespace N] [--task-queue Q]
    jengine report [--state DB | --store LOC] [--json]
    jengine render TEMPLATE --profile ID|FILE [--event FILE] [--params FILE]
    jengine test DIR [--journey J] [--engine embedded|temporal] [--json] [--junit FILE]
    jengine stub DIR [--port N] [--responses FILE]
    jengine lsp
    jengine serve DIR [--state DB] [--host H] [--port N] [--config FILE] [--publish]
    jengine publish [--url URL]
    jengine completion bash|zsh|tcsh
    jengine --version

Each command module has ``HELP``, ``configure(parser)`` and ``run(args, out, err) -> status``.

Exit status (:data:`EXIT_STATUS`): 0 success; 1 the workspace has errors, ``fmt --check`` found
unformatted files or a scenario failed; 2 bad arguments or an unreadable file; 3 an internal
error of jengine (one line; ``JENGINE_TRACEBACK=1`` shows the traceback); 4 ``run`` finished but
dead-lettered inputs; 130 interrupted; 141 the output pipe was closed (``jengine … | head``).
Never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
from collections.abc import Sequence
from typing import TextIO

from jengine.cli import (
    check,
    completion,
    fmt,
    graph,
    lsp,
    publish,
    render,
    report,
    run,
    serve,
    stub,
    test,
    worker,
)
from jengine.cli.common import Command, Parser, UsageError

__all__ = ["COMMANDS", "EXIT_STATUS", "build_parser", "main", "version"]

COMMANDS: dict[str, Command] = {
    "check": check, "fmt": fmt, "graph": graph, "run": run, "report": report, "test": test,
    "worker": worker, "stub": stub, "render": render, "lsp": lsp, "completion": completion,
    "serve": serve, "publish": publish,
}
EXIT_STATUS = {
    0: "success",
    1: "the workspace has errors, fmt --check found unformatted files, or a scenario failed",
    2: "bad arguments, or a file or folder that cannot be read",
    3: "an internal error of jengine (a bug: please report it)",
    4: "run finished but some inputs were dead-lettered (see --allow-dead-letters)",
    130: "interrupted (Ctrl-C)",
    141: "the output pipe was closed early (jengine … | head)",
}


def version() -> str:
    """``jengine 0.1.0 (jexpr 0.1.0, Python 3.11.7)``."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    import jexpr

    try:
        number = dist_version("jexpr")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        number = jexpr.__version__
    return f"jengine {number} (jexpr {jexpr.__version__}, Python {platform.python_version()})"


def build_parser() -> argparse.ArgumentParser:
    """The ``jengine`` parser: one subcommand per entry of :data:`COMMANDS`."""
    epilog = "exit status: " + "; ".join(f"{k} {v}" for k, v in EXIT_STATUS.items())
    parser = Parser(prog="jengine", description="Text journeys: check, format, draw, run, test.",
                    epilog=epilog)
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser,
                                metavar="COMMAND")
    for name, command in COMMANDS.items():
        command.configure(sub.add_parser(name, help=command.HELP, description=command.HELP))
    return parser


class _VersionRequested(Exception):
    pass


class _Version(argparse.Action):
    """``--version``: printed by :func:`main` on its own output stream."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help=str(kwargs.get("help", "")))

    def __call__(self, *args: object, **kwargs: object) -> None:
        raise _VersionRequested


completion.build_parser = build_parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command].run(args, out, err)
    except _VersionRequested:
        print(version(), file=out)
        return 0
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        print(f"jengine: error: {exc}", file=err)
        return 2
    except BrokenPipeError:
        _quiet_stdout()
        return 141
    except (OSError, UnicodeDecodeError) as exc:
        print(f"jengine: error: {exc}", file=err)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in jengine: one line, not a traceback
        if os.environ.get("JENGINE_TRACEBACK"):
            raise
        print(f"jengine: internal error: {type(exc).__name__}: {exc} (set JENGINE_TRACEBACK=1 "
              "for the traceback)", file=err)
        return 3


def _quiet_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's final flush does
    not fail again (the Python documentation's recipe for SIGPIPE)."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
