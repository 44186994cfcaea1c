"""The rendering benchmark's hand-written baselines print exactly what the templates print
(the figures themselves come from ``benchmarks/bench_templates.py``, never from a test)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_templates.py"


def test_the_benchmark_compares_equal_outputs() -> None:
    spec = importlib.util.spec_from_file_location("bench_templates", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.measure(0.001, 1)          # asserts the outputs are equal first
    assert set(figures) == {"subject", "email", "sms"}
    assert all(f["jengine_us"] > 0 and f["chars"] > 0 for f in figures.values())
