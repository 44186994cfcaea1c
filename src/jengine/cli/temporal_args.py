"""The Temporal options several commands share (``worker``, ``run``/``test`` with
``--engine temporal``, ``report --store``), and turning them into a connection and a config.

Secrets never come from the command line: an API key is read from the environment variable
named by ``--api-key-env`` (default ``TEMPORAL_API_KEY`` when it is set). Defaults also come
from ``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE`` and ``JENGINE_STORE``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

__all__ = ["add_connection", "add_store", "connection", "queue_config"]


def add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", default=os.environ.get("JENGINE_STORE"),
                   help="the shared store: a postgresql:// URL or a folder "
                        "(default: $JENGINE_STORE)")


def add_connection(p: argparse.ArgumentParser, required: bool) -> None:
    g = p.add_argument_group("Temporal")
    default = os.environ.get("TEMPORAL_ADDRESS")
    g.add_argument("--temporal", metavar="HOST:PORT", default=default,
                   required=required and default is None,
                   help="the Temporal frontend (default: $TEMPORAL_ADDRESS)")
    g.add_argument("--namespace", default=os.environ.get("TEMPORAL_NAMESPACE", "default"))
    g.add_argument("--task-queue", default="jengine")
    g.add_argument("--prefix", default="jengine:", help="workflow id prefix")
    g.add_argument("--tls", action="store_true", help="TLS with the system's roots")
    g.add_argument("--tls-ca", type=Path, help="the server's CA certificate (PEM)")
    g.add_argument("--tls-cert", type=Path, help="client certificate for mTLS (PEM)")
    g.add_argument("--tls-key", type=Path, help="client private key for mTLS (PEM)")
    g.add_argument("--api-key-env", metavar="VAR",
                   help="environment variable holding an API key (Temporal Cloud; "
                        "default: TEMPORAL_API_KEY when set)")


def connection(args: argparse.Namespace) -> Any:
    from jengine.temporal.connect import Connection

    key_env = args.api_key_env or ("TEMPORAL_API_KEY" if os.environ.get("TEMPORAL_API_KEY")
                                   else None)
    return Connection(args.temporal, args.namespace, args.tls, args.tls_ca, args.tls_cert,
                      args.tls_key, key_env)


def queue_config(args: argparse.Namespace, **extra: Any) -> Any:
    from jengine.temporal.config import Config

    return Config(task_queue=args.task_queue, prefix=args.prefix, **extra)
