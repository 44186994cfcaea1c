"""The scenario tests of the example workspace, and the scenario runner itself (docs/scenarios.md).

Every ``examples/workspace/scenarios/*.scenario.json`` runs through
:func:`jengine.testing.scenario.run_scenario` (stubbed HTTP) and must match its expected deliveries,
paths and dead letters exactly. The other tests check the runner: a deliberately wrong
expectation fails with a message naming the field, the expected and the actual value; a
malformed scenario file is refused with the faulty field named; ``jengine test`` prints coverage
and ``N passed, M failed`` and exits 1 on a failure.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest

from jengine.cli import main
from jengine.testing.coverage import Coverage
from jengine.testing.play import run_scenario
from jengine.testing.scenario import ScenarioError, load_scenario, parse_time
from jengine.testing.suite import run_folder

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = ROOT / "examples" / "workspace"
SCENARIOS = sorted((WORKSPACE / "scenarios").glob("*.scenario.json"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name.split(".")[0] for p in SCENARIOS])
def test_example_scenario(path: Path) -> None:
    result = run_scenario(load_scenario(path))
    assert result.passed, "\n".join(result.mismatches)


def test_every_example_journey_has_a_scenario_and_full_step_coverage() -> None:
    run = run_folder(WORKSPACE)
    assert run.failed == 0
    (coverage,) = run.coverage.values()
    assert set(coverage.journeys) == {"welcome", "abandonedCart", "weekdayTargeting", "rampup",
                                      "reengagement", "loyaltyUpgrade", "goldPerks"}
    for cov in coverage.journeys.values():
        assert cov.missing_steps() == [], cov.summary()


def _copy(tmp_path: Path, name: str, change: dict[str, object]) -> Path:
    data = json.loads((WORKSPACE / "scenarios" / name).read_text(encoding="utf-8"))
    data["workspace"] = str(WORKSPACE)
    data.update(change)
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_wrong_expectation_fails_with_a_clear_message(tmp_path: Path) -> None:
    data = json.loads((WORKSPACE / "scenarios/welcome_vip.scenario.json").read_text("utf-8"))
    data["expect"]["outbox"][2]["step"] = "tips"
    data["expect"]["paths"]["vera@example.com"]["welcome"][4] = "tips@+3d"
    scenario = _copy(tmp_path, "welcome_vip.scenario.json", data)
    result = run_scenario(load_scenario(scenario, [tmp_path, WORKSPACE]))
    assert not result.passed
    text = "\n".join(result.mismatches)
    assert 'outbox[2].step: expected "tips", got "vipTips"' in text
    assert "+3d welcome/vipTips vera@example.com email sent" in text      # the actual listing
    assert ("paths[vera@example.com][welcome]: differs at [4]: expected tips@+3d, "
            "got vipTips@+3d") in text


def test_missing_and_unexpected_lines_are_reported(tmp_path: Path) -> None:
    data = json.loads((WORKSPACE / "scenarios/welcome_vip.scenario.json").read_text("utf-8"))
    del data["expect"]["outbox"][3]
    data["expect"]["deadLetters"] = [{"line": 1, "reason": "bad_input"}]
    del data["expect"]["paths"]["walt@example.com"]
    scenario = _copy(tmp_path, "welcome_vip.scenario.json", data)
    result = run_scenario(load_scenario(scenario, [tmp_path, WORKSPACE]))
    text = "\n".join(result.mismatches)
    assert "outbox: expected 3 line(s), got 4; extra: +3d5m welcome/tips walt@example.com" in text
    assert 'deadLetters: expected 1 line(s), got 0; missing: {"line": 1' in text
    assert 'paths[walt@example.com][welcome]: not expected, got ["entered"' in text


def test_cli_reports_coverage_and_counts(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    status = main(["test", str(WORKSPACE), "--journey", "welcome"], out, err)
    lines = out.getvalue().splitlines()
    assert status == 0, out.getvalue()
    assert "  welcome: 8/8 steps, 5/6 branches; not covered: engaged[on error] -> done" in lines
    assert lines[-1] == "6 passed, 0 failed"          # the scenarios that name welcome


def test_cli_exit_status_1_on_failure(tmp_path: Path) -> None:
    data = json.loads((WORKSPACE / "scenarios/welcome_vip.scenario.json").read_text("utf-8"))
    data["expect"]["outbox"][0]["status"] = "failed"
    # jengine test confines the paths a scenario names to the folder it was given
    shutil.copytree(WORKSPACE, tmp_path / "ws", ignore=shutil.ignore_patterns("scenarios"))
    _copy(tmp_path, "welcome_vip.scenario.json", {**data, "workspace": "ws"})
    out = io.StringIO()
    assert main(["test", str(tmp_path)], out, io.StringIO()) == 1
    assert "FAIL welcome_vip" in out.getvalue()
    assert out.getvalue().splitlines()[-1] == "0 passed, 1 failed"


@pytest.mark.parametrize(("change", "message"), [
    ({"start": "yesterday"}, "start: not an instant or a relative time: 'yesterday'"),
    ({"events": [{"at": "+3x", "event": "E", "payload": {}}]}, "events[0].at: not a duration"),
    ({"expect": {"outbox": [], "deliveries": []}}, "expect: unknown field(s) deliveries"),
    ({"until": "+1h2h"}, "until: not a duration"),
])
def test_malformed_scenarios_name_the_field(tmp_path: Path, change: dict[str, object],
                                            message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(_copy(tmp_path, "welcome_vip.scenario.json", change),
                      [tmp_path, WORKSPACE])


def test_relative_times() -> None:
    start = parse_time("2026-12-07T10:00:00Z", None, "start")
    assert parse_time("+1d12h", start, "t") == parse_time("2026-12-08T22:00:00Z", None, "t")
    assert parse_time("-30m", start, "t") == parse_time("2026-12-07T09:30:00Z", None, "t")
    assert parse_time("+0s", start, "t") == start


def test_coverage_merges_cases_with_one_target() -> None:
    from jengine.lang.workspace import load_workspace

    cov = Coverage(load_workspace(WORKSPACE).model, ["rampup"])
    cov.add_journal([{"journey": "rampup", "step": None, "outcome": "entered",
                      "next": "firstWaves"},
                     {"journey": "rampup", "step": "firstWaves", "outcome": "completed",
                      "next": "variants"}])
    (line,) = cov.lines()
    assert line.startswith("rampup: 2/7 steps, 1/7 branches; not covered: holdBack,")
    assert "firstWaves[wave1|wave2] -> variants" not in line
