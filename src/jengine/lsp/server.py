"""The protocol layer: the only module with ``@server.feature`` (architecture rule 9).

Each handler does three things: find the analysis (and the document) for the request, convert
the client's position to an offset through :class:`~jengine.lsp.convert.Document`, and call one
plain feature function; results in spans go back through :mod:`jengine.lsp.convert`. Nothing
here knows the language.

Workspaces: every folder of the client is searched with the root rule of
:mod:`jengine.lang.roots` (or the roots listed in the ``journey.workspaces`` setting, sent as
the ``workspaces`` initialization option or a configuration change); each root has its own
:class:`~jengine.lsp.analysis.AnalysisCache`. A document outside every root is analysed with
its folder (or the nearest enclosing ``journeys.toml`` workspace).

Diagnostics: opening a document analyses its workspace and publishes at once; edits are
debounced per workspace on both edges (a lone edit is analysed at once; a burst once more,
``DEBOUNCE`` seconds after its last keystroke). Analyses run in one worker thread, so the
protocol loop keeps answering, and a queued analysis reads the newest texts when it starts;
what changed is then published from the loop, each open document with its version. Completion never waits for an analysis: it reads the
newest one, with the current text for the context. A handler that fails logs the error and
answers "nothing", so one bad request never stops the server; a request whose parameters do not
match the protocol is answered with the JSON-RPC error ``-32602`` (invalid params).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import to_fs_path

from jengine.lang.roots import (
    MARKER,
    Root,
    discover,
    enclosing_root,
    read_config,
    workspace_root,
)
from jengine.lsp import convert
from jengine.lsp.analysis import Analysis, AnalysisCache
from jengine.lsp.convert import Document
from jengine.lsp.features import completion, folding, formatting, hover, semantic_tokens, templates
from jengine.lsp.features import signature as signature_help
from jengine.lsp.features.diagnostics import Debouncer, Publisher
from jengine.lsp.features.types import RenameError
from jexpr.source import Source

try:  # navigation and code actions: a separate work package
    from jengine.lsp.features import actions, navigation
except ImportError:  # pragma: no cover
    actions = navigation = None  # type: ignore[assignment]

DEBOUNCE = 0.05
log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jexpr")
    except PackageNotFoundError:  # pragma: no cover
        return "0"


@dataclass(frozen=True)
class _BadRequest:
    """A request whose parameters did not deserialize: answered with an error."""

    id: Any
    error: JsonRpcException


class _Protocol(LanguageServerProtocol):
    """pygls's protocol, answering undecodable requests (pygls logs and drops them)."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "id" in data and "method" in data:
                return _BadRequest(data["id"], exc)
            raise

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _BadRequest):
            log.warning("invalid params in request %s: %s", message.id, message.error)
            self._send_response(message.id, error=message.error.to_response_error())
            return
        super().handle_message(message)


