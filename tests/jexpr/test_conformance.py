"""Every conformance vector passes through both back ends: the compiled program and the
reference interpreter (architecture rule 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jexpr.compiler.interpret import evaluate_program
from jexpr.conformance import load_vectors, run_vector

VECTOR_FILES = sorted((Path(__file__).parents[1] / "conformance").glob("*.jsonl"))
BACKENDS = {"compiled": None, "interpreter": evaluate_program}


def test_vector_files_are_present() -> None:
    names = {p.name for p in VECTOR_FILES}
    assert "expressions.jsonl" in names
    assert sum(len(load_vectors(p)) for p in VECTOR_FILES) > 1000


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.name)
def test_vectors_pass(path: Path, backend: str) -> None:
    evaluator = BACKENDS[backend]
    failures = []
    for vector in load_vectors(path):
        result = run_vector(vector) if evaluator is None else run_vector(vector, evaluator)
        if not result.ok:
            failures.append(f"{path.name}:{vector.line}: {vector.expr} — {result.reason}")
    assert failures == []
