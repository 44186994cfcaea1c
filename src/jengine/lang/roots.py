"""Workspace roots: which ``.journey`` files form one workspace, and its ``journeys.toml``.

Declaration names are global in a workspace (spec §1), so *which* files are analysed together
decides what a file means. The rule, shared by ``jengine check`` and the language server:

* a folder holding a ``journeys.toml`` **marker** is a workspace: every ``.journey`` file below
  it, minus its ``exclude`` globs and minus the folders that hold a marker of their own (nested
  workspaces, analysed apart). A marker with ``workspace = false`` makes no workspace: it only
  configures discovery below it (its ``exclude`` globs apply), e.g. at a repository root;
* outside any marker, **each folder that holds ``.journey`` files** is a workspace of its own
  (only the files directly in it);
* discovery never enters hidden folders (``.git``, ``.venv``), ``node_modules``,
  ``__pycache__``, ``site-packages`` or a virtual environment (a folder holding
  ``pyvenv.cfg``), and does not follow symbolic links to folders.

``journeys.toml`` keys (all optional): ``workspace`` (bool, default true), ``exclude`` (globs
relative to the marker folder, ``**`` for any depth; a folder matches with everything below
it), ``schemas`` (the folder where ``schema "…"`` paths resolve, relative to the marker;
default: next to each ``.journey`` file), ``max-file-size`` (bytes; a larger ``.journey``
file is refused with ``J-FILE-TOO-LARGE``) and ``ajo-strict`` (bool: strict AJO mode, every
``W-AJO-*`` warning reported as an error). A marker that does not parse or has unknown keys
is reported as ``J-CONFIG`` and its valid keys still apply.
"""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jengine.lang.confine import stays_inside
from jexpr.diagnostics import Diagnostic, error, sort_diagnostics, warning
from jexpr.source import Source, Span

MARKER = "journeys.toml"
MAX_FILE_BYTES = 1_000_000
SKIPPED = frozenset({"node_modules", "__pycache__", "site-packages"})
_KEYS = frozenset({"workspace", "exclude", "schemas", "max-file-size", "ajo-strict"})
_TOML_AT = re.compile(r"at line (\d+), column (\d+)")


@dataclass(frozen=True)
class Config:
    """The settings of one workspace (its marker's, or the defaults without one)."""

    root: Path
    marker: Path | None = None
    workspace: bool = True
    exclude: tuple[str, ...] = ()
    schemas: Path | None = None
    max_file_bytes: int = MAX_FILE_BYTES
    source: Source | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    ajo_strict: bool = False

    def excluded(self, path: Path) -> bool:
        """Whether ``path`` (below :attr:`root`) matches an ``exclude`` glob."""
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            return False
        return any(_matches(rel, glob) for glob in self.exclude)


@dataclass(frozen=True)
class Root:
    """One workspace found by :func:`discover`: its folder, settings and files (sorted)."""

    folder: Path
    config: Config
    files: tuple[Path, ...] = field(default=())


def read_config(folder: Path) -> Config:
    """The ``journeys.toml`` of ``folder`` (the defaults when there is none)."""
    marker = folder / MARKER
    if not marker.is_file():
        return Config(folder)
    try:
        text = marker.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        source = Source("", str(marker))
        return Config(folder, marker, source=source, diagnostics=(error(
            "J-CONFIG", f"cannot read {MARKER}: {exc}", source.span(0, 0),
            "save it as UTF-8 text"),))
    return parse_config(folder, marker, text)


def parse_config(folder: Path, marker: Path, text: str) -> Config:
    """The settings in a marker's text; problems become ``J-CONFIG`` diagnostics."""
    source = Source(text, str(marker))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Config(folder, marker, source=source, diagnostics=(_toml_error(source, exc),))
    diags: list[Diagnostic] = []

    def bad(key: str, message: str, hint: str) -> None:
        diags.append(error("J-CONFIG", message, _key_span(source, key), hint))

    for key in sorted(set(data) - _KEYS):
        diags.append(warning("J-CONFIG", f"unknown key '{key}' in {MARKER}",
                             _key_span(source, key),
                             "known keys: " + ", ".join(sorted(_KEYS))))
    workspace = data.get("workspace", True)
    if not isinstance(workspace, bool):
        bad("workspace", "'workspace' must be true or false", "write workspace = false")
        workspace = True
    exclude = data.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(g, str) for g in exclude):
        bad("exclude", "'exclude' must be a list of strings", 'write exclude = ["tests/**"]')
        exclude = []
    schemas = data.get("schemas")
    if schemas is not None and not isinstance(schemas, str):
        bad("schemas", "'schemas' must be a folder name", 'write schemas = "schemas"')
        schemas = None
    limit = data.get("max-file-size", MAX_FILE_BYTES)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        bad("max-file-size", "'max-file-size' must be a positive number of bytes",
            "write max-file-size = 2000000")
        limit = MAX_FILE_BYTES
    strict = data.get("ajo-strict", False)
    if not isinstance(strict, bool):
        bad("ajo-strict", "'ajo-strict' must be true or false", "write ajo-strict = true")
        strict = False
    return Config(folder, marker, workspace, tuple(exclude),
                  folder / schemas if schemas else None, limit, source,
                  tuple(sort_diagnostics(diags)), strict)


