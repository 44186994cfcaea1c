"""Workspace roots (jengine.lang.roots) and ``jengine check`` on folders: markers, nested
markers, exclusions, folders never entered, ``journeys.toml`` problems, and this repository's
own root (its test fixtures are never analysed from there)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from jengine.cli import main
from jengine.lang.roots import discover, read_config
from jengine.lang.workspace import load_workspace

REPO = Path(__file__).resolve().parents[2]
EVENT = "event {name} {{ namespace email key @event{{{name}.email}} fields {{ email: string }} }}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def names(tmp: Path) -> dict[str, list[str]]:
    return {str(r.folder.relative_to(tmp)): [str(f.relative_to(r.folder)) for f in r.files]
            for r in discover(tmp)}


def test_folders_without_a_marker_are_workspaces_of_their_own_files(tmp_path: Path) -> None:
    write(tmp_path / "a" / "one.journey", EVENT.format(name="E"))
    write(tmp_path / "a" / "sub" / "two.journey", EVENT.format(name="E"))
    write(tmp_path / "b" / "three.journey", EVENT.format(name="E"))
    assert names(tmp_path) == {"a": ["one.journey"], "a/sub": ["two.journey"],
                               "b": ["three.journey"]}


def test_a_marker_takes_everything_below_but_nested_markers_and_exclusions(
        tmp_path: Path) -> None:
    write(tmp_path / "ws" / "journeys.toml", 'exclude = ["drafts", "**/*.old.journey"]\n')
    write(tmp_path / "ws" / "shared" / "common.journey", EVENT.format(name="E"))
    write(tmp_path / "ws" / "flows" / "main.journey", EVENT.format(name="F"))
    write(tmp_path / "ws" / "flows" / "x.old.journey", EVENT.format(name="G"))
    write(tmp_path / "ws" / "drafts" / "wip.journey", "journey {")
    write(tmp_path / "ws" / "inner" / "journeys.toml", "")
    write(tmp_path / "ws" / "inner" / "own.journey", EVENT.format(name="E"))
    assert names(tmp_path) == {"ws": ["flows/main.journey", "shared/common.journey"],
                               "ws/inner": ["own.journey"]}


def test_folders_never_entered(tmp_path: Path) -> None:
    for folder in (".venv/lib", "node_modules/pkg", "env/lib", ".git", "__pycache__"):
        write(tmp_path / folder / "x.journey", "journey {")
    write(tmp_path / "env" / "pyvenv.cfg", "home = /usr\n")
    write(tmp_path / "ok" / "y.journey", EVENT.format(name="E"))
    assert names(tmp_path) == {"ok": ["y.journey"]}


def test_a_marker_without_workspace_only_configures_discovery(tmp_path: Path) -> None:
    write(tmp_path / "journeys.toml", 'workspace = false\nexclude = ["tests"]\n')
    write(tmp_path / "tests" / "broken" / "b.journey", "journey {")
    write(tmp_path / "examples" / "e.journey", EVENT.format(name="E"))
    assert names(tmp_path) == {"examples": ["e.journey"]}


def test_marker_problems_are_j_config_and_valid_keys_still_apply(tmp_path: Path) -> None:
    write(tmp_path / "journeys.toml", 'exclude = ["old"]\nfrobnicate = 1\nschemas = 3\n')
    config = read_config(tmp_path)
    assert config.exclude == ("old",)
    assert [(d.severity, d.code) for d in config.diagnostics] == [
        ("warning", "J-CONFIG"), ("error", "J-CONFIG")]  # by position
    write(tmp_path / "journeys.toml", "exclude = [\n")
    [bad] = read_config(tmp_path).diagnostics
    assert bad.code == "J-CONFIG" and "not valid TOML" in bad.message
    write(tmp_path / "a.journey", EVENT.format(name="E"))
    ws = load_workspace(tmp_path)
    assert [(Path(d.path).name, d.diagnostic.code) for d in ws.diagnostics] == [
        ("journeys.toml", "J-CONFIG")]


def test_schemas_folder_and_size_limit_from_the_marker(tmp_path: Path) -> None:
    write(tmp_path / "journeys.toml", 'schemas = "schemas"\nmax-file-size = 400\n')
    write(tmp_path / "schemas" / "e.json", '{"properties": {"email": {"type": "string"}, '
                                          '"n": {"type": "integer"}}}')
    write(tmp_path / "flows" / "e.journey", 'event E { namespace email key @event{E.email} '
                                            'schema "e.json" }\njourney j { entry on event E '
                                            'when @event{E.n} > "1" }\n')
    write(tmp_path / "big.journey", "// " + "x" * 500 + "\n")
    ws = load_workspace(tmp_path)
    assert sorted(d.diagnostic.code for d in ws.diagnostics) == [
        "E-TYPE-OPERAND", "J-FILE-TOO-LARGE"]


def run_check(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", *args], out, err)
    return code, out.getvalue(), err.getvalue()


def test_check_a_folder_without_journeys_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "notes.txt", "nothing here")
    code, _, err = run_check(str(tmp_path))
    assert code == 2 and "no .journey files" in err


def test_check_analyses_two_workspaces_apart(tmp_path: Path) -> None:
    write(tmp_path / "a" / "e.journey", EVENT.format(name="E"))
    write(tmp_path / "b" / "e.journey", EVENT.format(name="E"))  # same name: no duplicate
    code, out, err = run_check(str(tmp_path))
    assert code == 0 and out == "" and "in 2 workspaces" in err


def test_check_of_this_repository_skips_the_test_fixtures() -> None:
    code, out, err = run_check(str(REPO))
    assert code == 0, out
    assert "tests" not in out and err.startswith("15 file(s), 29 template file(s) in 3 workspaces")  # examples/*


@pytest.mark.parametrize("data", [b"\xff\xfe journey", "caf\xe9".encode("latin-1")])
def test_a_non_utf8_file_is_named_with_a_position(tmp_path: Path, data: bytes) -> None:
    write(tmp_path / "ok.journey", EVENT.format(name="E"))
    (tmp_path / "bad.journey").write_bytes(b"// line one\n" + data)
    code, out, _ = run_check(str(tmp_path))
    assert code == 1
    assert "bad.journey:2:" in out and "J-FILE-ENCODING" in out