class JourneyServer(LanguageServer):
    """pygls server plus the analysis caches (one per workspace root) and the publisher."""

    def __init__(self) -> None:
        super().__init__("jengine", _version(), protocol_cls=_Protocol)
        self.caches: dict[Path, AnalysisCache] | None = None
        self.configured: list[str] | None = None  # the journey.workspaces setting
        self.publisher = Publisher(self.text_document_publish_diagnostics)
        self.debouncer = Debouncer(DEBOUNCE)
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="journey-analysis")
        self.queued: set[Path] = set()
        self.formatter = ThreadPoolExecutor(1, thread_name_prefix="journey-format")

    # -- workspaces

    def path(self, uri: str) -> Path:
        return Path(to_fs_path(uri) or uri)

    def folders(self) -> list[Path]:
        folders = [self.path(f.uri) for f in self.workspace.folders.values()]
        if not folders and self.workspace.root_path:
            folders = [Path(self.workspace.root_path)]
        return folders

    def roots(self) -> dict[Path, AnalysisCache]:
        """The analysis cache of every workspace root (discovered on first use)."""
        if self.caches is None:
            self.caches = {}
            for root in self._discover():
                self.caches[root.folder] = AnalysisCache(root, self.workspace.position_codec)
        return self.caches

    def _discover(self) -> list[Root]:
        if self.configured is None:
            return [r for folder in self.folders() for r in discover(folder)]
        found = []
        for entry in self.configured:
            folder = Path(entry).expanduser()
            for base in ([folder] if folder.is_absolute() else
                         [f / folder for f in self.folders()]):
                if base.is_dir():
                    found.append(workspace_root(base, read_config(base)))
        return found

    def reconfigure(self, workspaces: Any) -> None:
        """Apply the ``journey.workspaces`` setting (a list of folders; empty: discover)."""
        wanted = [str(w) for w in workspaces] if isinstance(workspaces, list) else []
        self.configured = wanted or None
        self.caches = None

    def cache_for(self, path: Path) -> AnalysisCache:
        """The workspace a document belongs to (the innermost root that owns it)."""
        caches = self.roots()
        owners = [c for c in caches.values() if c.owns(path)]
        if owners:
            return max(owners, key=lambda c: len(c.root.parts))
        root = enclosing_root(path)
        cache = caches.get(root.folder) or AnalysisCache(root, self.workspace.position_codec)
        caches[root.folder] = cache
        return cache

    def open_documents(self, cache: AnalysisCache | None = None
                       ) -> dict[Path, tuple[str, str, int | None]]:
        docs = {self.path(uri): (uri, doc.source, doc.version)
                for uri, doc in self.workspace.text_documents.items()}
        if cache is None:
            return docs
        return {p: d for p, d in docs.items() if self.cache_for(p) is cache}

    def analysis(self, uri: str | None = None) -> Analysis:
        """The analysis of the current versions of the open documents of the workspace of
        ``uri`` (computed now if the background analysis has not done it yet)."""
        cache = self.cache_for(self.path(uri)) if uri else next(iter(self.roots().values()))
        docs = self.open_documents(cache)
        return cache.for_request(docs, self.path(uri)) if uri else cache.get(docs)

    def latest(self, uri: str) -> Analysis:
        """The newest analysis of the workspace of ``uri``, possibly one edit old."""
        cache = self.cache_for(self.path(uri))
        return cache.latest() or cache.get(self.open_documents(cache))

    def current(self, uri: str) -> Document:
        """The document as the client has it now (possibly newer than any analysis)."""
        doc = self.workspace.get_text_document(uri)
        return Document(uri, Source(doc.source, str(self.path(uri))), doc.version,
                        self.workspace.position_codec)

    # -- background analysis

    def schedule(self, uri: str, delay: bool = True) -> None:
        """Analyse the workspace of ``uri`` in the worker and publish (after the debounce)."""
        cache = self.cache_for(self.path(uri))
        if delay:
            self.debouncer.schedule(lambda: self.analyse(cache), cache.root)
        else:
            self.debouncer.cancel(cache.root)
            self.analyse(cache)

    def analyse(self, cache: AnalysisCache) -> None:
        """Queue an analysis of ``cache``'s workspace; a queued one that has not started
        yet will read the newest documents, so bursts of edits coalesce."""
        if cache.root in self.queued:
            return
        self.queued.add(cache.root)
        loop = asyncio.get_running_loop()

        async def snapshot() -> dict[Path, tuple[str, str, int | None]]:
            self.queued.discard(cache.root)
            return self.open_documents(cache)

        def work() -> None:
            try:
                docs = asyncio.run_coroutine_threadsafe(snapshot(), loop).result()
                analysis = cache.get(docs)
                settle()
            except Exception:  # the analysis is isolated per file; this is a last resort
                log.exception("analysis of %s failed", cache.root)
                return
            loop.call_soon_threadsafe(_safe(None)(self.publisher.update), analysis)

        self.worker.submit(work)


server = JourneyServer()


def settle() -> None:
    """After an analysis: collect the young generations, then move every surviving object to
    the garbage collector's permanent generation (``gc.freeze``). An analysis holds millions of
    long-lived objects (ASTs, checked expressions, symbol tables); without this, every full
    collection scans them all again (over a second on a busy machine, every few edits).
    Objects freed later are still freed by reference counting (the analysis data holds no
    reference cycles)."""
    gc.collect(1)
    gc.freeze()


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
    analysis = ls.analysis(uri)
    path = ls.path(uri)
    return analysis, path, analysis.document(path).offset(position)


# ---- initialization, document sync and diagnostics


