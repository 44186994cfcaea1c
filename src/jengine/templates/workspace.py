"""A workspace's templates: found in ``templates/``, checked against the journeys that use them.

A template is a set of part files sharing a name: ``templates/welcome.subject`` (the email
subject), ``.html`` (the HTML body), ``.txt`` (the text body, or the SMS / push text),
``.title`` (a push title) and ``.json`` (a webhook body). Each channel step sent through a
declared channel (``template: "welcome"``) checks every part of its template against what that
step can read:

* ``profile.…`` — the fields of the ``ExperiencePlatform`` field groups (all but ``Events``),
  merged as AJO merges a profile's field groups;
* ``context.journey.events.E.…`` — the events the journey can hold (its entry event and the
  events its awaits wait for), ``context.journey.actions.S.…`` — the responses of its
  custom-action steps, ``context.journey.technicalProperties.…`` — journeyUID,
  journeyVersionUID, journeyVersion, instanceUID, profileId, stepName;
* ``params.p`` — the step's own parameters, with their expression types.

A template no step uses is checked against the profile and every event (warning
``T-UNUSED``); a step whose template or a required part is missing is ``T-TEMPLATE``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from jengine.lang import ast as A
from jengine.lang.channels import literal_param, recipient_field, step_channel
from jengine.lang.index import FileDiagnostic
from jengine.lang.model import ChannelModel, JourneyModel, Model
from jengine.lang.workspace import Workspace
from jengine.templates import CheckedTemplate, CompiledTemplate, compile_template, prepare
from jexpr.diagnostics import Diagnostic, did_you_mean, error, sort_diagnostics, warning
from jexpr.source import Source

__all__ = ["ESCAPE", "PARTS", "StepTemplate", "Templates", "base_schema", "load_templates",
           "step_schema", "template_part"]

PARTS = ("subject", "html", "txt", "title", "json")
ESCAPE = {"subject": "text", "html": "html", "txt": "text", "title": "text", "json": "json"}
_REQUIRED = {"email": (("subject",), ("html", "txt")), "sms": (("txt",),),
             "push": (("txt",),)}
_TECHNICAL = {"journeyUID": "string", "journeyVersionUID": "string", "journeyVersion": "integer",
              "instanceUID": "string", "profileId": "string", "stepName": "string"}
PROFILE_STORE, EVENTS_GROUP = "ExperiencePlatform", "Events"


@dataclass
class StepTemplate:
    """The template of one channel step, checked against that step's schema."""

    name: str
    channel: ChannelModel
    parts: dict[str, CheckedTemplate] = field(default_factory=dict)
    compiled: dict[str, CompiledTemplate] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return any(c.has_errors for c in self.parts.values())

    def compile(self, part: str) -> CompiledTemplate:
        found = self.compiled.get(part)
        if found is None:
            found = self.compiled[part] = compile_template(
                self.parts[part], ESCAPE[part], f"templates/{self.name}.{part}")
        return found


@dataclass
class Templates:
    """Every template of a workspace: the files, the per-step checks, the diagnostics."""

    root: Path
    files: dict[str, dict[str, Path]] = field(default_factory=dict)
    steps: dict[tuple[str, str], StepTemplate] = field(default_factory=dict)
    diagnostics: list[FileDiagnostic] = field(default_factory=list)
    texts: dict[Path, str] = field(default_factory=dict)

    def text(self, path: Path) -> str:
        """A template file's text (an overlay's, else the file's)."""
        found = self.texts.get(path)
        return found if found is not None else path.read_text(encoding="utf-8")

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    @property
    def run_errors(self) -> list[FileDiagnostic]:
        """The errors that stop a run: a step's missing template or part, or an error in a
        template a step uses (an unused template's errors are reported by ``check`` only)."""
        used = {self.files[st.name][part] for st in self.steps.values() for part in st.parts}
        return [d for d in self.diagnostics if d.is_error and (
            d.diagnostic.code == "T-TEMPLATE" or d.path in used)]

    def for_step(self, journey: str, step: str) -> StepTemplate | None:
        return self.steps.get((journey, step))


def template_files(root: Path) -> dict[str, dict[str, Path]]:
    """``name → {part → path}`` of every part file below ``root/templates``."""
    folder = root / "templates"
    out: dict[str, dict[str, Path]] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*")):
        part = path.suffix[1:]
        if path.is_file() and part in PARTS:
            name = path.relative_to(folder).with_suffix("").as_posix()
            out.setdefault(name, {})[part] = path
    return out


def profile_schema(model: Model) -> dict[str, str]:
    """``profile.…`` entries: every ``ExperiencePlatform`` field group but ``Events``, merged."""
    out: dict[str, str] = {"profile": "object"}
    for path, kind in model.schema.items():
        parts = path.split(".")
        if len(parts) > 2 and parts[0] == PROFILE_STORE and parts[1] != EVENTS_GROUP:
            out.setdefault(".".join(["profile", *parts[2:]]), kind)
    return out


