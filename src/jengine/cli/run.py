"""``jengine run``: arguments and the call into :func:`jengine.runtime.runner.run`.

Exit status: 0 every input was processed; 1 the run was refused (workspace errors, a version
conflict); 2 bad arguments or an unreadable input file; 4 the run finished but some inputs were
dead-lettered (``--allow-dead-letters`` makes that 0). ``--json`` prints the run's summary as
one JSON object on standard output instead of the summary line on standard error.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import TextIO

from jengine.cli.temporal_args import add_connection, add_store, connection, queue_config
from jengine.lang.literals import duration_ms
from jengine.runtime.envfile import run_environment
from jengine.runtime.options import DEFAULT_CACHE
from jengine.runtime.runner import RunOptions
from jengine.runtime.runner import run as run_journeys
from jexpr.runtime.temporal import parse_offset_datetime

__all__ = ["HELP", "configure", "run"]

HELP = "run a workspace over an event stream"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("workspace", type=Path, help="a folder of .journey files")
    p.add_argument("--events", required=True, help="events JSONL file, or - for stdin")
    p.add_argument("--profiles", type=Path, help="profiles JSONL file")
    p.add_argument("--state", type=Path, default=Path("jengine.db"),
                   help="the state store (default: jengine.db)")
    p.add_argument("--mode", choices=("simulated", "live"), default="simulated")
    p.add_argument("--until", help="simulated mode: fire timers due up to this instant")
    p.add_argument("--max-ahead", default="3650d",
                   help="simulated mode: dead-letter (time_out_of_range) an input dated more "
                        "than this after the clock (default 3650d; off: no bound)")
    p.add_argument("--strict-order", action="store_true",
                   help="simulated mode: stop with E-INPUT-ORDER at the first input older "
                        "than the one before it (default: process it late, at the clock time, "
                        "and count it)")
    p.add_argument("--outbox", type=Path, default=Path("outbox.jsonl"))
    p.add_argument("--journal", type=Path, default=Path("journal.jsonl"))
    p.add_argument("--dead-letters", type=Path, default=Path("deadletters.jsonl"))
    p.add_argument("--dry-run", action="store_true",
                   help="execute no action, update no profile, take no reaction (§4.7)")
    p.add_argument("--dry-run-datasources", action="store_true",
                   help="dry run: read external data sources (default: they read as null)")
    p.add_argument("--test", action="store_true", help="test mode: test profiles only")
    p.add_argument("--test-wait", default="10s", help="test mode: longest wait (default 10s)")
    p.add_argument("--batch", type=int, default=None,
                   help="inputs per commit (default: 2000 simulated, 500 live)")
    p.add_argument("--cache", type=int, default=DEFAULT_CACHE,
                   help=f"profiles kept in memory (default: {DEFAULT_CACHE})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-deliver", action="store_true",
                   help="send no channel message: channel steps only write outbox lines")
    p.add_argument("--env-file", type=Path,
                   help="NAME=value lines for secret() (default: WORKSPACE/.env when it "
                        "exists); the process environment wins over the file")
    p.add_argument("--allow-dead-letters", action="store_true",
                   help="exit 0 even when inputs were dead-lettered (default: exit 4)")
    p.add_argument("--json", action="store_true",
                   help="print the summary as JSON on standard output")
    p.add_argument("--engine", choices=("embedded", "temporal"), default="embedded",
                   help="temporal: on a Temporal cluster (--temporal), else simulated on the "
                        "time-skipping test server (docs/temporal.md)")
    add_connection(p, required=False)
    add_store(p)


class ArgError(Exception):
    pass


def _until(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    value = parse_offset_datetime(text)
    if value is None:
        raise ArgError(f"--until: not an offset date-time: {text}")
    return value


def _wait(text: str) -> dt.timedelta:
    ms = duration_ms(text)
    if ms is None:
        raise ArgError(f"--test-wait: not a duration: {text}")
    return dt.timedelta(milliseconds=ms)


def _ahead(text: str) -> dt.timedelta | None:
    if text == "off":
        return None
    ms = duration_ms(text)
    if ms is None or ms <= 0:
        raise ArgError(f"--max-ahead: not a positive duration or off: {text}")
    return dt.timedelta(milliseconds=ms)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if not args.workspace.exists():
        print(f"jengine: error: {args.workspace}: no such file or folder", file=err)
        return 2
    if args.events != "-" and not Path(args.events).exists():
        print(f"jengine: error: {args.events}: no such file", file=err)
        return 2
    if args.env_file is not None and not args.env_file.is_file():
        print(f"jengine: error: {args.env_file}: no such file", file=err)
        return 2
    try:
        options = RunOptions(
            workspace=args.workspace, events=args.events, profiles=args.profiles,
            state=args.state, outbox=args.outbox, journal=args.journal,
            dead_letters=args.dead_letters, mode=args.mode, until=_until(args.until),
            dry_run=args.dry_run, dry_run_datasources=args.dry_run_datasources,
            test_mode=args.test, test_wait=_wait(args.test_wait),
            max_ahead=_ahead(args.max_ahead), strict_order=args.strict_order,
            batch_size=None if args.batch is None else max(1, args.batch),
            cache_size=max(1, args.cache), progress=not args.no_progress and err.isatty(),
            err=err, env=run_environment(args.workspace, args.env_file),
            deliver=not args.no_deliver)
    except ArgError as exc:
        print(f"jengine: error: {exc}", file=err)
        return 2
    if args.engine == "temporal":
        return _temporal(args, options, err)
    result = run_journeys(options)
    status = result.status
    if status == 0 and result.dead_letters and not args.allow_dead_letters:
        status = 4
    if args.json:
        summary = {**dataclasses.asdict(result), "rate": result.rate, "exit_status": status}
        out.write(json.dumps(summary, ensure_ascii=False) + "\n")
    elif result.status == 0:
        print(f"{result.events} input(s), {result.timers} timer(s): {result.entered} entered, "
              f"{result.outbox} outbox, {result.journal} journal, "
              f"{result.dead_letters} dead letter(s), {result.late} late in "
              f"{result.seconds:.2f}s ({result.rate:.0f} events/s)", file=err)
    if status == 4 and not args.json:
        print(f"jengine: {result.dead_letters} input(s) dead-lettered (see "
              f"{args.dead_letters}); exit status 4 (--allow-dead-letters accepts them)",
              file=err)
    return status


def _delivers(workspace: Path) -> bool:
    from jengine.lang.workspace import load_workspace

    channels = load_workspace(workspace).model.channels
    return any(c.provider != "outbox" for c in channels.values())


def _temporal(args: argparse.Namespace, options: RunOptions, err: TextIO) -> int:
    """``--engine temporal``: feed a cluster (``--temporal``; its workers send the channel
    messages unless ``--no-deliver``), else simulate (outbox lines only: it says so)."""
    if not args.temporal and not args.no_deliver and _delivers(args.workspace):
        print(f"{args.workspace}: warning: the simulated temporal engine does not deliver "
              "channel messages; channel steps only write outbox lines (--no-deliver)",
              file=err)
    try:
        from jengine.core.context import Options
        from jengine.temporal import cluster, simulate
    except ImportError as exc:
        from jexpr.console import install_hint

        print(f"jengine: error: the temporal extra is not installed ({exc.name}): "
              f"{install_hint('temporal')}", file=err)
        return 2
    if args.temporal:
        if not args.store:
            print("jengine: error: --store is required with --temporal", file=err)
            return 2
        core = Options(options.dry_run, options.test_mode,
                       options.test_wait // dt.timedelta(microseconds=1),
                       options.dry_run_datasources)
        fed = cluster.feed(connection(args), queue_config(args, deliver=not args.no_deliver),
                           args.store, args.workspace,
                           args.events, args.profiles, core, err)
        if fed.status == 0:
            print(f"{fed.inputs} input(s) accepted by Temporal ({fed.profiles} profile(s)); "
                  f"the workers write the outputs to {args.store} (jengine report --store)",
                  file=err)
        return fed.status
    if args.store and Path(args.store).exists() and any(Path(args.store).iterdir()):
        print(f"jengine: error: {args.store}: a simulated run needs a new store", file=err)
        return 2
    result = simulate.run_blocking(options, args.store)
    if result.status == 0:
        print(f"{result.events} input(s) on Temporal (time-skipping): {result.entered} entered, "
              f"{result.outbox} outbox, {result.journal} journal, "
              f"{result.dead_letters} dead letter(s) in {result.seconds:.2f}s", file=err)
    if result.status == 0 and result.dead_letters and not args.allow_dead_letters:
        return 4
    return result.status
