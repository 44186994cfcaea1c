"""Incremental loading: an :class:`Analyzer` re-parses only changed files and re-checks only
the journeys whose file or referenced declarations changed.

One workspace load is parse → index → check (:mod:`jengine.lang.workspace`). An analyzer keeps
what it can between loads of the same workspace:

* **parses**, by file name and text: an unchanged file keeps its AST, its :class:`Source` and
  its syntax diagnostics (the same objects, so everything keyed by AST nodes stays valid);
* **journey checks** (:class:`JourneyMemo`): a journey's model, diagnostics and compiled
  expression sites are reused while its AST node is the same object (its file did not change)
  and its *dependencies* are unchanged: the text of every declaration named anywhere in the
  journey *or read by its check* (plus the files their ``schema "…"`` clauses read), the names
  of broken declarations, the declared names (in order) of every table the check walked, and,
  for a journey whose last check failed to find a name (``J-NAME-UNKNOWN``,
  ``E-FIELD-UNKNOWN``, whose hints list the declared names), the declared names of every kind.

  What the check read is recorded, not guessed: while a journey is checked, the index's tables
  are :class:`_Watched` views that note every name looked up and every table walked. So a fact
  reached through another declaration is a dependency too — ``jump K`` reads journey ``K``,
  then the namespace of ``K``'s entry event (``J-JUMP``), and an edit of that event re-checks
  the jumping journey although it never names the event.

Declarations other than journeys are few and checked on every load; so are duplicate names
and jump cycles, which span the workspace. The result is always what a fresh load of the same
texts gives (a Hypothesis property test checks it over random edit sequences); a fresh
:class:`Analyzer` is exactly :func:`jengine.lang.workspace.load_texts`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from jengine.lang import ast as A
from jengine.lang.index import FileDiagnostic, Index, Reporter
from jengine.lang.model import JourneyModel, Site
from jengine.lang.parse import ParseResult, parse
from jengine.lang.roots import MAX_FILE_BYTES
from jengine.lang.walk import expressions, nodes, references
from jexpr.diagnostics import Diagnostic, error
from jexpr.source import Source
from jexpr.syntax import ast as X

_TABLES = ("events", "datasources", "actions", "audiences", "journeys")
LOOKUP_CODES = frozenset({"J-NAME-UNKNOWN", "E-FIELD-UNKNOWN"})
_DECLARED = re.compile(r"^[ \t]*(event|datasource|action|audience|journey)[ \t]+"
                       r"([A-Za-z_][A-Za-z0-9_]*)", re.M)


@dataclass(frozen=True)
class FileInput:
    """One file to load: its name (relative to the root: the :class:`Source` name), the path
    its diagnostics are filed under, its text, and why it cannot be parsed (a ``J-FILE-*``
    diagnostic for an unreadable or oversized file, whose ``text`` is then what could be
    read)."""

    name: str
    path: Path
    text: str
    problem: Diagnostic | None = None


@dataclass(frozen=True)
class Parsed:
    """A parsed file, cached by name and text."""

    text: str
    problem: Diagnostic | None
    source: Source
    result: ParseResult


def parse_file(item: FileInput, max_bytes: int = MAX_FILE_BYTES) -> Parsed:
    """Parse one file in isolation: whatever goes wrong stays a diagnostic of this file."""
    source = Source(item.text, item.name)
    problem = item.problem
    if problem is None and len(item.text) * 4 > max_bytes and \
            len(item.text.encode("utf-8", "surrogatepass")) > max_bytes:
        size = len(item.text.encode("utf-8", "surrogatepass"))
        problem = error("J-FILE-TOO-LARGE", f"{size:,} bytes is over the limit of "
                        f"{max_bytes:,} bytes for a .journey file; it is not analysed",
                        source.span(0, 0), "split it into several files, or raise "
                        "max-file-size in journeys.toml")
    if problem is not None:
        return Parsed(item.text, problem, source, _unparsed(source, problem))
    try:
        result = parse(item.text, item.name)
    except RecursionError:
        at = _deepest(item.text)
        result = _unparsed(source, error(
            "J-TOO-DEEP", "the file nests too deeply to be analysed (the deepest point is "
            "here)", source.span(at, min(at + 1, len(item.text))),
            "flatten the nesting (parentheses, brackets, objects, field types)"))
    except Exception as exc:  # one file's failure must not cost the workspace
        result = _unparsed(source, error(
            "J-INTERNAL", f"internal error while parsing this file: {type(exc).__name__}: "
            f"{exc}", source.span(0, 0), "please report it with the file"))
    return Parsed(item.text, None, source, result)


def _deepest(text: str) -> int:
    """The offset of the first bracket at the deepest nesting of ``text``."""
    depth = best = at = 0
    for m in re.finditer(r"[\[({]|[\])}]", text):
        if m.group() in "[({":
            depth += 1
            if depth > best:
                best, at = depth, m.start()
        else:
            depth = max(0, depth - 1)
    return at


def _unparsed(source: Source, problem: Diagnostic) -> ParseResult:
    """An empty file holding one problem; the names it seems to declare are 'broken' (other
    files naming them get no cascade of J-NAME-UNKNOWN)."""
    broken = [(m.group(1), m.group(2)) for m in _DECLARED.finditer(source.text)]
    return ParseResult(A.File(source.span(0, 0), (), ()), [problem], broken)


class ParseCache:
    """Parsed files by name; a file is parsed again only when its text changed."""

    def __init__(self, max_bytes: int = MAX_FILE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.files: dict[str, Parsed] = {}

    def get(self, item: FileInput) -> Parsed:
        known = self.files.get(item.name)
        if known is not None and known.text == item.text and known.problem == item.problem:
            return known
        parsed = parse_file(item, self.max_bytes)
        self.files[item.name] = parsed
        return parsed

    def keep(self, names: Iterable[str]) -> None:
        """Forget the files not in ``names`` (deleted or renamed)."""
        wanted = set(names)
        for name in [n for n in self.files if n not in wanted]:
            del self.files[name]


# ---- journey checks


@dataclass(frozen=True)
class _Entry:
    node: A.Journey
    key: object
    model: JourneyModel
    diagnostics: tuple[FileDiagnostic, ...]
    sites: tuple[tuple[X.Expr, Site], ...]
    reads: Reads


@dataclass
class Reads:
    """What one journey check read from the index: names looked up (in any table) and the
    tables it walked (whose set of names it may depend on)."""

    names: set[str] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)


class _Watched(Mapping[str, A.Declaration]):
    """A read-only view of one index table that records the reads into :class:`Reads`."""

    def __init__(self, table: dict[str, A.Declaration], kind: str, reads: Reads) -> None:
        self._table, self._kind, self._reads = table, kind, reads

    def __getitem__(self, name: str) -> A.Declaration:
        self._reads.names.add(name)
        return self._table[name]

    def get(self, name: str, default: object = None) -> object:  # type: ignore[override]
        self._reads.names.add(name)
        return self._table.get(name, default)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self._reads.names.add(name)
        return name in self._table

    def __iter__(self) -> Iterator[str]:
        self._reads.tables.add(self._kind)
        return iter(self._table)

    def __len__(self) -> int:
        self._reads.tables.add(self._kind)
        return len(self._table)


@contextmanager
def watching(index: Index, reads: Reads) -> Iterator[None]:
    """Within the block, the index's declaration tables record what is read into ``reads``."""
    saved = {kind: getattr(index, kind) for kind in _TABLES}
    for kind, table in saved.items():
        setattr(index, kind, _Watched(table, kind, reads))
    try:
        yield
    finally:
        for kind, table in saved.items():
            setattr(index, kind, table)


