"""End to end: the editor's incremental analysis follows facts read through other declarations.

Journey ``ja`` (a.journey) jumps to ``jb`` (b.journey), whose entry event ``B`` is declared in
c.journey. ``ja`` never names ``B``, yet its ``J-JUMP`` check reads ``B``'s namespace. Editing
that namespace in c.journey through a real client over stdio must publish the new ``J-JUMP``
for a.journey, and editing it back must clear it (the memo once kept the stale result).
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

CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "jengine", "lsp"])
EVENT = "event {0} {{ namespace {1} key @event{{{0}.email}} fields {{ email: string }} }}\n"
JOURNEY = "journey {0} {{\n  entry on event {1}\n  first: {2}\n  last: end\n}}\n"


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    yield
    await lsp_client.shutdown_session()


def codes(client: LanguageClient, path: Path) -> list[str]:
    return [str(d.code) for d in client.diagnostics.get(path.as_uri(), [])]


def change(client: LanguageClient, path: Path, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


@pytest.mark.asyncio
@pytest.mark.timeout(120)
async def test_namespace_edit_in_another_file_updates_the_jumping_journey(
        client: LanguageClient, tmp_path: Path) -> None:
    a, b, c = (tmp_path / f"{n}.journey" for n in "abc")
    a.write_text(EVENT.format("A", "email") + JOURNEY.format("ja", "A", "jump jb"), "utf-8")
    b.write_text(JOURNEY.format("jb", "B", "wait 1d -> last"), "utf-8")
    c.write_text(EVENT.format("B", "email"), "utf-8")
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=tmp_path.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")]))
    text = c.read_text("utf-8")
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=c.as_uri(), language_id="journey", version=1,
                                             text=text)))
    await until(client, lambda: c.as_uri() in client.diagnostics)
    assert codes(client, a) == []

    change(client, c, text.replace("namespace email", "namespace crm"), 2)
    await until(client, lambda: codes(client, a) == ["J-JUMP"])
    message = client.diagnostics[a.as_uri()][0].message
    assert "'crm'" in message and "'email'" in message

    change(client, c, text, 3)
    await until(client, lambda: codes(client, a) == [])
    assert codes(client, b) == [] and codes(client, c) == []
