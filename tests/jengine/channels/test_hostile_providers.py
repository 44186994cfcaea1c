"""HTTP providers that misbehave cannot hold the engine or flood its memory.

Providers go through the runtime's transport (the one of HTTP actions): the channel's
``timeout`` bounds each attempt on every socket read, so a provider that trickles its answer
is cut at the deadline (a transient failure: retried, then ``failed``); an answer over
``MAX_ANSWER`` is cut off and fails the message without a retry. Real servers on 127.0.0.1
(raw sockets: the behaviour is byte by byte), each bounded in time.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from _channel_workspace import TEMPLATES, event, lines, run_engine, write_workspace

from jengine.runtime.channels.providers import MAX_ANSWER

MORE = """
journey nudge {
  reentrance always
  entry on event Promo
  big: sms { channel: "huge", template: "hook" }
  slow: sms { channel: "slow", template: "hook" }
}
"""


class HostileServer:
    """Answers ``/huge`` with a 2xx body over the cap, ``/slow`` one byte every 0.2 s (for at
    most 6 s); records the paths it was asked for."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.paths: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(rest) < length:
                rest += conn.recv(65536)
            path = head.split(b" ")[1].decode()
            self.paths.append(path)
            try:
                if path == "/huge":
                    body = b'{"id": "' + b"x" * (MAX_ANSWER * 3) + b'"}'
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Connection: close\r\n\r\n" + body)
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n")
                    for _ in range(30):
                        if self.stop.wait(0.2):
                            return
                        conn.sendall(b" ")
            except OSError:
                return              # the client hung up: what it should do

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def test_a_trickling_or_flooding_provider_fails_the_message_in_time(tmp_path: Path) -> None:
    with HostileServer() as server:
        channels = f"""
channel huge sms {{ provider: webhook, url: "{server.url}/huge", retries: 0 }}
channel slow sms {{ provider: webhook, url: "{server.url}/slow", retries: 1, timeout: 1s }}
"""
        hook = '{"name": "{{profile.person.firstName}}"}'
        templates = {**TEMPLATES, "hook.json": hook, "apology.json": hook}
        ws = write_workspace(tmp_path, channels, MORE, templates)
        path = ws / "shop.journey"
        path.write_text(path.read_text().replace("apology: sms {", 'apology: sms {\n'
                                                 '    channel: "slow"'), encoding="utf-8")
        started = time.monotonic()
        result = run_engine(tmp_path, ws, [
            event("Promo", "2026-03-02T11:00:00Z", email="ann@example.test", code="A",
                  percent=10)], {}, until="2026-03-02T12:00:00+00:00")
        elapsed = time.monotonic() - started
    assert result.status == 0
    sms = {o["step"]: o for o in lines(tmp_path, "outbox.jsonl") if o["action"] == "sms"}
    assert sms["big"]["status"] == "failed" and sms["big"]["attempts"] == 1
    assert "too large" in sms["big"]["detail"]
    assert sms["slow"]["status"] == "failed" and sms["slow"]["attempts"] == 2
    assert sms["slow"]["detail"].endswith("/slow: timed out")
    assert server.paths.count("/huge") == 1 and server.paths.count("/slow") == 2
    # two 1 s attempts, not two 6 s trickles (12 s): a generous bound for a loaded machine
    assert elapsed < 9.0, elapsed