@server.feature(types.INITIALIZE)
@_safe(None)
def on_initialize(ls: JourneyServer, params: types.InitializeParams) -> None:
    options = params.initialization_options
    if isinstance(options, dict) and "workspaces" in options:
        ls.reconfigure(options["workspaces"])


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@_safe(None)
def did_open(ls: JourneyServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, delay=False)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@_safe(None)
def did_change(ls: JourneyServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@_safe(None)
def did_save(ls: JourneyServer, params: types.DidSaveTextDocumentParams) -> None:
    path = ls.path(params.text_document.uri)
    ls.cache_for(path).refresh(path)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@_safe(None)
def did_close(ls: JourneyServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.publisher.forget(params.text_document.uri)
    ls.schedule(params.text_document.uri, delay=False)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@_safe(None)
def did_change_watched_files(ls: JourneyServer,
                             params: types.DidChangeWatchedFilesParams) -> None:
    touched: dict[Path, str] = {}
    for change in params.changes:
        path = ls.path(change.uri)
        if path.name == MARKER:
            ls.caches = None  # a workspace appeared, vanished or changed its settings
            continue
        cache = ls.cache_for(path)
        cache.refresh(path)
        touched[cache.root] = change.uri
    for uri in (touched.values() if ls.caches is not None else
                [u for u in ls.workspace.text_documents]):
        ls.schedule(uri, delay=False)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
@_safe(None)
def did_change_configuration(ls: JourneyServer,
                             params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings if isinstance(params.settings, dict) else {}
    journey = settings.get("journey", settings)
    if isinstance(journey, dict) and "workspaces" in journey:
        ls.reconfigure(journey["workspaces"])
        for uri in list(ls.workspace.text_documents):
            ls.schedule(uri, delay=False)


# ---- editing features


@server.feature(types.TEXT_DOCUMENT_COMPLETION,
                types.CompletionOptions(trigger_characters=[".", "{", ">"]))
@_safe(None)
def complete(ls: JourneyServer, params: types.CompletionParams) -> types.CompletionList:
    doc = ls.current(params.text_document.uri)
    if len(doc.text) > completion.MAX_COMPLETION_CHARS:
        return types.CompletionList(is_incomplete=False, items=[])
    analysis = ls.latest(params.text_document.uri)
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
async def on_formatting(ls: JourneyServer,
                        params: types.DocumentFormattingParams) -> list[types.TextEdit]:
    """Formatting runs in its own thread (the loop keeps answering) and refuses documents
    over ``formatting.MAX_FORMAT_BYTES`` with an error the client shows."""
    doc = ls.current(params.text_document.uri)
    problem = formatting.too_large(doc)
    if problem is not None:
        raise JsonRpcException(problem, code=-32803)  # RequestFailed
    try:
        return await asyncio.get_running_loop().run_in_executor(
            ls.formatter, formatting.format_document, doc)
    except Exception:
        log.exception("formatting failed")
        return []


@server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
                types.SemanticTokensLegend(token_types=semantic_tokens.TOKEN_TYPES,
                                           token_modifiers=semantic_tokens.TOKEN_MODIFIERS))
@_safe(None)
def on_semantic_tokens(ls: JourneyServer,
                       params: types.SemanticTokensParams) -> types.SemanticTokens:
    analysis = ls.analysis(params.text_document.uri)
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
    analysis = ls.analysis(params.text_document.uri)
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
    analysis = ls.analysis(params.text_document.uri)
    path = ls.path(params.text_document.uri)
    doc = analysis.document(path)
    diags = [convert.from_lsp(d, doc) for d in params.context.diagnostics
             if d.source in (None, convert.SOURCE_NAME)]
    found = actions.code_actions(analysis, path, doc.span(params.range), diags)
    return [convert.code_action(analysis.document, a, doc) for a in found]


# ---- templates (jengine.lsp.features.templates)


@server.feature(templates.PREVIEW)
@_safe({"text": None, "errors": ["the preview failed; see the server log"]})
def on_preview_template(ls: JourneyServer, params: Any) -> dict[str, Any]:
    """``jengine/previewTemplate``: an open template rendered for a fixture profile."""
    return templates.preview_request(ls.analysis, ls.path, params)


# ---- start


def start() -> None:
    """Serve over stdio until the client exits."""
    logging.basicConfig(level=logging.WARNING)
    try:
        server.start_io()
    finally:
        server.worker.shutdown(wait=False, cancel_futures=True)
        server.formatter.shutdown(wait=False, cancel_futures=True)
