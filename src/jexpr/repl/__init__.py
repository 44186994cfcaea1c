"""``jexpr repl``: an interactive console for trying expressions against sample data.

:func:`configure` adds the command-line options and :func:`run` starts the REPL. With a terminal
on standard input it is the prompt_toolkit console of :mod:`jexpr.repl.app` (highlighting,
completion, multi-line input, history); otherwise each input line is evaluated and printed
(:func:`jexpr.repl.session.run_script`), which needs no optional dependency.

Modules: :mod:`~jexpr.repl.session` (state and commands, pure), :mod:`~jexpr.repl.scan` (open
brackets and reference paths of partial input), :mod:`~jexpr.repl.completion` (the completer),
:mod:`~jexpr.repl.lexer` (the Pygments lexer, also a Pygments plugin) and :mod:`~jexpr.repl.app`.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["configure", "run"]


def _missing() -> str:
    from jexpr.console import install_hint

    return ("the interactive REPL needs prompt_toolkit and pygments (the 'repl' extra): "
            f"{install_hint('repl')} (piped input works without them)")


def configure(parser: argparse.ArgumentParser) -> None:
    """The options of ``jexpr repl``."""
    parser.add_argument("--context", metavar="FILE",
                        help="JSON context (events, dataSources, …, fieldTypes, schema, now)")
    parser.add_argument("--schema", metavar="FILE",
                        help="JSON object: schema path → type (complete for its roots)")
    parser.add_argument("--now", metavar="ISO",
                        help="evaluation instant, e.g. 2024-01-01T09:00Z (default: the "
                             "context file's, else the clock)")


def run(args: argparse.Namespace) -> int:
    """Start the REPL; the exit status is 1 when a piped input line failed."""
    from jexpr.console import UsageError
    from jexpr.repl.session import Session, run_script

    session = Session.from_files(args.context, args.schema, args.now)
    if not sys.stdin.isatty():
        return run_script(session, sys.stdin, sys.stdout, sys.stderr)
    try:
        from jexpr.repl.app import interact
    except ModuleNotFoundError as e:
        if e.name not in ("prompt_toolkit", "pygments"):
            raise
        raise UsageError(_missing()) from None
    return interact(session)