def _context(model: Model, events: set[str], actions: Mapping[str, str]) -> dict[str, str]:
    out = {"context": "object", "context.journey": "object", "context.journey.events": "object",
           "context.journey.actions": "object", "context.journey.technicalProperties": "object"}
    for name, kind in _TECHNICAL.items():
        out[f"context.journey.technicalProperties.{name}"] = kind
    for event in sorted(events):
        decl = model.events.get(event)
        out[f"context.journey.events.{event}"] = "object"
        for path, kind in (decl.schema.items() if decl else ()):
            out[f"context.journey.events.{path}"] = kind
    for step, action in actions.items():
        out[f"context.journey.actions.{step}"] = "object"
        act = model.actions.get(action)
        for path, kind in (act.response.items() if act else ()):
            out[f"context.journey.actions.{step}.{path}"] = kind
    return out


def _journey_events(journey: JourneyModel) -> set[str]:
    out: set[str] = set()
    if isinstance(journey.entry, A.EntryEvent | A.EntryBusiness):
        out.add(journey.entry.event.text)
    for step in journey.steps.values():
        body = step.node.body
        if isinstance(body, A.Await):
            out.update(t.event.text for t in body.items if isinstance(t, A.EventTrigger))
    return out


def step_schema(model: Model, journey: JourneyModel, body: A.Channel) -> dict[str, str]:
    """What a template of this channel step may read (see the module docstring)."""
    actions = {s.name: s.node.body.action.text for s in journey.steps.values()
               if isinstance(s.node.body, A.Custom)}
    out = {**profile_schema(model), **_context(model, _journey_events(journey), actions)}
    out["params"] = "object"
    for p in body.params:
        site = model.sites.get(p.value)
        kind = site.checked.type if site is not None and site.checked is not None else "any"
        out[f"params.{p.name.text}"] = kind
    return out


def template_part(root: Path, path: Path) -> tuple[str, str] | None:
    """(template name, part) of a file below ``root/templates``, else None."""
    try:
        relative = path.relative_to(root / "templates")
    except ValueError:
        return None
    part = relative.suffix[1:]
    return (relative.with_suffix("").as_posix(), part) if part in PARTS else None


def load_templates(ws: Workspace, overlay: Mapping[Path, str] | None = None,
                   disk: bool = True) -> Templates:
    """Find, parse and check every template of a workspace against its uses; ``overlay``
    holds texts that replace (or add) template files (an editor's unsaved documents); without
    ``disk`` the overlay's texts are the only template files (a published workspace)."""
    root = ws.root if ws.root.is_dir() else ws.root.parent
    out = Templates(root, template_files(root) if disk else {})
    texts = dict(overlay or {})
    for path in texts:
        found_part = template_part(root, path)
        if found_part is not None:
            out.files.setdefault(found_part[0], {})[found_part[1]] = path
    out.texts = texts
    found: dict[tuple[Path, int, int, str, str], FileDiagnostic] = {}
    used: set[str] = set()
    profile = profile_schema(ws.model)
    for journey, step, body, channel in _channel_steps(ws.model):
        _check_recipient(ws, journey, step, body, channel, profile, found)
        name = literal_param(body, "template")
        if name is None:
            continue
        used.add(name)
        parts = out.files.get(name)
        if not _parts_present(ws, out, journey, body, channel, name, parts, found):
            continue
        assert parts is not None
        schema = step_schema(ws.model, journey, body)
        st = out.steps[(journey.name, step.name.text)] = StepTemplate(name, channel)
        for part, path in parts.items():
            st.parts[part] = checked = _prepare(out.text(path), schema,
                                                str(path.relative_to(root)))
            _collect(found, path, checked)
    for name, parts in out.files.items():
        if name not in used:
            _unused(ws.model, name, parts, out, found)
    by_source: dict[str, tuple[Path, Source, list[Diagnostic]]] = {}
    for item in found.values():
        by_source.setdefault(item.source.name, (item.path, item.source, []))[2].append(
            item.diagnostic)
    for name in sorted(by_source):
        path, source, diags = by_source[name]
        out.diagnostics.extend(FileDiagnostic(path, source, d) for d in sort_diagnostics(diags))
    return out


def _prepare(text: str, schema: Mapping[str, str], name: str) -> CheckedTemplate:
    """:func:`prepare`, memoized on (text, schema, name): the editor re-checks every template
    after each keystroke in any file, and most of them did not change."""
    return _prepare_memo(text, tuple(sorted(schema.items())), name)


@functools.lru_cache(maxsize=1024)
def _prepare_memo(text: str, schema: tuple[tuple[str, str], ...], name: str) -> CheckedTemplate:
    return prepare(text, dict(schema), name)


