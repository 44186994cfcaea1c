"""The analysed workspace the features read, cached per set of document versions.

Names are global across a workspace (spec §1), so one edit can change the diagnostics of every
file: the unit of analysis is the **whole workspace**. An :class:`Analysis` is the folder's
``*.journey`` files with the editors' unsaved texts laid over them, loaded by
:func:`jengine.load_texts` (parse, index, check, compile) — the same code path as
``jengine check``, so the editor reports exactly what the CLI reports. It is immutable; derived
tables (diagnostics by file, the declared schema, the symbol index) are computed on first use.

:class:`AnalysisCache` keys analyses by the versions of the open documents: a request for a
version already analysed is a dictionary lookup; :meth:`AnalysisCache.latest` returns the newest
analysis even if an edit made it stale, which completion uses to answer without waiting for a
new load (its context comes from the current text, its names from the model).

The workspace's one symbol index (every declaration and every use of a declared name) is
:mod:`jengine.lsp.features.index`; navigation, rename, hover and semantic tokens read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from pygls.workspace import PositionCodec

from jengine.lang import ast as A
from jengine.lang.check import BUILTIN_EVENTS
from jengine.lang.declared import Schema, declare_fields
from jengine.lang.model import Model, Site
from jengine.lang.workspace import Workspace, journey_files, load_texts
from jengine.lsp.convert import Document
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
                 codec: PositionCodec | None = None) -> None:
        self.root = root
        self.texts = dict(texts)
        self.versions = dict(versions or {})
        self.uris = dict(uris or {})
        self.codec = codec or PositionCodec()
        self.names = {path: _name(root, path) for path in self.texts}
        self.workspace: Workspace = load_texts(
            {self.names[p]: t for p, t in self.texts.items()
             if template_part(root, p) is None}, root)
        self._documents: dict[Path, Document] = {}

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

    def site_of(self, node: X.Node) -> Site | None:
        """The expression site (checked expression) containing an expression node."""
        for expr, site in self.model.sites.items():
            if expr.span.start <= node.span.start and node.span.end <= expr.span.end \
                    and site.checked is not None and node in site.checked.types:
                return site
        return None


class AnalysisCache:
    """Analyses keyed by the versions of the open documents; the disk texts of the folder
    are read once and refreshed when a file changes on disk."""

    def __init__(self, root: Path, codec: PositionCodec | None = None) -> None:
        self.root = root
        self.codec = codec or PositionCodec()
        self.disk: dict[Path, str] = {}
        self._latest: Analysis | None = None
        self._key: tuple[object, ...] | None = None
        self.reload_disk()

    def reload_disk(self) -> None:
        self.disk = {}
        if self.root.is_dir():
            for path in journey_files(self.root):
                self.refresh(path)
        self._key = None

    def refresh(self, path: Path) -> None:
        """Re-read one file from disk (it was saved, created or deleted)."""
        try:
            self.disk[path] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            self.disk.pop(path, None)
        self._key = None

    def get(self, open_docs: Mapping[Path, tuple[str, str, int | None]]) -> Analysis:
        """The analysis of the folder with the open documents (path → (uri, text,
        version)) laid over it; computed once per combination of versions."""
        key = tuple(sorted((str(p), u, v, hash(t)) for p, (u, t, v) in open_docs.items()))
        if self._latest is not None and key == self._key:
            return self._latest
        texts = dict(self.disk)
        texts.update({p: t for p, (_, t, _) in open_docs.items()})
        versions = {p: v for p, (_, _, v) in open_docs.items()}
        uris = {p: u for p, (u, _, _) in open_docs.items()}
        self._latest = Analysis(self.root, texts, versions, uris, self.codec)
        self._key = key
        return self._latest

    def latest(self) -> Analysis | None:
        """The newest analysis, possibly older than the open documents."""
        return self._latest


# ---- helpers


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
