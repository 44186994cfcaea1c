"""The server's analyses are incremental: an edit re-parses one file, re-checks the journeys it
affects, rebuilds one file's symbol table and publishes only what changed; the per-file tables
answer "what is at this offset" by binary search exactly as a scan of every occurrence would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types

from jengine.lsp.analysis import AnalysisCache
from jengine.lsp.features.diagnostics import Publisher
from jengine.lsp.features.index import FileIndex, Occurrence

EXAMPLES = Path(__file__).parents[3] / "examples" / "workspace"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    target = tmp_path / "workspace"
    shutil.copytree(EXAMPLES, target)
    return target


def test_an_edit_reuses_the_other_files(root: Path) -> None:
    cache = AnalysisCache(root)
    first = cache.get({})
    sent: list[types.PublishDiagnosticsParams] = []
    publisher = Publisher(sent.append)
    publisher.update(first)
    path = root / "welcome.journey"
    text = path.read_text(encoding="utf-8").replace("pause: wait 3d", "pause: wait 2d")
    second = cache.get({path: (path.as_uri(), text, 2)})
    assert cache.analyzer.memo.checked == 1  # the welcome journey only
    before, after = first.symbol_index.files, second.symbol_index.files
    assert [p.name for p in after if after[p] is not before[p]] == ["welcome.journey"]
    sent.clear()
    assert publisher.update(second) == 1 and sent[0].uri == path.as_uri()


def _scan(index: FileIndex, offset: int) -> Occurrence | None:
    hits = [o for o in index.occurrences if o.span.start <= offset <= o.span.end]
    return min(hits, key=lambda o: o.span.end - o.span.start, default=None)


def test_binary_search_finds_what_a_scan_finds(root: Path) -> None:
    analysis = AnalysisCache(root).get({})
    for path, index in analysis.symbol_index.files.items():
        text = analysis.texts[path]
        for offset in range(0, len(text) + 1):
            found, expected = index.at(offset), _scan(index, offset)
            assert (found.span if found else None) == (expected.span if expected else None)
