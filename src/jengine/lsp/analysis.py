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

The :class:`SymbolIndex` lists every declaration (events, data sources and their field groups,
actions, audiences, journeys, steps) and every use of one (``->`` targets, entry/exit/await
names, ``action A``, ``jump J``, ``@event{E…}``, ``#{DS.FG…}``, ``@action{S…}``,
``inAudience("A")``), each with its file and span; navigation, rename and hover are lookups in
it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pygls.workspace import PositionCodec

from jengine.lang import ast as A
from jengine.lang.check import BUILTIN_EVENTS
from jengine.lang.declared import Schema, declare_fields
from jengine.lang.model import Model, Site
from jengine.lang.walk import expressions, nodes
from jengine.lang.workspace import Workspace, journey_files, load_texts
from jengine.lsp.convert import Document
from jexpr.checker.schema import join_path
from jexpr.diagnostics import Diagnostic
from jexpr.source import Source, Span
from jexpr.syntax import ast as X

_GROUP_SEGMENT = re.compile(r"""\s*\.\s*([A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
_DECL_KIND = {A.Event: "event", A.Datasource: "datasource", A.Action: "action",
              A.Audience: "audience", A.Journey: "journey"}
# journey nodes whose Name fields name something: (field, kind of the thing named)
_NAME_USES: dict[type, tuple[tuple[str, str], ...]] = {
    A.Goto: (("target", "step"),), A.OnError: (("target", "step"),),
    A.ElseBranch: (("target", "step"),), A.Case: (("target", "step"),),
    A.Branch: (("target", "step"),), A.AfterTrigger: (("target", "step"),),
    A.UntilTrigger: (("target", "step"),),
    A.Reaction: (("step", "step"), ("target", "step")),
    A.EventTrigger: (("event", "event"), ("target", "step")),
    A.EntryEvent: (("event", "event"),), A.EntryAudience: (("audience", "audience"),),
    A.EntryRead: (("audience", "audience"),),
    A.EntryBusiness: (("event", "event"), ("audience", "audience")),
    A.Custom: (("action", "action"),), A.Jump: (("journey", "journey"),),
}
_AUDIENCE_CALLS = ("inAudience", "inSegment")


@dataclass(frozen=True)
class Symbol:
    """A declaration: ``kind`` is event, datasource, fieldgroup, action, audience, journey or
    step; ``container`` is the journey of a step or the data source of a field group; ``span``
    is the name's span and ``node`` the whole declaration (or step)."""

    kind: str
    name: str
    path: Path
    span: Span
    container: str | None
    node: A.Node

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.kind, self.name, self.container)


@dataclass(frozen=True)
class Use:
    """A use of a declared name (see :class:`Symbol` for ``kind`` and ``container``)."""

    kind: str
    name: str
    path: Path
    span: Span
    container: str | None

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.kind, self.name, self.container)


@dataclass
class SymbolIndex:
    """Every declaration and every use of a declared name in a workspace."""

    declarations: list[Symbol] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)

    def at(self, path: Path, offset: int) -> Symbol | Use | None:
        """The declaration name or use under an offset (end inclusive, for a cursor just
        after a name)."""
        items: list[Symbol | Use] = [*self.declarations, *self.uses]
        hits = [i for i in items if i.path == path and i.span.start <= offset <= i.span.end]
        return min(hits, key=lambda i: i.span.end - i.span.start, default=None)

    def definitions(self, key: tuple[str, str, str | None]) -> list[Symbol]:
        return [s for s in self.declarations if s.key == key]

    def references(self, key: tuple[str, str, str | None]) -> list[Use]:
        return [u for u in self.uses if u.key == key]

    def in_file(self, path: Path) -> list[Symbol]:
        return [s for s in self.declarations if s.path == path]


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
            {self.names[p]: t for p, t in self.texts.items()}, root)
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
        for item in self.workspace.diagnostics:
            path = by_key.get(item.path)
            if path is not None:
                out[path].append(item.diagnostic)
        return out

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

    @cached_property
    def symbols(self) -> SymbolIndex:
        index = SymbolIndex()
        for path in self.paths:
            file = self.file(path)
            if file is None:
                continue
            source = self.document(path).source
            for decl in file.declarations:
                _index_declaration(decl, path, source, index)
        return index

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


def _index_declaration(decl: A.Declaration, path: Path, source: Source,
                       index: SymbolIndex) -> None:
    kind = _DECL_KIND[type(decl)]
    index.declarations.append(Symbol(kind, decl.name.text, path, decl.name.span, None, decl))
    journey = decl.name.text if isinstance(decl, A.Journey) else None
    for node in nodes(decl):
        if isinstance(node, A.FieldGroup):
            index.declarations.append(Symbol("fieldgroup", node.name.text, path,
                                             node.name.span, decl.name.text, node))
        elif isinstance(node, A.Step) and journey is not None:
            index.declarations.append(Symbol("step", node.name.text, path, node.name.span,
                                             journey, node))
        index.uses.extend(_name_uses(node, path, journey))
    for expr, _ in expressions(decl):
        index.uses.extend(_expression_uses(expr, path, source, journey))


def _name_uses(node: A.Node, path: Path, journey: str | None) -> Iterator[Use]:
    pairs = _NAME_USES.get(type(node), ())
    if isinstance(node, A.Exit):
        pairs = (("name", node.kind),)
    for attr, kind in pairs:
        name: A.Name = getattr(node, attr)
        yield Use(kind, name.text, path, name.span, journey if kind == "step" else None)


def _expression_uses(expr: X.Expr, path: Path, source: Source,
                     journey: str | None) -> Iterator[Use]:
    for node in X.walk(expr):
        if isinstance(node, X.Reference):
            yield from _reference_uses(node, path, source, journey)
        elif isinstance(node, X.Call) and node.name in _AUDIENCE_CALLS and node.args \
                and isinstance(node.args[0], X.StrLit):
            span = node.args[0].span
            inner = source.span(span.start + 1, max(span.start + 1, span.end - 1))
            yield Use("audience", node.args[0].value, path, inner, None)


def _reference_uses(ref: X.Reference, path: Path, source: Source,
                    journey: str | None) -> Iterator[Use]:
    if ref.kind in ("event", "legacy"):
        yield Use("event", ref.root, path, ref.root_span, None)
    elif ref.kind == "action" and journey is not None:
        yield Use("step", ref.root, path, ref.root_span, journey)
    elif ref.kind == "data":
        yield Use("datasource", ref.root, path, ref.root_span, None)
        m = _GROUP_SEGMENT.match(source.text, ref.root_span.end)
        if m is not None and ref.group is not None:
            yield Use("fieldgroup", ref.group, path, source.span(m.start(1), m.end(1)),
                      ref.root)
