"""The protocol layer: the only module with ``@server.feature`` (architecture rule 9).

Each handler does three things: find the analysis (and the document) for the request, convert
the client's position to an offset through :class:`~jengine.lsp.convert.Document`, and call one
plain feature function; results in spans go back through :mod:`jengine.lsp.convert`. Nothing
here knows the language.

Diagnostics: opening a document publishes at once; edits are debounced (``DEBOUNCE`` seconds
after the last keystroke) and then the whole workspace is re-analysed and what changed is
published, each open document with its version. Completion never waits for that analysis: it
reads the newest one, with the current text for the context. A handler that fails logs the
error and answers "nothing", so one bad request never stops the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from jengine.lsp import convert
from jengine.lsp.analysis import Analysis, AnalysisCache
from jengine.lsp.convert import Document
from jengine.lsp.features import completion, folding, formatting, hover, semantic_tokens, templates
from jengine.lsp.features import signature as signature_help
from jengine.lsp.features.diagnostics import Debouncer, Publisher
from jengine.lsp.features.types import RenameError
from jexpr.runtime.temporal import parse_offset_datetime
from jexpr.source import Source

try:  # navigation and code actions: a separate work package
    from jengine.lsp.features import actions, navigation
except ImportError:  # pragma: no cover
    actions = navigation = None  # type: ignore[assignment]

DEBOUNCE = 0.15
log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jexpr")
    except PackageNotFoundError:  # pragma: no cover
        return "0"


class JourneyServer(LanguageServer):
    """pygls server plus the analysis cache and the diagnostics publisher."""

    def __init__(self) -> None:
        super().__init__("jengine", _version())
        self.cache: AnalysisCache | None = None
        self.publisher = Publisher(self.text_document_publish_diagnostics)
        self.debouncer = Debouncer(DEBOUNCE)

    # -- documents and analyses

    def path(self, uri: str) -> Path:
        return Path(to_fs_path(uri) or uri)

    def analyses(self) -> AnalysisCache:
        if self.cache is None:
            self.cache = AnalysisCache(self._root(), self.workspace.position_codec)
        return self.cache

    def _root(self) -> Path:
        folders = list(self.workspace.folders.values())
        if folders:
            return self.path(folders[0].uri)
        if self.workspace.root_path:
            return Path(self.workspace.root_path)
        docs = list(self.workspace.text_documents)
        return self.path(docs[0]).parent if docs else Path.cwd()

    def open_documents(self) -> dict[Path, tuple[str, str, int | None]]:
        return {self.path(uri): (uri, doc.source, doc.version)
                for uri, doc in self.workspace.text_documents.items()}

    def analysis(self) -> Analysis:
        """The analysis of the current versions of every open document."""
        return self.analyses().get(self.open_documents())

    def current(self, uri: str) -> Document:
        """The document as the client has it now (possibly newer than any analysis)."""
        doc = self.workspace.get_text_document(uri)
        return Document(uri, Source(doc.source, str(self.path(uri))), doc.version,
                        self.workspace.position_codec)

    def publish(self) -> None:
        self.publisher.update(self.analysis())


server = JourneyServer()


def _safe(default: Any) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Log a failing handler and answer ``default`` instead of an error."""
    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @wraps(fn)
        def handler(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except Exception:  # a bad request must not take the server down
                log.exception("%s failed", fn.__name__)
                return default  # type: ignore[no-any-return]
        return handler
    return wrap


def _at(ls: JourneyServer, uri: str, position: types.Position) -> tuple[Analysis, Path, int]:
    analysis = ls.analysis()
    path = ls.path(uri)
    return analysis, path, analysis.document(path).offset(position)


# ---- document sync and diagnostics


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@_safe(None)
def did_open(ls: JourneyServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.debouncer.cancel()
    ls.publish()


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@_safe(None)
def did_change(ls: JourneyServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.debouncer.schedule(_safe(None)(ls.publish))


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@_safe(None)
def did_save(ls: JourneyServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.analyses().refresh(ls.path(params.text_document.uri))


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@_safe(None)
def did_close(ls: JourneyServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.publisher.forget(params.text_document.uri)
    ls.publish()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@_safe(None)
def did_change_watched_files(ls: JourneyServer,
                             params: types.DidChangeWatchedFilesParams) -> None:
    for change in params.changes:
        ls.analyses().refresh(ls.path(change.uri))
    ls.publish()


# ---- editing features


@server.feature(types.TEXT_DOCUMENT_COMPLETION,
                types.CompletionOptions(trigger_characters=[".", "{", ">"]))
@_safe(None)
def complete(ls: JourneyServer, params: types.CompletionParams) -> types.CompletionList:
    doc = ls.current(params.text_document.uri)
    analysis = ls.analyses().latest() or ls.analysis()
    return completion.complete(analysis, doc.text, doc.offset(params.position))


@server.feature(types.TEXT_DOCUMENT_HOVER)
@_safe(None)
def on_hover(ls: JourneyServer, params: types.HoverParams) -> types.Hover | None:
    analysis, path, offset = _at(ls, params.text_document.uri, params.position)
    return hover.hover(analysis, path, offset)


@server.feature(types.TEXT_DOCUMENT_SIGNATURE_HELP,
                types.SignatureHelpOptions(trigger_characters=["(", ","]))
@_safe(None)
def on_signature_help(ls: JourneyServer,
                      params: types.SignatureHelpParams) -> types.SignatureHelp | None:
    doc = ls.current(params.text_document.uri)
    return signature_help.signature_help(doc.text, doc.offset(params.position))


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
@_safe(None)
def on_formatting(ls: JourneyServer,
                  params: types.DocumentFormattingParams) -> list[types.TextEdit]:
    return formatting.format_document(ls.current(params.text_document.uri))


@server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
                types.SemanticTokensLegend(token_types=semantic_tokens.TOKEN_TYPES,
                                           token_modifiers=semantic_tokens.TOKEN_MODIFIERS))
@_safe(None)
def on_semantic_tokens(ls: JourneyServer,
                       params: types.SemanticTokensParams) -> types.SemanticTokens:
    analysis = ls.analysis()
    path = ls.path(params.text_document.uri)
    return types.SemanticTokens(data=semantic_tokens.semantic_tokens(analysis, path))


@server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
@_safe(None)
def on_folding_range(ls: JourneyServer,
                     params: types.FoldingRangeParams) -> list[types.FoldingRange]:
    return folding.folding_ranges(ls.current(params.text_document.uri))


# ---- navigation and code actions (jengine.lsp.features.navigation / .actions)


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
@_safe(None)
def on_definition(ls: JourneyServer,
                  params: types.DefinitionParams) -> list[types.Location] | None:
    if navigation is None:
        return None
    analysis, path, offset = _at(ls, params.text_document.uri, params.position)
    return [convert.location(analysis.document, loc)
            for loc in navigation.definition(analysis, path, offset)]


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
@_safe(None)
def on_references(ls: JourneyServer,
                  params: types.ReferenceParams) -> list[types.Location] | None:
    if navigation is None:
        return None
    analysis, path, offset = _at(ls, params.text_document.uri, params.position)
    found = navigation.references(analysis, path, offset, params.context.include_declaration)
    return [convert.location(analysis.document, loc) for loc in found]


@server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
@_safe(None)
def on_prepare_rename(ls: JourneyServer,
                      params: types.PrepareRenameParams) -> types.Range | None:
    if navigation is None:
        return None
    analysis, path, offset = _at(ls, params.text_document.uri, params.position)
    span = navigation.prepare_rename(analysis, path, offset)
    return analysis.document(path).range(span) if span is not None else None


@server.feature(types.TEXT_DOCUMENT_RENAME)
def on_rename(ls: JourneyServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    if navigation is None:
        return None
    analysis, path, offset = _at(ls, params.text_document.uri, params.position)
    result = navigation.rename(analysis, path, offset, params.new_name)
    if isinstance(result, RenameError):
        raise ValueError(result.message)  # pygls answers with an error the client shows
    return convert.workspace_edit(analysis.document, result)


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@_safe(None)
def on_document_symbol(ls: JourneyServer, params: types.DocumentSymbolParams
                       ) -> list[types.DocumentSymbol] | None:
    if navigation is None:
        return None
    analysis = ls.analysis()
    path = ls.path(params.text_document.uri)
    doc = analysis.document(path)
    return [convert.document_symbol(doc, s) for s in navigation.document_symbols(analysis, path)]


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
@_safe(None)
def on_code_action(ls: JourneyServer,
                   params: types.CodeActionParams) -> list[types.CodeAction] | None:
    if actions is None:
        return None
    analysis = ls.analysis()
    path = ls.path(params.text_document.uri)
    doc = analysis.document(path)
    diags = [convert.from_lsp(d, doc) for d in params.context.diagnostics
             if d.source in (None, convert.SOURCE_NAME)]
    found = actions.code_actions(analysis, path, doc.span(params.range), diags)
    return [convert.code_action(analysis.document, a, doc) for a in found]


# ---- templates (jengine.lsp.features.templates)

PREVIEW = "jengine/previewTemplate"


@server.feature(PREVIEW)
@_safe({"text": None, "errors": ["the preview failed; see the server log"]})
def on_preview_template(ls: JourneyServer, params: Any) -> dict[str, Any]:
    """``jengine/previewTemplate {uri, profile, profileId?, event?, params?, now?}`` →
    ``{text, errors}``: an open template rendered for a fixture profile (an object, or a
    profile JSON / profiles JSONL file relative to the workspace)."""
    def get(key: str) -> Any:
        value = params.get(key) if isinstance(params, dict) else getattr(params, key, None)
        return _plain(value)

    analysis = ls.analysis()
    profile = templates.load_profile(analysis.root, get("profile"), get("profileId"))
    now = parse_offset_datetime(get("now")) if get("now") else None
    found = templates.preview(analysis, ls.path(str(get("uri"))), profile, get("event"),
                              get("params"), now)
    return {"text": found.text, "errors": found.errors}


def _plain(value: Any) -> Any:
    """JSON data from pygls' parameter objects (named tuples)."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# ---- start


def start() -> None:
    """Serve over stdio until the client exits."""
    logging.basicConfig(level=logging.WARNING)
    server.start_io()
