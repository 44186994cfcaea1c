"""End to end: a real client drives the real server (``python -m jengine lsp``) over stdio.

Each test gets its own copy of the example workspace as the client's workspace folder. Waiting
is always for a notification (``wait_for_notification``), never a sleep: the client records
the version of each publication, and :func:`diagnostics` waits until the wanted one arrives.
Positions are LSP positions (UTF-16 code units), computed here independently of the server.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES
from waiting import until

EXAMPLES = Path(__file__).parents[4] / "examples" / "workspace"
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
TIMEOUT = 20


def _client() -> LanguageClient:
    """pytest-lsp's client, also recording the version of every publication."""
    client = LanguageClient()
    client.published = {}  # type: ignore[attr-defined]

    def publish(ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        ls.diagnostics[params.uri] = params.diagnostics
        ls.published[params.uri] = params  # type: ignore[attr-defined]

    for method, func in {**DEFAULT_CLIENT_FEATURES, PUBLISH: publish}.items():
        client.feature(method)(func)
    return client


@pytest.fixture
def root(tmp_path: Path) -> Path:
    target = tmp_path / "workspace"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=[sys.executable, "-m", "jengine", "lsp"], client_factory=_client))
async def client(lsp_client: LanguageClient, root: Path) -> AsyncIterator[None]:
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="workspace")]))
    yield
    await lsp_client.shutdown_session()


# ---- helpers


def position(text: str, marker: str, shift: int = 0) -> types.Position:
    """The LSP position of ``marker`` (+ shift code points), in UTF-16 units."""
    offset = text.index(marker) + shift
    line_start = text.rfind("\n", 0, offset) + 1
    units = len(text[line_start:offset].encode("utf-16-le")) // 2
    return types.Position(line=text.count("\n", 0, offset), character=units)


def ident(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def open_doc(client: LanguageClient, path: Path, text: str | None = None) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8") if text is None else text
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=path.as_uri(), language_id="journey",
                                             version=1, text=text)))
    return path.as_uri(), text


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def diagnostics(client: LanguageClient, uri: str,
                      version: int | None = None) -> list[types.Diagnostic]:
    """Wait for the publication of ``uri`` (at ``version`` when given)."""
    published: dict[str, Any] = client.published  # type: ignore[attr-defined]
    await until(client, lambda: uri in published and (
        version is None or published[uri].version == version))
    return list(published[uri].diagnostics)


def codes(diags: list[types.Diagnostic]) -> list[str]:
    return [str(d.code) for d in diags]


# ---- diagnostics


@pytest.mark.asyncio
async def test_diagnostics_on_open_and_on_change(client: LanguageClient, root: Path) -> None:
    uri, text = open_doc(client, root / "welcome.journey")
    assert await diagnostics(client, uri, 1) == []
    broken = text.replace("-> tips\n    vip:", "-> tipz\n    vip:")
    change(client, uri, 2, broken)
    found = await diagnostics(client, uri, 2)
    assert codes(found) == ["J-NAME-UNKNOWN"]
    d = found[0]
    assert d.source == "jengine" and d.severity == types.DiagnosticSeverity.Error
    assert d.range.start == position(broken, "tipz")
    assert d.range.end == position(broken, "tipz", 4)
    change(client, uri, 3, text)
    assert await diagnostics(client, uri, 3) == []


@pytest.mark.asyncio
async def test_diagnostics_cover_the_whole_workspace(client: LanguageClient, root: Path) -> None:
    uri, text = open_doc(client, root / "common.journey")
    await diagnostics(client, uri, 1)
    change(client, uri, 2, text.replace("event PurchaseMade {", "event PurchaseDone {"))
    await diagnostics(client, uri, 2)
    welcome = (root / "welcome.journey").as_uri()
    found = await diagnostics(client, welcome)
    published: dict[str, Any] = client.published  # type: ignore[attr-defined]
    await until(client, lambda: "J-NAME-UNKNOWN" in codes(list(published[welcome].diagnostics)))
    found = await diagnostics(client, welcome)  # the other file's diagnostics follow
    assert "E-FIELD-UNKNOWN" in codes(found)


@pytest.mark.asyncio
async def test_burst_of_edits_ends_with_the_last_version(client: LanguageClient,
                                                        root: Path) -> None:
    uri, text = open_doc(client, root / "welcome.journey")
    await diagnostics(client, uri, 1)
    for version in range(2, 22):
        edited = text.replace("firstName: @event{SubscriptionCreated.firstName}",
                              f"firstName: @event{{SubscriptionCreated.firstName{version}}}")
        change(client, uri, version, edited)
    found = await diagnostics(client, uri, 21)
    assert codes(found) == ["E-FIELD-UNKNOWN"]
    assert "firstName21" in found[0].message


