"""Workspaces: ``*.journey`` files parsed, indexed and checked together (spec §1).

Loading is three steps: parse every file (sorted by name, so diagnostics are deterministic),
index the declarations by their global names (a duplicate is ``J-NAME-DUPLICATE`` at *both*
places), then hand the index to :mod:`jengine.lang.check`, which validates every declaration and
journey and compiles every expression into the immutable :class:`~jengine.lang.model.Model`.
Diagnostics are collected across all files and never stop the load: a file that cannot be read
(``J-FILE-READ``), is not UTF-8 (``J-FILE-ENCODING``, at the first bad byte), is over the size
limit (``J-FILE-TOO-LARGE``) or breaks the parser (``J-TOO-DEEP``, ``J-INTERNAL``) is one
diagnostic of that file, and the other files are analysed as usual.

An :class:`Analyzer` does the loading and keeps parses and journey checks between loads of the
same workspace (:mod:`jengine.lang.incremental`); :func:`load_workspace` and :func:`load_texts`
use a fresh one. Which files form a workspace is :mod:`jengine.lang.roots`' rule;
:func:`load_workspace` takes every file below its folder, honouring a ``journeys.toml`` there
(including ``ajo-strict``: strict AJO mode reports every ``W-AJO-*`` warning as an error).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from jengine.lang import ast as A
from jengine.lang.bulk import collector_paused
from jengine.lang.check import check_index
from jengine.lang.confine import OutsideFolder, read_regular
from jengine.lang.incremental import (
    FileInput,
    JourneyMemo,
    ParseCache,
    file_stamp,
    schema_clauses,
)
from jengine.lang.index import FileDiagnostic, Index, Reporter
from jengine.lang.model import Model
from jengine.lang.roots import MARKER, Config, read_config, skipped
from jexpr.diagnostics import Diagnostic, error, strict_ajo
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
    sources: dict[Path, Source] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def journey_files(root: Path) -> list[Path]:
    """Every ``*.journey`` file below ``root`` (or ``root`` itself when it is a file), skipping
    the folders discovery never enters (hidden ones, ``node_modules``, virtual environments)
    and, under a ``journeys.toml``, its ``exclude`` globs."""
    if root.is_file():
        return [root]
    config = read_config(root)
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        folder = Path(dirpath)
        dirnames[:] = [d for d in dirnames if not skipped(folder / d)
                       and not config.excluded(folder / d)]
        found.extend(folder / n for n in filenames if n.endswith(".journey")
                     and (folder / n).is_file() and not config.excluded(folder / n))
    return sorted(found)


def read_input(path: Path, name: str, max_bytes: int) -> FileInput:
    """One file from disk as a :class:`FileInput`, its read or decoding problem included."""
    source = Source("", name)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return FileInput(name, path, "", error(
                "J-FILE-TOO-LARGE", f"{size:,} bytes is over the limit of {max_bytes:,} bytes "
                "for a .journey file; it is not analysed", source.span(0, 0),
                "split it into several files, or raise max-file-size in journeys.toml"))
        data = read_regular(path, max_bytes)
    except OutsideFolder as exc:
        return FileInput(name, path, "", error(
            "J-FILE-READ", f"cannot read {path.name}: {exc}", source.span(0, 0)))
    except OSError as exc:
        return FileInput(name, path, "", error(
            "J-FILE-READ", f"cannot read {path.name}: {exc.strerror or exc}", source.span(0, 0)))
    try:
        return FileInput(name, path, _newlines(data.decode("utf-8")))
    except UnicodeDecodeError as exc:
        return _not_utf8(name, path, data, exc)


def _newlines(text: str) -> str:
    """Universal newlines, as ``Path.read_text`` reads them (the CLI always did)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _not_utf8(name: str, path: Path, data: bytes, exc: UnicodeDecodeError) -> FileInput:
    text = _newlines(data.decode("utf-8", "replace"))
    offset = len(_newlines(data[:exc.start].decode("utf-8", "replace")))
    span = Source(text, name).span(offset, min(offset + 1, len(text)))
    return FileInput(name, path, text, error(
        "J-FILE-ENCODING", f"{path.name} is not UTF-8 text: byte 0x{data[exc.start]:02x} at "
        f"line {span.start_line + 1}, column {span.start_column + 1} cannot be decoded; the "
        "file is not analysed", span, "save the file as UTF-8"))


