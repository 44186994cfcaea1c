"""Running the service: bind, announce, serve on uvicorn, stop cleanly on SIGTERM.

:func:`run_server` binds the listening socket itself (so ``--port 0`` picks a free port and the
port is known before serving), prints one JSON line ``{"listening": URL, "port": N}`` on
standard output, and runs uvicorn on it (uvloop and httptools when installed). SIGTERM and
SIGINT start a graceful shutdown: no new connection, the open requests finish (at most
``GRACE_S`` seconds), then the lifespan drains the inbox and stops the engine; the exit status
is 0. (uvicorn re-raises the signal it caught once it has shut down; the handlers installed
here turn that into a plain return.) If the engine stops by itself (an internal failure), the
server shuts down and the exit status is 1, so a supervisor restarts it; a restart resumes at
the first unprocessed input.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
from collections.abc import Mapping
from typing import Any, TextIO

import uvicorn

from jengine.runtime.channels.links import TRACKING_KEY_ENV
from jengine.runtime.channels.tracking import tracking_app
from jengine.service.app import build_service, create_app
from jengine.service.config import ServeConfig
from jengine.service.context import Service
from jengine.service.engine import make_engine
from jengine.service.inbox import FairLock
from jengine.service.logs import configure_logging, log

__all__ = ["GRACE_S", "bind", "run_server", "tracking_mounts"]

GRACE_S = 30
SWITCH_S = 0.0005


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port`` 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def tracking_mounts(config: ServeConfig, service: Service,
                    env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The channels' tracking endpoints (opens, clicks, unsubscribe, provider feedback) at
    ``config.tracking_path`` when ``JENGINE_TRACKING_KEY`` (the key the engine signs links
    with) is set; each becomes an input committed to the inbox. None without the key."""
    key = (os.environ if env is None else env).get(TRACKING_KEY_ENV, "")
    if not key:
        return {}

    async def submit(event: dict[str, Any], key: str | None) -> None:
        await service.submit(event, key)

    return {config.tracking_path: tracking_app(key.encode(), submit)}


def _ignore(signum: int, frame: Any) -> None:
    return None


def run_server(config: ServeConfig, out: TextIO, transport: Any = None,
               cluster: Any = None) -> int:
    """Serve until stopped; the exit status (see the module docstring). ``cluster``: the
    :class:`~jengine.service.cluster.ClusterSettings` of ``--engine temporal``."""
    configure_logging(config.log_level, config.secrets())
    # the engine and inbox threads compete with the event loop for the GIL; a short switch
    # interval (default 5 ms) keeps the loop from waiting whole slices to answer requests
    sys.setswitchinterval(SWITCH_S)
    lock = FairLock()
    if cluster is not None:
        from jengine.service.cluster import ClusterFeed

        service = build_service(config, make_engine(lock, transport),
                                cluster=ClusterFeed(config, cluster))
    else:
        service = build_service(config, make_engine(lock, transport), write_lock=lock)
    app = create_app(service, tracking_mounts(config, service))
    sock = bind(config.host, config.port)
    port = sock.getsockname()[1]
    host = f"[{config.host}]" if ":" in config.host else config.host
    server = uvicorn.Server(uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="on", ws="none",
        timeout_graceful_shutdown=GRACE_S, server_header=False, date_header=True))
    failed = threading.Event()

    def watch() -> None:
        while not server.should_exit:
            if service.engine.failure is not None and server.started:
                failed.set()
                server.should_exit = True
                return
            threading.Event().wait(0.2)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _ignore)
    print(json.dumps({"listening": f"http://{host}:{port}", "port": port}), file=out,
          flush=True)
    threading.Thread(target=watch, name="engine-watch", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    if failed.is_set() or not server.started:
        log.error("the service stopped on a failure", extra={
            "failure": service.engine.failure or "startup failed"})
        return 1
    return 0