@dataclass
class JourneyMemo:
    """Journey check results by AST node, reused while the dependencies are unchanged (module
    docstring). :meth:`begin` starts a load, :meth:`check` runs or replays one journey,
    :meth:`end` forgets the journeys the load did not check."""

    stamp: Callable[[A.Declaration], object] = field(default=lambda _decl: None)
    entries: dict[int, _Entry] = field(default_factory=dict)
    names: dict[int, frozenset[str]] = field(default_factory=dict)
    checked: int = 0
    reused: int = 0
    _index: Index | None = None
    _fingerprints: dict[str, object] = field(default_factory=dict)
    _declared_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _seen: set[int] = field(default_factory=set)

    def begin(self, index: Index) -> None:
        self._index = index
        self._fingerprints = {}
        self._declared_names = {}
        self._seen = set()
        self.checked = self.reused = 0

    def check(self, node: A.Journey, reporter: Reporter, sites: dict[X.Expr, Site],
              run: Callable[[dict[X.Expr, Site]], JourneyModel]) -> JourneyModel:
        """The model of ``node``: replayed from the memo (its diagnostics re-reported, its sites
        re-added) or computed by ``run(sites)`` and remembered."""
        self._seen.add(id(node))
        entry = self.entries.get(id(node))
        if entry is not None and entry.node is node and entry.key == self._key(node, entry):
            reporter.items.extend(entry.diagnostics)
            sites.update(entry.sites)
            self.reused += 1
            return entry.model
        mark = len(reporter.items)
        mine: dict[X.Expr, Site] = {}
        reads = Reads()
        assert self._index is not None
        with watching(self._index, reads):
            model = run(mine)
        sites.update(mine)
        diags = tuple(reporter.items[mark:])
        entry = _Entry(node, None, model, diags, tuple(mine.items()), reads)
        self.entries[id(node)] = _Entry(node, self._key(node, entry), model, diags,
                                        entry.sites, reads)
        self.checked += 1
        return model

    def end(self) -> None:
        for key in [k for k in self.entries if k not in self._seen]:
            del self.entries[key]
            self.names.pop(key, None)
        self._index = None

    # -- dependencies

    def _key(self, node: A.Journey, entry: _Entry) -> object:
        index = self._index
        assert index is not None
        names = self._names(node) | entry.reads.names
        deps = tuple((n, self._fingerprint(n, index)) for n in sorted(names))
        lookups = any(d.diagnostic.code in LOOKUP_CODES for d in entry.diagnostics)
        walked = _TABLES if lookups else sorted(entry.reads.tables)
        declared = tuple((kind, self._declared(kind, index)) for kind in walked)
        return deps, frozenset(index.broken), declared

    def _declared(self, kind: str, index: Index) -> tuple[str, ...]:
        """The declared names of one table in declaration order: a check that walks a table
        may depend on the order (``did you mean`` takes the first of equally close names)."""
        if kind not in self._declared_names:
            self._declared_names[kind] = tuple(getattr(index, kind))
        return self._declared_names[kind]

    def _names(self, node: A.Journey) -> frozenset[str]:
        known = self.names.get(id(node))
        if known is None:
            found = {n.text for n in nodes(node) if isinstance(n, A.Name)}
            for expr, _ in expressions(node):
                found.update(r.root for r in references(expr))
            known = self.names[id(node)] = frozenset(found)
        return known

    def _fingerprint(self, name: str, index: Index) -> object:
        if name not in self._fingerprints:
            found = []
            for kind, table in (("event", index.events), ("datasource", index.datasources),
                                ("action", index.actions), ("audience", index.audiences),
                                ("journey", index.journeys)):
                decl: A.Declaration | None = table.get(name)
                if decl is not None:
                    text = index.source_of(decl).text[decl.span.start:decl.span.end]
                    found.append((kind, text, self.stamp(decl)))
            self._fingerprints[name] = tuple(found)
        return self._fingerprints[name]


def schema_clauses(decl: A.Declaration) -> list[A.Schema]:
    """The ``schema "…"`` clauses of a declaration (events and field groups)."""
    if not isinstance(decl, A.Event | A.Datasource):
        return []
    return [n for n in nodes(decl) if isinstance(n, A.Schema)]


def file_stamp(path: Path) -> tuple[int, int] | None:
    """A file's modification time and size (None when it cannot be read)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size
