"""The ``jexpr`` command line and the conformance runner behind ``jexpr test``.

Tests marked "compiler" need ``jexpr.compile``/``jexpr.checker.check``; the others exercise argument
handling, input files and the runner's bookkeeping (with a stand-in compiler where needed).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import jexpr
import jexpr.cli
from jexpr.cli import main
from jexpr.conformance import (
    Vector,
    evaluation_context,
    load_vectors,
    resolver_for,
    run_file,
    run_vector,
)
from jexpr.diagnostics import Diagnostic, EvaluationError, JexprError, error, warning
from jexpr.source import Source

SRC = Path(jexpr.cli.__file__).resolve().parents[1]
ROOT = SRC.parent
EXAMPLE_CONTEXT = ROOT / "examples" / "context.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def jsonl(*vectors: Mapping[str, Any]) -> str:
    return "".join(json.dumps(v) + "\n" for v in vectors)


# ---------------------------------------------------------------------------------------------
# A stand-in compiler, to test the plumbing without the real one


@dataclass
class FakeProgram:
    result: Any
    diagnostics: list[Diagnostic] = field(default_factory=list)
    type: str = "any"
    seen: list[Mapping[str, Any]] = field(default_factory=list)

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        self.seen.append(context)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def fake_compiler(
    monkeypatch: pytest.MonkeyPatch, behaviour: Callable[..., FakeProgram]
) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def compile_(text: str, **kwargs: Any) -> FakeProgram:
        calls.append({"text": text, **kwargs})
        return behaviour(text, **kwargs)

    monkeypatch.setattr(jexpr, "compile", compile_, raising=False)
    return calls


SPAN = Source("x").span(0, 1)


# ---------------------------------------------------------------------------------------------
# eval (compiler)


def test_eval_integer(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "eval", "4 + 2 * 10") == (0, "integer 24\n", "")


def test_eval_string_is_json_quoted(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "eval", "'hello world'")[1] == 'string "hello world"\n'


def test_eval_null(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "eval", "null")[:2] == (0, "null\n")


def test_eval_now_option(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "eval", "now()", "--now", "2019-06-03T06:30:00Z")
    assert (status, out) == (0, "dateTime 2019-06-03T06:30Z\n")


def test_eval_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "eval", 'toDateTime("2011-12-03T15:15:30.123+02:00")', "--json")
    assert status == 0
    assert json.loads(out) == {"dateTime": "2011-12-03T15:15:30.123+02:00"}


def test_eval_list_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "eval", "[1, 2.5]", "--json")
    assert (status, out) == (0, "[1.0, 2.5]\n")


def test_eval_with_example_context(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys, "eval", "@event{cartAbandoned.cart.items.price}",
        "--context", str(EXAMPLE_CONTEXT),
    )
    assert (status, err) == (0, "")
    assert out == "listDecimal [19.9, 89.0, 23.7]\n"


def test_eval_context_now_and_field_types(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "eval", "inLastDays(@event{cartAbandoned.timestamp}, 1)",
        "--usage", "condition", "--context", str(EXAMPLE_CONTEXT),
    )
    assert (status, out) == (0, "boolean true\n")
    status, out, _ = run(
        capsys, "eval", "inLastDays(@event{cartAbandoned.timestamp}, 1)",
        "--now", "2024-03-20T00:00Z", "--context", str(EXAMPLE_CONTEXT),
    )
    assert (status, out) == (0, "boolean false\n")


def test_eval_warning_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "eval", "3 * 4.0")
    assert (status, out) == (0, "decimal 12.0\n")
    assert err.startswith("<expr>:1:1: warning W-AJO-MIXED-MULTIPLY")
    assert "3 * 4.0\n" in err


def test_eval_static_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "eval", "3.14 > 2 AND 3.15 < 1")
    assert (status, out) == (1, "")
    assert "E-SYN-KEYWORD-CASE" in err
    assert err.splitlines()[0].startswith("<expr>:1:10: error E-SYN-KEYWORD-CASE")
    assert err.splitlines()[2] == " " * 9 + "^~~"


def test_eval_evaluation_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "eval", 'substr("abc", 4)')
    assert (status, out) == (1, "")
    assert "error E-EVAL-RANGE" in err.splitlines()[0]


def test_eval_usage_condition(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "eval", "null", "--usage", "condition")[:2] == (0, "boolean false\n")


# ---------------------------------------------------------------------------------------------
# eval (arguments and files; no compiler needed)


def one_error_line(err: str, start: str) -> None:
    assert err.startswith(start), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


def test_eval_missing_context_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    status, out, err = run(capsys, "eval", "1", "--context", missing)
    assert (status, out) == (2, "")
    one_error_line(err, f"jexpr: error: cannot read context file {missing!r}: ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "want a JSON object"),
        ('{"event": {}}', "unknown key 'event'"),
        ('{"events": []}', "'events' has the wrong JSON type"),
        ('{"fieldTypes": {"E.a": 1}}', "the type of 'E.a' must be a string"),
        ('{"now": "yesterday"}', "invalid 'now'"),
    ],
)
def test_eval_bad_context_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    path = write(tmp_path, "ctx.json", content)
    status, _, err = run(capsys, "eval", "1", "--context", path)
    assert status == 2
    one_error_line(err, "jexpr: error: ")
    assert message in err


def test_eval_bad_now(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "eval", "now()", "--now", "2024-01-01")
    assert status == 2
    one_error_line(err, "jexpr: error: invalid --now value '2024-01-01'")


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["eval"], ["eval", "1", "--usage", "x"]])
def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    status, _, err = run(capsys, *argv)
    assert status == 2
    one_error_line(err, "jexpr: error: ")


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0
    assert "eval" in out and "check" in out and "test" in out


def test_eval_with_stand_in_compiler(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    program = FakeProgram([dt.date(2023, 8, 18), None], [warning("W-X", "careful", SPAN)],
                          type="listDateOnly")
    calls = fake_compiler(monkeypatch, lambda text, **kw: program)
    ctx = write(tmp_path, "ctx.json", json.dumps({
        "events": {"E": {"a": 1}}, "fieldTypes": {"E.a": "integer"}, "now": "2024-01-01T00:00Z",
    }))
    status, out, err = run(capsys, "eval", "x", "--context", ctx, "--usage", "action:listDateOnly")
    assert (status, out) == (0, 'listDateOnly [{"dateOnly": "2023-08-18"}, null]\n')
    assert err.startswith("<expr>:1:1: warning W-X careful\n")
    assert calls == [{"text": "x", "usage": "action:listDateOnly", "fieldTypes": {"E.a": "integer"}}]
    assert program.seen[0]["events"] == {"E": {"a": 1}}
    assert program.seen[0]["now"] == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert "fieldTypes" not in program.seen[0]


def test_eval_internal_error_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_compiler(monkeypatch, lambda text, **kw: FakeProgram(RuntimeError("boom")))
    status, out, err = run(capsys, "eval", "x")
    assert (status, out) == (3, "")
    one_error_line(err, "jexpr: internal error: RuntimeError: boom")


# ---------------------------------------------------------------------------------------------
# check


def test_check_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", "1 + 1") == (0, "ok\n", "")


def test_check_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check", 'lenght("abc")')
    assert status == 1
    assert out.startswith("<expr>:1:1: error E-NAME-FUNCTION")
    assert out.splitlines()[1:3] == ['lenght("abc")', "^~~~~~"]


def test_check_warning_only_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check", "3 * 4.0")
    assert status == 0
    assert "warning W-AJO-MIXED-MULTIPLY" in out


def test_check_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check", "1 < 2 < 3", "--json")
    assert status == 1
    diags = json.loads(out)
    assert "E-SYN-CHAINED" in [d["code"] for d in diags]
    assert set(diags[0]) >= {"severity", "code", "message", "range"}
    assert run(capsys, "check", "1", "--json")[:2] == (0, "[]\n")


def test_check_file_uses_file_name(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "cond.jexpr", "true and\n  1\n")
    status, out, _ = run(capsys, "check", "--file", path)
    assert status == 1
    assert out.startswith(f"{path}:2:3: error E-TYPE-OPERAND")


def test_check_schema_and_usage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    schema = write(tmp_path, "schema.json", '{"E.name": "string"}')
    status, out, _ = run(capsys, "check", "@event{E.nmae}", "--schema", schema)
    assert status == 1 and "E-FIELD-UNKNOWN" in out
    types = write(tmp_path, "types.json", '{"E.n": "integer"}')
    status, out, _ = run(capsys, "check", "@event{E.n}", "--field-types", types,
                         "--usage", "condition")
    assert status == 1 and "E-TYPE-RESULT" in out


@pytest.mark.parametrize(
    "argv",
    [["check"], ["check", "1", "--file", "x.jexpr"]],
)
def test_check_needs_exactly_one_source(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert run(capsys, *argv)[0] == 2


def test_check_unreadable_inputs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.jexpr")
    status, _, err = run(capsys, "check", "--file", missing)
    assert status == 2
    one_error_line(err, f"jexpr: error: cannot read expression file {missing!r}")
    bad = write(tmp_path, "schema.json", '{"E.a": ["string"]}')
    status, _, err = run(capsys, "check", "1", "--schema", bad)
    assert status == 2
    one_error_line(err, f"jexpr: error: schema file {bad!r}: the type of 'E.a' must be a string")


# ---------------------------------------------------------------------------------------------
# test (compiler)

PASSING = {"expr": "4 + 2 * 10", "expect": 24, "source": "t", "note": "t"}
PASSING_ERROR = {"expr": "[1, \"a\"]", "expect": {"error": True},
                 "diagnostics": ["E-TYPE-LIST"], "source": "t", "note": "t"}
FAILING = {"expr": "5 + 2 * 10", "expect": 24, "source": "t", "note": "t"}


def test_test_command_reports_failures(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "v.jsonl", jsonl(PASSING, FAILING) + "\n" + jsonl(PASSING_ERROR))
    status, out, _ = run(capsys, "test", path)
    assert status == 1
    assert out.splitlines() == [
        f"{path}:2: FAIL 5 + 2 * 10 — expected 24, got 25",
        "2 passed, 1 failed",
    ]


def test_test_command_verbose_all_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "v.jsonl", jsonl(PASSING))
    status, out, _ = run(capsys, "test", path, "--verbose")
    assert (status, out) == (0, f"{path}:1: ok 4 + 2 * 10\n1 passed, 0 failed\n")


def test_by_params_vector(tmp_path: Path) -> None:
    vector = {
        "expr": "#{Weather.main.temperature, params: {city: @event{P.city}}}",
        "expect": 21.5,
        "context": {
            "events": {"P": {"city": "Paris"}},
            "dataSources": {"Weather": {"main": {"$byParams": [
                {"params": {"city": "Rome"}, "payload": {"temperature": 30.0}},
                {"params": {"city": "Paris"}, "payload": {"temperature": 21.5}},
            ]}}},
        },
        "source": "t", "note": "t",
    }
    passed, failed, results = run_file(write(tmp_path, "v.jsonl", jsonl(vector)))
    assert (passed, failed) == (1, 0), results[0].reason


# ---------------------------------------------------------------------------------------------
# test (no compiler needed)


def test_test_command_bad_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "none.jsonl")
    status, _, err = run(capsys, "test", missing)
    assert status == 2
    one_error_line(err, f"jexpr: error: cannot read vectors file {missing!r}")
    bad = write(tmp_path, "bad.jsonl", jsonl(PASSING) + "{oops\n")
    status, out, err = run(capsys, "test", bad)
    assert (status, out) == (2, "")
    one_error_line(err, f"jexpr: error: cannot read vectors file {bad!r}: line 2: invalid JSON")


def test_load_vectors_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "v.jsonl", "\n" + jsonl(PASSING) + "\n\n" + jsonl(PASSING_ERROR))
    vectors = load_vectors(path)
    assert [v.line for v in vectors] == [2, 5]
    assert vectors[1].expects_error and vectors[1].diagnostics == ["E-TYPE-LIST"]
    assert vectors[0].usage == "value" and vectors[0].context == {}


def test_load_vectors_requires_expr_and_expect(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="line 1"):
        load_vectors(write(tmp_path, "v.jsonl", '{"expr": "1"}\n'))


def test_evaluation_context_splits_static_keys() -> None:
    static, ctx = evaluation_context(
        {"fieldTypes": {"E.a": "dateTime"}, "schema": {"E.a": "dateTime"}, "events": {"E": {}},
         "timezone": "Europe/Paris"},
        "2023-06-03T06:30:00+02:00",
    )
    assert static == {"fieldTypes": {"E.a": "dateTime"}, "schema": {"E.a": "dateTime"}}
    assert ctx["events"] == {"E": {}} and ctx["timezone"] == "Europe/Paris"
    assert ctx["now"] == dt.datetime(2023, 6, 3, 4, 30, tzinfo=dt.UTC)
    assert ctx["now"].utcoffset() == dt.timedelta(hours=2)


def test_resolver_for() -> None:
    static = {"DS": {"FG": {"a": 1}}}
    assert resolver_for(static) is static
    table = {
        "W": {"main": {"$byParams": [
            {"params": {"n": 1}, "payload": {"hit": "int"}},
            {"params": {"n": 1.0}, "payload": {"hit": "decimal"}},
            {"params": {"d": {"dateTime": "2024-01-01T00:00:00Z"}}, "payload": {"hit": "date"}},
        ]}},
        "DS": {"FG": {"a": 1}},
    }
    resolve = resolver_for(table)
    assert callable(resolve)
    assert resolve("W", "main", {"n": 1}) == {"hit": "int"}
    assert resolve("W", "main", {"n": 1.0}) == {"hit": "decimal"}
    assert resolve("W", "main", {"n": 2}) is None
    assert resolve("W", "main", {}) is None
    utc = dt.UTC
    assert resolve("W", "main", {"d": dt.datetime(2024, 1, 1, tzinfo=utc)}) == {"hit": "date"}
    assert resolve("DS", "FG", {}) == {"a": 1}
    assert resolve("DS", "other", {}) is None
    assert resolve("nope", "FG", {}) is None


def vector(**fields: Any) -> Vector:
    return Vector(line=1, **{"expr": "x", "expect": None, **fields})


def test_run_vector_judges_values(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_compiler(monkeypatch, lambda text, **kw: FakeProgram(7.0, [warning("W-A", "w", SPAN)]))
    assert run_vector(vector(expect=7.0)).ok
    assert run_vector(vector(expect=7.0, diagnostics=["W-A"])).ok
    result = run_vector(vector(expect=7))
    assert not result.ok and result.reason == "expected 7, got 7.0"
    result = run_vector(vector(expect=7.0, diagnostics=["W-A", "W-B"]))
    assert not result.ok and result.reason == "missing diagnostics W-B; reported [W-A]"
    result = run_vector(vector(expect={"error": True}))
    assert not result.ok and result.reason == "expected an error, got 7.0"
    result = run_vector(vector(expect={"dateTime": "bad"}))
    assert not result.ok and result.reason.startswith("bad vector expectation")


def test_run_vector_static_and_evaluation_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def static_error(text: str, **kw: Any) -> FakeProgram:
        raise JexprError([error("E-TYPE-LIST", "mixed list", SPAN)])

    fake_compiler(monkeypatch, static_error)
    assert run_vector(vector(expect={"error": True}, diagnostics=["E-TYPE-LIST"])).ok
    result = run_vector(vector(expect=1))
    assert not result.ok and result.reason == "expected 1, got error E-TYPE-LIST mixed list"
    assert result.codes == ["E-TYPE-LIST"]

    failure = EvaluationError(error("E-EVAL-RANGE", "out of range", SPAN))
    fake_compiler(monkeypatch, lambda text, **kw: FakeProgram(failure))
    assert run_vector(vector(expect={"error": True}, diagnostics=["E-EVAL-RANGE"])).ok
    assert not run_vector(vector(expect={"error": True}, diagnostics=["E-EVAL-TYPE"])).ok


def test_run_vector_passes_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    program = FakeProgram(True)
    calls = fake_compiler(monkeypatch, lambda text, **kw: program)
    v = vector(expect=True, usage="condition", now="2023-06-03T06:30:00Z",
               context={"schema": {"E.a": "string"}, "journey": {"journeyVersion": 3}})
    assert run_vector(v).ok
    assert calls == [{"text": "x", "usage": "condition", "schema": {"E.a": "string"}}]
    assert program.seen[0] == {
        "journey": {"journeyVersion": 3},
        "now": dt.datetime(2023, 6, 3, 6, 30, tzinfo=dt.UTC),
    }


def test_run_vector_never_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str, **kw: Any) -> FakeProgram:
        raise KeyError("oops")

    fake_compiler(monkeypatch, broken)
    result = run_vector(vector(expect=1))
    assert not result.ok and result.reason == "internal error: KeyError: 'oops'"
    assert not run_vector(vector(expect=1, now="soon")).ok


def test_test_command_with_stand_in_compiler(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_compiler(monkeypatch, lambda text, **kw: FakeProgram(len(text)))
    path = write(tmp_path, "v.jsonl", jsonl({"expr": "abc", "expect": 3},
                                            {"expr": "a\nb", "expect": 1}))
    status, out, _ = run(capsys, "test", path)
    assert status == 1
    assert out.splitlines() == [f"{path}:2: FAIL a\\nb — expected 1, got 3", "1 passed, 1 failed"]


# ---------------------------------------------------------------------------------------------
# A real process: python -m jexpr.cli / python -m jexpr


def run_process(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, env=env, cwd=ROOT,
        timeout=120, check=False,
    )


def test_process_bad_context_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.json")
    proc = run_process("-m", "jexpr", "eval", "1", "--context", missing)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("jexpr: error: cannot read context file")
    assert "Traceback" not in proc.stderr


def test_process_eval() -> None:
    proc = run_process("-m", "jexpr.cli", "eval", "4 + 2 * 10")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "integer 24\n", "")


def test_process_check_error() -> None:
    proc = run_process("-m", "jexpr.cli", "check", "1 +")
    assert proc.returncode == 1
    assert proc.stdout.startswith("<expr>:1:")
    assert "error E-SYN-" in proc.stdout
