"""Equivalence: every example scenario (found by a glob, so a new one is covered without
being listed), the fan-out cases in ``scenarios/`` and the example event stream give the same
outputs under the embedded engine and under Temporal (the time-skipping test server): the
outbox and the journal line for line after sorting (the canonical JSON of each line is its
sort key; the embedded engine's journal lines carry no effect id), the dead letters and the
HTTP requests. Each scenario also passes its own expectations under both engines."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from jengine.cli import main
from jengine.testing.play import run_scenario
from jengine.testing.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted(ROOT.glob("examples/*/scenarios/*.scenario.json"))
# fan-out cases the examples do not reach (rates, a member that left a force-reentrance audience)
EXTRA = sorted((Path(__file__).parent / "scenarios").glob("*.scenario.json"))
SCENARIOS = EXAMPLES + EXTRA


def _id(path: Path) -> str:
    return f"{path.parents[1].name}/{path.name.split('.')[0]}"


def canonical(lines: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(x, sort_keys=True, ensure_ascii=False) for x in lines)


def test_every_example_scenario_is_covered() -> None:
    """The glob finds the scenarios of every example workspace (a moved folder would
    silently shrink the equivalence)."""
    examples = {p.parent.name for p in (ROOT / "examples").glob("*/scenarios")}
    assert {p.parents[1].name for p in EXAMPLES} == examples
    assert len(EXAMPLES) >= 21 and EXTRA


@pytest.mark.parametrize("path", SCENARIOS, ids=[_id(p) for p in SCENARIOS])
def test_scenario_same_outputs(path: Path) -> None:
    scenario = load_scenario(path)
    # the Temporal driver writes channel steps to the outbox only: compare with the embedded
    # engine doing the same (docs/channels.md)
    embedded = run_scenario(scenario, deliver=False)
    temporal = run_scenario(scenario, engine="temporal")
    assert embedded.outputs is not None and temporal.outputs is not None
    assert embedded.mismatches == [] and temporal.mismatches == []
    e, t = embedded.outputs, temporal.outputs
    assert e.journal, "a scenario without journal lines proves nothing"
    assert canonical(t.outbox) == canonical(e.outbox)
    assert canonical(t.journal) == canonical(e.journal)
    assert canonical(t.dead_letters) == canonical(e.dead_letters)
    assert canonical(t.requests) == canonical(e.requests)


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


def test_example_stream_same_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's example run (30 profiles, three weeks of events) under both engines,
    through the command line; ``jengine report`` gives the same counts from the SQLite state
    and from the Temporal driver's store."""
    monkeypatch.setenv("COUPON_API_KEY", "k")
    outs, reports = {}, {}
    for engine in ("embedded", "temporal"):
        folder = tmp_path / engine
        folder.mkdir()
        files = {s: folder / f"{s}.jsonl" for s in ("outbox", "journal", "dead")}
        argv = ["run", str(ROOT / "examples" / "workspace"),
                "--events", str(ROOT / "examples" / "events.jsonl"),
                "--profiles", str(ROOT / "examples" / "profiles.jsonl"),
                "--outbox", str(files["outbox"]), "--journal", str(files["journal"]),
                "--dead-letters", str(files["dead"]), "--no-progress", "--engine", engine,
                "--no-deliver", "--allow-dead-letters"]  # the stream holds 7 bad lines on purpose
        argv += ["--store", str(folder / "store")] if engine == "temporal" else \
            ["--state", str(folder / "state.db")]
        err = io.StringIO()
        assert main(argv, io.StringIO(), err) == 0, err.getvalue()
        outs[engine] = {s: _read(p) for s, p in files.items()}
        out = io.StringIO()
        where = ["--store", str(folder / "store")] if engine == "temporal" else \
            ["--state", str(folder / "state.db")]
        assert main(["report", "--json", *where], out, io.StringIO()) == 0
        reports[engine] = json.loads(out.getvalue())
    e, t = outs["embedded"], outs["temporal"]
    assert len(e["journal"]) > 200
    for stream in ("outbox", "journal", "dead"):
        assert canonical(t[stream]) == canonical(e[stream]), stream
    assert reports["temporal"] == reports["embedded"]
