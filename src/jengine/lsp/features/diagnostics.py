"""Diagnostics: every check of the journey and expression checkers, for the whole workspace.

One edit can change any file's diagnostics (names are global, spec §1), so each analysis
publishes for every file of the workspace — but only what changed since the last publication,
each open document with the version it was analysed at. Edits are debounced on both edges
(:class:`Debouncer`): a lone edit is analysed at once, a burst of keystrokes once more after
its last keystroke; opening a file publishes at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from pathlib import Path

from lsprotocol import types

from jengine.lsp.analysis import Analysis
from jexpr.diagnostics import Diagnostic

Publish = Callable[[types.PublishDiagnosticsParams], None]


def file_diagnostics(analysis: Analysis, path: Path) -> list[types.Diagnostic]:
    """The LSP diagnostics of one file of the analysed workspace."""
    doc = analysis.document(path)
    return [doc.diagnostic(d) for d in analysis.diagnostics.get(path, [])]


def workspace_diagnostics(analysis: Analysis) -> list[types.PublishDiagnosticsParams]:
    """One publication per file of the workspace (an empty list clears a file)."""
    return [types.PublishDiagnosticsParams(uri=analysis.uri(p),
                                           diagnostics=file_diagnostics(analysis, p),
                                           version=analysis.versions.get(p))
            for p in analysis.paths]


class Publisher:
    """Publishes the diagnostics of each analysis, skipping files whose diagnostics and
    version are what the client already has (compared before any conversion, so an
    unchanged file costs one comparison)."""

    def __init__(self, publish: Publish) -> None:
        self.publish = publish
        self.sent: dict[str, tuple[int | None, list[Diagnostic]]] = {}

    def update(self, analysis: Analysis) -> int:
        """Publish what changed; returns the number of publications."""
        count = 0
        for path in analysis.paths:
            uri = analysis.uri(path)
            state = (analysis.versions.get(path), analysis.diagnostics.get(path, []))
            if self.sent.get(uri) == state:
                continue
            self.sent[uri] = state
            self.publish(types.PublishDiagnosticsParams(
                uri=uri, diagnostics=file_diagnostics(analysis, path), version=state[0]))
            count += 1
        return count

    def forget(self, uri: str) -> None:
        """The client dropped a document's diagnostics (it was closed): send them again."""
        self.sent.pop(uri, None)


class Debouncer:
    """Debounces callbacks per key (one key per workspace), on both edges: the first call after
    a quiet period runs at once (a single edit is analysed without waiting); calls within
    ``delay`` seconds of it are folded into one that runs ``delay`` seconds after the last of
    them (a burst of keystrokes is one more analysis, of the final text)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._handles: dict[Hashable, asyncio.TimerHandle] = {}
        self._pending: dict[Hashable, Callable[[], None]] = {}

    def schedule(self, callback: Callable[[], None], key: Hashable = None) -> None:
        loop = asyncio.get_running_loop()
        if key not in self._handles:  # quiet until now: run at once, then hold the window
            callback()
        else:
            self._handles[key].cancel()
            self._pending[key] = callback
        self._handles[key] = loop.call_later(self.delay, self._flush, key)

    def _flush(self, key: Hashable) -> None:
        self._handles.pop(key, None)
        callback = self._pending.pop(key, None)
        if callback is not None:
            callback()

    def cancel(self, key: Hashable = None) -> None:
        handle = self._handles.pop(key, None)
        self._pending.pop(key, None)
        if handle is not None:
            handle.cancel()
