"""Benchmark: the journey engine over a generated stream (target: at least 5,000 events/s).

    .venv/bin/python benchmarks/bench_engine.py [--events 100000] [--profiles 10000] [--seed 7]
                                                [--keep DIR] [--tracemalloc] [--json FILE]
                                                [--batch N]

A deterministic generator (a seeded ``random.Random``, no clock, no ``hash()``) writes, into a
temporary folder, a workspace holding the example ``common.journey`` and ``welcome.journey``,
``profiles.jsonl`` with ``--profiles`` profiles and ``events.jsonl`` with exactly ``--events``
events, sorted by time over about five simulated weeks. Each profile gets the same recipe of about
ten events: a ``SubscriptionCreated`` (one in ten on the ``trial`` plan: ``entry_condition_false``),
the ``delivered`` reaction to the welcome email, for some an ``opened`` reaction (the condition's
``hasOpened`` case, or the await's ``opened hello`` trigger), purchases (some during the await,
over 50: its ``event PurchaseMade`` trigger), a second subscription a week or more later (the
``reentrance after 7d`` rule), an unsubscription for a few (the exit criterion), and purchases
no journey waits for (``no_interest``) up to the count.

The engine then runs once, in simulated mode (``--batch``: inputs per commit, default the
runner's simulated-mode default), with its SQLite state store and output files in the
same temporary folder, and ``--until`` 31 days after the last event so every wait and await
fires. Printed: the events, the wall time of ``runner.run``, events per second, the outbox,
journal and dead-letter line counts, and the peak resident set size of the process
(``ru_maxrss``) before and after the run. ``--tracemalloc`` also reports the peak of the Python
heap during the run (tracing slows the run down; the events/s figure is then not comparable).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

WORKSPACE_FILES = ("common.journey", "welcome.journey")
START = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
SPAN = dt.timedelta(days=20)                  # subscriptions are spread over 20 days
TIERS = ("bronze", "silver", "gold")
ZONES = ("Europe/Paris", "Europe/Berlin", "America/New_York", "Asia/Tokyo")

Line = tuple[dt.datetime, int, str]


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def profile_id(i: int) -> str:
    return f"p{i:06d}@bench.example.com"


def make_profile(i: int, rng: random.Random) -> dict[str, Any]:
    """One profile line (§5.2); one in twenty is gold (a VIP)."""
    ident = profile_id(i)
    tier = "gold" if rng.random() < 0.05 else TIERS[rng.randrange(2)]
    group = {"person": {"firstName": f"F{i}", "lastName": f"L{i}"},
             "personalEmail": {"address": ident}, "loyalty": {"tier": tier, "points": i % 997},
             "marketing": {"optIn": True}, "timeZone": ZONES[i % len(ZONES)]}
    return {"id": ident, "namespace": "email", "timeZone": ZONES[i % len(ZONES)],
            "attributes": {"ProfileFieldGroup": group}}


def event(t: dt.datetime, name: str, payload: dict[str, Any]) -> str:
    return json.dumps({"event": name, "time": iso(t), "payload": payload}, ensure_ascii=False)


def reaction(t: dt.datetime, who: str, kind: str) -> str:
    return event(t, "@reaction", {"journey": "welcome", "version": 1, "profile": who,
                                  "step": "hello", "kind": kind})


def purchase(t: dt.datetime, who: str, total: float, n: int) -> str:
    return event(t, "PurchaseMade", {"email": who, "orderId": f"B-{n}", "total": total,
                                     "purchasedAt": iso(t)})


def subscription(t: dt.datetime, who: str, plan: str, i: int) -> str:
    return event(t, "SubscriptionCreated", {"email": who, "plan": plan, "firstName": f"F{i}",
                                            "source": "web"})


def recipe(i: int, count: int, rng: random.Random) -> list[tuple[dt.datetime, str]]:
    """``count`` events of profile ``i`` (times are whole minutes)."""
    who = profile_id(i)
    t0 = START + dt.timedelta(minutes=rng.randrange(int(SPAN.total_seconds() // 60)))
    minutes = lambda lo, hi: dt.timedelta(minutes=rng.randrange(lo, hi))  # noqa: E731
    plan = "trial" if rng.random() < 0.1 else rng.choice(("monthly", "yearly"))
    t1 = t0 + minutes(1, 5)
    out = [(t0, subscription(t0, who, plan, i)), (t1, reaction(t1, who, "delivered"))]
    roll = rng.random()
    if roll < 0.45:       # opens before the condition (hasOpened) or during the await
        t = t0 + (minutes(60, 3 * 1440) if roll < 0.3 else minutes(3 * 1440 + 60, 5 * 1440))
        out.append((t, reaction(t, who, "opened")))
    elif roll < 0.6:                          # buys over 50 during the await
        t = t0 + minutes(3 * 1440 + 10, 5 * 1440)
        out.append((t, purchase(t, who, 79.9, i)))
    if rng.random() < 0.3:                    # subscribes again after a week or more
        t = t0 + minutes(7 * 1440 + 10, 12 * 1440)
        out.append((t, subscription(t, who, "yearly", i)))
    if rng.random() < 0.05:                   # leaves: the exit criterion
        t = t0 + minutes(30, 4 * 1440)
        out.append((t, event(t, "Unsubscribed", {"email": who, "reason": "bench"})))
    while len(out) < count:                   # purchases nobody waits for (mostly)
        t = t0 + minutes(0, 14 * 1440)
        out.append((t, purchase(t, who, round(rng.uniform(5, 40), 2), len(out))))
    return sorted(out[:count], key=lambda item: item[0])


def counts(events: int, profiles: int) -> Iterator[int]:
    """How many events each profile gets (at least one each when there are enough)."""
    base, extra = divmod(events, profiles)
    for i in range(profiles):
        yield base + (1 if i < extra else 0)


def generate(folder: Path, events: int, profiles: int, seed: int = 7) -> tuple[Path, Path, Path]:
    """Write the workspace, ``profiles.jsonl`` and ``events.jsonl``; return their paths."""
    rng = random.Random(seed)
    workspace = folder / "workspace"
    workspace.mkdir(parents=True, exist_ok=True)
    for name in WORKSPACE_FILES:
        shutil.copy(ROOT / "examples" / "workspace" / name, workspace / name)
    # the emails are rendered from the example's templates and delivered to a recording
    # sender (no network): the run includes governance, rendering and the send queue
    shutil.copytree(ROOT / "examples" / "workspace" / "templates", workspace / "templates",
                    dirs_exist_ok=True)
    profiles_path, events_path = folder / "profiles.jsonl", folder / "events.jsonl"
    lines: list[Line] = []
    with profiles_path.open("w", encoding="utf-8") as f:
        for i, count in enumerate(counts(events, profiles)):
            f.write(json.dumps(make_profile(i, rng), ensure_ascii=False) + "\n")
            lines += [(t, len(lines), text) for t, text in recipe(i, count, rng)]
    lines.sort()
    with events_path.open("w", encoding="utf-8") as f:
        f.writelines(text + "\n" for _, _, text in lines)
    return workspace, profiles_path, events_path


def last_time(events_path: Path) -> dt.datetime:
    with events_path.open("rb") as f:
        f.seek(max(0, events_path.stat().st_size - 4096))
        tail = f.read().decode("utf-8").splitlines()[-1]
    return dt.datetime.fromisoformat(json.loads(tail)["time"].replace("Z", "+00:00"))


def line_count(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as f:
        return sum(1 for _ in f)


def rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_engine(folder: Path, workspace: Path, profiles: Path, events: Path,
               batch: int | None = None) -> tuple[float, Any]:
    """Run the engine once over the generated files; the wall time in seconds and the result."""
    from jengine.runtime.runner import RunOptions, run
    from jengine.testing.stubchannels import RecordingSenders

    until = last_time(events) + dt.timedelta(days=31)
    options = RunOptions(workspace=workspace, events=events, profiles=profiles,
                         state=folder / "state.db", outbox=folder / "outbox.jsonl",
                         journal=folder / "journal.jsonl",
                         dead_letters=folder / "deadletters.jsonl",
                         mode="simulated", until=until, batch_size=batch,
                         senders=RecordingSenders())
    start = time.perf_counter()
    result = run(options)
    return time.perf_counter() - start, result


def measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    workspace, profiles, events = generate(folder, args.events, args.profiles, args.seed)
    generated = time.perf_counter() - t0
    rss_before = rss_mib()
    if args.tracemalloc:
        tracemalloc.start()
    elapsed, result = run_engine(folder, workspace, profiles, events, args.batch)
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    return {"events": args.events, "profiles": args.profiles, "generate_s": round(generated, 2),
            "run_s": round(elapsed, 2), "events_per_s": round(args.events / elapsed),
            "status": result.status, "timers": result.timers,
            "engine_seconds": round(result.seconds, 2), "engine_rate": round(result.rate),
            "outbox_lines": line_count(folder / "outbox.jsonl"),
            "journal_lines": line_count(folder / "journal.jsonl"),
            "dead_letters": line_count(folder / "deadletters.jsonl"),
            "rss_before_mib": round(rss_before, 1), "rss_peak_mib": round(rss_mib(), 1),
            "heap_peak_mib": None if heap_peak is None else round(heap_peak, 1)}


def report(figures: dict[str, Any]) -> None:
    print(f"{figures['events']:,} events over {figures['profiles']:,} profiles "
          f"(generated in {figures['generate_s']} s)")
    print(f"run: {figures['run_s']} s  ->  {figures['events_per_s']:,} events/s "
          "(simulated mode, SQLite store, welcome journey)")
    print(f"the runner's own figure (RunResult.rate, status {figures['status']}): "
          f"{figures['engine_rate']:,} events/s over {figures['engine_seconds']} s; "
          f"{figures['timers']:,} timers fired")
    print(f"outputs: {figures['outbox_lines']:,} outbox, {figures['journal_lines']:,} journal, "
          f"{figures['dead_letters']:,} dead-letter lines")
    print(f"peak RSS: {figures['rss_peak_mib']} MiB (before the run: "
          f"{figures['rss_before_mib']} MiB)")
    if figures["heap_peak_mib"] is not None:
        print(f"peak Python heap during the run (tracemalloc): {figures['heap_peak_mib']} MiB")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--profiles", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--keep", type=Path, help="generate and run in this folder (kept)")
    p.add_argument("--tracemalloc", action="store_true", help="also trace the Python heap")
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    p.add_argument("--batch", type=int, help="inputs per commit (default: the runner's)")
    args = p.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = measure(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
            figures = measure(args, Path(tmp))
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
