"""Template files in the editor: a preview of one rendered for a fixture profile.

(Diagnostics of template files come with the analysis, :attr:`Analysis.templates`, like
``jengine check``'s.) :func:`preview` renders an open template part (``templates/x.html`` …)
for a profile — a JSON object, or a fixture file: a profile JSON, or a profiles JSON Lines
file (the line with ``profileId``, else the first) — with an optional event and params, as
the step that uses the template would; a template with errors previews as its error
messages.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jengine.lsp.analysis import Analysis
from jengine.runtime.channels.compose import template_data
from jengine.templates import CheckedTemplate, RenderContext, RenderError, compile_template, prepare
from jengine.templates.workspace import ESCAPE, base_schema, template_part
from jexpr.runtime.temporal import parse_offset_datetime

__all__ = ["PREVIEW", "Preview", "load_profile", "preview", "preview_request"]

PREVIEW = "jengine/previewTemplate"


@dataclass(frozen=True)
class Preview:
    text: str | None
    errors: list[str]


def load_profile(root: Path, given: Any, profile_id: str | None = None) -> dict[str, Any]:
    """A profile from an object, or from a fixture file (relative to the workspace)."""
    if isinstance(given, dict):
        return given
    path = Path(str(given))
    path = path if path.is_absolute() else root / path
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        found = next((r for r in rows if r.get("id") == profile_id), None)
        chosen: dict[str, Any] = found if found is not None else rows[0]
        return chosen
    obj = json.loads(text)
    if not isinstance(obj, dict):
        raise ValueError(f"{path}: not a JSON object")
    return obj


def _checked(analysis: Analysis, path: Path) -> tuple[str, str, CheckedTemplate] | None:
    found = template_part(analysis.root, path)
    if found is None:
        return None
    name, part = found
    templates = analysis.templates
    for st in templates.steps.values():
        if st.name == name and part in st.parts:
            return name, part, st.parts[part]
    checked = prepare(templates.text(path), base_schema(analysis.model),
                      str(path.relative_to(analysis.root)))
    return name, part, checked


def preview(analysis: Analysis, path: Path, profile: dict[str, Any],
            event: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
            now: dt.datetime | None = None) -> Preview:
    """The rendered text of a template file for ``profile`` (or why it cannot render)."""
    found = _checked(analysis, path)
    if found is None:
        return Preview(None, [f"{path.name} is not a template part below templates/"])
    name, part, checked = found
    errors = [f"{d.span.start_line + 1}:{d.span.start_column + 1} {d.code} {d.message}"
              for d in checked.diagnostics if d.is_error]
    if errors:
        return Preview(None, errors)
    events = {str(event["event"]): event.get("payload") or {}} if event and event.get(
        "event") else {}
    obj: dict[str, Any] = {"journey": "-", "version": 0, "profile": profile.get("id") or "-", "step": "-",
           "params": {}}
    record = {"id": profile.get("id"), "timeZone": profile.get("timeZone"),
              "attributes": profile.get("attributes") or {}}
    data = template_data(record, {"events": events, "actions": {}}, obj)
    data["params"] = dict(params or {})
    try:
        text = compile_template(checked, ESCAPE[part], name).render(
            data, RenderContext(now or dt.datetime.now(dt.UTC)))
    except RenderError as exc:
        return Preview(None, [f"{exc.code} {exc}"])
    return Preview(text, [])


def preview_request(analysis_of: Callable[[str], Analysis], path_of: Callable[[str], Path],
                    params: Any) -> dict[str, Any]:
    """``jengine/previewTemplate {uri, profile, profileId?, event?, params?, now?}`` →
    ``{text, errors}``: ``profile`` is an object, or a profile JSON / profiles JSONL file
    (relative to the workspace); ``now`` an ISO date-time."""
    def get(key: str) -> Any:
        value = params.get(key) if isinstance(params, dict) else getattr(params, key, None)
        return _plain(value)

    uri = str(get("uri"))
    analysis = analysis_of(uri)
    profile = load_profile(analysis.root, get("profile"), get("profileId"))
    now = parse_offset_datetime(str(get("now"))) if get("now") else None
    found = preview(analysis, path_of(uri), profile, get("event"), get("params"), now)
    return {"text": found.text, "errors": found.errors}


def _plain(value: Any) -> Any:
    """JSON data from pygls' parameter objects (named tuples)."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
