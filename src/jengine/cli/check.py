"""``jengine check PATH``: every diagnostic of the workspaces at PATH — their ``.journey`` files
and their templates (``templates/``) — as ``file:line:col: severity code message``.

A file is checked as a workspace of its own. A folder is searched for workspaces with the rule
of :mod:`jengine.lang.roots` (a ``journeys.toml`` marks one; without one, each folder holding
``.journey`` files is one), the same rule as the language server's, and each is checked
apart. A folder holding no ``.journey`` file at all is a usage error (exit status 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jengine.cli.common import UsageError, existing
from jengine.lang.roots import discover
from jengine.lang.workspace import Workspace, load_files, load_workspace
from jengine.templates.workspace import load_templates
from jexpr.report import format_diagnostic

__all__ = ["HELP", "configure", "run"]

HELP = 'check every .journey file of a workspace'


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("workspace", type=Path,
                   help="a folder holding workspaces of .journey files (or one file)")
    p.add_argument("--no-warnings", action="store_true", help="print errors only")


def workspaces(path: Path) -> list[Workspace]:
    """The loaded workspaces at ``path`` (module docstring)."""
    if existing(path).is_file():
        return [load_workspace(path)]
    roots = discover(path)
    if not roots:
        raise UsageError(f"{path}: no .journey files here (a workspace is a folder holding "
                         ".journey files, or a journeys.toml marker)")
    return [load_files(r.folder, r.files, r.config) for r in roots]


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    loaded = workspaces(args.workspace)
    errors = warnings = files = parts = 0
    for ws in loaded:
        templates = load_templates(ws)
        files += len(ws.files)
        parts += sum(len(found) for found in templates.files.values())
        for item in [*ws.diagnostics, *templates.diagnostics]:
            if item.is_error:
                errors += 1
            else:
                warnings += 1
                if args.no_warnings:
                    continue
            print(format_diagnostic(item.diagnostic, item.source.text, str(item.path)),
                  file=out)
    where = f" in {len(loaded)} workspaces" if len(loaded) > 1 else ""
    shown = f", {parts} template file(s)" if parts else ""
    print(f"{files} file(s){shown}{where}: {errors} error(s), {warnings} warning(s)", file=err)
    return 1 if errors else 0
