"""The symbol index: every place a workspace names a declaration, a field group or a step.

Navigation (definition, references, rename) is one question asked of one table: *which symbol
is named here, and where else is it named?* This module answers it by walking each parsed file
once and recording an :class:`Occurrence` — a symbol key, a file, the span of the name and
whether it is the declaring occurrence — for:

* declarations (events, data sources and their field groups, actions, audiences, journeys) and
  the journey clauses naming them: ``entry on event E``, ``exit on audience A``, await
  ``event E``, ``action A { … }`` steps, ``jump J``, ``update profile { FG.… }``;
* steps, scoped to their journey: ``name:`` and every ``-> name``, ``on error -> name``,
  ``else -> name``, condition, split and await targets, ``opened name``;
* expression roots: ``@event{E.…}`` and ``@{E.…}``, ``#{DS.FG.…}`` (two occurrences),
  ``@action{S.…}`` (a step of the enclosing journey) and the string literal of
  ``inAudience("A")`` / ``inSegment("A")``.

Spans exclude quotes (``@event{'E'.x}`` records ``E``), so a rename replaces the name and keeps
whatever quoting was written. The index is built per file (:class:`FileIndex`, occurrences
sorted by offset, found by binary search) and a file's index is reused for as long as its parse
is: the server's background analysis builds the index of each new analysis from the previous
one's, so hover and go-to-definition never build it on request.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from jengine.lang import ast as A
from jengine.lang.walk import expression_nodes, expressions, nodes
from jengine.lang.workspace import Workspace
from jexpr.checker.check import group_span
from jexpr.source import Position, Source, Span
from jexpr.syntax import ast as X

from .types import Analysis

Key = tuple[str, ...]
PROFILE_STORE = "ExperiencePlatform"
BUILT_IN: frozenset[Key] = frozenset({("datasource", PROFILE_STORE),
                                      ("fieldgroup", PROFILE_STORE, "Events")})
AUDIENCE_FUNCTIONS = frozenset({"inAudience", "inSegment"})
_DECL_KIND: dict[type[A.Node], str] = {
    A.Event: "event", A.Datasource: "datasource", A.Action: "action", A.Audience: "audience",
    A.Journey: "journey", A.ChannelDecl: "channel", A.RulesDecl: "rules"}


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One naming of a symbol: ``span`` is the name itself, quotes excluded."""

    key: Key
    path: Path
    span: Span
    declaration: bool


class FileIndex:
    """The occurrences of one parsed file, sorted by offset: :meth:`at` is a binary search.
    Built once per parse of the file and shared by every analysis that keeps that parse."""

    def __init__(self, path: Path, source: Source, file: A.File | None) -> None:
        self.path = path
        self.source = source
        self.file = file
        self.journeys: dict[str, A.Journey] = {}
        self.custom_steps: set[Key] = set()
        found: list[Occurrence] = []
        if file is not None:
            _Collector(self, path, source, found).file(file)
        found.sort(key=lambda o: (o.span.start, o.span.end))
        self.occurrences = found
        self.by_key: dict[Key, list[Occurrence]] = {}
        for o in found:
            self.by_key.setdefault(o.key, []).append(o)
        self.starts = [o.span.start for o in found]
        self.longest = max((o.span.end - o.span.start for o in found), default=0)

    def at(self, offset: int) -> Occurrence | None:
        """The occurrence under ``offset`` (its end included, so a cursor just after a name
        counts); the narrowest when several touch."""
        best: Occurrence | None = None
        i = bisect_right(self.starts, offset) - 1
        while i >= 0 and self.starts[i] >= offset - self.longest:
            o = self.occurrences[i]
            if o.span.end >= offset and (best is None or o.span.end - o.span.start
                                         < best.span.end - best.span.start):
                best = o
            i -= 1
        return best


