"""Workspaces: every ``*.journey`` file below a folder, parsed, indexed, checked (spec §1).

Loading is three steps: parse every file (sorted by path, so diagnostics are deterministic),
index the declarations by their global names (a duplicate is ``J-NAME-DUPLICATE`` at *both*
places), then hand the index to :mod:`jengine.lang.check`, which validates every declaration and
journey and compiles every expression into the immutable :class:`~jengine.lang.model.Model`.
Diagnostics are collected across all files and never stop the load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jengine.lang import ast as A
from jengine.lang.check import check_index
from jengine.lang.index import FileDiagnostic, Index, Reporter
from jengine.lang.model import Model
from jengine.lang.parse import ParseResult, parse
from jexpr.diagnostics import Diagnostic, error
from jexpr.source import Source

KINDS = {A.Event: "event", A.Datasource: "data source", A.Action: "action",
         A.Audience: "audience", A.Journey: "journey", A.ChannelDecl: "channel",
         A.RulesDecl: "rules"}


@dataclass(frozen=True)
class Workspace:
    """A loaded workspace: its files' ASTs, the checked model and every diagnostic."""

    root: Path
    files: dict[Path, A.File]
    model: Model
    diagnostics: list[FileDiagnostic]

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def journey_files(root: Path) -> list[Path]:
    """Every ``*.journey`` file below ``root`` (or ``root`` itself when it is a file)."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.journey") if p.is_file())


def load_workspace(root: str | Path) -> Workspace:
    """Parse, index and check every ``.journey`` file below ``root``."""

    root = Path(root)
    reporter = Reporter()
    index = Index()
    files: dict[Path, A.File] = {}
    all_decls: list[tuple[A.Declaration, Source]] = []
    for path in journey_files(root):
        source, result = _parse_file(path, root, reporter)
        files[path] = result.file
        index.broken.update(name for _, name in result.broken)
        for decl in result.file.declarations:
            index.sources[id(decl)] = source
            index.folders[id(decl)] = path.parent
            all_decls.append((decl, source))
    _index(all_decls, index, reporter)
    model = check_index(index, reporter)
    return Workspace(root, files, model, reporter.sorted())


def load_texts(texts: dict[str, str], root: Path | None = None) -> Workspace:
    """Load an in-memory workspace (file name → text); used by tests, benchmarks and the
    language server. With ``root``, names are paths relative to it: files and diagnostics are
    keyed by ``root / name`` and ``schema "…"`` files resolve next to their file, as with
    :func:`load_workspace` (whose on-disk texts the server overlays with unsaved editors)."""

    reporter = Reporter()
    index = Index()
    files: dict[Path, A.File] = {}
    all_decls: list[tuple[A.Declaration, Source]] = []
    for name in sorted(texts):
        path = root / name if root is not None else Path(name)
        result = parse(texts[name], name)
        source = Source(texts[name], name)
        reporter.paths[name] = path
        reporter.extend(source, result.diagnostics)
        files[path] = result.file
        index.broken.update(n for _, n in result.broken)
        for decl in result.file.declarations:
            index.sources[id(decl)] = source
            index.folders[id(decl)] = path.parent if root is not None else Path(".")
            all_decls.append((decl, source))
    _index(all_decls, index, reporter)
    model = check_index(index, reporter)
    return Workspace(root or Path("."), files, model, reporter.sorted())


def _parse_file(path: Path, root: Path, reporter: Reporter) -> tuple[Source, ParseResult]:
    name = str(path.relative_to(root)) if path != root and root.is_dir() else str(path)
    text = path.read_text(encoding="utf-8")
    result = parse(text, name)
    source = Source(text, name)
    reporter.paths[name] = path
    reporter.extend(source, result.diagnostics)
    return source, result


def _index(decls: list[tuple[A.Declaration, Source]], index: Index, reporter: Reporter) -> None:
    first: dict[str, tuple[A.Declaration, Source]] = {}
    reported: set[int] = set()
    for decl, source in decls:
        name = decl.name.text
        if name in first:
            other, other_source = first[name]
            if id(other) not in reported:
                reported.add(id(other))
                reporter.add(other_source, _duplicate(other, decl, source))
            reporter.add(source, _duplicate(decl, other, other_source))
            continue
        first[name] = (decl, source)
        index.table(decl)[name] = decl


def _duplicate(decl: A.Declaration, other: A.Declaration, other_source: Source) -> Diagnostic:
    where = f"{other_source.name}:{other.name.span.start_line + 1}"
    return error("J-NAME-DUPLICATE",
                 f"{KINDS[type(decl)]} '{decl.name.text}' is declared twice; the other "
                 f"declaration ({KINDS[type(other)]}) is at {where}", decl.name.span,
                 "declaration names are global in a workspace; rename one of them")
