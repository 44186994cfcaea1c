"""The ``jexpr`` command line: ``eval``, ``check`` and ``test`` subcommands.

Exit codes: 0 success; 1 the expression has errors (or a conformance vector failed); 2 bad
arguments or an unreadable input file (one ``jexpr: error: …`` line, never a traceback); 3 an
unexpected internal error of jexpr itself (one ``jexpr: internal error: …`` line); 141 the
output pipe was closed early (``jexpr … | head``). Diagnostics are coloured on a terminal
(``NO_COLOR`` turns that off).

Subcommands are registered in :data:`_COMMANDS` (name → :class:`Command`); a later ``repl``
command is one more entry there.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import jexpr
from jexpr.conformance import Vector, evaluation_context, load_vectors, parse_now, run_vector
from jexpr.console import (
    UsageError,
    describe,
    load_context,
    read_declarations,
    read_text,
    reason,
    usage_arg,
)
from jexpr.diagnostics import Diagnostic, EvaluationError, JexprError, strict_ajo
from jexpr.report import colourize, format_diagnostics, wants_colour
from jexpr.runtime.jsonenc import to_json

__all__ = ["Command", "main"]

PROG = "jexpr"

@dataclass(frozen=True)
class Command:
    """A subcommand: ``configure`` adds its arguments, ``run`` executes it and returns the exit
    status."""

    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# ---------------------------------------------------------------------------------------------
# Shared helpers


def _print_diagnostics(diags: Sequence[Diagnostic], text: str, filename: str,
                       stream: Any = None) -> None:
    stream = stream or sys.stderr
    if diags:
        print(_coloured(format_diagnostics(diags, text, filename), stream), file=stream)


def _coloured(block: str, stream: Any) -> str:
    if not wants_colour(stream):
        return block
    return "\n".join(colourize(b) for b in _blocks(block))


def _blocks(text: str) -> list[str]:
    """The diagnostic blocks of a :func:`format_diagnostics` text (each starts a header)."""
    out: list[str] = []
    for line in text.split("\n"):
        if out and (line.startswith("  hint:") or len(out[-1].split("\n")) < 3):
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


# ---------------------------------------------------------------------------------------------
# eval


def _configure_eval(p: argparse.ArgumentParser) -> None:
    p.add_argument("expr", metavar="EXPR", help="the expression text")
    p.add_argument("--context", metavar="FILE",
                   help="JSON context (events, dataSources, …, fieldTypes, schema, now)")
    p.add_argument("--now", metavar="ISO",
                   help="evaluation instant, e.g. 2024-01-01T09:00Z (overrides the file)")
    p.add_argument("--usage", type=usage_arg, default="value", metavar="U",
                   help="usage context: value (default), condition, wait, path, "
                        "datasetLookupKey, action:<type>")
    p.add_argument("--json", action="store_true", help="print the §17 JSON encoding")


def _eval_inputs(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    context = load_context(args.context)
    if args.now is not None:
        try:
            parse_now(args.now)
        except ValueError:
            raise UsageError(
                f"invalid --now value {args.now!r}: want an ISO offset date-time "
                "such as 2024-01-01T09:00Z"
            ) from None
    try:
        return evaluation_context(context, args.now)
    except ValueError as e:
        raise UsageError(f"context file {args.context!r}: invalid 'now': {e}") from None


def _run_eval(args: argparse.Namespace) -> int:
    static, ctx = _eval_inputs(args)
    text: str = args.expr
    try:
        prog = jexpr.compile(text, usage=args.usage, **static)
    except JexprError as e:
        _print_diagnostics(e.diagnostics, text, "<expr>")
        return 1
    _print_diagnostics(prog.diagnostics, text, "<expr>")
    try:
        value = prog.evaluate(ctx)
    except EvaluationError as e:
        _print_diagnostics([e.diagnostic], text, "<expr>")
        return 1
    if args.json:
        print(json.dumps(to_json(value), ensure_ascii=False))
    else:
        print(describe(value, prog.type))
    return 0


# ---------------------------------------------------------------------------------------------
# check


def _configure_check(p: argparse.ArgumentParser) -> None:
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("expr", nargs="?", metavar="EXPR", help="the expression text")
    source.add_argument("--file", metavar="F", help="read the expression from a file ('-': stdin)")
    p.add_argument("--schema", metavar="F", help="JSON object: schema path → type (complete)")
    p.add_argument("--field-types", metavar="F", help="JSON object: schema path → type (partial)")
    p.add_argument("--usage", type=usage_arg, default="value", metavar="U",
                   help="usage context (as for eval)")
    p.add_argument("--json", action="store_true",
                   help="print a JSON array of diagnostics (spec §15.1 shape)")
    p.add_argument("--ajo", action="store_true",
                   help="strict AJO mode: W-AJO-* warnings are errors (AJO refuses them)")


def _run_check(args: argparse.Namespace) -> int:
    if args.file is not None:
        text, filename = read_text(args.file, "expression file"), args.file
    else:
        text, filename = args.expr, "<expr>"
    field_types = read_declarations(args.field_types, "field-types file")
    schema = read_declarations(args.schema, "schema file")
    diags = jexpr.check(text, fieldTypes=field_types, schema=schema, usage=args.usage)
    if args.ajo:
        diags = [strict_ajo(d) for d in diags]
    if args.json:
        print(json.dumps([d.to_dict() for d in diags], ensure_ascii=False, indent=2))
    elif diags:
        _print_diagnostics(diags, text, filename, sys.stdout)
    else:
        print("ok")
    return 1 if any(d.is_error for d in diags) else 0


# ---------------------------------------------------------------------------------------------
# test


def _configure_test(p: argparse.ArgumentParser) -> None:
    p.add_argument("vectors", nargs="+", metavar="VECTORS.jsonl", help="conformance vector files")
    p.add_argument("--verbose", "-v", action="store_true", help="also list the passing vectors")


def _load_all(paths: Sequence[str]) -> list[tuple[str, Vector]]:
    loaded = []
    for path in paths:
        try:
            loaded += [(path, v) for v in load_vectors(path)]
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise UsageError(f"cannot read vectors file {path!r}: {reason(e)}") from None
    return loaded


def _run_test(args: argparse.Namespace) -> int:
    passed = failed = 0
    for path, vector in _load_all(args.vectors):
        result = run_vector(vector)
        where = f"{path}:{vector.line}:"
        if result.ok:
            passed += 1
            if args.verbose:
                print(f"{where} ok {_one_line(vector.expr)}")
        else:
            failed += 1
            print(f"{where} FAIL {_one_line(vector.expr)} — {_one_line(result.reason)}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


# ---------------------------------------------------------------------------------------------
# repl (imported on use: the interactive console's dependencies are optional)


def _configure_repl(p: argparse.ArgumentParser) -> None:
    from jexpr.repl import configure

    configure(p)


def _run_repl(args: argparse.Namespace) -> int:
    from jexpr.repl import run

    return run(args)


# ---------------------------------------------------------------------------------------------
# Entry point

_COMMANDS: dict[str, Command] = {
    "eval": Command("evaluate an expression and print its value", _configure_eval, _run_eval),
    "check": Command("report the static diagnostics of an expression", _configure_check,
                     _run_check),
    "test": Command("run conformance vectors (JSON lines)", _configure_test, _run_test),
    "repl": Command("interactive expression console (piped input: one result per line)",
                    _configure_repl, _run_repl),
}


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``jexpr: error: … (try 'jexpr eval --help')``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (try '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per entry of :data:`_COMMANDS`."""
    parser = _Parser(
        prog=PROG,
        description="Check, evaluate and test jexpr journey expressions.",
        epilog="exit status: 0 success, 1 expression errors or failed vectors, "
               "2 bad arguments or input files, 3 internal error, 141 output pipe closed",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {jexpr.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in _COMMANDS.items():
        child = sub.add_parser(name, help=command.help, description=command.help)
        command.configure(child)
        child.set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else 0 if e.code is None else 2
    try:
        status: int = args.run(args)
    except UsageError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        _quiet_stdout()
        return 141
    except Exception as e:  # a bug in jexpr: one line, not a traceback
        print(f"{PROG}: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 3
    return status


def _quiet_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's final flush does
    not fail again (the Python documentation's recipe for SIGPIPE)."""
    import os

    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