class SymbolIndex:
    """Every occurrence of every symbol of a workspace: one :class:`FileIndex` per file, and
    the occurrences by symbol (merged from the files once per index)."""

    def __init__(self, files: Mapping[Path, FileIndex]) -> None:
        self.files = dict(files)
        self.sources = {p: f.source for p, f in self.files.items()}
        self.journeys: dict[str, A.Journey] = {}  # step scope → journey
        self.custom_steps: set[Key] = set()
        for f in self.files.values():
            self.journeys.update(f.journeys)
            self.custom_steps |= f.custom_steps

    @cached_property
    def by_path(self) -> dict[Path, list[Occurrence]]:
        return {p: f.occurrences for p, f in self.files.items()}

    @cached_property
    def by_key(self) -> dict[Key, list[Occurrence]]:
        """Every symbol's occurrences (merged from the files on first use: rename reads it)."""
        out: dict[Key, list[Occurrence]] = {}
        for f in self.files.values():
            for key, found in f.by_key.items():
                out.setdefault(key, []).extend(found)
        return out

    def at(self, path: Path, offset: int) -> Occurrence | None:
        found = self.files.get(path)
        return found.at(offset) if found is not None else None

    def of(self, key: Key) -> list[Occurrence]:
        """The occurrences of one symbol (from each file's table: no merge on request)."""
        return [o for f in self.files.values() for o in f.by_key.get(key, ())]

    def named(self, occurrence: Occurrence) -> tuple[str, str, str | None]:
        """``(kind, name, container)`` of an occurrence: the container is the journey of a
        step and the data source of a field group (None otherwise)."""
        key = occurrence.key
        if key[0] == "step":
            journey = self.journeys.get(key[1])
            return "step", key[2], journey.name.text if journey else None
        if key[0] == "fieldgroup":
            return "fieldgroup", key[2], key[1]
        return key[0], key[1], None

    def offset(self, path: Path, pos: Position | int) -> int:
        """An offset of ``path`` from a (line, code-point column) position or an offset."""
        return pos if isinstance(pos, int) else self.sources[path].index.offset(pos)


def step_scope(path: Path, journey: A.Journey) -> str:
    """The scope of a journey's step names: the journey itself (duplicated journey names stay
    apart)."""
    return f"{path}#{journey.span.start}"


_cache: list[tuple[Workspace, Mapping[Path, str], SymbolIndex]] = []


def index_of(analysis: Analysis) -> SymbolIndex:
    """The symbol index of an analysis: the one the server's analysis built in the background
    (``symbol_index``), else built here and cached for the latest analysis."""
    built = getattr(analysis, "symbol_index", None)
    if isinstance(built, SymbolIndex):
        return built
    ws, texts = analysis.workspace, analysis.texts
    if _cache and _cache[0][0] is ws and _cache[0][1] is texts:
        return _cache[0][2]
    index = build_index(ws, texts)
    _cache[:] = [(ws, texts, index)]
    return index


def build_index(ws: Workspace, texts: Mapping[Path, str],
                known: Mapping[Path, FileIndex] | None = None) -> SymbolIndex:
    """The index of ``ws``: each file's :class:`FileIndex` from ``known`` when it indexed the
    same parse, else built (one walk of the file)."""
    by_path = {Path(p): t for p, t in texts.items()}
    files: dict[Path, FileIndex] = {}
    for raw_path, file in ws.files.items():
        path = Path(raw_path)
        old = known.get(path) if known is not None else None
        if old is not None and old.file is file:
            files[path] = old
            continue
        source = ws.sources.get(raw_path)
        if source is None:
            text = by_path.get(path)
            if text is None:
                text = path.read_text(encoding="utf-8") if path.is_file() else ""
            source = Source(text, str(path))
        files[path] = FileIndex(path, source, file)
    return SymbolIndex(files)


