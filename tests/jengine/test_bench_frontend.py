"""The front-end benchmark's inputs are what it says (the linear-time figures themselves are
printed by ``benchmarks/bench_frontend.py``, never asserted in a test)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _bench():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_frontend", BENCH / "bench_frontend.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inputs_are_what_they_claim() -> None:
    from jengine.lang.fmt import format_text
    from jengine.lang.parse import parse
    from jengine.lang.workspace import load_texts

    bench = _bench()
    broken = parse(bench.garbage(50))
    assert len(broken.diagnostics) >= 40 and not broken.file.declarations
    ws = load_texts(bench.long_journey(200))
    assert not ws.has_errors and len(ws.model.journeys["big"].steps) == 201
    text = bench.commented(100)
    assert format_text(text).count("// step") == 100


def test_measure_runs() -> None:
    rows = _bench().measure(scale=0.01, repeat=1)
    assert [r[0] for r in rows] == ["recovery", "steps", "comments"]
    assert all(small > 0 and large > 0 for _, _, small, large in rows)
