"""Running the real ``jengine serve`` in a subprocess on 127.0.0.1, for the service tests."""

from __future__ import annotations

import base64
import json
import multiprocessing
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
WORKSPACE = HERE / "workspace"
WRITE_KEY = "wk_test_0123456789abcdef"
OTHER_KEY = "wk_other_0123456789abcdef"
ADMIN = "adm_test_0123456789abcdef"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def basic(key: str = WRITE_KEY) -> dict[str, str]:
    token = base64.b64encode(f"{key}:".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(token: str = ADMIN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


_FORKS: Any = None


def _forks() -> Any:
    """A fork server with ``jengine serve`` already imported: a child starts in a fraction of
    the time a fresh interpreter takes (the crash test starts the server eleven times)."""
    global _FORKS
    if _FORKS is None:
        _FORKS = multiprocessing.get_context("forkserver")
        _FORKS.set_forkserver_preload(["jengine.cli", "jengine.service.server"])
    return _FORKS


def _child(folder: str, argv: list[str], env: dict[str, str], run: int) -> None:
    os.chdir(folder)
    os.environ.clear()
    os.environ.update(env)
    for fd, name in ((1, f"serve-{run}.out"), (2, f"serve-{run}.log")):
        target = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    from jengine.cli import main

    os._exit(main(argv))


class Server:
    """One ``jengine serve`` process (its files in ``folder``): ``python -m jengine serve``,
    or with ``fork`` a child of a fork server that has it imported."""

    def __init__(self, folder: Path, *, workspace: Path = WORKSPACE, port: int = 0,
                 publish: bool = True, extra: list[str] | None = None,
                 env: dict[str, str] | None = None, fork: bool = False) -> None:
        self.folder, self.workspace, self.port = folder, workspace, port
        self.publish, self.extra, self.fork = publish, extra or [], fork
        self.env = {**os.environ, "JENGINE_WRITE_KEYS": f"{WRITE_KEY},{OTHER_KEY}",
                    "JENGINE_ADMIN_TOKEN": ADMIN, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.child: Any = None
        self.stdout = b""
        self.runs = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0, publish: bool | None = None) -> Server:
        self.runs += 1
        argv = ["serve", str(self.workspace), "--port", str(self.port), "--state", "jengine.db",
                *self.extra]
        if self.publish if publish is None else publish:
            argv.append("--publish")
        if self.fork:
            self.child = _forks().Process(target=_child, daemon=True, args=(
                str(self.folder), argv, dict(self.env), self.runs))
            self.child.start()
            line = self._announced(timeout)
        else:
            with open(self.folder / f"serve-{self.runs}.log", "wb") as err:
                self.proc = subprocess.Popen([sys.executable, "-m", "jengine", *argv],
                                             cwd=self.folder, env=self.env,
                                             stdout=subprocess.PIPE, stderr=err)
            line = self._first_line(timeout)
        self.port = int(json.loads(line)["port"])
        self._wait_ready(timeout)
        return self

    def _announced(self, timeout: float) -> bytes:
        out = self.folder / f"serve-{self.runs}.out"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.child.is_alive():
            if out.exists() and b"\n" in out.read_bytes():
                return out.read_bytes().split(b"\n", 1)[0]
            time.sleep(0.02)
        raise RuntimeError(f"jengine serve did not start: {self.logs()[-2000:]}")

    def _first_line(self, timeout: float) -> bytes:
        assert self.proc is not None and self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        buf = b""
        while b"\n" not in buf:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"jengine serve did not start: {self.logs()[-2000:]}")
            if sel.select(0.1):
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                buf += chunk
        sel.close()
        self.stdout += buf
        return buf.split(b"\n", 1)[0]

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc is not None and self.proc.poll() is not None:
                break
            if self.child is not None and not self.child.is_alive():
                break
            time.sleep(0.05)
        raise RuntimeError(f"jengine serve is not ready: {self.logs()[-2000:]}")

    def logs(self) -> str:
        return "".join((self.folder / f"serve-{n}.log").read_text(errors="replace")
                       for n in range(1, self.runs + 1)
                       if (self.folder / f"serve-{n}.log").exists())

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM and wait; the exit status."""
        if self.child is not None:
            self.child.terminate()
            self.child.join(timeout)
            self.stdout += (self.folder / f"serve-{self.runs}.out").read_bytes()
            return int(self.child.exitcode)
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout)
        self._collect()
        return rc

    def kill(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child.join(30)
            return
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self._collect()

    def _collect(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        self.stdout += self.proc.stdout.read()
        self.proc.stdout.close()

    # -- the API -------------------------------------------------------------------------------

    def get(self, path: str) -> Any:
        r = httpx.get(self.url + path, headers=bearer(), timeout=30)
        r.raise_for_status()
        return r.json()

    def post(self, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        return httpx.post(self.url + path, json=body, headers=bearer(), timeout=60, **kw)

    def send(self, path: str, body: Any) -> httpx.Response:
        return httpx.post(self.url + path, json=body, headers=basic(), timeout=60)

    def drained(self, timeout: float = 60.0) -> dict[str, Any]:
        """Wait until every acknowledged input is processed; the inbox status."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.get("/v1/status")["inbox"]
            if status["depth"] == 0:
                return dict(status)
            if time.monotonic() > deadline:
                raise AssertionError(f"inbox not drained: {status}")
            time.sleep(0.05)

    def lines(self, name: str) -> list[dict[str, Any]]:
        path = self.folder / name
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def without(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in keys}
