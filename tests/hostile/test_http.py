"""Hostile HTTP servers against custom actions and data sources (issue 16; docs/security.md).

Real servers on 127.0.0.1 (ephemeral ports, raw sockets, daemon threads that stop with the
test): one that trickles a byte at a time, one that sends an endless body, one that declares a
300 MB body, one that asks for a later retry. Each attack is bounded in time (``timeout``
marker) and the memory it may cost is measured (``tracemalloc``). The last test runs a whole
workspace with every kind of authentication and every kind of failure and greps every output —
journal, outbox, dead letters, the state store, the log records and the error stream — for the
secret values and the token.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jengine.runtime.clock import SimulatedClock
from jengine.runtime.http import (
    ActionSpec,
    DataSourceSpec,
    Finished,
    HttpClient,
    HttpxTransport,
    RetryAt,
)
from jengine.runtime.runner import RunOptions, run

T = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
Handler = Callable[[socket.socket], None]


class RawServer:
    """A TCP server on 127.0.0.1 that hands each connection to ``handler`` in a thread."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.stopped = threading.Event()
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(5)
            _read_request(conn)
            self.handler(conn)

    def stop(self) -> None:
        self.stopped.set()
        self.sock.close()


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            want = int(line.split(b":", 1)[1])
            while len(body) < want:
                body += conn.recv(65536)
    return data


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], RawServer]]:
    servers: list[RawServer] = []

    def start(handler: Handler) -> RawServer:
        server = RawServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def trickle_headers(conn: socket.socket) -> None:
    """The status line and headers, one byte every 0.2 s, forever (until the client leaves)."""
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"a" * 500:
        conn.sendall(bytes([byte]))
        time.sleep(0.2)


def trickle_body(conn: socket.socket) -> None:
    """Headers at once, then a 1000-byte body one byte every 0.2 s."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(1000):
        conn.sendall(b" ")
        time.sleep(0.2)


def endless_body(conn: socket.socket) -> None:
    """A chunked body of 64 KB chunks up to 300 MB, as fast as the client reads."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"
    for _ in range(300 * 16):
        conn.sendall(chunk)


def declared_huge(conn: socket.socket) -> None:
    """Declares a 300 MB body and sends nothing."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 314572800\r\n\r\n")
    time.sleep(3)


def answer(status: int, body: bytes = b"{}", headers: str = "") -> Handler:
    def handle(conn: socket.socket) -> None:
        conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{headers}"
                     f"Connection: close\r\n\r\n".encode() + body)
    return handle


def _client() -> HttpClient:
    return HttpClient(HttpxTransport(), SimulatedClock(T), env={})


def _attempt(url: str, **kw: object) -> tuple[Finished | RetryAt, float]:
    spec = ActionSpec("svc", url, **kw)  # type: ignore[arg-type]
    started = time.monotonic()
    out = _client().attempt_action(spec, {"x": 1}, "key")
    assert isinstance(out, Finished | RetryAt)
    return out, time.monotonic() - started


# ---- deadlines --------------------------------------------------------------------------------


@pytest.mark.timeout(20)
@pytest.mark.parametrize("handler", [trickle_headers, trickle_body], ids=["headers", "body"])
def test_a_trickling_server_cannot_stretch_a_1s_call(serve: Callable[[Handler], RawServer],
                                                     handler: Handler) -> None:
    """Was: a `timeout 2s` call against a byte-a-second server took 39 s."""
    server = serve(handler)
    out, took = _attempt(server.url, timeout=dt.timedelta(seconds=1))
    assert isinstance(out, Finished) and out.result.status_code == "timedout"
    assert took < 1.6
    assert server.connections == 1                      # a timed-out attempt is not retried


@pytest.mark.timeout(20)
def test_a_trickling_data_source_is_cut_at_its_timeout(
        serve: Callable[[Handler], RawServer]) -> None:
    server = serve(trickle_headers)
    started = time.monotonic()
    result = _client().fetch(DataSourceSpec("ds", server.url, timeout=dt.timedelta(seconds=1)),
                             {}, "key")
    assert result.payload is None and result.status_code == "timedout"
    assert time.monotonic() - started < 1.6


@pytest.mark.timeout(60)
def test_a_trickling_server_does_not_block_the_engine(
        serve: Callable[[Handler], RawServer], tmp_path: Path) -> None:
    """A whole run: the call fails `timedout` after its 1 s budget and the run goes on."""
    server = serve(trickle_headers)
    workspace = tmp_path / "w"
    workspace.mkdir()
    (workspace / "a.journey").write_text(f"""
