"""The example workspace parses, checks clean and compiles every expression."""

from __future__ import annotations

from pathlib import Path

import pytest

from jengine import load_workspace
from jengine.lang.parse import parse

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "workspace"
FILES = sorted(EXAMPLES.rglob("*.journey")) if EXAMPLES.is_dir() else []

pytestmark = pytest.mark.skipif(not FILES, reason="examples/workspace has no .journey files yet")


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_example_parses(path: Path) -> None:
    result = parse(path.read_text(encoding="utf-8"), path.name)
    assert result.diagnostics == []
    assert result.file.declarations


def test_examples_check_clean() -> None:
    ws = load_workspace(EXAMPLES)
    assert [f"{d.path}: {d.diagnostic.code} {d.diagnostic.message}" for d in ws.diagnostics] == []
    assert ws.model.journeys


def test_every_expression_compiles() -> None:
    ws = load_workspace(EXAMPLES)
    assert ws.model.sites
    for site in ws.model.sites.values():
        assert site.program is not None, site.expr
