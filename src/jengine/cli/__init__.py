"""The ``jengine`` command line: one module per command, registered in :data:`COMMANDS`.

::

    jengine check DIR                      # diagnostics as file:line:col: severity code message
    jengine fmt PATH… [--check] [--write]  # canonical layout (stdout, or in place, or verify)
    jengine graph JOURNEY [--workspace DIR] [--format svg|dot|mermaid] [-o FILE]
    jengine run DIR --events FILE|- [--profiles FILE] [--state DB] [--mode simulated|live] …
    jengine report [--state DB] [--json]
    jengine test DIR [--journey J]
    jengine lsp
    jengine serve DIR [--state DB] [--host H] [--port N] [--config FILE] [--publish]
    jengine publish [--url URL]

Each command module has ``HELP``, ``configure(parser)`` and ``run(args, out, err) -> status``.
Exit status: 0 on success, 1 when the workspace has errors (or ``fmt --check`` finds unformatted
files, or a scenario failed), 2 for bad arguments or unreadable files — never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from jengine.cli import check, fmt, graph, lsp, publish, report, run, serve, test
from jengine.cli.common import Command, Parser, UsageError

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: dict[str, Command] = {
    "check": check, "fmt": fmt, "graph": graph, "lsp": lsp, "test": test, "run": run,
    "report": report, "serve": serve, "publish": publish,
}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="jengine", description="Text journeys: check, format, draw, run, test.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, command in COMMANDS.items():
        command.configure(sub.add_parser(name, help=command.HELP, description=command.HELP))
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command].run(args, out, err)
    except UsageError as exc:
        print(f"jengine: error: {exc}", file=err)
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        print(f"jengine: error: {exc}", file=err)
        return 2
    except KeyboardInterrupt:
        return 130