event Go {{ namespace email key @event{{Go.email}} fields {{ email: string }} }}
action slow {{ url "{server.url}/slow" body {{ email: string }} timeout 1s }}
journey j {{ entry on event Go
  call: action slow {{ email: @event{{Go.email}} }} on error -> sorry
  ok: email {{ template: "ok" }} -> done
  sorry: email {{ template: "sorry" }}
  done: end
}}""", encoding="utf-8")
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps({"event": "Go", "time": f"2026-12-01T10:0{i}:00Z",
                                          "payload": {"email": f"p{i}@x"}}) + "\n"
                              for i in range(3)), encoding="utf-8")
    started = time.monotonic()
    result = run(RunOptions(workspace, events=events, state=tmp_path / "s.db",
                            outbox=tmp_path / "o.jsonl", journal=tmp_path / "j.jsonl",
                            dead_letters=tmp_path / "d.jsonl"))
    assert result.status == 0 and time.monotonic() - started < 10
    outbox = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert [(o["step"], o["status"]) for o in outbox] == [("call", "failed"), ("sorry", "sent")] * 3


# ---- sizes ------------------------------------------------------------------------------------


@pytest.mark.timeout(30)
def test_an_endless_body_is_cut_at_the_size_cap_in_bounded_memory(
        serve: Callable[[Handler], RawServer]) -> None:
    """Was: a 300 MB response used 1.85 GB. The default cap is 1 MB."""
    server = serve(endless_body)
    tracemalloc.start()
    try:
        out, took = _attempt(server.url, timeout=dt.timedelta(seconds=20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(out, Finished) and out.result.status_code == "internalError"
    assert peak < 16 * 1024 * 1024 and took < 10


@pytest.mark.timeout(20)
def test_a_declared_300mb_body_is_refused_before_reading(
        serve: Callable[[Handler], RawServer]) -> None:
    server = serve(declared_huge)
    out, took = _attempt(server.url, timeout=dt.timedelta(seconds=10))
    assert isinstance(out, Finished) and out.result.status_code == "internalError"
    assert took < 2


@pytest.mark.timeout(20)
def test_maxsize_is_declared_per_action(serve: Callable[[Handler], RawServer]) -> None:
    big = serve(answer(200, json.dumps({"pad": "x" * 20_000}).encode()))
    small = serve(answer(200, json.dumps({"pad": "x" * 5_000}).encode()))
    out, _ = _attempt(big.url, max_bytes=10 * 1024)
    assert isinstance(out, Finished) and out.result.status_code == "internalError"
    out, _ = _attempt(small.url, max_bytes=10 * 1024)
    assert isinstance(out, Finished) and out.result.ok


# ---- Retry-After ------------------------------------------------------------------------------


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("value", "wait"), [
    ("2", dt.timedelta(seconds=2)),
    ("Tue, 01 Dec 2026 10:00:03 GMT", dt.timedelta(seconds=3)),
    ("soon", dt.timedelta(milliseconds=100)),        # unreadable: the back-off
])
def test_retry_after_is_honoured(serve: Callable[[Handler], RawServer], value: str,
                                 wait: dt.timedelta) -> None:
    server = serve(answer(503, headers=f"Retry-After: {value}\r\n"))
    out, _ = _attempt(server.url, timeout=dt.timedelta(seconds=30))
    assert isinstance(out, RetryAt) and out.at == T + wait


@pytest.mark.timeout(20)
def test_a_retry_after_past_the_budget_ends_the_call(
        serve: Callable[[Handler], RawServer]) -> None:
    server = serve(answer(429, headers="Retry-After: 60\r\n"))
    out, _ = _attempt(server.url, timeout=dt.timedelta(seconds=5))
    assert isinstance(out, Finished) and out.result.status_code == "http_429"


# ---- secrets ----------------------------------------------------------------------------------

SECRETS = {"API_KEY": "sk-live-0a1b2c3d4e5f", "QUERY_KEY": "qk-live-9z8y7x6w",
           "BASIC_PW": "pw-live-Tr0ub4dor", "CLIENT_SECRET": "cs-live-correct-horse"}
TOKEN = "tok-live-5f4dcc3b5aa765d61d8327deb882cf99"


def _token_then_401(conn: socket.socket) -> None:
    body = json.dumps({"access_token": TOKEN, "expires_in": 3600}).encode()
    answer(200, body)(conn)


def _secrets_workspace(tmp_path: Path, ok: str, token: str, denied: str, dead: str) -> Path:
    workspace = tmp_path / "w"
    workspace.mkdir()
    (workspace / "a.journey").write_text(f"""
