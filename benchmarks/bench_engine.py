"""Benchmark: the embedded journey engine at scale (targets in docs/engine.md, "Performance").

    .venv/bin/python benchmarks/bench_engine.py [--sizes 10000,100000] [--million]
                                                [--repeat 1] [--events-per-profile 4]
                                                [--seed 7] [--keep DIR] [--json FILE]
                                                [--no-read] [--batch N] [--cache N]
                                                [--load-only] [--read-only]

For each size (profiles: 10,000 and 100,000 by default; ``--million`` adds 1,000,000) the
script generates, with a fixed seed, the whole example workspace's traffic
(:mod:`engine_stream`: about ``--events-per-profile`` events per profile over three simulated
weeks for all seven journeys, 30 % of the profiles in the weekly rate-limited ``rampup`` read
audience) and runs the engine once in simulated mode with its SQLite store, ``--until`` one
day after the last event. HTTP goes to an in-process service (:class:`BenchService`: the
coupon action answers 200 with a code, the weather data source 200 with a temperature), so the
figures are the engine's, not a network's.

Each run is a fresh child process (``--child``), so its peak RSS is the engine's alone (the
generator is not in it). Printed per size: events, timers fired, profile load time, events/s
(input lines per second of the run without the profile load), inputs/s (events + timers),
peak RSS and the state store size (database + WAL). Then, unless ``--no-read``, one more run
per size isolates the read audience: the ``rampup`` journey alone, no events, until every
member has entered and waited its day; its time without the profile load, divided by the
members, is the cost of one read member (the fan-out over the membership index, the
rate-limited ``enter`` timer, the entry and its steps).

``--load-only`` generates only the profiles and times their load (a run without events):
the load time, its CPU time, profiles per second, the peak RSS and the store size per size —
the quick way to check the 1,000,000-profile load (``--sizes 1000000 --load-only``).
``--read-only`` generates only the profiles and runs the read-audience measurement alone (no
event stream): the load and the weekly read at a size where the full stream takes hours
(``--sizes 1000000 --read-only``).

``--repeat N`` runs each measurement N times and prints the median (the machine may be
shared; the load average is printed with the figures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

READ_AT = dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)   # the first rampup read
RATE = 5000                                               # its rate: 5000 per 1s


class BenchService:
    """An in-process HTTP service for the example workspace's action and data source."""

    def send(self, request: Any) -> Any:
        from jengine.runtime.http import HttpResponse

        if "/coupons" in request.url:
            body = {"code": "BENCH-10", "expiresAt": "2027-01-31T00:00:00Z"}
        else:
            body = {"temperature": 17.5, "condition": "sunny"}
        return HttpResponse(200, json.dumps(body).encode("utf-8"))


