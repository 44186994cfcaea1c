"""Local servers for development, tests and benchmarks: the Temporal dev server
(``temporal server start-dev``, SQLite persistence) and a throwaway PostgreSQL cluster from
Debian's ``postgresql`` package. Both listen on 127.0.0.1 only and are stopped by
:meth:`stop` (or the context manager).

PostgreSQL refuses to run as root: as root, ``initdb`` and ``pg_ctl`` run as the ``postgres``
user through ``runuser``; the data folder and the socket live in a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from jengine.temporal.binaries import dev_server_binary

__all__ = ["DevServer", "PostgresServer", "free_port", "postgres_bin"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_port(port: int, proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on 127.0.0.1:{port}") from None
            time.sleep(0.05)


class DevServer:
    """``temporal server start-dev`` on 127.0.0.1 (SQLite in ``db``, WAL, no fsync)."""

    def __init__(self, db: Path | None = None, port: int | None = None,
                 log: Path | None = None) -> None:
        self.port = port or free_port()
        self.db, self.log = db, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> DevServer:
        args = [dev_server_binary(), "server", "start-dev", "--ip", "127.0.0.1",
                "--port", str(self.port), "--headless", "--log-level", "error"]
        if self.db is not None:
            args += ["--db-filename", str(self.db), "--sqlite-pragma", "journal_mode=wal",
                     "--sqlite-pragma", "synchronous=off"]
        err = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err,
                                     start_new_session=True)
        _wait_port(self.port, self.proc, timeout)
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's ``bin`` folder (Debian layout)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                   key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise FileNotFoundError("PostgreSQL is not installed (apt-get install -y postgresql)")


class PostgresServer:
    """A throwaway PostgreSQL cluster (no fsync) on 127.0.0.1, trust authentication."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="jengine-pg-"))
        self.bin = postgres_bin()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *args]
        return list(args)

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o700)
        data = self.dir / "data"
        subprocess.run(self._as_postgres(str(self.bin / "initdb"), "-D", str(data),
                                         "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                         "--no-locale", "--no-sync"),
                       check=True, capture_output=True)
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        subprocess.run(self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(data), "-l",
                                         str(self.dir / "server.log"), "-w", "-t", "60",
                                         "-o", options, "start"),
                       check=True, capture_output=True)
        _wait_port(self.port, None, 30)
        return self

    def stop(self) -> None:
        data = self.dir / "data"
        if (data / "postmaster.pid").exists():
            subprocess.run(self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(data),
                                             "-m", "immediate", "-w", "stop"),
                           capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
