"""End to end: workspace roots in the real server over stdio.

* this repository's root as the client's folder: the example workspace is analysed, the test
  fixtures (broken on purpose) never are;
* two workspaces in one folder (declaring the same names) are analysed apart;
* the ``journey.workspaces`` setting (initialization option) makes one workspace of a folder
  whose subfolders would otherwise be separate.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from waiting import until

REPO = Path(__file__).resolve().parents[4]
CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "jengine", "lsp"])
EVENT = "event {0} {{ namespace email key @event{{{0}.email}} fields {{ email: string }} }}\n"
JOURNEY = "journey {0} {{\n  entry on event {1}\n  hello: email {{ template: \"t\" }}\n}}\n"


async def start(client: LanguageClient, folder: Path, options: Any = None) -> None:
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=folder.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name=folder.name)],
        initialization_options=options))


def open_doc(client: LanguageClient, path: Path) -> str:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=path.as_uri(), language_id="journey",
                                             version=1, text=path.read_text("utf-8"))))
    return path.as_uri()


def codes(client: LanguageClient, path: Path) -> list[str]:
    return [str(d.code) for d in client.diagnostics.get(path.as_uri(), [])]


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
@pytest.mark.timeout(120)
async def test_repository_root_reports_nothing_from_test_fixtures(
        client: LanguageClient) -> None:
    await start(client, REPO)
    welcome = REPO / "examples" / "workspace" / "welcome.journey"
    open_doc(client, welcome)
    common = (REPO / "examples" / "workspace" / "common.journey").as_uri()
    await until(client, lambda: welcome.as_uri() in client.diagnostics
                and common in client.diagnostics)
    assert codes(client, welcome) == []
    published = list(client.diagnostics)
    assert not [u for u in published if "/tests/" in u or "/vscode-extension/" in u]


def _two_workspaces(tmp: Path) -> tuple[Path, Path]:
    (tmp / "a").mkdir()
    (tmp / "a" / "journeys.toml").write_text("", encoding="utf-8")
    (tmp / "a" / "decls").mkdir()
    (tmp / "a" / "decls" / "events.journey").write_text(EVENT.format("Signup"), "utf-8")
    a = tmp / "a" / "flow.journey"
    a.write_text(JOURNEY.format("welcome", "Signup"), encoding="utf-8")
    (tmp / "b").mkdir()
    (tmp / "b" / "events.journey").write_text(EVENT.format("Signup"), "utf-8")
    b = tmp / "b" / "flow.journey"
    b.write_text(JOURNEY.format("welcome", "Purchase"), encoding="utf-8")
    return a, b


@pytest.mark.asyncio
@pytest.mark.timeout(120)
async def test_two_workspaces_in_one_folder_are_analysed_apart(
        client: LanguageClient, tmp_path: Path) -> None:
    a, b = _two_workspaces(tmp_path)
    await start(client, tmp_path)
    open_doc(client, a)
    open_doc(client, b)
    await until(client, lambda: a.as_uri() in client.diagnostics
                and b.as_uri() in client.diagnostics)
    assert codes(client, a) == []  # sees the event of a/decls, not a duplicate of b's
    assert codes(client, b) == ["J-NAME-UNKNOWN"]  # Purchase is declared nowhere in b
    assert codes(client, tmp_path / "b" / "events.journey") == []


@pytest.mark.asyncio
@pytest.mark.timeout(120)
async def test_the_workspaces_setting_overrides_discovery(
        client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "all" / "decls").mkdir(parents=True)
    (tmp_path / "all" / "decls" / "events.journey").write_text(EVENT.format("Signup"), "utf-8")
    (tmp_path / "all" / "flows").mkdir()
    flow = tmp_path / "all" / "flows" / "flow.journey"
    flow.write_text(JOURNEY.format("welcome", "Signup"), encoding="utf-8")
    await start(client, tmp_path, {"workspaces": ["all"]})
    open_doc(client, flow)
    await until(client, lambda: flow.as_uri() in client.diagnostics)
    assert codes(client, flow) == []  # one workspace: the event of decls/ is known
