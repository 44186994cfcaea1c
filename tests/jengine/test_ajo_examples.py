"""The AJO-features workspace (``examples/ajo``): it checks clean and its scenarios pass.

Each scenario pins a behaviour of issue 14 with exact deliveries, paths and HTTP requests:
authentication (API key in a header or the query, basic, AJO's custom token endpoint with its
cache and the refresh after a 401), variable headers, query entries and dynamic paths, the
response size cap, AJO's retry policy within the call's budget (Retry-After included),
read-audience schedules (daily across a DST change, weekly incremental, monthly with force
re-entrance), business-event executions, the dry run and the default re-entrance.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jengine import load_workspace
from jengine.testing.play import run_scenario
from jengine.testing.scenario import load_scenario
from jengine.testing.suite import run_folder

WORKSPACE = Path(__file__).resolve().parents[2] / "examples" / "ajo"
SCENARIOS = sorted((WORKSPACE / "scenarios").glob("*.scenario.json"))


def test_the_workspace_checks_clean_even_in_strict_ajo_mode() -> None:
    ws = load_workspace(WORKSPACE, ajo_strict=True)
    assert [f"{d.path}: {d.diagnostic.code} {d.diagnostic.message}"
            for d in ws.diagnostics] == []


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name.split(".")[0] for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    result = run_scenario(load_scenario(path))
    assert result.passed, "\n".join(result.mismatches)


def test_every_journey_has_a_scenario() -> None:
    run = run_folder(WORKSPACE)
    assert run.failed == 0 and len(SCENARIOS) >= 7
    (coverage,) = run.coverage.values()
    entered = {name for name, cov in coverage.journeys.items() if cov.steps}
    assert entered >= {"shipping", "charging", "dailyDigest", "newReaders", "monthlyPlan",
                       "storeOpening", "flashSales", "loyaltyWelcome", "signupThanks"}
