"""``jengine test`` wrote anywhere (issue 16, high): a scenario's inline workspace file names
were not confined, so absolute and ``../`` names wrote files outside the temporary folder.
Every path a scenario or a workspace names — inline file names, ``workspace``, ``profiles``,
``schema "…"`` files, the discovered ``.journey`` files — must stay inside its folder; devices,
FIFOs and symbolic links that leave the folder are refused; reads are bounded.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from hostile_run import JOURNEY, event

from jengine.cli import main
from jengine.lang.confine import OutsideFolder, inside, read_confined
from jengine.lang.workspace import read_input
from jengine.testing import scenario as scenario_module
from jengine.testing.scenario import ScenarioError, load_scenario


def _scenario(folder: Path, **fields: object) -> Path:
    data = {"workspace": {"hello.journey": JOURNEY}, "start": "2026-12-01T10:00:00Z",
            "events": [{"raw": event("a@example.com")}], **fields}
    path = folder / "attack.scenario.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _test_cli(folder: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["test", str(folder)], out, err)
    return status, out.getvalue() + err.getvalue()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["{outside}/evil.journey", "../evil.journey",
                                  "a/../../evil.journey", "sub/../../../evil.journey"])
def test_inline_names_cannot_leave_the_folder(tmp_path: Path, name: str) -> None:
    tests, outside = tmp_path / "tests", tmp_path / "outside"
    tests.mkdir()
    outside.mkdir()
    bad = name.format(outside=outside)
    _scenario(tests, workspace={"hello.journey": JOURNEY, bad: JOURNEY})
    status, text = _test_cli(tests)
    assert status == 1 and "ERROR" in text and "stay inside" in text
    assert "Traceback" not in text
    written = [p for p in tmp_path.rglob("evil.journey")]
    assert written == []


def test_inside_refuses_a_link_that_leaves(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    os.symlink(outside, root / "link")
    with pytest.raises(OutsideFolder):
        inside(root, "link/evil.journey")
    assert inside(root, "sub/ok.journey") == root / "sub" / "ok.journey"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("target", ["/etc/passwd", "/dev/zero", "../outside.jsonl",
                                    "fifo.jsonl", "link.jsonl"])
def test_profiles_file_is_confined(tmp_path: Path, target: str) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tmp_path / "outside.jsonl").write_text('{"id": "a@example.com"}\n', encoding="utf-8")
    os.mkfifo(tests / "fifo.jsonl")
    os.symlink(tmp_path / "outside.jsonl", tests / "link.jsonl")
    path = _scenario(tests, profiles=target)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert "profiles" in str(e.value)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("target", ["/", "../..", "/etc"])
def test_workspace_folder_is_confined(tmp_path: Path, target: str) -> None:
    (tmp_path / "tests").mkdir()
    path = _scenario(tmp_path / "tests", workspace=target)
    with pytest.raises(ScenarioError, match="outside the folder"):
        load_scenario(path)


def test_scenario_files_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _scenario(tmp_path)
    monkeypatch.setattr(scenario_module, "MAX_SCENARIO_BYTES", 100)
    with pytest.raises(ScenarioError, match="over 100 bytes"):
        load_scenario(path)
    with pytest.raises(OutsideFolder, match="over 10 bytes"):
        read_confined(path, [tmp_path], 10)


@pytest.mark.timeout(60)
def test_discovered_scenario_link_that_leaves_is_refused(tmp_path: Path) -> None:
    tests, outside = tmp_path / "tests", tmp_path / "outside"
    tests.mkdir()
    outside.mkdir()
    os.symlink(_scenario(outside), tests / "linked.scenario.json")
    status, text = _test_cli(tests)
    assert status == 1 and "outside the folder" in text


SCHEMA_JOURNEY = """\
event Signup {
  namespace email
  key @event{Signup.email}
  schema "SCHEMA"
}
"""


@pytest.mark.timeout(60)
@pytest.mark.parametrize("target", ["/etc/passwd", "/dev/zero", "../outside.json",
                                    "fifo.json", "link.json"])
def test_schema_files_are_confined(tmp_path: Path, target: str) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (tmp_path / "outside.json").write_text('{"properties": {"email": {"type": "string"}}}',
                                           encoding="utf-8")
    os.mkfifo(ws / "fifo.json")
    os.symlink("/dev/zero", ws / "link.json")
    (ws / "s.journey").write_text(SCHEMA_JOURNEY.replace("SCHEMA", target), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    status = main(["check", str(ws)], out, err)
    text = out.getvalue() + err.getvalue()
    assert status == 1 and "J-SCHEMA" in text and "Traceback" not in text


def test_schema_inside_the_workspace_still_reads(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "schemas").mkdir(parents=True)
    (ws / "schemas" / "s.json").write_text('{"properties": {"email": {"type": "string"}}}',
                                           encoding="utf-8")
    (ws / "s.journey").write_text(SCHEMA_JOURNEY.replace("SCHEMA", "schemas/s.json"),
                                  encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(ws)], out, err) == 0, out.getvalue() + err.getvalue()


@pytest.mark.timeout(60)
def test_journey_links_and_fifos(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "hello.journey").write_text(JOURNEY, encoding="utf-8")
    (tmp_path / "secret.journey").write_text("top secret text", encoding="utf-8")
    os.symlink(tmp_path / "secret.journey", ws / "leak.journey")
    os.symlink("/dev/zero", ws / "zero.journey")
    os.mkfifo(ws / "fifo.journey")
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(ws)], out, err) == 0
    assert "secret" not in out.getvalue() + err.getvalue()
    # a FIFO named explicitly is refused, not waited on
    status = main(["check", str(ws / "fifo.journey")], out, err)
    assert status == 2 and "no .journey files here" in err.getvalue()


def test_read_input_refuses_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "f.journey")
    got = read_input(tmp_path / "f.journey", "f.journey", 1000)
    assert got.problem is not None and got.problem.code == "J-FILE-READ"
