"""End to end: navigation and code actions through the real server over stdio.

The example workspace is copied to a temporary folder and opened as the client's root; the
server (``python -m jengine lsp``) loads it from disk. Positions here are LSP positions (UTF-16).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from waiting import until

EXAMPLES = Path(__file__).parents[4] / "examples" / "workspace"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("nav") / "workspace"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "jengine",
                                                              "lsp"]))
async def client(lsp_client: LanguageClient, root: Path) -> AsyncIterator[None]:
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="workspace")]))
    yield
    await lsp_client.shutdown_session()


def _doc(root: Path, name: str) -> tuple[str, str]:
    path = root / name
    return path.as_uri(), path.read_text(encoding="utf-8")


def _pos(text: str, marker: str, shift: int = 0) -> types.Position:
    offset = text.index(marker) + shift
    line = text.count("\n", 0, offset)
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return types.Position(line=line, character=len(text[offset - col:offset].encode("utf-16-le"))
                          // 2)


def _open(client: LanguageClient, uri: str, text: str) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="journey", version=1,
                                             text=text)))


@pytest.mark.asyncio
async def test_definition_across_files(client: LanguageClient, root: Path) -> None:
    uri, text = _doc(root, "welcome.journey")
    _open(client, uri, text)
    result = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=_pos(text, "@event{PurchaseMade.total}", 8)))
    locations = result if isinstance(result, list) else [result]
    assert [(loc.uri.rsplit("/", 1)[1], loc.range.start.line) for loc in locations
            if isinstance(loc, types.Location)] == [("common.journey", 36)]


@pytest.mark.asyncio
async def test_references_of_a_step(client: LanguageClient, root: Path) -> None:
    uri, text = _doc(root, "welcome.journey")
    _open(client, uri, text)
    result = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=_pos(text, "done: end"),
        context=types.ReferenceContext(include_declaration=True)))
    assert result is not None
    assert sorted(loc.range.start.line for loc in result) == [38, 43, 49, 54, 55]


@pytest.mark.asyncio
async def test_rename_edits_every_file(client: LanguageClient, root: Path) -> None:
    uri, text = _doc(root, "common.journey")
    _open(client, uri, text)
    position = _pos(text, "event PurchaseMade", 8)
    prepared = await client.text_document_prepare_rename_async(types.PrepareRenameParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position))
    assert prepared is not None
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position,
        new_name="Purchase"))
    assert edit is not None
    files = set(edit.changes or {}) | {
        c.text_document.uri for c in edit.document_changes or ()
        if isinstance(c, types.TextDocumentEdit)}
    assert {f.rsplit("/", 1)[1] for f in files} == {
        "common.journey", "welcome.journey", "abandoned_cart.journey", "reengagement.journey"}


@pytest.mark.asyncio
async def test_document_symbols(client: LanguageClient, root: Path) -> None:
    uri, text = _doc(root, "welcome.journey")
    _open(client, uri, text)
    result = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert result is not None
    symbols = [s for s in result if isinstance(s, types.DocumentSymbol)]
    assert [s.name for s in symbols] == ["SubscriptionCreated", "welcome"]
    assert [c.name for c in symbols[1].children or []][:3] == ["hello", "pause", "engaged"]


@pytest.mark.asyncio
async def test_code_action_fixes_a_deprecated_alias(client: LanguageClient, root: Path) -> None:
    uri = (root / "scratch.journey").as_uri()
    text = ('audience Fans\njourney scratch "é🎉" {\n  entry on audience Fans enters\n'
            '  c: condition {\n    fan: inSegment("Fans") -> s\n  }\n  s: email { x: 1 }\n}\n')
    _open(client, uri, text)
    await until(client, lambda: uri in client.diagnostics)
    alias = [d for d in client.diagnostics[uri] if d.code == "W-DEPRECATED-ALIAS"]
    assert alias
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=alias[0].range,
        context=types.CodeActionContext(diagnostics=alias)))
    titles = [a.title for a in actions or [] if isinstance(a, types.CodeAction)]
    assert "Rename to inAudience" in titles
    assert "Add 'else -> s' to condition 'c'" in titles
