"""The analysed workspaces the features read: one :class:`AnalysisCache` per workspace root.

Names are global across a workspace (spec §1), so one edit can change the diagnostics of every
file of its workspace: the unit of analysis is the workspace, found by the root rule of
:mod:`jengine.lang.roots` (a ``journeys.toml``, else each folder holding ``.journey`` files;
the ``journey.workspaces`` setting overrides it). An :class:`Analysis` is a root's files with the
editors' unsaved texts laid over them, loaded by the root's incremental
:class:`~jengine.lang.workspace.Analyzer` — the same code path as ``jengine check``, so the
editor reports exactly what the CLI reports, but an edit re-parses one file and re-checks only
the journeys it affects. An analysis is immutable; its derived tables (diagnostics by file, the
declared schema, the symbol index) are computed once, in the background analysis
(:meth:`Analysis.prepare`), before any request reads them.

:class:`AnalysisCache` keys analyses by the versions of the open documents: a request for a
version already analysed is a dictionary lookup; :meth:`AnalysisCache.latest` returns the newest
analysis even if an edit made it stale, which completion uses to answer without waiting for a
new load (its context comes from the current text, its names from the model). Loads of one
root are serialised by a lock (the background analysis runs in a worker thread).

The workspace's one symbol index (every declaration and every use of a declared name) is
:mod:`jengine.lsp.features.index`, one sorted table per file, rebuilt only for re-parsed files.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from pygls.workspace import PositionCodec

from jengine.lang import ast as A
from jengine.lang.bulk import collector_paused
from jengine.lang.check import BUILTIN_EVENTS
from jengine.lang.declared import Schema, declare_fields
from jengine.lang.incremental import FileInput
from jengine.lang.model import Model, Site
from jengine.lang.roots import Config, Root
from jengine.lang.walk import expressions
from jengine.lang.workspace import (
    Analyzer,
    Workspace,
    journey_files,
    load_texts,
    read_input,
)
from jengine.lsp.convert import Document
from jengine.lsp.features.index import FileIndex, SymbolIndex, build_index
from jengine.templates.workspace import Templates, load_templates, template_part
from jexpr.checker.schema import join_path
from jexpr.diagnostics import Diagnostic
from jexpr.source import Source
from jexpr.syntax import ast as X


class Analysis:
    """One analysed version of a workspace (see the module docstring)."""

    def __init__(self, root: Path, texts: Mapping[Path, str],
                 versions: Mapping[Path, int | None] | None = None,
                 uris: Mapping[Path, str] | None = None,
                 codec: PositionCodec | None = None, analyzer: Analyzer | None = None,
                 known: Mapping[Path, FileIndex] | None = None,
                 problems: Mapping[Path, Diagnostic] | None = None) -> None:
        self.root = root
        self.texts = dict(texts)
        self.versions = dict(versions or {})
        self.uris = dict(uris or {})
        self.codec = codec or PositionCodec()
        self.names = {path: _name(root, path) for path in self.texts}
        journeys = {p: t for p, t in self.texts.items() if template_part(root, p) is None}
        named = {self.names[p]: t for p, t in journeys.items()}
        if analyzer is None:
            self.workspace: Workspace = load_texts(named, root)
        else:
            inputs = [FileInput(self.names[p], root / self.names[p], t, (problems or {}).get(p))
                      for p, t in journeys.items()]
            self.workspace = analyzer.load(inputs)
        self._known = known
        self._documents: dict[Path, Document] = {}

    def prepare(self) -> Analysis:
        """Compute the derived tables now (the background analysis does, so that requests
        only read them)."""
        _ = self.diagnostics, self.schema, self.symbol_index
        return self

    # -- files

    @property
    def model(self) -> Model:
        return self.workspace.model

    @property
    def paths(self) -> list[Path]:
        return sorted(self.texts)

    def uri(self, path: Path) -> str:
        return self.uris.get(path) or path.as_uri()

    def path_of(self, uri: str) -> Path | None:
        for path, known in self.uris.items():
            if known == uri:
                return path
        return next((p for p in self.texts if p.as_uri() == uri), None)

    def file(self, path: Path) -> A.File | None:
        return self.workspace.files.get(self._key(path))

    def document(self, path: Path) -> Document:
        doc = self._documents.get(path)
        if doc is None:
            source = Source(self.texts.get(path, ""), self.names.get(path, str(path)))
            doc = Document(self.uri(path), source, self.versions.get(path), self.codec)
            self._documents[path] = doc
        return doc

    def _key(self, path: Path) -> Path:
        return self.root / self.names.get(path, str(path))

    # -- derived tables

    @cached_property
    def symbol_index(self) -> SymbolIndex:
        """The symbol index (per-file tables reused from the previous analysis)."""
        return build_index(self.workspace, self.texts, self._known)

    @cached_property
    def diagnostics(self) -> dict[Path, list[Diagnostic]]:
        """Every file's diagnostics (an empty list for a clean file), sorted by position."""
        by_key = {self._key(p): p for p in self.texts}
        out: dict[Path, list[Diagnostic]] = {p: [] for p in self.texts}
        for item in [*self.workspace.diagnostics, *self.templates.diagnostics]:
            path = by_key.get(item.path)
            if path is not None:
                out[path].append(item.diagnostic)
        return out

    @cached_property
    def templates(self) -> Templates:
        """The workspace's templates (``templates/``), the open ones with their editor text,
        checked against the journeys that use them (as ``jengine check`` does)."""
        overlay = {p: t for p, t in self.texts.items() if template_part(self.root, p)}
        return load_templates(self.workspace, overlay)

    @cached_property
    def schema(self) -> Schema:
        """The declared field types of every event and data source (spec §2.5), as jexpr
        schema entries (``"E.a.b": "string"``)."""
        out: Schema = dict(BUILTIN_EVENTS)
        for event in self.model.events.values():
            out.update(event.schema)
        for ds in self.model.datasources.values():
            for group in ds.groups.values():
                if group.node is not None:
                    _declare_group(ds.name, group.node, out)
        return out

    def action_schema(self, journey: A.Journey) -> Schema:
        """The ``@action{S.…}`` entries of a journey's custom-action steps (spec §2.5)."""
        out: Schema = {}
        for step in (i for i in journey.items if isinstance(i, A.Step)):
            if isinstance(step.body, A.Custom):
                action = self.model.actions.get(step.body.action.text)
                for path, kind in (action.response.items() if action else ()):
                    out[f"{join_path((step.name.text,))}.{path}"] = kind
                out[f"{join_path((step.name.text,))}.jo_status_code"] = "string"
                out[f"{join_path((step.name.text,))}.errorResponse"] = "object"
        return out

    # -- positions

    def declaration_at(self, path: Path, offset: int) -> A.Declaration | None:
        file = self.file(path)
        for decl in file.declarations if file else ():
            if decl.span.start <= offset <= decl.span.end:
                return decl
        return None

    def site_of(self, node: X.Node, path: Path | None = None) -> Site | None:
        """The expression site (checked expression) containing an expression node: among the
        expressions of the declaration around it when ``path`` is given, else all sites."""
        decl = self.declaration_at(path, node.span.start) if path is not None else None
        candidates = ((e, self.model.sites.get(e)) for e, _ in expressions(decl)) \
            if decl is not None else iter(self.model.sites.items())
        for expr, site in candidates:
            if site is not None and expr.span.start <= node.span.start \
                    and node.span.end <= expr.span.end \
                    and site.checked is not None and node in site.checked.types:
                return site
        return None