def discover(folder: Path) -> list[Root]:
    """Every workspace at or below ``folder`` (module docstring), sorted by folder."""
    roots: list[Root] = []
    _walk(Path(folder), [], roots)
    return sorted(roots, key=lambda r: str(r.folder))


def workspace_root(folder: Path, config: Config | None = None) -> Root:
    """``folder`` taken as a workspace as if it held a marker: every ``.journey`` file below
    it (skipped folders, nested markers and ``exclude`` globs left out). The language
    server's ``journey.workspaces`` setting names such folders."""
    config = config or read_config(folder)
    return Root(folder, config, tuple(sorted(_marker_files(folder, config, []))))


def root_of(path: Path, workspaces: Iterable[Root]) -> Root | None:
    """The workspace a ``.journey`` file belongs to, among ``workspaces``."""
    for root in workspaces:
        if path in root.files:
            return root
    return None


def enclosing_root(file: Path) -> Root:
    """The workspace of a file that no discovered workspace holds (a file opened on its own):
    the nearest enclosing marker workspace, else the file's folder."""
    for folder in file.parents:
        config = read_config(folder)
        if config.marker is not None and config.workspace:
            files = tuple(sorted(_marker_files(folder, config, [])))
            return Root(folder, config, files)
        if config.marker is not None:
            break
    config = read_config(file.parent)
    return Root(file.parent, config, tuple(_journeys_in(file.parent)))


def skipped(folder: Path) -> bool:
    """Folders discovery never enters (module docstring)."""
    name = folder.name
    return (name.startswith(".") or name in SKIPPED or folder.is_symlink()
            or (folder / "pyvenv.cfg").is_file())


# ---- the walk


def _walk(folder: Path, outer: list[Config], roots: list[Root]) -> None:
    config = read_config(folder)
    if config.marker is not None and config.workspace:
        roots.append(Root(folder, config, tuple(sorted(_marker_files(folder, config, outer)))))
        for nested in _nested_markers(folder, config, outer):
            _walk(nested, [*outer, config], roots)
        return
    scope = [*outer, config] if config.marker is not None else outer
    files = [f for f in _journeys_in(folder) if not _excluded(f, scope)]
    if files:
        roots.append(Root(folder, config, tuple(files)))
    for sub in _subfolders(folder):
        if not _excluded(sub, scope):
            _walk(sub, scope, roots)


def _marker_files(root: Path, config: Config, outer: list[Config]) -> Iterator[Path]:
    scope = [*outer, config]
    for folder, names in _tree(root, scope):
        yield from (folder / n for n in names if n.endswith(".journey")
                    and (folder / n).is_file() and stays_inside(folder / n, root)
                    and not _excluded(folder / n, scope))


def _nested_markers(root: Path, config: Config, outer: list[Config]) -> Iterator[Path]:
    for sub in _subfolders(root):
        if _excluded(sub, [*outer, config]):
            continue
        if (sub / MARKER).is_file():
            yield sub
        else:
            yield from _nested_markers(sub, config, outer)


def _tree(root: Path, scope: list[Config]) -> Iterator[tuple[Path, list[str]]]:
    """The folders of a marker workspace (nested markers and skipped folders pruned)."""
    for dirpath, dirnames, filenames in os.walk(root):
        folder = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not skipped(folder / d)
                             and not (folder / d / MARKER).is_file()
                             and not _excluded(folder / d, scope))
        yield folder, sorted(filenames)


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not skipped(p))
    except OSError:
        return []


def _journeys_in(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == ".journey" and p.is_file()
                      and stays_inside(p, folder))
    except OSError:
        return []


def _excluded(path: Path, scope: list[Config]) -> bool:
    return any(c.excluded(path) for c in scope)


def _matches(rel: str, glob: str) -> bool:
    glob = glob.strip("/")
    if fnmatch.fnmatchcase(rel, glob) or fnmatch.fnmatchcase(rel, glob.replace("**/", "")):
        return True
    parts = rel.split("/")  # a folder matches with everything below it
    return any(fnmatch.fnmatchcase("/".join(parts[:i]), glob) for i in range(1, len(parts)))


def _key_span(source: Source, key: str) -> Span:
    m = re.search(rf"^\s*\"?{re.escape(key)}\"?\s*=", source.text, re.M)
    start = m.start() + len(m.group()) - len(m.group().lstrip()) if m else 0
    return source.span(start, start + len(key) if m else 0)


def _toml_error(source: Source, exc: tomllib.TOMLDecodeError) -> Diagnostic:
    m = _TOML_AT.search(str(exc))
    offset = 0
    if m:
        line, column = int(m.group(1)) - 1, int(m.group(2)) - 1
        starts = [0] + [i + 1 for i, c in enumerate(source.text) if c == "\n"]
        offset = min(starts[min(line, len(starts) - 1)] + column, len(source.text))
    message = _TOML_AT.sub("", str(exc)).rstrip(" ()")
    return error("J-CONFIG", f"{MARKER} is not valid TOML: {message}",
                 source.span(offset, offset), "see https://toml.io for the syntax")