class Analyzer:
    """Loads one workspace again and again, reusing what did not change (module docstring).

    ``root`` is the folder names are relative to (None: names are paths as given);
    ``config`` its ``journeys.toml`` settings (schema folder, size limit)."""

    def __init__(self, root: Path | None = None, config: Config | None = None) -> None:
        self.root = root
        self.config = config or Config(root or Path("."))
        self.parses = ParseCache(self.config.max_file_bytes)
        self.memo = JourneyMemo(stamp=self._stamp)
        self._folders: dict[int, Path] = {}

    def load(self, inputs: Iterable[FileInput]) -> Workspace:
        """Parse, index and check the files (each by name, text and problem)."""
        reporter = Reporter()
        index = Index(schema_roots=tuple(
            p for p in (self.root, self.config.schemas) if p is not None))
        files: dict[Path, A.File] = {}
        sources: dict[Path, Source] = {}
        all_decls: list[tuple[A.Declaration, Source]] = []
        self._config_diagnostics(reporter, sources)
        items = sorted(inputs, key=lambda i: i.name)
        for item in items:
            parsed = self.parses.get(item)
            source = parsed.source
            reporter.paths[item.name] = item.path
            reporter.extend(source, parsed.result.diagnostics)
            files[item.path] = parsed.result.file
            sources[item.path] = source
            index.broken.update(name for _, name in parsed.result.broken)
            folder = self.config.schemas or (item.path.parent if self.root is not None
                                              else Path("."))
            for decl in parsed.result.file.declarations:
                index.sources[id(decl)] = source
                index.folders[id(decl)] = folder
                all_decls.append((decl, source))
        self.parses.keep(i.name for i in items)
        self._folders = index.folders
        _index(all_decls, index, reporter)
        self.memo.begin(index)
        model = check_index(index, reporter, self.memo)
        self.memo.end()
        return Workspace(self.root or Path("."), files, model,
                         _ajo(reporter.sorted(), self.config.ajo_strict), sources)

    def _stamp(self, decl: A.Declaration) -> object:
        folder = self._folders.get(id(decl), Path("."))
        return tuple(file_stamp(folder / str(c.path.value)) for c in schema_clauses(decl))

    def _config_diagnostics(self, reporter: Reporter, sources: dict[Path, Source]) -> None:
        config = self.config
        if config.source is not None and config.marker is not None and config.diagnostics:
            name = MARKER if self.root is None else _name(config.marker, self.root)
            source = Source(config.source.text, name)
            reporter.paths[name] = config.marker
            reporter.extend(source, config.diagnostics)
            sources[config.marker] = source


@collector_paused
def load_workspace(root: str | Path, ajo_strict: bool | None = None) -> Workspace:
    """Parse, index and check every ``.journey`` file below ``root``. ``ajo_strict`` forces
    strict AJO mode on or off (``W-AJO-*`` warnings as errors); None: the ``journeys.toml``
    setting ``ajo-strict``."""
    root = Path(root)
    config = _strict(read_config(root) if root.is_dir() else Config(root.parent), ajo_strict)
    inputs = [read_input(path, _name(path, root), config.max_file_bytes)
              for path in journey_files(root)]
    return Analyzer(root, config).load(inputs)


def load_files(root: Path, files: Iterable[Path], config: Config | None = None,
               ajo_strict: bool | None = None) -> Workspace:
    """Load an explicit set of files as one workspace rooted at ``root`` (a discovered
    :class:`~jengine.lang.roots.Root`)."""
    config = _strict(config or read_config(root), ajo_strict)
    inputs = [read_input(p, _name(p, root), config.max_file_bytes) for p in files]
    return Analyzer(root, config).load(inputs)


def _strict(config: Config, ajo_strict: bool | None) -> Config:
    return config if ajo_strict is None else replace(config, ajo_strict=ajo_strict)


def _ajo(items: list[FileDiagnostic], strict: bool) -> list[FileDiagnostic]:
    """Strict AJO mode: every ``W-AJO-*`` warning becomes an error with the same code."""
    if not strict:
        return items
    return [FileDiagnostic(d.path, d.source, strict_ajo(d.diagnostic)) for d in items]


@collector_paused
def load_texts(texts: dict[str, str], root: Path | None = None) -> Workspace:
    """Load an in-memory workspace (file name → text); used by tests, benchmarks and the
    language server. With ``root``, names are paths relative to it: files and diagnostics are
    keyed by ``root / name`` and ``schema "…"`` files resolve next to their file, as with
    :func:`load_workspace` (whose on-disk texts the server overlays with unsaved editors)."""
    return Analyzer(root).load(text_inputs(texts, root))


def text_inputs(texts: dict[str, str], root: Path | None = None) -> list[FileInput]:
    """The :class:`FileInput` s of in-memory texts (see :func:`load_texts`)."""
    return [FileInput(name, root / name if root is not None else Path(name), text)
            for name, text in texts.items()]


def _name(path: Path, root: Path) -> str:
    if path != root and root.is_dir():
        try:
            return str(path.relative_to(root))
        except ValueError:
            return str(path)
    return str(path)


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
