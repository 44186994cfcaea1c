"""Helpers for the navigation and code-action feature tests: a minimal analysis over texts,
positions found by marker, and edits applied to texts."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jengine
from jengine.lang.workspace import Workspace
from jengine.lsp.features.types import Edit
from jexpr.source import Position, Source

EXAMPLES = Path(__file__).parents[3] / "examples" / "workspace"


@dataclass
class TextAnalysis:
    """The two attributes features read (``workspace``, ``texts``), over in-memory texts."""

    texts: dict[Path, str]
    workspace: Workspace = field(init=False)

    def __post_init__(self) -> None:
        self.workspace = jengine.load_texts({str(p): t for p, t in self.texts.items()})


def inline(**files: str) -> TextAnalysis:
    return TextAnalysis({Path(f"{name}.journey"): text for name, text in files.items()})


def examples(tmp_path: Path) -> TextAnalysis:
    """The example workspace copied to ``tmp_path``, keyed by the copies' paths."""
    root = tmp_path / "workspace"
    shutil.copytree(EXAMPLES, root)
    return TextAnalysis({p: p.read_text(encoding="utf-8") for p in sorted(root.glob("*.journey"))})


def path_of(analysis: TextAnalysis, name: str) -> Path:
    return next(p for p in analysis.texts if p.name == name)


def at(text: str, marker: str, nth: int = 0, shift: int = 0) -> Position:
    """The position of the ``nth`` occurrence of ``marker`` in ``text``, plus ``shift``."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(marker, offset + 1)
    return Source(text).index.position(offset + shift)


def snippet(text: str, start: int, end: int) -> str:
    return text[start:end]


def apply(texts: Mapping[Path, str], edits: Mapping[Path, Sequence[Edit]]) -> dict[Path, str]:
    """The texts with the edits applied (each file's edits from last to first)."""
    out = dict(texts)
    for path, file_edits in edits.items():
        text = out[path]
        for e in sorted(file_edits, key=lambda e: e.span.start, reverse=True):
            text = text[:e.span.start] + e.new_text + text[e.span.end:]
        out[path] = text
    return out


def codes(analysis: TextAnalysis) -> list[str]:
    return [d.diagnostic.code for d in analysis.workspace.diagnostics]
