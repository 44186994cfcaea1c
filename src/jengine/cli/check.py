"""``jengine check DIR``: every diagnostic of a workspace, as ``file:line:col: severity code message``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jengine.cli.common import existing
from jengine.lang.workspace import load_workspace
from jexpr.report import format_diagnostic

__all__ = ["HELP", "configure", "run"]

HELP = 'check every .journey file of a workspace'


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("workspace", type=Path, help="a folder of .journey files (or one file)")
    p.add_argument("--no-warnings", action="store_true", help="print errors only")
    p.add_argument("--ajo", action="store_true", help="strict AJO mode: W-AJO-* warnings are "
                   "errors (also: check.ajo-strict in the workspace's jengine.toml)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    ws = load_workspace(existing(args.workspace), True if args.ajo else None)
    errors = 0
    for item in ws.diagnostics:
        if item.is_error:
            errors += 1
        elif args.no_warnings:
            continue
        print(format_diagnostic(item.diagnostic, item.source.text, str(item.path)), file=out)
    warnings = sum(1 for d in ws.diagnostics if not d.is_error)
    print(f"{len(ws.files)} file(s): {errors} error(s), {warnings} warning(s)", file=err)
    return 1 if errors else 0
