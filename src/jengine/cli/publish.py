"""``jengine publish``: ask a running ``jengine serve`` to publish its workspace.

The server checks its workspace folder: with errors nothing is published and the diagnostics
are printed here as ``file:line:col: severity code message`` (1-based, like ``jengine
check``); a version conflict (``J-VERSION-REUSED``, ``J-VERSION-OLD``, ``J-VERSION-CLOSED``,
``J-JOURNEY-PAUSED``) is refused. The admin token comes from ``JENGINE_ADMIN_TOKEN``.
Exit status: 0 published (or nothing to publish), 1 refused, 2 the server could not be asked.
"""

from __future__ import annotations

import argparse
import os
from typing import Any, TextIO

import httpx

__all__ = ["HELP", "configure", "run"]

HELP = "publish the workspace of a running jengine serve (its journey versions go live)"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", default="http://127.0.0.1:8080",
                   help="the service (default: http://127.0.0.1:8080)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait")


def _diagnostic(d: dict[str, Any]) -> str:
    start = d.get("range", {}).get("start", {})
    return (f"{d.get('file')}:{start.get('line', 0) + 1}:{start.get('column', 0) + 1}: "
            f"{d.get('severity')} {d.get('code')} {d.get('message')}")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    token = os.environ.get("JENGINE_ADMIN_TOKEN")
    if not token:
        print("jengine: error: set JENGINE_ADMIN_TOKEN to the service's admin token", file=err)
        return 2
    try:
        response = httpx.post(args.url.rstrip("/") + "/v1/publish", timeout=args.timeout,
                              headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        print(f"jengine: error: cannot reach {args.url}: {type(exc).__name__}", file=err)
        return 2
    try:
        body = response.json()
    except ValueError:
        body = {"error": response.text}
    for d in body.get("diagnostics", []):
        print(_diagnostic(d), file=err)
    if response.status_code in (200, 202):
        for kind in ("published", "reopened"):
            for item in body.get(kind, []):
                print(f"{kind} {item['journey']} version {item['version']}", file=out)
        if body.get("queued"):
            print("the publication is queued; the engine has not applied it yet", file=out)
        return 0
    for problem in body.get("problems", [body.get("error", response.reason_phrase)]):
        print(f"jengine: error: {problem}", file=err)
    return 1 if response.status_code in (409, 422) else 2
