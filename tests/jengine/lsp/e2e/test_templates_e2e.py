"""End to end: template files in the editor — their diagnostics (the checks of ``jengine
check``, against the journeys that use them) and a preview for a fixture profile
(``jengine/previewTemplate``), through the real server over stdio."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

EXAMPLES = Path(__file__).parents[4] / "examples"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    target = tmp_path / "workspace"
    shutil.copytree(EXAMPLES / "workspace", target)
    shutil.copy(EXAMPLES / "profiles.jsonl", target / "profiles.jsonl")
    return target


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "jengine",
                                                              "lsp"]))
async def client(lsp_client: LanguageClient, root: Path) -> AsyncIterator[None]:
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="workspace")]))
    yield
    await lsp_client.shutdown_session()


async def _until(ready: Any) -> None:
    """Poll (no notification futures: a cancelled one breaks the next request)."""
    async with asyncio.timeout(60):
        while not ready():
            await asyncio.sleep(0.05)


def _open(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=path.as_uri(), language_id="html",
                                             version=version, text=text)))
    return path.as_uri()


@pytest.mark.asyncio
async def test_template_diagnostics_and_preview(client: LanguageClient, root: Path) -> None:
    path = root / "templates" / "welcome.html"
    text = path.read_text(encoding="utf-8").replace("profile.person.firstName",
                                                    "profile.person.frstName")
    uri = _open(client, path, text)
    await _until(lambda: bool(client.diagnostics.get(uri)))
    [diag] = client.diagnostics[uri]
    assert diag.code == "T-FIELD-UNKNOWN" and "frstName" in diag.message
    # "<h1>Welcome, {{profile.person.frstName}}": the field is at line 1 (0-based), column 30
    assert (diag.range.start.line, diag.range.start.character) == (1, 30)
    broken: Any = await client.protocol.send_request_async("jengine/previewTemplate", {
        "uri": uri, "profile": "profiles.jsonl"})
    assert broken.text is None and "T-FIELD-UNKNOWN" in broken.errors[0]

    other = root / "templates" / "tips.subject"
    uri2 = _open(client, other, other.read_text(encoding="utf-8"))
    shown: Any = await client.protocol.send_request_async("jengine/previewTemplate", {
        "uri": uri2, "profile": "profiles.jsonl", "profileId": "ben.martin@example.com"})
    assert shown.errors == [] and shown.text == "Ben, three tips for your first week"
    inline: Any = await client.protocol.send_request_async("jengine/previewTemplate", {
        "uri": uri2, "profile": {"id": "z", "attributes": {"G": {"person": {"firstName": "Zoé"}}}}})
    assert inline.text == "Zoé, three tips for your first week"
