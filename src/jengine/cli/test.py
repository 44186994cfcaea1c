"""``jengine test DIR [--journey J]``: run scenario files and report path coverage.

DIR is a scenario file or a folder searched recursively for ``*.scenario.json`` (a workspace
with a ``scenarios/`` folder works as is). Each scenario runs in its own temporary folder and
prints ``PASS name`` or ``FAIL name`` followed by its mismatches. Then, per workspace, one
coverage line per journey, and last ``N passed, M failed``. ``--journey J`` (repeatable) runs
only the scenarios about J (their ``journeys`` field, else the journeys their expectations name)
and reports J's coverage only. ``--json`` prints one JSON object instead (results, mismatches,
coverage); ``--junit FILE`` also writes JUnit XML for CI. Exit status: 0 when every scenario
passed, 1 otherwise (or when there was no scenario), 2 for a bad DIR.
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import TextIO, cast

from jengine.cli.style import Style
from jengine.testing.reports import junit_xml, test_json
from jengine.testing.suite import run_folder

__all__ = ["HELP", "configure", "run"]

HELP = "run scenario files and report path coverage"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, help="a scenario file, or a folder of *.scenario.json")
    p.add_argument("--journey", "-j", action="append", default=[],
                   help="only the scenarios about this journey, and its coverage (repeatable)")
    p.add_argument("--keep", type=Path,
                   help="run in DIR/<scenario name>/ and keep the inputs and outputs")
    p.add_argument("--json", action="store_true", help="print one JSON object of the results")
    p.add_argument("--junit", type=Path, metavar="FILE",
                   help="also write the results as JUnit XML (for CI test reports)")
    p.add_argument("--engine", choices=("embedded", "temporal"), default="embedded",
                   help="temporal: each scenario on the time-skipping test server")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if not args.dir.exists():
        print(f"jengine: error: {args.dir}: no such file or folder", file=err)
        return 2
    style = Style(out)
    live = None if args.json else cast(TextIO, _Painted(out, style))
    run = run_folder(args.dir, args.journey, args.keep, live, engine=args.engine)
    if args.junit is not None:
        args.junit.write_text(junit_xml(run), encoding="utf-8")
    status = 0 if run.failed == 0 and (run.results or run.errors) else 1
    if args.json:
        out.write(json.dumps(test_json(run), ensure_ascii=False, indent=2) + "\n")
        return status
    for label, cov in run.coverage.items():
        print(f"coverage of {label}:", file=out)
        for line in cov.lines():
            print(f"  {line}", file=out)
    print(f"{run.passed} passed, {run.failed} failed", file=out)
    return status


class _Painted(io.TextIOBase):
    """The scenario lines as they come, with PASS green and FAIL/ERROR red on a terminal."""

    def __init__(self, out: TextIO, style: Style) -> None:
        self.target, self.style = out, style

    def write(self, text: str) -> int:
        for word, colour in (("PASS", "green"), ("FAIL", "red"), ("ERROR", "red")):
            if text.startswith(word + " "):
                text = self.style(word, "bold", colour) + text[len(word):]
        return self.target.write(text)

    def flush(self) -> None:
        self.target.flush()
