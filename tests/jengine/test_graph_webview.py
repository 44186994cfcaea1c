"""The DOT text the editor's graph panel draws with its bundled Graphviz build: the extension's
fixture (``vscode-extension/test/graph/welcome.dot``, rendered by ``test/graph/render.test.cjs``
in the extension's CI) is what ``jengine graph welcome -w <file> --format dot`` prints, so the
panel's renderer is tested on the CLI's real output."""

from __future__ import annotations

import io
from pathlib import Path

from jengine.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "vscode-extension" / "test" / "graph" / "welcome.dot"


def test_the_panel_fixture_is_the_cli_output() -> None:
    out, err = io.StringIO(), io.StringIO()
    file = ROOT / "examples" / "workspace" / "welcome.journey"
    assert main(["graph", "welcome", "-w", str(file), "--format", "dot"], out, err) == 0, err
    assert out.getvalue() == FIXTURE.read_text(encoding="utf-8")