@dataclass
class _Collector:
    index: FileIndex
    path: Path
    source: Source
    found: list[Occurrence]
    scope: str | None = None

    def add(self, key: Key, span: Span, declaration: bool = False) -> None:
        self.found.append(Occurrence(key, self.path, span, declaration))

    def file(self, file: A.File) -> None:
        for decl in file.declarations:
            self.declaration(decl)

    def declaration(self, decl: A.Declaration) -> None:
        self.add((_DECL_KIND[type(decl)], decl.name.text), decl.name.span, True)
        self.scope = None
        if isinstance(decl, A.Datasource):
            for group in (c for c in decl.clauses if isinstance(c, A.FieldGroup)):
                self.add(("fieldgroup", decl.name.text, group.name.text), group.name.span, True)
        if isinstance(decl, A.Journey):
            self.journey(decl)
        for expr, _holder in expressions(decl):
            self.expression(expr)

    def journey(self, journey: A.Journey) -> None:
        self.scope = step_scope(self.path, journey)
        self.index.journeys[self.scope] = journey
        for item in journey.items:
            for node in nodes(item):
                for key, name in self.names_in(node):
                    self.add(key, name.span, isinstance(node, A.Step))

    def names_in(self, node: A.Node) -> Iterator[tuple[Key, A.Name]]:
        """The names a journey node itself holds (not those of its children)."""
        assert self.scope is not None
        step = ("step", self.scope)
        if isinstance(node, A.Step):
            yield (*step, node.name.text), node.name
            if isinstance(node.body, A.Custom):
                self.index.custom_steps.add((*step, node.name.text))
        elif isinstance(node, A.Goto | A.OnError | A.ElseBranch | A.Case | A.Branch
                        | A.AfterTrigger | A.UntilTrigger):
            yield (*step, node.target.text), node.target
        elif isinstance(node, A.Reaction):
            yield (*step, node.step.text), node.step
            yield (*step, node.target.text), node.target
        elif isinstance(node, A.EventTrigger):
            yield ("event", node.event.text), node.event
            yield (*step, node.target.text), node.target
        else:
            yield from _clause_names(node)

    def expression(self, expr: X.Expr) -> None:
        for node in expression_nodes(expr):
            if isinstance(node, X.Reference):
                self.reference(node)
            elif isinstance(node, X.Call) and node.name in AUDIENCE_FUNCTIONS and node.args \
                    and isinstance(node.args[0], X.StrLit):
                self.add(("audience", node.args[0].value), self.unquoted(node.args[0].span))

    def reference(self, ref: X.Reference) -> None:
        root = self.unquoted(ref.root_span)
        if ref.kind in ("event", "legacy"):
            self.add(("event", ref.root), root)
        elif ref.kind == "data" and ref.group is not None:
            self.add(("datasource", ref.root), root)
            group = group_span(self.source, ref)
            if group != ref.root_span:
                self.add(("fieldgroup", ref.root, ref.group), self.unquoted(group))
        elif ref.kind == "action" and self.scope is not None:
            self.add(("step", self.scope, ref.root), root)

    def unquoted(self, span: Span) -> Span:
        """The span without its quotes, when the text there is a quoted string or segment."""
        text = self.source.text[span.start:span.end]
        if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0]:
            return self.source.span(span.start + 1, span.end - 1)
        return span


def _clause_names(node: A.Node) -> Iterator[tuple[Key, A.Name]]:
    if isinstance(node, A.Exit):
        yield (node.kind, node.name.text), node.name
    elif isinstance(node, A.EntryEvent):
        yield ("event", node.event.text), node.event
    elif isinstance(node, A.EntryAudience | A.EntryRead):
        yield ("audience", node.audience.text), node.audience
    elif isinstance(node, A.EntryBusiness):
        yield ("event", node.event.text), node.event
        yield ("audience", node.audience.text), node.audience
    elif isinstance(node, A.Custom):
        yield ("action", node.action.text), node.action
    elif isinstance(node, A.Jump):
        yield ("journey", node.journey.text), node.journey
    elif isinstance(node, A.Update):
        yield ("fieldgroup", PROFILE_STORE, node.group.text), node.group
