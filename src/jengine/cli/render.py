"""``jengine render TEMPLATE --profile ID|FILE``: a template rendered for one profile.

``TEMPLATE`` is a template file (``templates/welcome.html``: that part) or a template name
(``welcome``: every part — subject, HTML, text …). The workspace is the folder holding the
``templates/`` folder (or ``--workspace``). The template is checked as ``jengine check`` checks
it — against the first channel step that uses it — and an error stops the render.

``--profile`` is a profile file (a JSON object as in a profiles file, §5.2), or a profile id
looked up in ``--profiles FILE`` (JSON Lines) and then in the state store (``--state``,
default ``jengine.db``). ``--event FILE`` is an input event (``{"event": "E", "payload": {…}}``)
read as ``context.journey.events.E``; ``--params FILE`` a JSON object read as ``params``;
``--now`` the clock (default: now).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any, TextIO

from jengine.cli.common import UsageError, existing
from jengine.lang.model import Model
from jengine.lang.workspace import load_workspace
from jengine.runtime.channels.compose import template_data
from jengine.runtime.io import read_profiles
from jengine.runtime.loading import profile_json
from jengine.runtime.records import Profile
from jengine.runtime.store import Store
from jengine.templates import CheckedTemplate, RenderContext, RenderError, compile_template
from jengine.templates.workspace import ESCAPE, PARTS, Templates, load_templates
from jexpr.report import format_diagnostic
from jexpr.runtime.temporal import parse_offset_datetime

__all__ = ["HELP", "configure", "run"]

HELP = "render a message template for one profile"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("template", help="a template file (templates/x.html) or a template name")
    p.add_argument("--profile", required=True, help="a profile JSON file, or a profile id")
    p.add_argument("--profiles", type=Path, help="a profiles file to find the id in")
    p.add_argument("--state", type=Path, default=Path("jengine.db"),
                   help="a state store to find the id in (default: jengine.db)")
    p.add_argument("--event", type=Path, help="an input event (JSON) for context.journey")
    p.add_argument("--params", type=Path, help="a JSON object read as params")
    p.add_argument("--workspace", "-w", type=Path, help="the workspace folder")
    p.add_argument("--now", help="the clock, an ISO date-time (default: now)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    root, name, only = _locate(args)
    ws = load_workspace(existing(root))
    templates = load_templates(ws)
    parts = _parts(templates, ws.model, name)
    if only is not None:
        parts = {only: parts[only]} if only in parts else {}
    if not parts:
        raise UsageError(f"no template '{name}' in {root / 'templates'}")
    data = _data(args)
    errors = 0
    for checked in parts.values():
        assert checked.source is not None
        for d in checked.diagnostics:
            errors += d.is_error
            print(format_diagnostic(d, checked.source.text, checked.source.name), file=err)
    if errors:
        return 1
    ctx = RenderContext(_now(args.now))
    for part, checked in parts.items():
        try:
            text = compile_template(checked, ESCAPE[part], name).render(data, ctx)
        except RenderError as exc:
            print(f"templates/{name}.{part}: error {exc.code} {exc}", file=err)
            return 1
        if only is None:
            print(f"==> templates/{name}.{part} <==", file=out)
        out.write(text if text.endswith("\n") or only is not None else text + "\n")
    return 0


def _locate(args: argparse.Namespace) -> tuple[Path, str, str | None]:
    """(workspace, template name, the one part asked for or None)."""
    given = Path(args.template)
    if given.is_file():
        folder = next((p for p in given.resolve().parents if p.name == "templates"), None)
        if folder is None:
            raise UsageError(f"{given}: not inside a templates/ folder")
        name = given.resolve().relative_to(folder).with_suffix("").as_posix()
        part = given.suffix[1:]
        if part not in PARTS:
            raise UsageError(f"{given}: a template part ends in .{', .'.join(PARTS)}")
        return args.workspace or folder.parent, name, part
    return args.workspace or Path("."), args.template, None


def _parts(templates: Templates, model: Model, name: str) -> dict[str, CheckedTemplate]:
    for st in templates.steps.values():
        if st.name == name:
            return dict(st.parts)
    from jengine.templates import prepare
    from jengine.templates.workspace import base_schema

    schema = base_schema(model)
    return {part: prepare(path.read_text(encoding="utf-8"), schema,
                          str(path.relative_to(templates.root)))
            for part, path in templates.files.get(name, {}).items()}


def _profile(args: argparse.Namespace) -> dict[str, Any]:
    path = Path(args.profile)
    if path.is_file():
        obj = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(obj, dict):
            raise UsageError(f"{path}: not a JSON object")
        return {"id": obj.get("id"), "timeZone": obj.get("timeZone"),
                "attributes": obj.get("attributes") or {}}
    found: Profile | None = None
    if args.profiles is not None:
        found = next((p for p in read_profiles(existing(args.profiles))
                      if isinstance(p, Profile) and p.id == args.profile), None)
    if found is None and args.state.is_file():
        with Store(args.state) as store:
            found = store.get_profile(args.profile)
    if found is None:
        raise UsageError(f"no profile '{args.profile}' (give a profile file, --profiles or "
                         "--state)")
    return profile_json(found)


def _json_object(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    obj = json.loads(existing(path).read_text(encoding="utf-8"))
    if not isinstance(obj, dict):
        raise UsageError(f"{path}: not a JSON object")
    return obj


def _data(args: argparse.Namespace) -> dict[str, Any]:
    profile = _profile(args)
    event = _json_object(args.event)
    events = {str(event["event"]): event.get("payload") or {}} if event.get("event") else {}
    obj = {"journey": "-", "version": 0, "profile": profile.get("id") or args.profile,
           "step": "-", "params": {}}
    data = template_data(profile, {"events": events, "actions": {}}, obj)
    data["params"] = _json_object(args.params)
    return data


def _now(text: str | None) -> dt.datetime:
    if text is None:
        return dt.datetime.now(dt.UTC)
    value = parse_offset_datetime(text)
    if value is None:
        raise UsageError(f"--now {text}: not an ISO date-time with an offset")
    return value
