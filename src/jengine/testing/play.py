"""Playing a scenario: write its workspace and inputs to a folder, run them with the scripted
HTTP transport and recording channel senders (no message leaves the test), read the outputs
back and compare them with the expectations.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from jengine.lang.confine import inside
from jengine.runtime.http import Transport
from jengine.runtime.runner import RunOptions, run
from jengine.testing.expect import compare
from jengine.testing.scenario import (
    Json,
    Outputs,
    Scenario,
    ScenarioError,
    ScenarioResult,
    stub_transport,
)
from jengine.testing.stubchannels import RecordingSenders
from jengine.testing.stubhttp import StubTransport

__all__ = ["run_scenario"]


def run_scenario(scenario: Scenario, *, transport: Transport | None = None,
                 keep: Path | None = None, engine: str = "embedded",
                 deliver: bool = True) -> ScenarioResult:
    """Run a scenario in a temporary folder (or ``keep``) and compare its outputs;
    ``engine`` is ``embedded`` or ``temporal`` (the time-skipping test server); ``deliver``
    false writes channel steps to the outbox only (as the Temporal driver does)."""
    try:
        stub = stub_transport(scenario)
    except ScenarioError as e:
        return ScenarioResult(scenario, None, [f"{scenario.path}: {e}"])
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        outputs = _execute(scenario, keep, transport or stub, stub, engine, deliver)
    else:
        with tempfile.TemporaryDirectory(prefix="jengine-scenario-") as tmp:
            outputs = _execute(scenario, Path(tmp), transport or stub, stub, engine, deliver)
    return ScenarioResult(scenario, outputs, compare(scenario, outputs))


def _execute(scenario: Scenario, folder: Path, transport: Transport,
             stub: StubTransport, engine: str = "embedded", deliver: bool = True) -> Outputs:
    options = RunOptions(
        workspace=_materialize(scenario, folder), events=_write_events(scenario, folder),
        profiles=_write_profiles(scenario, folder), state=folder / "state.db",
        outbox=folder / "outbox.jsonl", journal=folder / "journal.jsonl",
        dead_letters=folder / "deadletters.jsonl", mode="simulated", until=scenario.until,
        dry_run=scenario.dry_run, dry_run_datasources=scenario.dry_run_datasources,
        test_mode=scenario.test_mode,
        batch_size=scenario.batch_size, transport=transport, env=dict(scenario.env),
        senders=RecordingSenders(), deliver=deliver)
    if scenario.test_wait is not None:
        options.test_wait = scenario.test_wait
    if engine == "temporal":
        from jengine.temporal.simulate import run_blocking

        result = run_blocking(options)
    else:
        result = run(options)
    return Outputs(outbox=_read(options.outbox), journal=_read(options.journal),
                   dead_letters=_read(options.dead_letters),
                   requests=[r.to_json() for r in stub.requests], status=result.status,
                   messages=list(result.messages))


def _materialize(scenario: Scenario, folder: Path) -> Path:
    if scenario.workspace is not None:
        return scenario.workspace
    root = folder / "workspace"
    for name, text in scenario.inline.items():
        target = inside(root, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        inside(root, name)  # its folders now exist: they must not be links that leave root
        target.write_text(text, encoding="utf-8")
    return root


def _write_events(scenario: Scenario, folder: Path) -> Path:
    path = folder / "events.jsonl"
    path.write_text("".join(line + "\n" for line in scenario.events), encoding="utf-8")
    return path


def _write_profiles(scenario: Scenario, folder: Path) -> Path:
    path = folder / "profiles.jsonl"
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n"
                            for p in scenario.profiles), encoding="utf-8")
    return path


def _read(path: Path) -> list[Json]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
