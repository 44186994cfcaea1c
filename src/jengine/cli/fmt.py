"""``jengine fmt PATH…``: the canonical layout of ``.journey`` files (print, ``--write``,
``--check`` or ``--diff``)."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path
from typing import TextIO

from jengine.cli.common import existing
from jengine.lang.fmt import FormatError, format_text
from jengine.lang.workspace import journey_files
from jexpr.report import format_diagnostic

__all__ = ["HELP", "configure", "run"]

HELP = 'print .journey files in the canonical layout'


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", type=Path, nargs="+", help=".journey files or folders")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true",
                       help="exit 1 when a file is not formatted; change nothing")
    group.add_argument("--write", action="store_true", help="rewrite the files in place")
    group.add_argument("--diff", action="store_true",
                       help="print what would change as a unified diff; exit 1 when something "
                            "would; change nothing")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    status = 0
    for path in (f for p in args.paths for f in journey_files(existing(p))):
        text = path.read_text(encoding="utf-8")
        try:
            formatted = format_text(text, str(path))
        except FormatError as exc:
            for d in exc.diagnostics:
                print(format_diagnostic(d, text, str(path)), file=err)
            status = 1
            continue
        if args.check or args.diff:
            if formatted != text:
                status = 1
                if args.diff:
                    out.writelines(difflib.unified_diff(
                        text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                        f"{path}", f"{path} (formatted)"))
                else:
                    print(f"{path}: not formatted", file=out)
        elif args.write:
            if formatted != text:
                path.write_text(formatted, encoding="utf-8")
        else:
            out.write(formatted)
    return status
