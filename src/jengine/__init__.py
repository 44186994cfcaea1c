"""jengine: text journeys (``.journey`` files) — parse, check, format, draw and run workspaces.

The public API (the façade; everything else is internal and may move)::

    import jengine
    ws = jengine.load_workspace("examples/workspace")   # never raises for bad journeys
    ws.diagnostics      # [FileDiagnostic(path, source, diagnostic)], sorted by file and position
    ws.model            # the checked, immutable Model (events, journeys, compiled programs …)
    jengine.load_templates(ws).diagnostics   # the templates/ of the workspace, checked
    jengine.format_text(text)   # canonical layout, comments preserved
    jengine.render(ws.model.journeys["welcome"], "mermaid")

    result = jengine.run(jengine.RunOptions(workspace=Path("examples/workspace"),
                                            events=Path("examples/events.jsonl")))
    state, effects = jengine.step(spec, state, input, now)   # the deterministic core

The stages, one package each (docs/architecture.md): :mod:`jengine.lang` (the ``.journey``
front end), :mod:`jengine.core` (the deterministic step), :mod:`jengine.runtime` (the I/O
shell: store, drivers, adapters), :mod:`jengine.testing` (scenarios), :mod:`jengine.lsp` (the
language server) and :mod:`jengine.cli` (the command line).
"""

from __future__ import annotations

from jengine.core.engine import step
from jengine.lang.fmt import format_text
from jengine.lang.graph import render
from jengine.lang.index import FileDiagnostic
from jengine.lang.model import JourneyModel, Model
from jengine.lang.parse import parse
from jengine.lang.workspace import Workspace, load_texts, load_workspace
from jengine.runtime.runner import RunOptions, RunResult, run
from jengine.templates.workspace import Templates, load_templates

__all__ = [
    "FileDiagnostic", "JourneyModel", "Model", "RunOptions", "RunResult", "Templates",
    "Workspace", "format_text", "load_templates", "load_texts", "load_workspace", "parse",
    "render", "run", "step",
]