@pytest.mark.asyncio
async def test_syntax_errors_everywhere_still_get_answers(client: LanguageClient,
                                                          root: Path) -> None:
    text = ("journey broken {\n  entry on event PurchaseMade when (((\n  a: email { to: ] }\n"
            "  b: wait ->\n}\nevent { fields { : } }\n@@@ }}} ((( \"unterminated\n"
            "journey x { entry on event PurchaseMade\n  c: condition { when: count( -> \n")
    uri, _ = open_doc(client, root / "broken.journey", text)
    found = await diagnostics(client, uri, 1)
    assert found and all(d.range.start.line <= text.count("\n") for d in found)
    for marker in ("count(", "a: email", "PurchaseMade", "@@@"):
        pos = position(text, marker, len(marker))
        await client.text_document_completion_async(types.CompletionParams(
            text_document=ident(uri), position=pos))
        await client.text_document_hover_async(types.HoverParams(
            text_document=ident(uri), position=pos))
        await client.text_document_signature_help_async(types.SignatureHelpParams(
            text_document=ident(uri), position=pos))
    assert not await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=ident(uri), options=types.FormattingOptions(tab_size=2,
                                                                 insert_spaces=True)))
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=ident(uri)))
    assert folds is not None
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=ident(uri)))
    assert tokens is not None
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=ident(uri)))
    assert symbols is not None
    # and the server is still fine for a healthy file
    welcome, _ = open_doc(client, root / "welcome.journey")
    assert await diagnostics(client, welcome, 1) == []


# ---- completion, hover, signature help


async def complete(client: LanguageClient, uri: str, text: str, marker: str) -> list[str]:
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=ident(uri), position=position(text, marker, len(marker))))
    items = result.items if isinstance(result, types.CompletionList) else result or []
    return [i.label for i in items]


@pytest.mark.asyncio
async def test_completion(client: LanguageClient, root: Path) -> None:
    uri, text = open_doc(client, root / "welcome.journey")
    await diagnostics(client, uri, 1)
    assert "tips" in await complete(client, uri, text, "opened reminder -> ")
    assert "firstName" in await complete(client, uri, text, "@event{SubscriptionCreated.")
    assert "address" in await complete(client, uri, text,
                                       "#{ExperiencePlatform.ProfileFieldGroup.personalEmail.")
    assert "step" in await complete(client, uri, text, "all(\n        "
                                    "currentDataPackField.")
    assert "Unsubscribed" in await complete(client, uri, text, "exit on event ")
    assert {"entry", "exit", "version"} <= set(await complete(client, uri, text,
                                                              'timezone "Europe/Paris"\n'))
    labels = await complete(client, uri, text, "entry on event SubscriptionCreated when ")
    assert {"count", "inAudience", "not"} <= set(labels)
    cart_uri, cart = open_doc(client, root / "abandoned_cart.journey")
    edited = cart.replace("    email: @event{CartAbandoned.email}\n    cartId",
                          "    email: @event{CartAbandoned.email}\n    \n    cartId")
    change(client, cart_uri, 2, edited)
    await diagnostics(client, cart_uri, 2)
    labels = await complete(client, cart_uri, edited, "email: @event{CartAbandoned.email}\n    ")
    assert "amount" in labels and "email" not in labels


@pytest.mark.asyncio
async def test_completion_item_for_a_function_is_a_snippet(client: LanguageClient,
                                                           root: Path) -> None:
    uri, text = open_doc(client, root / "welcome.journey")
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=ident(uri), position=position(text, "when ", 5)))
    assert isinstance(result, types.CompletionList)
    substr = next(i for i in result.items if i.label == "substr")
    assert substr.insert_text == "substr(${1:string}, ${2:integer})"
    assert substr.insert_text_format == types.InsertTextFormat.Snippet


@pytest.mark.asyncio
async def test_hover(client: LanguageClient, root: Path) -> None:
    uri, text = open_doc(client, root / "welcome.journey")

    async def hover_at(marker: str, shift: int = 1) -> str:
        result = await client.text_document_hover_async(types.HoverParams(
            text_document=ident(uri), position=position(text, marker, shift)))
        assert result is not None and isinstance(result.contents, types.MarkupContent)
        return result.contents.value

    assert "inAudience(string) → boolean" in await hover_at("inAudience")
    assert "condition" in await hover_at("engaged:") and "on error → `done`" in \
        await hover_at("engaged:")
    assert "`string`" in await hover_at("SubscriptionCreated.plan}", 21)
    assert "business" not in await hover_at("exit on event Unsubscribed", 15)


