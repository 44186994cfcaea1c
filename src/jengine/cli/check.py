"""``jengine check DIR``: every diagnostic of a workspace, as ``file:line:col: severity code
message`` (1-based, with the source line, a caret and a hint), or as JSON (``--json``).

Exit status: 0 no error (warnings allowed), 1 at least one error, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from jengine.cli.common import existing
from jengine.cli.style import Style
from jengine.lang.index import FileDiagnostic
from jengine.lang.workspace import load_workspace
from jexpr.report import format_diagnostic

__all__ = ["HELP", "configure", "diagnostic_json", "run"]

HELP = 'check every .journey file of a workspace'


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("workspace", type=Path, help="a folder of .journey files (or one file)")
    p.add_argument("--no-warnings", action="store_true", help="print errors only")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: counts and every diagnostic (0-based ranges)")


def diagnostic_json(item: FileDiagnostic) -> dict[str, Any]:
    """One diagnostic of a workspace as JSON: ``file`` plus the §15.1 shape (0-based range)."""
    return {"file": str(item.path), **item.diagnostic.to_dict()}


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    ws = load_workspace(existing(args.workspace))
    shown = [d for d in ws.diagnostics if d.is_error or not args.no_warnings]
    errors = sum(1 for d in ws.diagnostics if d.is_error)
    warnings = len(ws.diagnostics) - errors
    if args.json:
        report = {"files": len(ws.files), "errors": errors, "warnings": warnings,
                  "diagnostics": [diagnostic_json(d) for d in shown]}
        out.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return 1 if errors else 0
    style = Style(out)
    for item in shown:
        text = format_diagnostic(item.diagnostic, item.source.text, str(item.path))
        print(style.diagnostic(text), file=out)
    print(f"{len(ws.files)} file(s): {errors} error(s), {warnings} warning(s)", file=err)
    return 1 if errors else 0
