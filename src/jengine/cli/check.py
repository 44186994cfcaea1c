"""``jengine check PATH``: every diagnostic of the workspaces at PATH — their ``.journey`` files
and their templates (``templates/``) — as
``file:line:col: severity code message`` (1-based, with the source line, a caret and a hint,
coloured on a terminal), or as one JSON object (``--json``, 0-based ranges).

A file is checked as a workspace of its own. A folder is searched for workspaces with the rule
of :mod:`jengine.lang.roots` (a ``journeys.toml`` marks one; without one, each folder holding
``.journey`` files is one), the same rule as the language server's, and each is checked
apart. A folder holding no ``.journey`` file at all is a usage error (exit status 2).

Exit status: 0 no error (warnings allowed), 1 at least one error, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from jengine.cli.common import UsageError, existing
from jengine.cli.style import Style
from jengine.lang.index import FileDiagnostic
from jengine.lang.roots import discover
from jengine.lang.workspace import Workspace, load_files, load_workspace
from jengine.templates.workspace import load_templates
from jexpr.report import format_diagnostic

__all__ = ["HELP", "configure", "diagnostic_json", "run", "workspaces"]

HELP = 'check every .journey file of a workspace'


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("workspace", type=Path,
                   help="a folder holding workspaces of .journey files (or one file)")
    p.add_argument("--no-warnings", action="store_true", help="print errors only")
    p.add_argument("--ajo", action="store_true", help="strict AJO mode: W-AJO-* warnings are "
                   "errors (also: ajo-strict = true in the workspace's journeys.toml)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: counts and every diagnostic (0-based ranges)")


def diagnostic_json(item: FileDiagnostic) -> dict[str, Any]:
    """One diagnostic of a workspace as JSON: ``file`` plus the §15.1 shape (0-based range)."""
    return {"file": str(item.path), **item.diagnostic.to_dict()}


def workspaces(path: Path, ajo_strict: bool = False) -> list[Workspace]:
    """The loaded workspaces at ``path`` (module docstring); ``ajo_strict`` forces strict AJO
    mode (else each workspace's ``journeys.toml`` says)."""
    strict = True if ajo_strict else None
    if existing(path).is_file():
        return [load_workspace(path, strict)]
    roots = discover(path)
    if not roots:
        raise UsageError(f"{path}: no .journey files here (a workspace is a folder holding "
                         ".journey files, or a journeys.toml marker)")
    return [load_files(r.folder, r.files, r.config, strict) for r in roots]


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    loaded = workspaces(args.workspace, args.ajo)
    checked = [(ws, load_templates(ws)) for ws in loaded]
    every = [d for ws, t in checked for d in (*ws.diagnostics, *t.diagnostics)]
    parts = sum(len(found) for _, t in checked for found in t.files.values())
    shown = [d for d in every if d.is_error or not args.no_warnings]
    errors = sum(1 for d in every if d.is_error)
    warnings = len(every) - errors
    files = sum(len(ws.files) for ws in loaded)
    if args.json:
        report = {"workspaces": len(loaded), "files": files, "templateFiles": parts,
                  "errors": errors, "warnings": warnings,
                  "diagnostics": [diagnostic_json(d) for d in shown]}
        out.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return 1 if errors else 0
    style = Style(out)
    for item in shown:
        text = format_diagnostic(item.diagnostic, item.source.text, str(item.path))
        print(style.diagnostic(text), file=out)
    where = f" in {len(loaded)} workspaces" if len(loaded) > 1 else ""
    templates = f", {parts} template file(s)" if parts else ""
    print(f"{files} file(s){templates}{where}: {errors} error(s), {warnings} warning(s)",
          file=err)
    return 1 if errors else 0
