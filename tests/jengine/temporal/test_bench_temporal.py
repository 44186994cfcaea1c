"""``benchmarks/bench_temporal.py`` imports (it broke once when the stream generator moved) and
generates a workspace that checks clean with only the welcome journey's events; the figures
themselves are the benchmark's, never asserted here."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_temporal.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_temporal", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_welcome_workspace_and_stream(tmp_path: Path) -> None:
    from jengine import load_workspace

    bench = _bench()
    workspace, profiles, events = bench.generate(tmp_path, 300, 30, 7)
    assert not load_workspace(workspace).has_errors
    assert sum(1 for _ in profiles.open(encoding="utf-8")) == 30
    items = [json.loads(line) for line in events.open(encoding="utf-8")]
    assert items, "no event kept"
    for item in items:
        assert item["event"] in bench.WELCOME_EVENTS or item["payload"]["journey"] == "welcome"
