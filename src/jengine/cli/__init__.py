"""The ``jengine`` command line: ``check``, ``fmt`` and ``graph`` over a workspace.

::

    jengine check DIR                      # diagnostics as file:line:col: severity code message
    jengine fmt PATH… [--check] [--write]  # canonical layout (stdout, or in place, or verify)
    jengine graph JOURNEY [--workspace DIR] [--format svg|dot|mermaid] [-o FILE]
    jengine run DIR --events FILE|- [--profiles FILE] [--state DB] [--mode simulated|live] …
    jengine report [--state DB] [--json]

Subcommands are registered in :data:`COMMANDS` (name → (configure, run)), so later ones (``run``,
``report``, ``test``, ``lsp``) plug in without touching the others. Exit status: 0 on success,
1 when the workspace has errors (or ``fmt --check`` finds unformatted files), 2 for bad
arguments or unreadable files — never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from jexpr.report import format_diagnostic

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace, TextIO, TextIO], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise _UsageError(message)


class _UsageError(Exception):
    pass


# ---- check ----


def _check_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("workspace", type=Path, help="a folder of .journey files (or one file)")
    p.add_argument("--no-warnings", action="store_true", help="print errors only")


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jengine.lang.workspace import load_workspace

    ws = load_workspace(_existing(args.workspace))
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


# ---- fmt ----


def _fmt_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", type=Path, nargs="+", help=".journey files or folders")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true",
                       help="exit 1 when a file is not formatted; change nothing")
    group.add_argument("--write", action="store_true", help="rewrite the files in place")


def _fmt(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jengine.lang.fmt import FormatError, format_text
    from jengine.lang.workspace import journey_files

    status = 0
    for path in (f for p in args.paths for f in journey_files(_existing(p))):
        text = path.read_text(encoding="utf-8")
        try:
            formatted = format_text(text, str(path))
        except FormatError as exc:
            for d in exc.diagnostics:
                print(format_diagnostic(d, text, str(path)), file=err)
            status = 1
            continue
        if args.check:
            if formatted != text:
                print(f"{path}: not formatted", file=out)
                status = 1
        elif args.write:
            if formatted != text:
                path.write_text(formatted, encoding="utf-8")
        else:
            out.write(formatted)
    return status


# ---- graph ----


def _graph_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("journey", help="the journey's name")
    p.add_argument("--workspace", "-w", type=Path, default=Path("."),
                   help="the workspace folder (default: the current folder)")
    p.add_argument("--format", "-f", choices=("svg", "dot", "mermaid"), default="mermaid")
    p.add_argument("--output", "-o", type=Path, help="write to a file instead of stdout")


def _graph(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jengine.lang.graph import GraphError, render
    from jengine.lang.workspace import load_workspace

    ws = load_workspace(_existing(args.workspace))
    journey = ws.model.journeys.get(args.journey)
    if journey is None:
        names = ", ".join(sorted(ws.model.journeys)) or "none"
        print(f"jengine: no journey '{args.journey}' in {args.workspace} (journeys: {names})",
              file=err)
        return 2
    try:
        text = render(journey, args.format)
    except GraphError as exc:
        print(f"jengine: {exc}", file=err)
        return 2
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        out.write(text)
    return 0


# ---- test (jengine.testing.suite) ----


def _test_args(p: argparse.ArgumentParser) -> None:
    from jengine.testing.suite import configure

    configure(p)


def _test(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jengine.testing.suite import main as test_main

    return test_main(args, out, err)


# ---- lsp (jengine.lsp; needs the [lsp] extra) ----


def _lsp_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stdio", action="store_true", help="talk over stdio (the default)")


def _lsp(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importlib.util import find_spec

    if find_spec("pygls") is None or find_spec("lsprotocol") is None:  # pragma: no cover
        print("jengine: the language server needs pip install 'jexpr[lsp]'", file=err)
        return 2
    from jengine.lsp import main as lsp_main

    return lsp_main()


# ---- run and report ----


def _run_args(p: argparse.ArgumentParser) -> None:
    from jengine.cli.run import configure_run

    configure_run(p)


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jengine.cli.run import run_command

    return run_command(args, out, err)


def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state", type=Path, default=Path("jengine.db"),
                   help="the state store (default: jengine.db)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from jengine.runtime.report import report_command

    return report_command(_existing(args.state), args.json, out)


COMMANDS: dict[str, tuple[str, Configure, Run]] = {
    "check": ("check every .journey file of a workspace", _check_args, _check),
    "fmt": ("print .journey files in the canonical layout", _fmt_args, _fmt),
    "graph": ("draw a journey as a diagram", _graph_args, _graph),
    "lsp": ("start the language server over stdio", _lsp_args, _lsp),
    "test": ("run scenario files and report path coverage", _test_args, _test),
    "run": ("run a workspace over an event stream", _run_args, _run),
    "report": ("per-journey and per-step counts of a state store", _report_args, _report),
}


def _existing(path: Path) -> Path:
    if not path.exists():
        raise _UsageError(f"{path}: no such file or folder")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="jengine", description="Text journeys: check, format, draw.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (help_text, configure, _run) in COMMANDS.items():
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command][2](args, out, err)
    except _UsageError as exc:
        print(f"jengine: error: {exc}", file=err)
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        print(f"jengine: error: {exc}", file=err)
        return 2
    except KeyboardInterrupt:
        return 130
