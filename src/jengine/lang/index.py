"""The declaration index of a workspace and the diagnostics collected while checking it.

:class:`Index` maps global names to declarations with their sources; :class:`Reporter` collects
:class:`FileDiagnostic` values, each attributed to its file. Both are filled by
:mod:`jengine.lang.workspace` and read by the checks (:mod:`jengine.lang.check`,
:mod:`jengine.lang.flow`, :mod:`jengine.lang.sites`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jengine.lang import ast as A
from jexpr.diagnostics import Diagnostic, sort_diagnostics
from jexpr.source import Source

__all__ = ["FileDiagnostic", "Index", "Reporter"]


@dataclass(frozen=True)
class FileDiagnostic:
    """A diagnostic with the file it belongs to."""

    path: Path
    source: Source
    diagnostic: Diagnostic

    @property
    def is_error(self) -> bool:
        return self.diagnostic.is_error


@dataclass
class Reporter:
    """Collects diagnostics, each attributed to the source of the node it is about."""

    items: list[FileDiagnostic] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)

    def add(self, source: Source, diag: Diagnostic) -> None:
        self.items.append(FileDiagnostic(self.paths.get(source.name, Path(source.name)), source,
                                         diag))

    def extend(self, source: Source, diags: Iterable[Diagnostic]) -> None:
        for d in diags:
            self.add(source, d)

    def sorted(self) -> list[FileDiagnostic]:
        by_file: dict[str, list[Diagnostic]] = {}
        sources: dict[str, tuple[Path, Source]] = {}
        for item in self.items:
            by_file.setdefault(item.source.name, []).append(item.diagnostic)
            sources[item.source.name] = (item.path, item.source)
        out: list[FileDiagnostic] = []
        for name in sorted(by_file):
            path, source = sources[name]
            out.extend(FileDiagnostic(path, source, d) for d in sort_diagnostics(by_file[name]))
        return out


@dataclass
class Index:
    """The declarations of a workspace by name (first declaration wins), with their sources."""

    events: dict[str, A.Event] = field(default_factory=dict)
    datasources: dict[str, A.Datasource] = field(default_factory=dict)
    actions: dict[str, A.Action] = field(default_factory=dict)
    audiences: dict[str, A.Audience] = field(default_factory=dict)
    journeys: dict[str, A.Journey] = field(default_factory=dict)
    channels: dict[str, A.ChannelDecl] = field(default_factory=dict)
    rules: dict[str, A.RulesDecl] = field(default_factory=dict)
    sources: dict[int, Source] = field(default_factory=dict)
    folders: dict[int, Path] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    # where ``schema "…"`` files may be (the workspace folder, the schemas folder); empty:
    # the folder of the declaring file
    schema_roots: tuple[Path, ...] = ()

    def source_of(self, decl: A.Declaration) -> Source:
        return self.sources[id(decl)]

    def table(self, decl: A.Declaration) -> dict[str, A.Declaration]:
        tables: dict[type, dict[str, A.Declaration]] = {
            A.Event: self.events, A.Datasource: self.datasources,  # type: ignore[dict-item]
            A.Action: self.actions, A.Audience: self.audiences,  # type: ignore[dict-item]
            A.Journey: self.journeys,  # type: ignore[dict-item]
            A.ChannelDecl: self.channels, A.RulesDecl: self.rules}  # type: ignore[dict-item]
        return tables[type(decl)]
