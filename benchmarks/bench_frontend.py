"""Benchmark: the ``.journey`` front end stays linear on hostile sizes (issue 16).

    .venv/bin/python benchmarks/bench_frontend.py [--scale 1] [--repeat 3]

Three cases, each measured at a size n and at 4n (median wall time of the repeats, the parser
built beforehand); the ratio t(4n)/t(n) is about 4 for linear work and 16 for quadratic work:

* **recovery**: garbage text full of broken declarations (each ``event a { @@ }`` line is a
  declaration with a syntax error), parsed with error recovery — 19 KB took 12.5 s before;
* **steps**: one journey of n steps (every step kind), loaded and checked — 10,000 steps ran
  out of memory (4 GB) before; peak RSS is printed too;
* **comments**: ``jengine fmt`` of a journey with one trailing comment per step.

The figures are printed, never asserted (``tests/jengine/test_bench_frontend.py`` only checks
that the generated inputs are what they claim to be).
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_workspace import DECLARATIONS, _step


def garbage(n: int) -> str:
    """``n`` broken declarations of assorted kinds (about 19 bytes each)."""
    units = ["event a { @@ }\n", "journey j { x: wait }\n", "action { url }\n", "event\n",
             "audience A { where ) }\n"]
    return "".join(units[i % len(units)] for i in range(n))


def long_journey(n: int) -> dict[str, str]:
    """One journey of ``n`` steps over the declarations of the workspace benchmark."""
    body = "\n".join(_step(0, i, i == n - 1) for i in range(n))
    journey = ("journey big {\n  entry on event Signup when @event{Signup.plan} != \"trial\"\n"
               + body + "\n  done: end\n}\n")
    return {"decls.journey": DECLARATIONS, "big.journey": journey}


def commented(n: int) -> str:
    """A journey of ``n`` steps, each with a trailing comment (some aligned)."""
    steps = "".join(f"  s{i}: wait 1h{' ' * (1 + i % 3)}// step {i}\n" for i in range(n))
    return "journey j {\n  // the entry\n  entry on event E\n" + steps + "  done: end\n}\n"


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(scale: float = 1.0, repeat: int = 3) -> list[tuple[str, int, float, float]]:
    """(case, n, seconds at n, seconds at 4n) for the three cases."""
    from jengine.lang.fmt import format_text
    from jengine.lang.parse import journey_parser, parse
    from jengine.lang.workspace import load_texts

    journey_parser()
    def recovery(n: int) -> Callable[[], object]:
        text = garbage(n)
        return lambda: parse(text)

    def steps(n: int) -> Callable[[], object]:
        texts = long_journey(n)
        return lambda: load_texts(texts)

    def comments(n: int) -> Callable[[], object]:
        text = commented(n)
        return lambda: format_text(text)

    cases: list[tuple[str, int, Callable[[int], Callable[[], object]]]] = [
        ("recovery", int(1000 * scale), recovery),
        ("steps", int(2500 * scale), steps),
        ("comments", int(2500 * scale), comments),
    ]
    out = []
    for name, n, make in cases:
        small = _median(make(max(1, n)), repeat)
        large = _median(make(max(1, 4 * n)), repeat)
        out.append((name, n, small, large))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every n")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'case':10} {'n':>7} {'t(n)':>9} {'4n':>7} {'t(4n)':>9} {'ratio':>6}  (linear ≈ 4)")
    for name, n, small, large in measure(args.scale, args.repeat):
        print(f"{name:10} {n:7} {small * 1000:7.0f}ms {4 * n:7} {large * 1000:7.0f}ms "
              f"{large / small:6.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MiB (garbage: {len(garbage(4 * int(1000 * args.scale)))} bytes; "
          f"steps: one journey of {4 * int(2500 * args.scale)} steps)")


if __name__ == "__main__":
    main()
