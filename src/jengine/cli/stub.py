"""``jengine stub DIR``: a local HTTP server answering the workspace's custom actions and
data sources (those whose ``url`` is on 127.0.0.1), so their happy paths run on one machine.

See :mod:`jengine.testing.stubserver`. Runs until Ctrl-C (exit status 0).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from jengine.cli.common import UsageError, existing
from jengine.lang.workspace import load_workspace
from jengine.testing.stubserver import StubServer, local_port, routes

__all__ = ["HELP", "configure", "run"]

HELP = "serve the workspace's local HTTP actions and data sources with sample answers"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("workspace", type=Path, help="a folder of .journey files")
    p.add_argument("--port", type=int,
                   help="the port to listen on (default: the port of the first action or data "
                        "source URL on 127.0.0.1, else 8700)")
    p.add_argument("--responses", type=Path,
                   help='JSON object of answers by route: {"POST /v1/coupons": {...}}')


def _default_port(ws: Any) -> int:
    urls = [a.url for a in ws.model.actions.values()] + [
        d.url for d in ws.model.datasources.values()]
    return next((p for u in urls if (p := local_port(u)) is not None), 8700)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    ws = load_workspace(existing(args.workspace))
    if ws.has_errors:
        raise UsageError(f"{args.workspace}: the workspace has errors (run jengine check)")
    overrides = None
    if args.responses is not None:
        overrides = json.loads(existing(args.responses).read_text(encoding="utf-8"))
        if not isinstance(overrides, dict):
            raise UsageError(f"{args.responses}: want a JSON object of routes")
    port = args.port if args.port is not None else _default_port(ws)
    table = routes(ws.model, port, overrides)
    server = StubServer(table, port, lambda line: print(line, file=err, flush=True))
    for route in table.values():
        names = ", ".join(route.names) or "responses file"
        print(f"http://127.0.0.1:{server.port}{route.path} {route.method} ({names})", file=out,
              flush=True)
    print(f"listening on 127.0.0.1:{server.port}; Ctrl-C stops", file=err, flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0
