"""Golden diagnostics of the broken workspaces in ``broken/<case>/``.

Each case is a folder of ``.journey`` files with a ``README`` saying what is wrong and an
``expected.txt`` holding every diagnostic of ``jengine check`` as
``file:line:col-line:col: severity code message`` (1-based, end exclusive). Regenerate with
``pytest --update-goldens`` and review the diff. Independently of the golden, every code that the
README names as expected must be among the diagnostics.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jengine import load_templates, load_workspace

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(p for p in BROKEN.iterdir() if p.is_dir()) if BROKEN.is_dir() else []
_CODE = re.compile(r"\b([JEWT]-[A-Z0-9]+(?:-[A-Z0-9]+)*)\b")


def render(case: Path) -> str:
    ws = load_workspace(case)
    lines = []
    for item in [*ws.diagnostics, *load_templates(ws).diagnostics]:
        d, s = item.diagnostic, item.diagnostic.span
        name = Path(item.source.name).as_posix()
        lines.append(f"{name}:{s.start_line + 1}:{s.start_column + 1}-{s.end_line + 1}:"
                     f"{s.end_column + 1}: {d.severity} {d.code} {d.message}")
    return "\n".join(lines) + "\n"


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Path, request: pytest.FixtureRequest) -> None:
    got = render(case)
    golden = case / "expected.txt"
    if request.config.getoption("update_goldens") or not golden.exists():
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8"), (
        f"{case.name}: diagnostics differ from expected.txt; if intended, run pytest "
        "--update-goldens and review the diff")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_readme_codes_reported(case: Path) -> None:
    readme = case / "README"
    if not readme.exists():
        pytest.skip("no README")
    text = readme.read_text(encoding="utf-8")
    wanted = set(_CODE.findall(text))
    got = {line.split(" ")[2] for line in render(case).splitlines() if line}
    if "no diagnostics" in text:
        assert got == set()
    else:
        assert wanted & got, f"{case.name}: README expects {sorted(wanted)}, got {sorted(got)}"
