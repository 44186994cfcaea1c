"""``jengine test DIR [--journey J]``: run scenario files and report path coverage.

DIR is a scenario file or a folder searched recursively for ``*.scenario.json`` (a workspace
with a ``scenarios/`` folder works as is). Each scenario runs in its own temporary folder and
prints ``PASS name`` or ``FAIL name`` followed by its mismatches. Then, per workspace, one
coverage line per journey, and last ``N passed, M failed``. ``--journey J`` (repeatable) runs
only the scenarios about J (their ``journeys`` field, else the journeys their expectations name)
and reports J's coverage only. Exit status: 0 when every scenario passed, 1 otherwise, 2 for a
bad DIR.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jengine.testing.suite import run_folder

__all__ = ["HELP", "configure", "run"]

HELP = "run scenario files and report path coverage"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, help="a scenario file, or a folder of *.scenario.json")
    p.add_argument("--journey", "-j", action="append", default=[],
                   help="only the scenarios about this journey, and its coverage (repeatable)")
    p.add_argument("--keep", type=Path,
                   help="run in DIR/<scenario name>/ and keep the inputs and outputs")
    p.add_argument("--engine", choices=("embedded", "temporal"), default="embedded",
                   help="temporal: each scenario on the time-skipping test server")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if not args.dir.exists():
        print(f"jengine: error: {args.dir}: no such file or folder", file=err)
        return 2
    run = run_folder(args.dir, args.journey, args.keep, out, engine=args.engine)
    for label, cov in run.coverage.items():
        print(f"coverage of {label}:", file=out)
        for line in cov.lines():
            print(f"  {line}", file=out)
    print(f"{run.passed} passed, {run.failed} failed", file=out)
    return 0 if run.failed == 0 and (run.results or run.errors) else 1
