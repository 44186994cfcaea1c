"""Strict AJO mode (issue 14): ``jexpr check --ajo``, ``jengine check --ajo`` and the workspace
setting ``check.ajo-strict`` turn the ``W-AJO-*`` warnings into errors (a red CI)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from jengine.cli import main as jengine_main
from jexpr.cli import main as jexpr_main

JOURNEY = """
event Go { namespace email key @event{Go.email} fields { email: string } }
journey j { entry on event Go  hi: email { score: 3 * 4.0 } }
"""


@pytest.mark.parametrize(("expr", "code"), [
    ("3 * 4.0", "W-AJO-MIXED-MULTIPLY"),
    ("(1) + 2", None),                                    # no W-AJO warning: still ok
])
def test_jexpr_check_ajo(expr: str, code: str | None, capsys: pytest.CaptureFixture[str]
                         ) -> None:
    assert jexpr_main(["check", "3 * 4.0"]) == 0
    capsys.readouterr()
    status = jexpr_main(["check", "--ajo", expr])
    text = capsys.readouterr().out
    if code is not None:
        assert status == 1 and f"error {code}" in text and "strict AJO mode" in text
    else:
        assert status == 0 and text.strip() == "ok"


def _check(folder: Path, *flags: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    return jengine_main(["check", *flags, str(folder)], out, err), out.getvalue()


def test_jengine_check_ajo_flag_and_workspace_setting(tmp_path: Path) -> None:
    (tmp_path / "a.journey").write_text(JOURNEY, encoding="utf-8")
    status, text = _check(tmp_path)
    assert status == 0 and "warning W-AJO-MIXED-MULTIPLY" in text
    status, text = _check(tmp_path, "--ajo")
    assert status == 1 and "error W-AJO-MIXED-MULTIPLY" in text
    (tmp_path / "journeys.toml").write_text("ajo-strict = true\n", encoding="utf-8")
    status, text = _check(tmp_path)
    assert status == 1 and "error W-AJO-MIXED-MULTIPLY" in text


def test_a_strict_workspace_refuses_to_run(tmp_path: Path) -> None:
    (tmp_path / "a.journey").write_text(JOURNEY, encoding="utf-8")
    (tmp_path / "journeys.toml").write_text("ajo-strict = true\n", encoding="utf-8")
    events = tmp_path / "events.jsonl"
    events.write_text("", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    status = jengine_main(["run", str(tmp_path), "--events", str(events), "--state",
                           str(tmp_path / "s.db"), "--outbox", str(tmp_path / "o.jsonl"),
                           "--journal", str(tmp_path / "j.jsonl"), "--dead-letters",
                           str(tmp_path / "d.jsonl")], out, err)
    assert status == 1 and "W-AJO-MIXED-MULTIPLY" in err.getvalue()
