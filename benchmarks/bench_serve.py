"""Benchmark: ``jengine serve`` on loopback (goals: >= 3,000 events/s end to end, p99 ack
< 50 ms at 1,000 events/s; moonshot 5,000 events/s).

    .venv/bin/python benchmarks/bench_serve.py [--events 30000] [--profiles 3000] [--batch 100]
        [--clients 4] [--rate 1000] [--seconds 10] [--connections 32] [--repeat 3] [--json FILE]

Each repetition starts a fresh ``jengine serve`` (its own process, a fresh store in a temporary
folder, the example workspace's ``common.journey`` and ``welcome.journey`` published at start,
``--profiles`` profiles loaded through ``POST /v1/profiles``) and measures:

1. **End to end** — ``--clients`` concurrent keep-alive connections post ``--events`` events
   as NDJSON batches of ``--batch`` to ``/v1/events`` as fast as they are acknowledged; the
   figure is events / (time from the first request to the moment the engine's committed offset
   passes the last acknowledged input): acknowledged *and* processed. The acknowledgement rate
   alone is printed too.
2. **Ack latency at a fixed rate** — ``--rate`` events/s for ``--seconds``, first one event
   per request (``--rate`` requests/s), then ``--sdk-batch`` events per request (as a Segment
   SDK batches them) — open loop: each request is due at its slot whatever the answers before
   it, over a pool of ``--connections`` connections; a late start counts in its latency, so
   there is no coordinated omission: p50, p90, p99, max.

Baseline, measured in the same run: ``jengine run`` (simulated mode) over the same events file
in-process — the engine alone, without HTTP, inbox or live clock. The ratio end-to-end /
baseline is what the service costs. The client (asyncio, raw HTTP/1.1; httpx is too slow a load
generator) shares the machine's cores with the server. The machine is shared, so every figure
is the median over ``--repeat`` runs, printed with the load average before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

KEY = "wk_bench_0123456789abcdef"
ADMIN = "adm_bench_0123456789abcdef"
AUTH = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
FILES = ("common.journey", "welcome.journey")


# ---- inputs ---------------------------------------------------------------------------------


def who(i: int) -> str:
    return f"p{i:06d}@bench.example.com"


def make_inputs(events: int, profiles: int, seed: int) -> tuple[list[str], list[str]]:
    """Profile lines and event lines (no ``time``: live mode stamps the arrival)."""
    rng = random.Random(seed)
    people = [json.dumps({"id": who(i), "namespace": "email", "attributes": {
        "ProfileFieldGroup": {"person": {"firstName": f"F{i}"},
                              "personalEmail": {"address": who(i)}}}}) for i in range(profiles)]
    lines = []
    for n in range(events):
        p = n % profiles
        if n < profiles:
            payload = {"email": who(p), "plan": rng.choice(("monthly", "yearly", "trial")),
                       "firstName": f"F{p}", "source": "web"}
            lines.append(json.dumps({"event": "SubscriptionCreated", "payload": payload}))
        else:
            lines.append(json.dumps({"event": "PurchaseMade", "payload": {
                "email": who(p), "orderId": f"o{n}", "total": round(rng.uniform(5, 120), 2),
                "purchasedAt": "2026-12-01T10:00:00Z"}}))
    return people, lines


# ---- a small HTTP/1.1 client ------------------------------------------------------------------


class Conn:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: Any = None
        self.writer: Any = None

    async def open(self) -> Conn:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def post(self, path: str, body: bytes, ctype: str = "application/json") -> int:
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\n"
                f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw.split(b" ", 2)[1])
        length = 0
        for line in raw.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


# ---- the server -------------------------------------------------------------------------------


class Served:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        env = {**os.environ, "JENGINE_WRITE_KEYS": KEY, "JENGINE_ADMIN_TOKEN": ADMIN}
        self.log = open(folder / "serve.log", "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jengine", "serve", str(folder / "ws"), "--port", "0",
             "--publish", "--no-deliver", "--log-level", os.environ.get("BENCH_LOG", "warning")],
            cwd=folder, env=env,
            stdout=subprocess.PIPE, stderr=self.log)
        assert self.proc.stdout is not None
        self.port = int(json.loads(self.proc.stdout.readline())["port"])
        import httpx

        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}",
                                 headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60)
        while True:
            try:
                if self.http.get("/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)

    def status(self) -> dict[str, Any]:
        inbox: dict[str, Any] = self.http.get("/v1/status").json()["inbox"]
        return inbox

    def drained(self) -> float:
        while self.status()["depth"] > 0:
            time.sleep(0.005)
        return time.perf_counter()

    def stop(self) -> int:
        self.http.close()
        self.proc.terminate()
        rc = self.proc.wait(120)
        self.log.close()
        return rc


# ---- the phases -------------------------------------------------------------------------------


async def _load(port: int, lines: list[str], path: str, batch: int, clients: int) -> float:
    bodies = [("\n".join(lines[i:i + batch]) + "\n").encode()
              for i in range(0, len(lines), batch)]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def worker() -> None:
        conn = await Conn(port).open()
        try:
            while not queue.empty():
                body = queue.get_nowait()
                while (status := await conn.post(path, body, "application/x-ndjson")) != 200:
                    if status not in (429, 503):
                        raise RuntimeError(f"HTTP {status}")
                    await asyncio.sleep(0.05)
        finally:
            conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - start


async def _fixed_rate(port: int, lines: list[str], rate: int, seconds: float,
                      connections: int, lags: list[float], per: int = 1) -> list[float]:
    """Requests of ``per`` events each at ``rate`` requests/s (open loop)."""
    pool: asyncio.Queue[Conn] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await Conn(port).open())
    latencies: list[float] = []
    count = int(rate * seconds)
    start = time.perf_counter() + 0.1

    async def one(k: int) -> None:
        due = start + k / rate
        lags.append(time.perf_counter() - due)     # the client's own lateness
        conn = await pool.get()
        try:
            body = "\n".join(lines[(k * per + i) % len(lines)] for i in range(per)) + "\n"
            status = await conn.post("/v1/events", body.encode(), "application/x-ndjson")
            if status != 200:
                raise RuntimeError(f"HTTP {status}")
            latencies.append(time.perf_counter() - due)
        finally:
            pool.put_nowait(conn)

    tasks = []
    for k in range(count):
        delay = start + k / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(k)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait().close()
    return latencies


def _run(coro: Any) -> Any:
    """Run a coroutine on uvloop when it is installed (a faster load generator)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def repetition(args: argparse.Namespace, folder: Path, people: list[str],
               lines: list[str]) -> dict[str, float]:
    served = Served(folder)
    try:
        _run(_load(served.port, people, "/v1/profiles", 500, 2))
        served.drained()
        first = served.status()["last"]
        start = time.perf_counter()
        ack_s = _run(_load(served.port, lines, "/v1/events", args.batch, args.clients))
        done = served.drained()
        processed = served.status()["processed"] - first
        assert processed >= len(lines), (processed, len(lines))
        figures = {"end_to_end": len(lines) / (done - start), "acks": len(lines) / ack_s}
        for per in (1, args.sdk_batch):
            lags: list[float] = []
            latencies = _run(_fixed_rate(served.port, lines, args.rate // per, args.seconds,
                                         args.connections, lags, per))
            served.drained()
            figures.update({f"p50/{per}": _pct(latencies, 0.50),
                            f"p90/{per}": _pct(latencies, 0.90),
                            f"p99/{per}": _pct(latencies, 0.99),
                            f"max/{per}": max(latencies) * 1000,
                            f"lag99/{per}": _pct(lags, 0.99)})
    finally:
        rc = served.stop()
    assert rc == 0, f"jengine serve exited {rc}"
    return figures


