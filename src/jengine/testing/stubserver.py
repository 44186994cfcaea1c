"""A local HTTP server that answers a workspace's custom actions and data sources.

``jengine stub DIR`` reads the workspace, and for every action and HTTP data source whose
``url`` points at this machine (``127.0.0.1``, ``localhost``) on the served port it answers
``METHOD /path`` with a JSON body: the declared ``response`` of an action, or the ``fields`` of
a data source's field groups (merged, since the groups share one URL), filled with sample values
of the declared types. A responses file (``--responses F``: a JSON object ``{"POST
/v1/coupons": {...}}``) replaces the generated body of a route. An action that declares a
``secret(…)`` header is answered 401 when the request lacks that header, so a missing secret
shows up as it would against the real service. Anything else is 404.

The server listens on 127.0.0.1 only and logs one line per request.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from jengine.lang import ast as A
from jengine.lang.model import Model

__all__ = ["LOCAL_HOSTS", "Route", "StubServer", "local_port", "routes", "sample"]

LOCAL_HOSTS = ("127.0.0.1", "localhost")
_SAMPLES: dict[str, Any] = {
    "string": "sample", "integer": 1, "decimal": 21.5, "boolean": True,
    "dateTime": "2027-01-01T00:00:00Z", "dateTimeOnly": "2027-01-01T09:00:00",
    "dateOnly": "2027-01-01", "duration": "PT1H",
}


@dataclass
class Route:
    """What one ``METHOD /path`` answers: a JSON body and the headers a request must carry."""

    method: str
    path: str
    body: Any
    required_headers: tuple[str, ...] = ()
    names: list[str] = field(default_factory=list)  # the declarations served


def sample(t: A.TypeExpr) -> Any:
    """A value of a declared type (the JSON of an input payload)."""
    if isinstance(t, A.ScalarType):
        return _SAMPLES.get(t.name, "sample")
    if isinstance(t, A.ListType):
        return [sample(t.item)]
    if isinstance(t, A.MapType):
        return {"key": sample(t.item)}
    return {f.name.text: sample(f.type) for f in t.fields}


def local_port(url: str | None) -> int | None:
    """The port of a URL on this machine, or None for any other host."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.hostname not in LOCAL_HOSTS:
        return None
    return parts.port or (443 if parts.scheme == "https" else 80)


def routes(model: Model, port: int, overrides: Mapping[str, Any] | None = None
           ) -> dict[tuple[str, str], Route]:
    """The routes of the workspace's local actions and data sources on ``port``."""
    out: dict[tuple[str, str], Route] = {}
    for action in model.actions.values():
        if local_port(action.url) != port:
            continue
        body = {f.name.text: sample(f.type) for c in action.node.clauses
                if isinstance(c, A.Fields) and c.keyword == "response" for f in c.fields}
        secrets = tuple(h.name.value for h in action.headers if h.secret)
        _add(out, action.method, action.url or "", body, secrets, action.name)
    for ds in model.datasources.values():
        if local_port(ds.url) != port or ds.node is None:
            continue
        body = {}
        for group in (c for c in ds.node.clauses if isinstance(c, A.FieldGroup)):
            body.update({f.name.text: sample(f.type) for c in group.clauses
                         if isinstance(c, A.Fields) and c.keyword == "fields" for f in c.fields})
        _add(out, ds.method, ds.url or "", body, (), ds.name)
    for key, value in (overrides or {}).items():
        method, _, path = key.partition(" ")
        route = out.setdefault((method.upper(), path), Route(method.upper(), path, value))
        route.body = value
    return out


def _add(out: dict[tuple[str, str], Route], method: str, url: str, body: Any,
         secrets: tuple[str, ...], name: str) -> None:
    path = urlsplit(url).path or "/"
    route = out.setdefault((method, path), Route(method, path, {}))
    if isinstance(route.body, dict) and isinstance(body, dict):
        route.body = {**route.body, **body}
    route.required_headers = tuple(dict.fromkeys((*route.required_headers, *secrets)))
    route.names.append(name)


class StubServer:
    """The HTTP server over :func:`routes`; ``start()`` serves in a thread, ``serve()`` in the
    caller's thread until ``close()`` (or Ctrl-C)."""

    def __init__(self, table: Mapping[tuple[str, str], Route], port: int,
                 log: Callable[[str], None] | None = None) -> None:
        handler = _handler(table, log or (lambda _line: None))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.thread: threading.Thread | None = None

    def start(self) -> StubServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def serve(self) -> None:
        self.httpd.serve_forever()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(5)


def _handler(table: Mapping[tuple[str, str], Route],
             log: Callable[[str], None]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(min(length, 1 << 20))
            route = table.get((self.command, urlsplit(self.path).path))
            if route is None:
                status, body = 404, {"error": f"no stub for {self.command} {self.path}"}
            else:
                missing = [h for h in route.required_headers if not self.headers.get(h)]
                status, body = ((401, {"error": f"missing header {', '.join(missing)}"})
                                if missing else (200, route.body))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            log(f"{self.command} {self.path} -> {status}")

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
