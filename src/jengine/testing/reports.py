"""Machine-readable results of ``jengine test``: JSON and JUnit XML.

JUnit XML follows the common shape CI services read (Jenkins, GitLab, GitHub actions that
publish test reports): one ``<testsuite name="jengine">`` of one ``<testcase>`` per scenario
(``classname`` is the scenario file's folder, ``name`` the scenario name, ``file`` its path,
``time`` seconds), a ``<failure>`` with every mismatch for a failed scenario and an
``<error>`` for a scenario file that could not be read. Coverage goes in ``<system-out>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from jengine.testing.coverage import Coverage

__all__ = ["coverage_json", "junit_xml", "test_json"]


def coverage_json(coverage: dict[str, Coverage]) -> dict[str, Any]:
    """Per workspace, per journey: steps and branches covered, and what was missed."""
    out: dict[str, Any] = {}
    for label, cov in coverage.items():
        out[label] = {name: {
            "steps": len(j.journey.steps) - len(j.missing_steps()),
            "steps_total": len(j.journey.steps),
            "missing_steps": j.missing_steps(),
            "missing_branches": [str(b) for b in j.missing_branches()],
        } for name, j in cov.journeys.items()}
    return out


def test_json(run: Any) -> dict[str, Any]:
    """A :class:`~jengine.testing.suite.TestRun` as one JSON object."""
    return {
        "passed": run.passed, "failed": run.failed,
        "scenarios": [{"name": r.scenario.name, "file": str(r.scenario.path),
                       "passed": r.passed, "mismatches": list(r.mismatches),
                       "seconds": round(run.seconds.get(str(r.scenario.path), 0.0), 3)}
                      for r in run.results],
        "errors": list(run.errors),
        "coverage": coverage_json(run.coverage),
    }


def junit_xml(run: Any) -> str:
    """A :class:`~jengine.testing.suite.TestRun` as JUnit XML text."""
    total = sum(run.seconds.values())
    suite = ET.Element("testsuite", name="jengine", tests=str(len(run.results) + len(run.errors)),
                       failures=str(len(run.results) - run.passed),
                       errors=str(len(run.errors)), skipped="0", time=f"{total:.3f}")
    for r in run.results:
        path = Path(r.scenario.path)
        case = ET.SubElement(suite, "testcase", classname=path.parent.as_posix(),
                             name=r.scenario.name, file=path.as_posix(),
                             time=f"{run.seconds.get(str(path), 0.0):.3f}")
        if not r.passed:
            failure = ET.SubElement(case, "failure", message=r.mismatches[0][:200],
                                    type="mismatch")
            failure.text = "\n".join(r.mismatches)
    for text in run.errors:
        case = ET.SubElement(suite, "testcase", classname="jengine", name=text.split(":")[0])
        ET.SubElement(case, "error", message=text[:200], type="scenario-file").text = text
    lines = [f"coverage of {label}: {line}" for label, cov in run.coverage.items()
             for line in cov.lines()]
    ET.SubElement(suite, "system-out").text = "\n".join(lines)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(
        suite, encoding="unicode") + "\n"
