"""``jengine worker WORKSPACE --temporal HOST:PORT --store LOC``: run a Temporal worker.

It publishes the workspace's journey versions to the shared store (§4.5: a higher version
opens, in-flight instances keep theirs), then runs the journey workflows and activities on the
task queue until SIGINT or SIGTERM. Start as many as you like, on any machines; they share the
task queue and the store. Needs the ``temporal`` extra (``pip install -e '.[temporal]'`` in the repository).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TextIO

from jengine.cli.common import UsageError, existing
from jengine.cli.temporal_args import add_connection, add_store, connection, queue_config

__all__ = ["HELP", "configure", "run"]

HELP = "run a Temporal worker for a workspace (journeys on a Temporal cluster)"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("workspace", type=Path, help="a folder of .journey files")
    add_connection(p, required=True)
    add_store(p)
    p.add_argument("--max-concurrent", type=int, default=50,
                   help="activities run at once by this worker (default 50)")
    p.add_argument("--sticky-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="how long a workflow's next task waits for this worker before any "
                        "worker may take it (default 10; lower fails over faster)")
    p.add_argument("--dry-run", action="store_true", help="execute no action (§4.7)")
    p.add_argument("--dry-run-datasources", action="store_true",
                   help="dry run: read external data sources (default: they read as null)")
    p.add_argument("--test", action="store_true", help="test mode: test profiles only")
    p.add_argument("--no-deliver", action="store_true",
                   help="send no channel message (the workspace's templates are not loaded); "
                        "a feeder that delivers needs other workers that do")
    p.add_argument("--env-file", type=Path,
                   help="NAME=value lines for secret() and the channels' settings (default: "
                        "WORKSPACE/.env when it exists); the process environment wins")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    existing(args.workspace)
    if not args.store:
        raise UsageError("--store is required (a postgresql:// URL or a folder)")
    try:
        from jengine.core.context import Options
        from jengine.temporal.cluster import serve_worker
    except ImportError as exc:
        from jexpr.console import install_hint

        raise UsageError(f"the temporal extra is not installed ({exc.name}): "
                         f"{install_hint('temporal')}") from None
    options = Options(args.dry_run, args.test, dt.timedelta(seconds=10) //
                      dt.timedelta(microseconds=1), args.dry_run_datasources)
    from jengine.runtime.envfile import run_environment

    return serve_worker(connection(args), queue_config(args), args.store, args.workspace,
                        options, err, args.max_concurrent, args.sticky_timeout,
                        deliver=not args.no_deliver,
                        env=run_environment(args.workspace, args.env_file))