class AnalysisCache:
    """The analyses of one workspace root, keyed by the versions of its open documents; the
    disk texts of its files are read once and refreshed when a file changes on disk."""

    def __init__(self, root: Path | Root, codec: PositionCodec | None = None) -> None:
        self.spec = root if isinstance(root, Root) else None
        self.root = root.folder if isinstance(root, Root) else root
        self.config = self.spec.config if self.spec is not None else Config(self.root)
        self.codec = codec or PositionCodec()
        self.analyzer = Analyzer(self.root, self.config)
        self.lock = threading.RLock()
        self.disk: dict[Path, str] = {}
        self.problems: dict[Path, Diagnostic] = {}
        self._latest: Analysis | None = None
        self._key: tuple[object, ...] | None = None
        self.reload_disk()

    def files(self) -> list[Path]:
        """The ``.journey`` files of this workspace on disk."""
        if self.spec is not None:
            return list(self.spec.files)
        return journey_files(self.root) if self.root.is_dir() else []

    def owns(self, path: Path) -> bool:
        """Whether a document belongs to this workspace (on disk, or new in its folder)."""
        if path in self.disk or template_part(self.root, path) is not None:
            return True                 # its files, and its templates (templates/…)
        if self.spec is not None and self.spec.config.marker is None:
            return path.parent == self.root  # a folder without a marker: its own files only
        try:
            path.relative_to(self.root)
        except ValueError:
            return False
        return not self.config.excluded(path)

    def reload_disk(self) -> None:
        with self.lock:
            self.disk = {}
            self.problems = {}
            for path in self.files():
                self.refresh(path)
            self._key = None

    def refresh(self, path: Path) -> None:
        """Re-read one file from disk (it was saved, created or deleted)."""
        with self.lock:
            self.problems.pop(path, None)
            if path.is_file():
                item = read_input(path, _name(self.root, path), self.config.max_file_bytes)
                self.disk[path] = item.text
                if item.problem is not None:
                    self.problems[path] = item.problem
            else:
                self.disk.pop(path, None)
            self._key = None

    def get(self, open_docs: Mapping[Path, tuple[str, str, int | None]]) -> Analysis:
        """The analysis of the workspace with its open documents (path → (uri, text,
        version)) laid over it; computed once per combination of versions."""
        mine = {p: d for p, d in open_docs.items() if self.owns(p)}
        key = tuple(sorted((str(p), u, v, hash(t)) for p, (u, t, v) in mine.items()))
        with self.lock:
            if self._latest is not None and key == self._key:
                return self._latest
            texts = dict(self.disk)
            texts.update({p: t for p, (_, t, _) in mine.items()})
            versions = {p: v for p, (_, _, v) in mine.items()}
            uris = {p: u for p, (u, _, _) in mine.items()}
            known = self._latest.symbol_index.files if self._latest is not None else None
            problems = {p: d for p, d in self.problems.items() if p not in mine}
            self._latest = _analysed(self.root, texts, versions, uris, self.codec,
                                     self.analyzer, known, problems)
            self._key = key
            return self._latest

    def latest(self) -> Analysis | None:
        """The newest analysis, possibly older than the open documents."""
        return self._latest

    def for_request(self, open_docs: Mapping[Path, tuple[str, str, int | None]],
                    path: Path) -> Analysis:
        """The analysis to answer a request about ``path``: that of the current versions,
        except while another analysis is running (a slow file being re-analysed), when the
        newest one already holds ``path``'s current text: requests about the other files
        never wait for one file's analysis."""
        if self.lock.acquire(blocking=False):
            try:
                return self.get(open_docs)
            finally:
                self.lock.release()
        latest = self._latest
        mine = open_docs.get(path)
        if latest is not None and path in latest.texts and (
                mine is None or latest.texts[path] == mine[1]):
            return latest
        return self.get(open_docs)


# ---- helpers


@collector_paused
def _analysed(*args: Any) -> Analysis:
    """A prepared :class:`Analysis`, built with the cyclic collector paused (it creates
    hundreds of thousands of long-lived objects; see :mod:`jengine.lang.bulk`)."""
    return Analysis(*args).prepare()


def _name(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _declare_group(ds: str, group: A.FieldGroup, out: Schema) -> None:
    for clause in group.clauses:
        if isinstance(clause, A.Fields) and clause.keyword == "fields":
            entries: Schema = {}
            declare_fields((ds, group.name.text), clause.fields, entries, [])
            out.update({k: v for k, v in entries.items() if k not in BUILTIN_EVENTS})
