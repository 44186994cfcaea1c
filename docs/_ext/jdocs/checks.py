"""``journeys/check-examples.md``: for every check code, the broken workspaces of the test suite
(``tests/jengine/broken/<case>/``) that show it — what is wrong (the case's README), the files,
and the diagnostics ``jengine check`` prints for them, produced when the page is generated. The
same cases are golden tests (``tests/jengine/test_broken.py``), so the page cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["BROKEN", "cases_by_code", "pages"]

ROOT = Path(__file__).resolve().parents[3]
BROKEN = ROOT / "tests" / "jengine" / "broken"
_CODE = re.compile(r"\b([JEW]-[A-Z0-9]+(?:-[A-Z0-9]+)*)\b")


def _check_output(case: Path) -> tuple[str, set[str]]:
    from jengine.lang.workspace import load_workspace
    from jexpr.report import format_diagnostic

    ws = load_workspace(case)
    blocks = [format_diagnostic(d.diagnostic, d.source.text, Path(d.source.name).as_posix())
              for d in ws.diagnostics]
    return "\n".join(blocks), {d.diagnostic.code for d in ws.diagnostics}


def cases_by_code() -> dict[str, list[Path]]:
    """Check code → the broken cases whose README names it and whose check reports it."""
    out: dict[str, list[Path]] = {}
    for case in sorted(p for p in BROKEN.iterdir() if p.is_dir()) if BROKEN.is_dir() else []:
        readme = case / "README"
        if not readme.exists():
            continue
        _, reported = _check_output(case)
        for code in dict.fromkeys(_CODE.findall(readme.read_text(encoding="utf-8"))):
            if code in reported:
                out.setdefault(code, []).append(case)
    return dict(sorted(out.items()))


def _case_md(case: Path) -> list[str]:
    readme = case / "README"
    lines = [f"### `{case.name}`", "", readme.read_text(encoding="utf-8").strip(), ""]
    for f in sorted(case.rglob("*")):
        if f.suffix not in (".journey", ".json") or not f.is_file():
            continue
        lang = "journey" if f.suffix == ".journey" else "json"
        lines += [f"`{f.relative_to(case).as_posix()}`:", "", f"```{lang}",
                  f.read_text(encoding="utf-8").rstrip(), "```", ""]
    output, _ = _check_output(case)
    lines += ["`jengine check` prints:", "", "```text", output, "```", ""]
    return lines


def pages() -> dict[str, str]:
    lines = ["# Check examples", "",
             "One or more small broken workspaces per check code, taken from the test suite "
             "(`tests/jengine/broken/`), with what `jengine check` prints for each — generated "
             "when the site is built. The codes themselves are described in "
             "[Checks](checks.md).", ""]
    for code, cases in cases_by_code().items():
        lines += [f"## `{code}`", ""]
        for case in cases[:2]:
            lines += _case_md(case)
    return {"journeys/check-examples.md": "\n".join(lines)}
