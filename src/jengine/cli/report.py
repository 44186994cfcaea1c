"""``jengine report``: per journey, version and step counts of a state store (§5.3)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jengine.cli.common import existing
from jengine.cli.style import Style, terminal_width
from jengine.runtime.report import report_command

__all__ = ["HELP", "configure", "run"]

HELP = 'per-journey and per-step counts of a state store'


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state", type=Path, default=Path("jengine.db"),
                   help="the state store (default: jengine.db)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--store", help="a Temporal driver's shared store (a postgresql:// URL or "
                                   "a folder) instead of --state")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.store:
        from jengine.temporal.report import shared_report

        return shared_report(args.store, args.json, out)
    return report_command(existing(args.state), args.json, out, terminal_width(out),
                          Style(out).on)
