"""Running a folder of scenario files: each in its own temporary folder
(:func:`jengine.testing.play.run_scenario`), with path coverage per workspace
(:mod:`jengine.testing.coverage`). The ``jengine test`` command (:mod:`jengine.cli.test`) prints
what :func:`run_folder` reports."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from jengine.lang.model import Model
from jengine.testing.coverage import Coverage
from jengine.testing.play import run_scenario
from jengine.testing.scenario import (
    SUFFIX,
    Scenario,
    ScenarioError,
    ScenarioResult,
    load_scenario,
)

__all__ = ["TestRun", "discover", "run_folder"]


def discover(root: Path) -> list[Path]:
    """The scenario files of a file or folder, sorted by path."""
    if root.is_file():
        return [root]
    return sorted(root.rglob("*" + SUFFIX))


@dataclass
class TestRun:
    """The results of a folder: passed and failed scenario names, coverage per workspace."""

    results: list[ScenarioResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    coverage: dict[str, Coverage] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # by scenario file

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed + len(self.errors)


def run_folder(root: Path, journeys: list[str] | None = None, keep: Path | None = None,
               out: TextIO | None = None, engine: str = "embedded") -> TestRun:
    """Run every scenario of ``root`` (only those about ``journeys`` when given) on
    ``engine`` (``embedded`` or ``temporal``)."""
    run = TestRun()
    for path in discover(root):
        try:
            scenario = load_scenario(path, [root if root.is_dir() else path.parent])
        except ScenarioError as e:
            run.errors.append(str(e))
            _print(out, f"ERROR {path}\n  {e}")
            continue
        if journeys and not set(journeys) & set(scenario.journeys):
            continue
        start = time.perf_counter()
        result = run_scenario(scenario, keep=keep / scenario.name if keep else None,
                              engine=engine)
        run.seconds[str(path)] = time.perf_counter() - start
        run.results.append(result)
        _print(out, _result_text(result))
        _cover(run, scenario, result, journeys)
    return run


def _print(out: TextIO | None, text: str) -> None:
    if out is not None:
        print(text, file=out, flush=True)


def _result_text(result: ScenarioResult) -> str:
    head = f"{'PASS' if result.passed else 'FAIL'} {result.scenario.name}"
    if result.scenario.description and not result.passed:
        head += f" — {result.scenario.description}"
    return "\n".join([head, *(f"  {m}" for m in result.mismatches)])


def _cover(run: TestRun, scenario: Scenario, result: ScenarioResult,
           journeys: list[str] | None) -> None:
    if result.outputs is None:
        return
    label = _label(scenario.workspace) if scenario.workspace else f"{scenario.name} (inline)"
    if label not in run.coverage:
        model = _model(scenario)
        if model is None:
            return
        run.coverage[label] = Coverage(model, journeys or None)
    run.coverage[label].add_journal(result.outputs.journal)


def _label(folder: Path) -> str:
    try:
        return str(folder.relative_to(Path.cwd()))
    except ValueError:
        return str(folder)


def _model(scenario: Scenario) -> Model | None:
    from jengine.lang.workspace import load_texts, load_workspace

    ws = (load_workspace(scenario.workspace) if scenario.workspace is not None
          else load_texts(dict(scenario.inline)))
    return None if ws.has_errors else ws.model
