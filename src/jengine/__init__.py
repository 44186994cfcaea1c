"""jengine: text journeys (``.journey`` files) — parse, check, format and draw workspaces.

The public API::

    import jengine
    ws = jengine.load_workspace("examples/workspace")   # never raises for bad journeys
    ws.diagnostics      # [FileDiagnostic(path, source, diagnostic)], sorted by file and position
    ws.model            # the checked, immutable Model (events, journeys, compiled programs …)
    jengine.format_text(text)   # canonical layout, comments preserved
    jengine.render(ws.model.journeys["welcome"], "mermaid")

The engine (``advance``) and its runner come later; they consume the same :class:`Model`.
"""

from __future__ import annotations

from jengine.lang.fmt import format_text
from jengine.lang.graph import render
from jengine.lang.model import JourneyModel, Model
from jengine.lang.parse import parse
from jengine.lang.workspace import FileDiagnostic, Workspace, load_texts, load_workspace

__all__ = [
    "FileDiagnostic", "JourneyModel", "Model", "Workspace", "format_text", "load_texts",
    "load_workspace", "parse", "render",
]
