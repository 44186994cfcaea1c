"""The values language features return, and the analysis they read.

Features are plain functions over an analysed workspace (architecture rule 9). They speak in
workspace paths and :class:`~jexpr.source.Span` s — 0-based lines, code-point columns — and
never in protocol types: the server converts these small frozen values to lsprotocol ones in
``jengine.lsp.convert``, the one place that knows about UTF-16.

:class:`Analysis` is the structural protocol a feature needs from the server's per-version cache:
the loaded :class:`~jengine.lang.workspace.Workspace` (its parsed files, checked model and diagnostics)
and the text of each file, keyed like ``workspace.files``. Any object with these two attributes
will do, so features are tested over a plain :func:`~jengine.load_texts` workspace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from jengine.lang.workspace import Workspace
from jexpr.diagnostics import Diagnostic
from jexpr.source import Span

SymbolKind = Literal["event", "datasource", "fieldgroup", "action", "audience", "journey", "step",
                     "channel", "rules"]


class Analysis(Protocol):
    """What a navigation or code-action feature reads from the analysed workspace."""

    @property
    def workspace(self) -> Workspace: ...

    @property
    def texts(self) -> Mapping[Path, str]: ...


@dataclass(frozen=True, slots=True)
class Location:
    """A range of a workspace file."""

    path: Path
    span: Span


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text of ``span`` with ``new_text`` (the file is the key it is filed under)."""

    span: Span
    new_text: str


Edits = Mapping[Path, Sequence[Edit]]


@dataclass(frozen=True, slots=True)
class Symbol:
    """One outline entry: ``span`` covers the whole declaration, ``selection`` its name."""

    name: str
    kind: SymbolKind
    span: Span
    selection: Span
    detail: str | None = None
    children: tuple[Symbol, ...] = ()


@dataclass(frozen=True, slots=True)
class RenameError:
    """Why a rename was refused, in one sentence for the user."""

    message: str


@dataclass(frozen=True, slots=True)
class CodeAction:
    """A quick fix: its title, the edits by file, and the diagnostic it fixes (if any)."""

    title: str
    edits: Mapping[Path, tuple[Edit, ...]]
    diagnostic: Diagnostic | None = None
    kind: str = "quickfix"
    preferred: bool = field(default=False)
