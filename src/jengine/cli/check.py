"""``jengine check DIR``: every diagnostic of a workspace — its ``.journey`` files and its
templates (``templates/``) — as ``file:line:col: severity code message``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jengine.cli.common import existing
from jengine.lang.workspace import load_workspace
from jengine.templates.workspace import load_templates
from jexpr.report import format_diagnostic

__all__ = ["HELP", "configure", "run"]

HELP = 'check every .journey file and every template of a workspace'


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("workspace", type=Path, help="a folder of .journey files (or one file)")
    p.add_argument("--no-warnings", action="store_true", help="print errors only")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    ws = load_workspace(existing(args.workspace))
    templates = load_templates(ws)
    diagnostics = [*ws.diagnostics, *templates.diagnostics]
    errors = 0
    for item in diagnostics:
        if item.is_error:
            errors += 1
        elif args.no_warnings:
            continue
        print(format_diagnostic(item.diagnostic, item.source.text, str(item.path)), file=out)
    warnings = sum(1 for d in diagnostics if not d.is_error)
    count = len(ws.files) + sum(len(parts) for parts in templates.files.values())
    print(f"{count} file(s): {errors} error(s), {warnings} warning(s)", file=err)
    return 1 if errors else 0
