"""The command line for people and CI (issue 15): --version, --json, JUnit XML, exit codes,
colour, completion, the stub server, .env secrets, report width and closed pipes."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jengine.cli import EXIT_STATUS, main
from jengine.lang.workspace import load_workspace
from jengine.testing.stubserver import StubServer, routes

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "workspace"
BROKEN = Path(__file__).parent / "broken"
SCENARIO = EXAMPLES / "scenarios" / "welcome_await.scenario.json"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("jengine 0.1.0 (jexpr 0.1.0, Python ")
    done = subprocess.run([sys.executable, "-m", "jexpr", "--version"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "jexpr 0.1.0"


def test_check_json() -> None:
    code, out, _ = run("check", "--json", str(BROKEN / "cycle"))
    report = json.loads(out)
    assert code == 1 and report["errors"] >= 1 and report["files"] == 1
    first = report["diagnostics"][0]
    assert first["code"] == "J-CYCLE" and first["file"].endswith("main.journey")
    assert first["range"]["start"] == {"line": 8, "column": 21}  # 0-based (text says 9:22)
    assert run("check", "--json", str(EXAMPLES))[0] == 0


def test_typo_and_unclosed_brace_hints() -> None:
    _, out, _ = run("check", str(BROKEN / "syntax-keyword-typo"))
    assert "unknown keyword 'reentrence'" in out and "hint: did you mean 'reentrance'?" in out
    _, out, _ = run("check", str(BROKEN / "syntax-unclosed-step-block"))
    assert ":8:19: error J-SYNTAX this '{' is never closed" in out
    assert "hint: add the '}' that ends the block opened by 'pick: condition {'" in out


def test_test_json_and_junit(tmp_path: Path) -> None:
    junit = tmp_path / "report.xml"
    code, out, _ = run("test", str(SCENARIO), "--json", "--junit", str(junit))
    report = json.loads(out)
    assert code == 0 and report["passed"] == 1 and report["failed"] == 0
    assert report["scenarios"][0]["name"] and report["coverage"]
    suite = ET.parse(junit).getroot()
    assert suite.tag == "testsuite" and suite.get("tests") == "1" and suite.get("failures") == "0"
    assert suite.find("testcase") is not None and suite.find("testcase/failure") is None


def test_junit_records_failures(tmp_path: Path) -> None:
    scenario = json.loads(SCENARIO.read_text())
    # jengine test confines the paths a scenario names to its folder: a copy of the workspace
    shutil.copytree(EXAMPLES, tmp_path / "ws", ignore=shutil.ignore_patterns("scenarios"))
    scenario["workspace"] = "ws"
    scenario["expect"]["outbox"] = [{"journey": "welcome", "step": "nope"}]
    path = tmp_path / "broken.scenario.json"
    path.write_text(json.dumps(scenario))
    code, _, _ = run("test", str(path), "--junit", str(tmp_path / "r.xml"))
    suite = ET.parse(tmp_path / "r.xml").getroot()
    assert code == 1 and suite.get("failures") == "1"
    assert suite.find("testcase/failure") is not None


def _example_copy(tmp_path: Path, port: int) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLES, ws, ignore=shutil.ignore_patterns("scenarios"))
    for f in ws.glob("*.journey"):
        f.write_text(f.read_text().replace("127.0.0.1:8700", f"127.0.0.1:{port}"))
    return ws


def test_the_examples_run_against_the_stub_with_the_env_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick start: .env provides the secret, the stub answers, the coupon path runs;
    dead letters make the exit status 4 unless --allow-dead-letters."""
    probe = StubServer({}, 0)
    port = probe.port
    probe.httpd.server_close()
    ws = _example_copy(tmp_path, port)
    overrides = json.loads((ROOT / "examples" / "stub-responses.json").read_text())
    seen: list[str] = []
    server = StubServer(routes(load_workspace(ws).model, port, overrides), port,
                        seen.append).start()
    monkeypatch.delenv("COUPON_API_KEY", raising=False)  # only the workspace's .env has it
    try:
        args = ["run", str(ws), "--events", str(ROOT / "examples" / "events.jsonl"),
                "--profiles", str(ROOT / "examples" / "profiles.jsonl"),
                "--state", str(tmp_path / "s.db"), "--outbox", str(tmp_path / "o.jsonl"),
                "--journal", str(tmp_path / "j.jsonl"),
                "--dead-letters", str(tmp_path / "d.jsonl"), "--json", "--no-progress"]
        code, out, _ = run(*args)
    finally:
        server.close()
    summary = json.loads(out)
    assert code == 4 and summary["exit_status"] == 4 and summary["dead_letters"] > 0
    assert any(s.startswith("POST /v1/coupons -> 200") for s in seen)
    assert any(s.startswith("GET /weather?city=") and s.endswith("200") for s in seen)
    outbox = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert any(o["params"].get("code") == "WELCOME-10" for o in outbox)


