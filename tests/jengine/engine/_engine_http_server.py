"""A local HTTP test server for the engine-infrastructure tests.

:class:`ScriptedServer` is a threaded ``http.server`` on 127.0.0.1 with an ephemeral port. Each
path answers from a script of responses (status, JSON body, delay in seconds), consumed one per
request, the last one repeating; every request is recorded (method, path, query, headers, body).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    delay: float = 0.0


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ScriptedServer:
    server: ThreadingHTTPServer
    scripts: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def script(self, path: str, *replies: Reply) -> None:
        with self.lock:
            self.scripts[path] = list(replies)

    def next_reply(self, path: str) -> Reply:
        with self.lock:
            replies = self.scripts.get(path) or [Reply(404, {"error": "no script"})]
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def hits(self, path: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path == path]


def _handler(owner: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with owner.lock:
                owner.requests.append(Recorded(self.command, parts.path, parts.query,
                                               dict(self.headers.items()), body))
            reply = owner.next_reply(parts.path)
            if reply.delay:
                time.sleep(reply.delay)
            data = b"" if reply.body is None else json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def start_server() -> ScriptedServer:
    """Start a server on 127.0.0.1, ephemeral port, serving in a daemon thread."""
    owner = ScriptedServer(server=None)  # type: ignore[arg-type]
    owner.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(owner))
    owner.server.daemon_threads = True
    threading.Thread(target=owner.server.serve_forever, args=(0.05,), daemon=True).start()
    return owner


def stop_server(owner: ScriptedServer) -> None:
    owner.server.shutdown()
    owner.server.server_close()