def rss_mib() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def db_mib(state: Path) -> float:
    files = [state, state.with_name(state.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 2**20


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(options: Any) -> tuple[Any, float, float]:
    """Run the engine once; the result, its wall time and its CPU time (user + system)."""
    from jengine.runtime.runner import run

    wall, cpu = time.perf_counter(), cpu_seconds()
    result = run(options)
    if result.status != 0:
        raise SystemExit(f"the engine refused the run (status {result.status})")
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def child(args: argparse.Namespace) -> int:
    """Load the profiles (a run without events), then run the events on that store; print
    the figures of both as JSON."""
    from jengine.runtime.options import RunOptions
    from jengine.testing.stubchannels import RecordingSenders

    folder = args.child
    out = folder / f"out-{args.workspace}"
    out.mkdir(exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    empty = folder / "no-events.jsonl"
    empty.write_text("", encoding="utf-8")
    options = RunOptions(workspace=folder / args.workspace, events=empty,
                         profiles=folder / "profiles.jsonl", state=out / "state.db",
                         outbox=out / "outbox.jsonl", journal=out / "journal.jsonl",
                         dead_letters=out / "deadletters.jsonl", mode="simulated",
                         batch_size=args.batch, transport=BenchService(),
                         env={"COUPON_API_KEY": "bench"}, senders=RecordingSenders())
    if args.cache is not None:
        options.cache_size = args.cache
    loaded, load_wall, load_cpu = timed(options)
    options.events, options.profiles = folder / args.events, None
    options.until = dt.datetime.fromisoformat(args.until)
    result, wall, cpu = timed(options)
    print(json.dumps({"events": result.events, "timers": result.timers,
                      "entered": result.entered, "outbox": result.outbox,
                      "journal": result.journal, "dead_letters": result.dead_letters,
                      "profiles": loaded.profiles, "load_seconds": load_wall,
                      "load_cpu": load_cpu, "seconds": wall, "cpu": cpu,
                      "rss_mib": rss_mib(), "db_mib": db_mib(out / "state.db")}))
    return 0


def run_child(folder: Path, workspace: str, events: str, until: dt.datetime,
              args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(folder),
               "--workspace", workspace, "--events", events, "--until", until.isoformat()]
    if args.batch is not None:
        command += ["--batch", str(args.batch)]
    if args.cache is not None:
        command += ["--cache", str(args.cache)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the engine run failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median time (its figures stay consistent with each other)."""
    ordered = sorted(runs, key=lambda r: r["cpu"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["all_seconds"] = [round(r["seconds"], 2) for r in runs]
    chosen["all_cpu"] = [round(r["cpu"], 2) for r in runs]
    return chosen


def read_workspace(folder: Path) -> str:
    """``read-ws``: the rampup journey alone (with the shared declarations)."""
    target = folder / "read-ws"
    target.mkdir(exist_ok=True)
    for name in ("common.journey", "rampup.journey"):
        (target / name).write_text((folder / "workspace" / name).read_text("utf-8"), "utf-8")
    shutil.copytree(folder / "workspace" / "templates", target / "templates", dirs_exist_ok=True)
    return "read-ws"


def measure_load(size: int, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """``--load-only``: the profile load alone (no events), in a child process."""
    from engine_stream import START, generate_profiles

    t0 = time.perf_counter()
    files = generate_profiles(folder, size, args.seed)
    out: dict[str, Any] = {"profiles": size, "members": files.members,
                           "generate_s": round(time.perf_counter() - t0, 1)}
    runs = [run_child(folder, "workspace", "events.jsonl", START, args)
            for _ in range(args.repeat)]
    out["load"] = median_of(runs)
    return out


def report_load(rows: list[dict[str, Any]]) -> None:
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    print(f"{'profiles':>10} {'load s':>8} {'CPU s':>7} {'profiles/s':>11} {'RSS MiB':>8} "
          f"{'DB MiB':>7}")
    for r in rows:
        m = r["load"]
        print(f"{r['profiles']:>10,} {m['load_seconds']:>8.1f} {m['load_cpu']:>7.1f} "
              f"{r['profiles'] / m['load_seconds']:>11,.0f} {m['rss_mib']:>8.0f} "
              f"{m['db_mib']:>7.0f}")


def measure(size: int, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    from engine_stream import generate, generate_profiles

    t0 = time.perf_counter()
    if args.read_only:
        files = generate_profiles(folder, size, args.seed)
        out = {"profiles": size, "members": files.members,
               "generate_s": round(time.perf_counter() - t0, 1)}
        ws = read_workspace(folder)
        members_at = READ_AT + dt.timedelta(seconds=files.members / RATE + 1, days=1)
        out["read"] = median_of([run_child(folder, ws, "no-events.jsonl", members_at, args)
                                 for _ in range(args.repeat)])
        return out
    files = generate(folder, size, args.seed, args.events_per_profile)
    out: dict[str, Any] = {"profiles": size, "events": files.event_count,
                           "members": files.members,
                           "generate_s": round(time.perf_counter() - t0, 1)}
    until = files.last + dt.timedelta(days=1)
    runs = [run_child(folder, "workspace", "events.jsonl", until, args)
            for _ in range(args.repeat)]
    out["main"] = median_of(runs)
    if not args.no_read:
        ws = read_workspace(folder)
        members_at = READ_AT + dt.timedelta(seconds=files.members / RATE + 1, days=1)
        runs = [run_child(folder, ws, "no-events.jsonl", members_at, args)
                for _ in range(args.repeat)]
        out["read"] = median_of(runs)
    return out


def report(rows: list[dict[str, Any]]) -> None:
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    print("per second of wall time, and (in brackets) per second of the engine's CPU time")
    print(f"{'profiles':>10} {'events':>9} {'timers':>9} {'load s':>13} {'events/s':>15} "
          f"{'timers/s':>15} {'RSS MiB':>8} {'DB MiB':>7}")
    for r in rows:
        if "main" not in r:
            continue
        m = r["main"]
        wall, cpu = m["seconds"], m["cpu"]
        print(f"{r['profiles']:>10,} {m['events']:>9,} {m['timers']:>9,} "
              f"{m['load_seconds']:>6.1f} ({m['load_cpu']:>4.1f}) "
              f"{m['events'] / wall:>7,.0f} ({m['events'] / cpu:>5,.0f}) "
              f"{m['timers'] / wall:>7,.0f} ({m['timers'] / cpu:>5,.0f}) "
              f"{m['rss_mib']:>8.0f} {m['db_mib']:>7.0f}")
    if any("read" in r for r in rows):
        print(f"\nread audience (rampup alone, one weekly read, rate {RATE} per 1s):")
        print(f"{'profiles':>10} {'members':>9} {'timers':>9} {'seconds':>14} "
              f"{'µs/member':>15} {'load s':>13} {'RSS MiB':>8} {'DB MiB':>7}")
        for r in rows:
            if "read" not in r:
                continue
            m = r["read"]
            n = max(r["members"], 1)
            print(f"{r['profiles']:>10,} {r['members']:>9,} {m['timers']:>9,} "
                  f"{m['seconds']:>6.1f} ({m['cpu']:>5.1f}) "
                  f"{m['seconds'] / n * 1e6:>7,.0f} ({m['cpu'] / n * 1e6:>5,.0f}) "
                  f"{m['load_seconds']:>6.1f} ({m['load_cpu']:>4.1f}) "
                  f"{m['rss_mib']:>8.0f} {m['db_mib']:>7.0f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10000,100000", help="profile counts, comma-separated")
    p.add_argument("--million", action="store_true", help="also run 1,000,000 profiles")
    p.add_argument("--repeat", type=int, default=1, help="runs per measurement (median)")
    p.add_argument("--events-per-profile", type=float, default=4.0)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--keep", type=Path, help="generate and run in this folder (kept)")
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    p.add_argument("--no-read", action="store_true", help="skip the read-audience runs")
    p.add_argument("--load-only", action="store_true",
                   help="time the profile load alone (no events are generated or run)")
    p.add_argument("--read-only", action="store_true",
                   help="generate only the profiles and run the read-audience measurement")
    p.add_argument("--batch", type=int, help="inputs per commit (default: the mode's)")
    p.add_argument("--cache", type=int, help="profiles in the engine's cache (default: its)")
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--workspace", default="workspace", help=argparse.SUPPRESS)
    p.add_argument("--events", default="events.jsonl", help=argparse.SUPPRESS)
    p.add_argument("--until", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child is not None:
        return child(args)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.million:
        sizes.append(1_000_000)
    rows = []
    how = measure_load if args.load_only else measure
    for size in sizes:
        if args.keep:
            folder = args.keep / str(size)
            folder.mkdir(parents=True, exist_ok=True)
            rows.append(how(size, folder, args))
        else:
            with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
                rows.append(how(size, Path(tmp), args))
        print(f"{size:,} profiles done", file=sys.stderr)
    (report_load if args.load_only else report)(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