def test_allow_dead_letters(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.journey").write_text("audience A\njourney j {\n  entry on audience A enters\n"
                                  "  a: end\n}\n")
    events = tmp_path / "e.jsonl"
    events.write_text("not json\n")
    base = ["run", str(ws), "--events", str(events), "--state", str(tmp_path / "s.db"),
            "--outbox", str(tmp_path / "o"), "--journal", str(tmp_path / "j"),
            "--dead-letters", str(tmp_path / "d"), "--no-progress"]
    code, _, err = run(*base)
    assert code == 4 and "dead-lettered" in err
    assert run(*base[:2], *base[2:], "--allow-dead-letters", "--state",
               str(tmp_path / "s2.db"))[0] == 0


def test_stub_requires_the_secret_header() -> None:
    import httpx

    table = routes(load_workspace(EXAMPLES).model, 8700)
    assert ("POST", "/v1/coupons") in table and ("GET", "/weather") in table
    assert table[("POST", "/v1/coupons")].body == {"code": "sample",
                                                   "expiresAt": "2027-01-01T00:00:00Z"}
    probe = StubServer({}, 0)
    port = probe.port
    probe.httpd.server_close()
    server = StubServer({(m, p): r for (m, p), r in table.items()}, port).start()
    try:
        url = f"http://127.0.0.1:{port}/v1/coupons"
        assert httpx.post(url, json={}).status_code == 401
        assert httpx.post(url, json={}, headers={"X-Api-Key": "k"}).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/nope").status_code == 404
    finally:
        server.close()


def test_colour_only_on_terminals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    _, out, _ = run("check", str(BROKEN / "cycle"))
    assert "\x1b[" not in out
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = run("check", str(BROKEN / "cycle"))
    assert "\x1b[1;31merror\x1b[0m" in out
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run("check", str(BROKEN / "cycle"))
    assert "\x1b[" not in out


def test_report_fits_the_width(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.journey").write_text("audience A\njourney j {\n  entry on audience A enters\n"
                                  "  a: end\n}\n")
    events = tmp_path / "e.jsonl"
    events.write_text('{"audience": "A", "profile": "p", "status": "realized", '
                      '"time": "2026-01-01T00:00:00Z"}\n')
    run("run", str(ws), "--events", str(events), "--state", str(tmp_path / "s.db"),
        "--outbox", str(tmp_path / "o"), "--journal", str(tmp_path / "j"),
        "--dead-letters", str(tmp_path / "d"), "--no-progress", "--allow-dead-letters")
    monkeypatch.setenv("COLUMNS", "72")
    code, out, _ = run("report", "--state", str(tmp_path / "s.db"))
    assert code == 0 and "jengine report" in out
    assert max(len(line) for line in out.splitlines()) <= 72


def test_completion_scripts() -> None:
    code, out, _ = run("completion", "bash")
    assert code == 0 and "check" in out and "--journey" in out and "complete" in out
    assert run("completion", "zsh")[0] == 0
    assert run("completion", "fish")[0] == 2


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_is_not_an_error() -> None:
    err = io.StringIO()
    assert main(["completion", "bash"], _ClosedPipe(), err) == 141
    assert err.getvalue() == ""


def test_a_closed_pipe_in_a_real_pipeline() -> None:
    for argv in (["-m", "jengine", "completion", "bash"],
                 ["-m", "jexpr", "check", "--json", "lenght(1) + lenght(2) + lenght(3)"]):
        proc = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(60)
        assert "Traceback" not in err and "internal error" not in err, err


def test_exit_codes_are_documented() -> None:
    _, out, _ = run("--help")
    del out
    text = (ROOT / "docs" / "cli" / "index.md").read_text(encoding="utf-8")
    for code in EXIT_STATUS:
        assert f"| {code} |" in text


def test_install_hints_name_commands_that_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """From a checkout: an editable install of the repository; from a wheel: the extra's own
    published packages (the project itself is not on PyPI)."""
    import jexpr.console as console

    hint = console.install_hint("lsp")
    assert hint == f"{sys.executable} -m pip install -e '{ROOT}[lsp]'"
    monkeypatch.setattr(console, "__file__", "/nowhere/jexpr/console.py")
    hint = console.install_hint("repl")
    assert "prompt-toolkit>=" in hint.replace("_", "-") and "pygments>=" in hint
    assert "jexpr" not in hint.split("pip install", 1)[1]
