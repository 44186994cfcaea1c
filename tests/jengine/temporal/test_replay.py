"""Determinism: the recorded history of every workflow of a run replays with the SDK's
replayer (the workflow code makes the same commands again), including HTTP actions with
retries, data-source reads, timers and continue-as-new, and the global workflow's fan-outs
(audience reads on schedules, incremental and force re-entrance; business executions) with
the member inputs they hand to the keys."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from jengine.runtime.runner import RunOptions
from jengine.temporal import binaries
from jengine.temporal.config import GLOBAL_KEY
from jengine.temporal.keyflow import KeyWorkflow
from jengine.temporal.simulate import run_simulated
from jengine.temporal.worker import PASSTHROUGH
from jengine.testing.scenario import load_scenario, stub_transport

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = {  # scenario: its outbox lines
    ROOT / "examples" / "workspace" / "scenarios" / "abandoned_cart_coupon.scenario.json": 9,
    ROOT / "examples" / "ajo" / "scenarios" / "read_schedules.scenario.json": 19,
    ROOT / "examples" / "ajo" / "scenarios" / "business_executions.scenario.json": 8,
}


async def _histories(client: Client, keys: list[str]) -> list[object]:
    """Every run of each key's workflow, from its first run along the continue-as-new chain
    (the test server cannot list workflows)."""
    out: list[object] = []
    for key in keys:
        latest = await client.get_workflow_handle(f"jengine:{key}").fetch_history()
        started = latest.events[0].workflow_execution_started_event_attributes
        run_id: str | None = started.first_execution_run_id
        while run_id:
            history = await client.get_workflow_handle(f"jengine:{key}",
                                                       run_id=run_id).fetch_history()
            out.append(history)
            last = history.events[-1]
            run_id = (last.workflow_execution_continued_as_new_event_attributes
                      .new_execution_run_id if last.HasField(
                          "workflow_execution_continued_as_new_event_attributes") else None)
    return out


async def _run(tmp: Path, path: Path, can_after: int) -> list[object]:
    scenario = load_scenario(path)
    (tmp / "events.jsonl").write_text("".join(x + "\n" for x in scenario.events))
    (tmp / "profiles.jsonl").write_text("".join(json.dumps(p) + "\n"
                                                for p in scenario.profiles))
    options = RunOptions(workspace=scenario.workspace or ROOT, events=tmp / "events.jsonl",
                         profiles=tmp / "profiles.jsonl", outbox=tmp / "o.jsonl",
                         journal=tmp / "j.jsonl", dead_letters=tmp / "d.jsonl",
                         until=scenario.until, transport=stub_transport(scenario),
                         env=dict(scenario.env))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binaries.test_server_binary())
    try:
        result = await run_simulated(options, tmp / "store", env=env, can_after=can_after)
        assert result.status == 0 and result.outbox == SCENARIOS[path]
        keys = [GLOBAL_KEY, *(p["id"] for p in scenario.profiles)]
        return await _histories(env.client, keys)
    finally:
        await env.shutdown()


def _activities(history: object) -> set[str]:
    return {e.activity_task_scheduled_event_attributes.activity_type.name
            for e in history.events  # type: ignore[attr-defined]
            if e.HasField("activity_task_scheduled_event_attributes")}


@pytest.mark.parametrize("path", list(SCENARIOS), ids=[p.name.split(".")[0] for p in SCENARIOS])
def test_histories_replay(tmp_path: Path, path: Path) -> None:
    histories = asyncio.run(_run(tmp_path, path, can_after=2))
    assert len(histories) > 3, "continue-as-new after two items gives several runs per key"
    if "ajo" in path.parts:  # the global workflow handed fan-outs to the keys
        assert any(_activities(h) & {"jengine_fan_out"} for h in histories)
    runner = SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH))
    replayer = Replayer(workflows=[KeyWorkflow], workflow_runner=runner)
    for history in histories:
        result = asyncio.run(replayer.replay_workflow(history))  # type: ignore[arg-type]
        assert result.replay_failure is None


def test_global_key_is_not_a_profile() -> None:
    assert "@" not in GLOBAL_KEY and GLOBAL_KEY.startswith("~")
