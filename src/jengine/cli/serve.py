"""``jengine serve``: run a workspace's journeys as a live HTTP service (docs/serve.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from jengine.cli.common import existing
from jengine.cli.temporal_args import add_connection, add_store, connection, queue_config
from jengine.lang.workspace import load_workspace
from jengine.service.config import ConfigError, load_config
from jexpr.report import format_diagnostic

__all__ = ["HELP", "configure", "run"]

HELP = "run the journeys as a live service: ingestion API, lifecycle, dashboard"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("workspace", type=Path, help="a folder of .journey files")
    p.add_argument("--state", type=Path, help="the state store file, or a folder to keep "
                   "jengine.db in (default: jengine.db)")
    p.add_argument("--host", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: 8080; 0: any free)")
    p.add_argument("--config", type=Path, help="a TOML file with a [serve] table")
    p.add_argument("--outbox", type=Path)
    p.add_argument("--journal", type=Path)
    p.add_argument("--dead-letters", type=Path)
    p.add_argument("--publish", action="store_true",
                   help="publish the workspace at start (refused when it has errors)")
    p.add_argument("--log-level", choices=("debug", "info", "warning", "error"))
    p.add_argument("--no-deliver", action="store_true",
                   help="send no channel message: channel steps only write outbox lines")
    p.add_argument("--engine", choices=("embedded", "temporal"), default="embedded",
                   help="temporal: feed a Temporal cluster (--temporal, --store); its "
                        "workers run the journeys (docs/serve.md)")
    add_connection(p, required=False)
    add_store(p)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    workspace = existing(args.workspace)
    try:
        config = load_config(workspace, file=existing(args.config) if args.config else None,
                             overrides={"state": args.state, "host": args.host,
                                        "port": args.port, "outbox": args.outbox,
                                        "journal": args.journal,
                                        "dead_letters": args.dead_letters,
                                        "log_level": args.log_level,
                                        "publish_on_start": args.publish or None,
                                        "deliver": False if args.no_deliver else None})
        config.check()
    except ConfigError as exc:
        print(f"jengine: error: {exc}", file=err)
        return 2
    if config.publish_on_start:
        ws = load_workspace(workspace)
        for d in ws.diagnostics:
            print(format_diagnostic(d.diagnostic, d.source.text, str(d.path)), file=err)
        if ws.has_errors:
            return 1
    try:
        from jengine.service.server import run_server
    except ImportError as exc:
        from jexpr.console import install_hint

        print(f"jengine: error: jengine serve needs the 'serve' extra ({exc.name} is missing): "
              f"{install_hint('serve')}", file=err)
        return 2
    cluster = None
    if args.engine == "temporal":
        cluster = _cluster(args, err)
        if cluster is None:
            return 2
    return run_server(config, out, cluster=cluster)


def _cluster(args: argparse.Namespace, err: TextIO) -> object | None:
    """The cluster settings of ``--engine temporal`` (None: refused, with a message)."""
    if not args.temporal or not args.store:
        print("jengine: error: --engine temporal needs --temporal HOST:PORT and --store "
              "(a postgresql:// URL or a folder; the workers' store)", file=err)
        return None
    try:
        from jengine.service.cluster import ClusterSettings
    except ImportError as exc:
        from jexpr.console import install_hint

        print(f"jengine: error: the temporal extra is not installed ({exc.name}): "
              f"{install_hint('temporal')}", file=err)
        return None
    return ClusterSettings(connection(args), queue_config(args, deliver=not args.no_deliver),
                           args.store)
