"""The ``jengine`` command line: check, fmt, graph; bad arguments never give a traceback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from jengine.cli import main

BROKEN = Path(__file__).parent / "broken"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "workspace"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_check_reports_with_caret_and_exit_1() -> None:
    code, out, _ = run("check", str(BROKEN / "cycle"))
    assert code == 1
    first = out.splitlines()[0]
    assert first.endswith("error J-CYCLE the steps form a cycle: first -> second -> first")
    assert ":9:22: " in first
    assert "^~~~~" in out


def test_check_warnings_only_exit_0() -> None:
    code, out, _ = run("check", str(BROKEN / "unreachable-step"))
    assert code == 0 and "warning J-UNREACHABLE" in out


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="no examples yet")
def test_check_examples_clean() -> None:
    assert run("check", str(EXAMPLES))[0] == 0


def test_fmt_check_and_write(tmp_path: Path) -> None:
    path = tmp_path / "a.journey"
    path.write_text("audience   A\njourney j { entry on audience A enters\n a: end }\n")
    assert run("fmt", "--check", str(path))[0] == 1
    code, out, _ = run("fmt", str(path))
    assert code == 0 and out.startswith("audience A\n\njourney j {\n")
    assert run("fmt", "--write", str(path))[0] == 0
    assert run("fmt", "--check", str(path))[0] == 0


def test_fmt_diff_shows_the_change_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.journey"
    text = "audience A\njourney j { entry on audience A enters\n a: end }\n"
    path.write_text(text)
    code, out, _ = run("fmt", "--diff", str(path))
    assert code == 1 and out.startswith(f"--- {path}\n+++ {path} (formatted)\n")
    assert "-journey j { entry on audience A enters\n" in out and "+  a: end\n" in out
    assert path.read_text() == text
    run("fmt", "--write", str(path))
    assert run("fmt", "--diff", str(path)) == (0, "", "")


def test_examples_pass_fmt_check() -> None:
    assert run("fmt", "--check", str(EXAMPLES)) == (0, "", "")


def test_graph_mermaid_and_unknown_journey(tmp_path: Path) -> None:
    (tmp_path / "a.journey").write_text("audience A\njourney j { entry on audience A enters\n"
                                        " a: end }\n")
    code, out, _ = run("graph", "j", "-w", str(tmp_path), "--format", "mermaid")
    assert code == 0 and "__entry --> a" in out
    code, _, err = run("graph", "nope", "-w", str(tmp_path))
    assert code == 2 and "no journey 'nope'" in err


@pytest.mark.parametrize("argv", [[], ["bogus"], ["check"], ["check", "/no/such/dir"],
                                  ["graph", "j", "--format", "png"], ["fmt", "--check"]])
def test_bad_arguments(argv: list[str]) -> None:
    code, _, err = run(*argv)
    assert code == 2 and "Traceback" not in err


def test_run_batch_defaults_to_the_mode_default(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    """``--batch`` unset means the mode's default (2,000 simulated, 500 live); ``--cache``
    sets the profile cache."""
    import jengine.cli.run as run_cli
    from jengine.runtime.options import DEFAULT_CACHE, RunOptions, RunResult

    seen: list[RunOptions] = []

    def fake(options: RunOptions) -> RunResult:
        seen.append(options)
        return RunResult()

    monkeypatch.setattr(run_cli, "run_journeys", fake)
    events = tmp_path / "e.jsonl"
    events.write_text("")
    base = ("run", str(EXAMPLES), "--events", str(events), "--state", str(tmp_path / "s.db"))
    assert run(*base)[0] == 0
    assert run(*base, "--mode", "live")[0] == 0
    assert run(*base, "--batch", "7", "--cache", "50")[0] == 0
    assert [o.batch for o in seen] == [2000, 500, 7]
    assert [o.cache_size for o in seen] == [DEFAULT_CACHE, DEFAULT_CACHE, 50]
