"""Benchmark: jexpr's front end and code generation stay linear in an expression's size
(issue 16).

    .venv/bin/python benchmarks/bench_exprsize.py [--scale 1] [--repeat 3]

Each case is measured at a size n and at 4n (median wall time of the repeats, the parser
built beforehand); the ratio t(4n)/t(n) is about 4 for linear work and 16 for quadratic work:

* **path**: ``jexpr.compile_uncached`` of one field reference of n segments
  (``@event{E.ab.ab.…}``, 3 bytes a segment: n = 2,700 is 8 KB, 4n 32 KB) — the 32 KB path
  took 11 s before;
* **path-typed**: the same with a few declared field types (the declaration lookups);
* **path-eval**: evaluating that compiled reference on a context nested n deep;
* **sum**: a flat sum of n/20 terms and of 4n/20 — up to the depth limit
  (``jexpr.syntax.limits.MAX_DEPTH``);
* **string**: a string literal of 10n characters.

The figures are printed, never asserted (``tests/hostile/test_expr_limits.py`` checks that
the inputs are what they claim to be).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import jexpr

SEGMENT = "ab"


def long_path(n: int) -> str:
    """A reference to a field ``n`` segments deep in event ``E``."""
    return "@event{E." + ".".join([SEGMENT] * n) + "}"


def nested_context(n: int) -> dict[str, Any]:
    """An event ``E`` whose ``ab.ab.…`` field, ``n`` deep, holds 1."""
    value: Any = 1
    for _ in range(n):
        value = {SEGMENT: value}
    return {"events": {"E": value}}


def flat_sum(terms: int) -> str:
    return "+".join(["1"] * terms)


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(scale: float = 1.0, repeat: int = 3) -> list[tuple[str, int, float, float]]:
    """(case, n, seconds at n, seconds at 4n) for every case."""
    jexpr.check("1")  # builds the parser

    def path(n: int) -> Callable[[], object]:
        text = long_path(n)
        return lambda: jexpr.compile_uncached(text)

    def typed(n: int) -> Callable[[], object]:
        text, types = long_path(n), {"E.ab": "object", "E.ab.ab": "object", "E.x": "string"}
        return lambda: jexpr.compile_uncached(text, fieldTypes=types)

    def evaluate(n: int) -> Callable[[], object]:
        program, context = jexpr.compile_uncached(long_path(n)), nested_context(n)
        return lambda: [program.evaluate(context) for _ in range(20)]

    def total(n: int) -> Callable[[], object]:
        text = flat_sum(max(1, n // 20))
        return lambda: jexpr.compile_uncached(text)

    def string(n: int) -> Callable[[], object]:
        text = '"' + "x" * (10 * n) + '"'
        return lambda: jexpr.compile_uncached(text)

    n = int(2700 * scale)
    cases: list[tuple[str, Callable[[int], Callable[[], object]]]] = [
        ("path", path), ("path-typed", typed), ("path-eval", evaluate), ("sum", total),
        ("string", string)]
    return [(name, n, _median(make(max(1, n)), repeat), _median(make(max(1, 4 * n)), repeat))
            for name, make in cases]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every n")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'case':11} {'n':>6} {'t(n)':>9} {'4n':>7} {'t(4n)':>9} {'ratio':>6}  (linear ≈ 4)")
    for name, n, small, large in measure(args.scale, args.repeat):
        print(f"{name:11} {n:6} {small * 1000:7.1f}ms {4 * n:7} {large * 1000:7.1f}ms "
              f"{large / small:6.1f}")
    print(f"path: {len(long_path(int(2700 * args.scale)))} and "
          f"{len(long_path(4 * int(2700 * args.scale)))} bytes")


if __name__ == "__main__":
    main()