def _channel_steps(model: Model) -> Iterator[tuple[JourneyModel, A.Step, A.Channel,
                                                   ChannelModel]]:
    for journey in model.journeys.values():
        for step in journey.steps.values():
            body = step.node.body
            if isinstance(body, A.Channel):
                channel = step_channel(model.channels, body)
                if channel is not None and channel.provider != "outbox":
                    yield journey, step.node, body, channel


def _parts_present(ws: Workspace, out: Templates, journey: JourneyModel, body: A.Channel,
                   channel: ChannelModel, name: str, parts: dict[str, Path] | None,
                   found: dict[tuple[Path, int, int, str, str], FileDiagnostic]) -> bool:
    """Report a missing template or part at the step's ``template`` parameter."""
    param = next(p for p in body.params if p.name.text == "template")
    source = _source_of(ws, journey)
    if parts is None:
        guess = did_you_mean(name, out.files)
        hint = f"did you mean '{guess}'?" if guess else (
            f"create templates/{name}.html (and .subject, .txt …) in the workspace")
        _add(found, source, error("T-TEMPLATE", f"no template '{name}' in templates/",
                                  param.value.span, hint))
        return False
    needs = (("json",),) if channel.provider == "webhook" else _REQUIRED.get(body.kind, ())
    for alternatives in needs:
        if not any(a in parts for a in alternatives):
            files = " or ".join(f"templates/{name}.{a}" for a in alternatives)
            _add(found, source, error("T-TEMPLATE", f"template '{name}' has no {files}",
                                      param.value.span, f"a {body.kind} message needs {files}"))
    return True


def _check_recipient(ws: Workspace, journey: JourneyModel, step: A.Step, body: A.Channel,
                     channel: ChannelModel, profile: Mapping[str, str],
                     found: dict[tuple[Path, int, int, str, str], FileDiagnostic]) -> None:
    """A step without ``to`` sends to the channel's execution field (``address``, else AJO's
    default for the kind): it must be a declared string field of the profile."""
    path = recipient_field(channel)
    if channel.provider == "webhook" or path is None or any(
            p.name.text == "to" for p in body.params):
        return
    kind = profile.get(f"profile.{path}")
    if kind == "string":
        return
    fields = [k.removeprefix("profile.") for k, v in profile.items() if v == "string"]
    guess = did_you_mean(path, fields)
    what = f"is declared {kind}, not string" if kind else "is not a declared profile field"
    hint = (f"did you mean '{guess}'? " if guess else "") + (
        f"add to: #{{…}} to the step, or address: \"…\" to channel '{channel.name}'")
    _add(found, _source_of(ws, journey), error(
        "J-CHANNEL", f"the recipient of this {body.kind} step, the channel's address "
        f"'{path}', {what}", step.name.span, hint))


def _source_of(ws: Workspace, journey: JourneyModel) -> tuple[Path, Source]:
    """The file of a journey and its source (the text the workspace was loaded from)."""
    for path, file in ws.files.items():
        if journey.node in file.declarations:
            source = ws.sources.get(path)
            if source is None:
                text = path.read_text(encoding="utf-8") if path.exists() else ""
                source = Source(text, _relative(path, ws.root))
            return path, source
    return Path("."), Source("", ".")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root if root.is_dir() else root.parent).as_posix()
    except ValueError:
        return str(path)


def _add(found: dict[tuple[Path, int, int, str, str], FileDiagnostic],
         where: tuple[Path, Source], d: Diagnostic) -> None:
    path, source = where
    found.setdefault((path, d.span.start, d.span.end, d.code, d.message),
                     FileDiagnostic(path, source, d))


def _collect(found: dict[tuple[Path, int, int, str, str], FileDiagnostic], path: Path,
             checked: CheckedTemplate) -> None:
    assert checked.source is not None
    for d in checked.diagnostics:
        _add(found, (path, checked.source), d)


def base_schema(model: Model) -> dict[str, str]:
    """What a template no step uses is checked against: the profile, every event, any
    ``params``."""
    schema = {**profile_schema(model), **_context(model, set(model.events), {})}
    schema["params"] = "any"
    return schema


def _unused(model: Model, name: str, parts: dict[str, Path], out: Templates,
            found: dict[tuple[Path, int, int, str, str], FileDiagnostic]) -> None:
    schema = base_schema(model)
    for part, path in parts.items():
        checked = _prepare(out.text(path), schema, str(path.relative_to(out.root)))
        _collect(found, path, checked)
        assert checked.source is not None
        if part == next(iter(parts)):
            _add(found, (path, checked.source), warning(
                "T-UNUSED", f"no channel step uses template '{name}'",
                checked.source.span(0, 0), f'send it from a step: email {{ template: "{name}" '
                "… }"))
