"""Hostile inputs against the language server (issue 16): each attack through the real server
over stdio, each bounded in time (``pytest.mark.timeout``) so a regression fails instead of
hanging.

* a 5 MB document: refused by the size limit (``J-FILE-TOO-LARGE``) at once, formatting
  answered with an error, completion with nothing, and the other files keep their features;
* pathological files in the workspace (nesting past the parser's depth, bytes that are not
  UTF-8, a JSON Schema nested 100,000 deep, field types nested 40 deep): each is a coded
  diagnostic of its own file; the rest of the workspace keeps its symbols and diagnostics;
* requests whose parameters do not match the protocol are answered with error ``-32602``
  (they used to get no answer at all).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

EXAMPLES = Path(__file__).parents[2] / "examples" / "workspace"
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
DEEP = "journey deep {\n  entry on event PurchaseMade when " + "(" * 5000 + "1" + ")" * 5000 + "\n}\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    target = tmp_path / "workspace"
    shutil.copytree(EXAMPLES, target)
    (target / "deep.journey").write_text(DEEP, encoding="utf-8")
    (target / "latin1.journey").write_bytes("// caf\xe9\nevent Odd { namespace email }\n"
                                            .encode("latin-1"))
    (target / "deep.json").write_text('{"properties": {"x": ' + "[" * 100_000 + "]" * 100_000
                                      + "}}", encoding="utf-8")
    nested = "{ a: " * 40 + "string" + " }" * 40
    (target / "schemas.journey").write_text(
        'event Deep { namespace email key @event{Deep.email} schema "deep.json" }\n'
        f"event Nested {{ namespace email key @event{{Nested.email}} fields {{ email: string, "
        f"x: {nested} }} }}\n", encoding="utf-8")
    return target


@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=[sys.executable, "-m", "jengine", "lsp"]))
async def client(lsp_client: LanguageClient, root: Path) -> AsyncIterator[None]:
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="workspace")]))
    yield
    await lsp_client.shutdown_session()


async def until(client: LanguageClient, ready: Callable[[], bool], seconds: float = 30) -> None:
    async with asyncio.timeout(seconds):
        while not ready():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(client.wait_for_notification(PUBLISH), 0.5)


def open_doc(client: LanguageClient, path: Path, text: str) -> str:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=path.as_uri(), language_id="journey",
                                             version=1, text=text)))
    return path.as_uri()


def codes(client: LanguageClient, uri: str) -> list[str]:
    return [str(d.code) for d in client.diagnostics.get(uri, [])]


def ident(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def at(text: str, marker: str, shift: int = 0) -> types.Position:
    offset = text.index(marker) + shift
    return types.Position(line=text.count("\n", 0, offset),
                          character=offset - text.rfind("\n", 0, offset) - 1)


@pytest.mark.asyncio
@pytest.mark.timeout(90)
async def test_a_5mb_document_is_refused_quickly(client: LanguageClient, root: Path) -> None:
    welcome = (root / "welcome.journey").read_text(encoding="utf-8")
    big = (welcome.replace("journey welcome", "journey big") + "// padding\n") * 2600
    assert len(big) > 5_000_000
    uri = open_doc(client, root / "big.journey", big)
    await until(client, lambda: "J-FILE-TOO-LARGE" in codes(client, uri))
    with pytest.raises(JsonRpcException, match="not formatted"):
        await asyncio.wait_for(client.text_document_formatting_async(
            types.DocumentFormattingParams(text_document=ident(uri),
                                           options=types.FormattingOptions(2, True))), 10)
    done = await asyncio.wait_for(client.text_document_completion_async(types.CompletionParams(
        text_document=ident(uri), position=types.Position(line=3, character=0))), 10)
    assert done is not None and list(done.items) == []
    welcome_uri = open_doc(client, root / "welcome.journey", welcome)
    await until(client, lambda: welcome_uri in client.diagnostics)
    assert codes(client, welcome_uri) == []
    found = await asyncio.wait_for(client.text_document_definition_async(types.DefinitionParams(
        text_document=ident(welcome_uri), position=at(welcome, "-> tips", 4))), 10)
    assert found and isinstance(found, list) and found[0].uri == welcome_uri


@pytest.mark.asyncio
@pytest.mark.timeout(90)
async def test_pathological_files_stay_in_their_file(client: LanguageClient, root: Path) -> None:
    welcome = (root / "welcome.journey").read_text(encoding="utf-8")
    uri = open_doc(client, root / "welcome.journey", welcome)
    deep, latin1, schemas = ((root / n).as_uri() for n in
                             ("deep.journey", "latin1.journey", "schemas.journey"))
    await until(client, lambda: all(u in client.diagnostics for u in (uri, deep, latin1)))
    assert codes(client, uri) == []  # the workspace keeps its diagnostics
    assert codes(client, deep) == ["J-TOO-DEEP"]
    assert codes(client, latin1) == ["J-FILE-ENCODING"]
    [encoding] = client.diagnostics[latin1]
    assert (encoding.range.start.line, encoding.range.start.character) == (0, 6)
    assert sorted(codes(client, schemas)) == ["J-SCHEMA", "J-TYPE"]
    hover = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=ident(uri), position=at(welcome, "@event{SubscriptionCreated", 8))), 10)
    assert hover is not None and "SubscriptionCreated" in str(hover.contents)


@pytest.mark.asyncio
@pytest.mark.timeout(60)
@pytest.mark.parametrize("params", [
    {"textDocument": {"uri": "file:///x.journey"}, "position": "here"},
    {"textDocument": 7},
    {},
])
async def test_invalid_params_get_an_error(client: LanguageClient, params: dict[str, Any]
                                           ) -> None:
    protocol = client.protocol
    answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    protocol._request_futures["raw-1"] = answer  # the raw request bypasses lsprotocol's types
    protocol._send_data({"jsonrpc": "2.0", "id": "raw-1", "method": "textDocument/hover",
                         "params": params})
    with pytest.raises(JsonRpcException) as caught:
        await asyncio.wait_for(answer, 10)
    assert caught.value.code == -32602
    alive = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=ident((EXAMPLES / "welcome.journey").as_uri()),
        position=types.Position(line=0, character=0))), 10)
    assert alive is None or isinstance(alive, types.Hover)
