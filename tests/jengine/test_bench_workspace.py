"""The benchmark's generated 1,000-step workspace loads and checks clean (the speed figure —
under a second — is measured by ``benchmarks/bench_workspace.py``, never asserted in a test)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_workspace.py"


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_workspace", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_workspace_is_clean_and_large() -> None:
    from jengine import load_texts

    texts = _bench().generate(1000)
    ws = load_texts(texts)
    assert not ws.has_errors
    assert sum(len(j.steps) for j in ws.model.journeys.values()) >= 1000


def test_benchmark_measures_a_positive_time() -> None:
    seconds = _bench().measure(50, repeat=1)
    assert seconds > 0