event Go {{ namespace email key @event{{Go.email}} fields {{ email: string }} }}
action a1 {{ url "{ok}/a1" auth apikey header "X-Key" secret("API_KEY")
  headers {{ "X-Extra": secret("API_KEY") }} timeout 2s }}
action a2 {{ url "{denied}/a2" auth apikey query "key" secret("QUERY_KEY") timeout 2s }}
action a3 {{ url "{dead}/a3" auth basic "svc" secret("BASIC_PW") timeout 2s }}
action a4 {{ url "{denied}/a4" timeout 2s
  auth custom {{ endpoint "{token}/token" form {{ secret: secret("CLIENT_SECRET") }} }} }}
action a5 {{ url "{ok}/a5" auth apikey header "X-Key" secret("MISSING_KEY") }}
datasource ds {{ url "{denied}/ds" auth apikey query "key" secret("QUERY_KEY")
  fieldgroup g {{ fields {{ v: string }} }} }}
journey j {{ entry on event Go
  s1: action a1 {{}} on error -> s2
  s2: action a2 {{}} on error -> s3
  s3: action a3 {{}} on error -> s4
  s4: action a4 {{}} on error -> s5
  s5: action a5 {{}} on error -> s6
  s6: email {{ v: #{{ds.g.v}} }} on error -> s7
  s7: email {{ code: @action{{s4.jo_status_code}}, err: @action{{s4.errorResponse}} }}
}}""", encoding="utf-8")
    return workspace


@pytest.mark.timeout(60)
def test_no_secret_reaches_any_output(serve: Callable[[Handler], RawServer], tmp_path: Path,
                                      caplog: pytest.LogCaptureFixture) -> None:
    ok = serve(answer(200, b'{"echo": "fine"}'))
    token = serve(_token_then_401)
    denied = serve(answer(401, b'{"error": "denied"}'))
    dead = serve(lambda conn: conn.close())
    workspace = _secrets_workspace(tmp_path, ok.url, token.url, denied.url, dead.url)
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps({"event": "Go", "time": "2026-12-01T10:00:00Z",
                                  "payload": {"email": "a@x"}}) + "\n"
                      + json.dumps({"event": "Go", "time": "nonsense"}) + "\n", "utf-8")
    err = io.StringIO()
    with caplog.at_level(logging.DEBUG):
        result = run(RunOptions(workspace, events=events, state=tmp_path / "s.db",
                                outbox=tmp_path / "o.jsonl", journal=tmp_path / "j.jsonl",
                                dead_letters=tmp_path / "d.jsonl", env=SECRETS, err=err,
                                until=T + dt.timedelta(hours=1)))
    assert result.status == 0
    journal = (tmp_path / "j.jsonl").read_text()
    steps = [(x["step"], x["outcome"], x.get("reason")) for x in map(json.loads,
                                                                    journal.splitlines())]
    assert steps[1:] == [("s1", "completed", None), ("s2", "error", "http_401"),
                         ("s3", "error", "internalError"), ("s4", "error", "http_401"),
                         ("s5", "error", "internalError"), ("s6", "error", "E-EVAL-DATASOURCE"),
                         ("s7", "completed", None)]
    assert (tmp_path / "d.jsonl").read_text()          # the bad line was dead-lettered
    outputs = {"journal": journal, "outbox": (tmp_path / "o.jsonl").read_text(),
               "dead letters": (tmp_path / "d.jsonl").read_text(),
               "state store": (tmp_path / "s.db").read_bytes().decode("latin-1"),
               "log": "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records),
               "errors": err.getvalue()}
    assert caplog.records                               # the calls were logged
    for where, text in outputs.items():
        for value in [*SECRETS.values(), TOKEN]:
            assert value not in text, f"{value!r} leaked into the {where}"