def baseline(folder: Path, lines: list[str], people: list[str]) -> float:
    """``jengine run`` over the same events (simulated mode, times added), in-process, without
    sending messages (``--no-deliver``, as the service here: channel steps as outbox lines)."""
    from jengine.runtime.runner import RunOptions, run

    events = folder / "events.jsonl"
    with events.open("w") as f:
        for n, line in enumerate(lines):
            obj = json.loads(line)
            f.write(json.dumps({"event": obj["event"], "time":
                                f"2026-12-01T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:"
                                f"{n % 60:02d}Z", "payload": obj["payload"]}) + "\n")
    profiles = folder / "profiles.jsonl"
    profiles.write_text("\n".join(people) + "\n")
    out = folder / "baseline"
    out.mkdir()
    result = run(RunOptions(workspace=folder / "ws", events=events, profiles=profiles,
                            state=out / "jengine.db", outbox=out / "outbox.jsonl",
                            journal=out / "journal.jsonl",
                            dead_letters=out / "deadletters.jsonl", batch_size=500,
                            deliver=False))   # as the served --no-deliver: outbox lines only
    assert result.status == 0
    return len(lines) / (result.seconds or 1e-9)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=30_000)
    p.add_argument("--profiles", type=int, default=3_000)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--rate", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--sdk-batch", type=int, default=10,
                   help="events per request of the second fixed-rate phase (SDK-like)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    people, lines = make_inputs(args.events, args.profiles, args.seed)
    runs: list[dict[str, float]] = []
    bases: list[float] = []
    loads: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
        try:
            (folder / "ws").mkdir()
            for name in FILES:
                shutil.copy(ROOT / "examples" / "workspace" / name, folder / "ws" / name)
            # the journeys' email steps name templates: the workspace needs them to check
            shutil.copytree(ROOT / "examples" / "workspace" / "templates",
                            folder / "ws" / "templates")
            before = os.getloadavg()[0]
            runs.append(repetition(args, folder, people, lines))
            bases.append(baseline(folder, lines, people))
            loads.append((before, os.getloadavg()[0]))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    figures = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    figures["baseline"] = statistics.median(bases)
    figures["ratio"] = figures["end_to_end"] / figures["baseline"]
    report(args, figures, runs, bases, loads)
    if args.json:
        args.json.write_text(json.dumps({"median": figures, "runs": runs, "baseline": bases,
                                         "load": loads}, indent=2))
    return 0


