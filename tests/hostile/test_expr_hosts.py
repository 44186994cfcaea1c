"""Hostile inputs to the programs that host jexpr (issue 16): ``jexpr eval``/``check`` and
``jengine check``/``run`` give coded errors, never a traceback or an internal error, and what
``jengine check`` accepts runs.

Each command runs in a child process under a memory limit and a time limit (``/dev/zero`` as a
context file never ends; a deep JSON document or a 5,000-digit number broke the JSON reader).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from jexpr.syntax.limits import MAX_DEPTH

MEMORY = 1 << 30
SECONDS = 120


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(module: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], capture_output=True,
                          text=True, timeout=SECONDS, preexec_fn=_limits, check=False)


def _clean(done: subprocess.CompletedProcess[str]) -> None:
    text = done.stdout + done.stderr
    assert "Traceback" not in text and "internal error" not in text, text[-2000:]


# ---- jexpr eval / check ---------------------------------------------------------------------


@pytest.mark.parametrize(("context", "expr", "message"), [
    ('{"events": {"E": {"x": NaN}}}', "@event{E.x}", "not finite"),
    ('{"events": {"E": {"x": -Infinity}}}', "@event{E.x} > 1", "not finite"),
    ('{"events": {"E": {"x": "\\ud800"}}}', "@event{E.x}", "lone surrogate"),
    ('{"events": {"E": {"x": 1180591620717411303424}}}', "@event{E.x}", "64-bit"),
    ('{"events": {"E": {"l": [1, NaN]}}}', "@event{E.l}", "not finite"),
])
def test_eval_refuses_invalid_context_values(tmp_path: Path, context: str, expr: str,
                                             message: str) -> None:
    path = tmp_path / "context.json"
    path.write_text(context, encoding="utf-8")
    done = run("jexpr", "eval", expr, "--context", path)
    _clean(done)
    assert done.returncode == 1
    assert "error E-EVAL-PAYLOAD" in done.stderr and message in done.stderr


def test_eval_bounds_the_context_it_reads() -> None:
    done = run("jexpr", "eval", "1", "--context", "/dev/zero")
    _clean(done)
    assert done.returncode == 2 and "(E-INPUT-SIZE)" in done.stderr


@pytest.mark.parametrize(("text", "code"), [
    ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "E-INPUT-DEPTH"),
    ('{"a": ' + "7" * 5000 + "}", "E-INPUT-NUMBER"),
])
def test_eval_names_an_unreadable_context(tmp_path: Path, text: str, code: str) -> None:
    path = tmp_path / "context.json"
    path.write_text(text, encoding="utf-8")
    done = run("jexpr", "eval", "1", "--context", path)
    _clean(done)
    assert done.returncode == 2 and f"({code})" in done.stderr


@pytest.mark.parametrize("types", [{"E.x": "strin"}, {"E." + ".".join(["a"] * 5000): "string"}])
def test_check_refuses_bad_declarations(tmp_path: Path, types: dict[str, str]) -> None:
    path = tmp_path / "types.json"
    path.write_text(json.dumps(types), encoding="utf-8")
    done = run("jexpr", "check", "@event{E.x}", "--field-types", path)
    _clean(done)
    assert done.returncode == 2 and "field-types file" in done.stderr


def test_check_reports_deep_and_huge_expressions() -> None:
    done = run("jexpr", "check", "(" * 5000 + "1" * 5000 + ")" * 5000)
    _clean(done)
    assert done.returncode == 1 and "E-SYN-TOO-DEEP" in done.stdout + done.stderr


# ---- jengine check / run --------------------------------------------------------------------

JOURNEY = """\
event Ping {
  namespace email
  key @event{Ping.email}
  fields {
    email: string
    n: integer
  }
}

journey j "J" {
  version VERSION
  entry on event Ping when CONDITION
  done: end
}
"""


def _workspace(tmp_path: Path, condition: str, version: str = "1") -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    text = JOURNEY.replace("CONDITION", condition).replace("VERSION", version)
    (ws / "j.journey").write_text(text, encoding="utf-8")
    return ws


@pytest.mark.parametrize(("condition", "version", "code"), [
    ("@event{Ping.n} > 0", "9" * 30, "E-SYN-INT-RANGE"),
    ("@event{Ping.n} > 0", "9" * 5000, "E-SYN-INT-RANGE"),
    ("@event{Ping.n} > " + "1" * 5000, "1", "E-SYN-INT-RANGE"),
    ("+".join(["@event{Ping.n}"] * (MAX_DEPTH + 10)) + " > 0", "1", "E-SYN-TOO-DEEP"),
])
def test_jengine_check_refuses_what_would_not_run(tmp_path: Path, condition: str, version: str,
                                                 code: str) -> None:
    done = run("jengine", "check", _workspace(tmp_path, condition, version))
    _clean(done)
    assert done.returncode == 1 and "j.journey:1" in done.stdout and code in done.stdout


def test_what_jengine_check_accepts_runs(tmp_path: Path) -> None:
    terms = 400
    ws = _workspace(tmp_path, "+".join(["@event{Ping.n}"] * terms) + f" == {3 * terms}")
    assert run("jengine", "check", ws).returncode == 0
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps({"event": "Ping", "time": "2026-01-01T00:00:00Z",
                                  "payload": {"email": "a@b", "n": 3}}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    done = run("jengine", "run", ws, "--events", events, "--state", tmp_path / "s.db",
               "--outbox", out / "outbox.jsonl", "--journal", out / "journal.jsonl",
               "--dead-letters", out / "dead.jsonl", "--no-progress")
    _clean(done)
    assert done.returncode == 0, done.stderr
    journal = [json.loads(line) for line in
               (out / "journal.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["outcome"] for line in journal] == ["entered", "completed"]


def test_a_non_utf8_journey_file_is_named(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, "true")
    (ws / "latin1.journey").write_bytes("event X {\n  // café\n}\n".encode("latin-1"))
    done = run("jengine", "check", ws)
    _clean(done)
    assert done.returncode == 1
    assert "latin1.journey:2:9: error J-FILE-ENCODING" in done.stdout
