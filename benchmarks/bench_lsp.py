"""Language-server latency on the example workspace (targets: completion < 50 ms, full
diagnostics after an edit < 200 ms).

::

    python benchmarks/bench_lsp.py            # needs the [lsp] extra
    python benchmarks/bench_lsp.py --rounds 200

Two measurements, each the median (and 95th percentile) over many rounds, in process and
through the same code path the server's handlers take:

* **completion**: the current text → ``Document`` → offset from an LSP position → the
  completion feature, at several kinds of places (reference fields, a loop variable, step
  names after ``->``, keywords, an expression position with the function catalogue), on the
  latest analysis as the server does right after a keystroke;
* **diagnostics after an edit**: one file of the workspace changes (a new document version),
  the whole workspace is analysed again (parse, index, check, compile every expression site)
  and every file's diagnostics are converted to LSP diagnostics, as a publication does.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from lsprotocol import types

from jengine.lsp.analysis import AnalysisCache
from jengine.lsp.convert import Document
from jengine.lsp.features.completion import complete
from jengine.lsp.features.diagnostics import workspace_diagnostics
from jexpr.source import Source

ROOT = Path(__file__).resolve().parents[1] / "examples" / "workspace"
PLACES = ["@event{SubscriptionCreated.", "#{ExperiencePlatform.ProfileFieldGroup.",
          "currentDataPackField.", "opened hello -> ", 'timezone "Europe/Paris"\n',
          "when ", "  pause: "]


def timed(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def bench_completion(cache: AnalysisCache, rounds: int) -> dict[str, tuple[float, float]]:
    path = ROOT / "welcome.journey"
    text = path.read_text(encoding="utf-8")
    analysis = cache.get({})
    out = {}
    for marker in PLACES:
        offset = text.index(marker) + len(marker)
        doc = Document(path.as_uri(), Source(text))
        pos = doc.position(offset)

        def once(pos: types.Position = pos) -> object:
            current = Document(path.as_uri(), Source(text), 2, cache.codec)
            return complete(analysis, current.text, current.offset(pos))

        out[marker.strip() or marker] = timed(once, rounds)
    return out


def bench_diagnostics(cache: AnalysisCache, rounds: int) -> tuple[float, float]:
    path = ROOT / "welcome.journey"
    text = path.read_text(encoding="utf-8")
    version = [1]

    def once() -> object:
        version[0] += 1
        edited = text.replace("wait 3d", f"wait {version[0] % 9 + 1}d")
        analysis = cache.get({path: (path.as_uri(), edited, version[0])})
        return workspace_diagnostics(analysis)

    return timed(once, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    cache = AnalysisCache(ROOT)
    cache.get({})  # warm the grammar and the first analysis (untimed)
    files = len(cache.disk)
    lines = sum(t.count("\n") for t in cache.disk.values())
    print(f"workspace: {ROOT.name}, {files} files, {lines} lines; {args.rounds} rounds each\n")
    print(f"{'completion at':<44} {'median ms':>10} {'p95 ms':>8}")
    results = bench_completion(cache, args.rounds)
    for place, (median, p95) in results.items():
        print(f"{place!r:<44} {median:>10.2f} {p95:>8.2f}")
    worst = max(m for m, _ in results.values())
    print(f"\nworst completion median: {worst:.2f} ms (target < 50 ms)")
    median, p95 = bench_diagnostics(cache, max(20, args.rounds // 4))
    print(f"full-workspace diagnostics after an edit: median {median:.1f} ms, p95 {p95:.1f} ms "
          "(target < 200 ms)")


if __name__ == "__main__":
    main()