def report(args: argparse.Namespace, figures: dict[str, float], runs: list[dict[str, float]],
           bases: list[float], loads: list[tuple[float, float]]) -> None:
    print(f"jengine serve, {args.events} events ({args.profiles} profiles), batches of "
          f"{args.batch} over {args.clients} connections; fixed rate {args.rate}/s for "
          f"{args.seconds:.0f}s over {args.connections} connections; {os.cpu_count()} CPUs; "
          f"median of {len(runs)} runs")
    print(f"  end to end (acknowledged and processed): {figures['end_to_end']:8.0f} events/s "
          f"(goal 3000, moonshot 5000)   runs: "
          + ", ".join(f"{r['end_to_end']:.0f}" for r in runs))
    print(f"  acknowledged only:                       {figures['acks']:8.0f} events/s")
    print(f"  baseline jengine run (same events):      {figures['baseline']:8.0f} events/s   "
          f"runs: " + ", ".join(f"{b:.0f}" for b in bases))
    print(f"  end to end / baseline:                   {figures['ratio']:8.2f}")
    for per in (1, args.sdk_batch):
        print(f"  ack latency at {args.rate} events/s, {per} per request "
              f"({args.rate // per} requests/s): p50 {figures[f'p50/{per}']:.1f} ms, p90 "
              f"{figures[f'p90/{per}']:.1f} ms, p99 {figures[f'p99/{per}']:.1f} ms (goal < 50),"
              f" max {figures[f'max/{per}']:.1f} ms   p99 runs: "
              + ", ".join(f"{r[f'p99/{per}']:.1f}" for r in runs))
        print(f"    (the client's own lateness starting a request, p99 "
              f"{figures[f'lag99/{per}']:.1f} ms, is included: latency counts from each "
              "request's due time)")
    print("  load average (1 min) before/after each run: "
          + ", ".join(f"{a:.1f}/{b:.1f}" for a, b in loads))


if __name__ == "__main__":
    sys.exit(main())