@pytest.mark.asyncio
async def test_signature_help(client: LanguageClient, root: Path) -> None:
    uri, text = open_doc(client, root / "welcome.journey")
    edited = text.replace('vip: inAudience("VIP")', 'vip: substr("abc", 1, ) == "b"')
    change(client, uri, 2, edited)
    result = await client.text_document_signature_help_async(types.SignatureHelpParams(
        text_document=ident(uri), position=position(edited, 'substr("abc", 1, ', 17)))
    assert result is not None
    assert result.active_parameter == 2 and result.active_signature == 1
    assert result.signatures[1].label == "substr(string, integer, integer) → string"


# ---- formatting, tokens, folding


@pytest.mark.asyncio
async def test_formatting(client: LanguageClient, root: Path) -> None:
    path = root / "welcome.journey"
    messy = path.read_text(encoding="utf-8").replace("  pause: wait 3d", "pause:   wait 3d")
    uri, _ = open_doc(client, path, messy)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=ident(uri), options=types.FormattingOptions(tab_size=2,
                                                                 insert_spaces=True)))
    assert edits is not None and len(edits) == 1
    assert "\n  pause: wait 3d\n" in edits[0].new_text
    assert edits[0].range.start == types.Position(line=0, character=0)


@pytest.mark.asyncio
async def test_semantic_tokens_and_folding(client: LanguageClient, root: Path) -> None:
    uri, text = open_doc(client, root / "welcome.journey")
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=ident(uri)))
    assert tokens is not None and len(tokens.data) % 5 == 0 and len(tokens.data) > 100
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=ident(uri)))
    assert folds is not None
    journey_line = position(text, "journey welcome").line
    assert any(f.start_line == journey_line for f in folds)
    assert any(f.kind == types.FoldingRangeKind.Comment and f.start_line == 0 for f in folds)


# ---- navigation, rename, symbols, code actions (features of jengine.lsp.features.navigation)


@pytest.mark.asyncio
async def test_navigation_rename_symbols(client: LanguageClient, root: Path) -> None:
    uri, text = open_doc(client, root / "welcome.journey")
    found = await client.text_document_definition_async(types.DefinitionParams(
        text_document=ident(uri), position=position(text, "-> reminder", 4)))
    assert isinstance(found, list) and found[0].range.start == position(text, "reminder: push")
    refs = await client.text_document_references_async(types.ReferenceParams(
        text_document=ident(uri), position=position(text, "done: end"),
        context=types.ReferenceContext(include_declaration=False)))
    assert refs is not None and len(refs) == 4
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=ident(uri), position=position(text, "done: end"), new_name="finish"))
    assert edit is not None and edit.changes is not None
    assert len(edit.changes[uri]) == 5
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=ident(uri)))
    assert symbols is not None
    names = [s.name for s in symbols if isinstance(s, types.DocumentSymbol)]
    assert names == ["SubscriptionCreated", "welcome"]


@pytest.mark.asyncio
async def test_code_action_for_a_deprecated_alias(client: LanguageClient, root: Path) -> None:
    uri, text = open_doc(client, root / "welcome.journey")
    edited = text.replace('inAudience("VIP")', 'inSegment("VIP")')
    change(client, uri, 2, edited)
    found = await diagnostics(client, uri, 2)
    assert codes(found) == ["W-DEPRECATED-ALIAS"]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=ident(uri), range=found[0].range,
        context=types.CodeActionContext(diagnostics=found)))
    assert actions
    fix = next(a for a in actions if isinstance(a, types.CodeAction) and a.edit)
    assert fix.edit is not None and fix.edit.changes is not None
    assert [e.new_text for e in fix.edit.changes[uri]] == ["inAudience"]


# ---- non-ASCII text: UTF-16 positions


UNICODE = """journey unicodeTrip "Voyage ☕ café" {
  entry on event PurchaseMade
  greet: email { template: "🎉🎉 olé", to: "é" } -> nowhere
  last: email { template: "👋" } -> greet
}
"""


@pytest.mark.asyncio
async def test_non_ascii_positions_are_utf16(client: LanguageClient, root: Path) -> None:
    uri, text = open_doc(client, root / "unicode.journey", UNICODE)
    found = [d for d in await diagnostics(client, uri, 1) if d.code == "J-NAME-UNKNOWN"]
    assert len(found) == 1
    start = position(text, "nowhere")
    assert start.character == text.splitlines()[2].index("nowhere") + 2  # two emoji: +2 units
    assert found[0].range.start == start and found[0].range.end == position(text, "nowhere", 7)
    result = await client.text_document_definition_async(types.DefinitionParams(
        text_document=ident(uri), position=position(text, "-> greet", 4)))
    assert isinstance(result, list) and result[0].range.start == position(text, "greet:")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=ident(uri), position=position(text, "-> greet", 5)))
    assert hover is not None and hover.range is not None
    assert hover.range.start == position(text, "-> greet", 3)
    assert hover.range.end == position(text, "-> greet", 8)
