"""Journey versions against the state store (journey spec §4.5), and the runnable :class:`Spec`.

A version's *source* is the text of its ``journey`` declaration followed by the declarations
(events, data sources, actions, audiences) whose names occur in it; its *hash* is the SHA-256
of the span-free AST dump of those declarations, so comments and layout do not count.

:func:`register` compares each journey of the workspace with the store: a higher version than
the stored open one opens (the older closes), the same version and hash changes nothing, the
same version with another hash is ``J-VERSION-REUSED``, a lower one ``J-VERSION-OLD``. Journeys
no longer in the workspace keep their versions, all closed. Stored older versions are compiled
again from their source (their diagnostics are ignored: they ran before), so in-flight
instances finish on the version they started on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from jengine.core.context import Options, Spec, VersionSpec
from jengine.lang import ast as A
from jengine.lang.model import JourneyModel, Model
from jengine.lang.workspace import Workspace, load_texts
from jengine.runtime.records import VersionRecord
from jengine.runtime.store import Store

__all__ = ["Decision", "Registration", "plan", "register", "spec_of"]


@dataclass
class Registration:
    """The outcome of :func:`register`: the spec to run, problems, and newly opened versions."""

    spec: Spec | None
    problems: list[str] = field(default_factory=list)
    opened: list[VersionSpec] = field(default_factory=list)


def _declarations(ws: Workspace) -> list[tuple[A.Declaration, str]]:
    out: list[tuple[A.Declaration, str]] = []
    for path, file in ws.files.items():
        loaded = ws.sources.get(path)   # the text that was checked (an in-memory workspace too)
        text = loaded.text if loaded is not None else (
            path.read_text(encoding="utf-8") if path.exists() else "")
        for decl in file.declarations:
            out.append((decl, text[decl.span.start:decl.span.end]))
    return out


def _version_source(journey: A.Journey, jtext: str,
                    others: Sequence[tuple[A.Declaration, str]]) -> tuple[str, str]:
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", jtext))
    used = sorted(((d, t) for d, t in others if d.name.text in words),
                  key=lambda item: item[0].name.text)
    source = "\n\n".join([jtext, *(t for _, t in used)]) + "\n"
    dumped = json.dumps([A.dump(journey), *(A.dump(d) for d, _ in used)], sort_keys=True,
                        default=str)
    return source, hashlib.sha256(dumped.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Decision:
    """What registering one journey of a workspace does: ``open`` a new version, ``reopen``
    the stored one (it was closed), ``keep`` it, or refuse (``problem``)."""

    journey: str
    version: int
    action: str
    record: VersionRecord | None = None
    problem: str | None = None


def plan(ws: Workspace, stored: Callable[[str], list[VersionRecord]]) -> list[Decision]:
    """What :func:`register` would do with each journey of ``ws``, given the stored versions
    of a journey (``stored(name)``, in version order); writes nothing."""
    decls = _declarations(ws)
    # channels and rules are delivery configuration, not journey logic: changing them does
    # not make a new journey version
    others = [(d, t) for d, t in decls
              if not isinstance(d, A.Journey | A.ChannelDecl | A.RulesDecl)]
    return [_decide(ws, decl, text, others, stored(decl.name.text)) for decl, text in decls
            if isinstance(decl, A.Journey) and decl.name.text in ws.model.journeys]


def register(store: Store, ws: Workspace, options: Options) -> Registration:
    """Register the workspace's journey versions (in the caller's transaction)."""
    result = Registration(None)
    decisions = plan(ws, store.versions)
    result.problems = [d.problem for d in decisions if d.problem is not None]
    if result.problems:
        return result
    for d in decisions:
        if d.record is not None and d.action in ("open", "reopen"):
            store.put_version(d.record)
        if d.action == "open":
            result.opened.append(VersionSpec(ws.model.journeys[d.journey], ws.model))
    for name in {v.journey for v in store.versions()} - set(ws.model.journeys):
        store.close_versions(name)
    result.spec = spec_of(store, ws, options)
    return result


def _decide(ws: Workspace, decl: A.Journey, text: str,
            others: Sequence[tuple[A.Declaration, str]],
            stored: list[VersionRecord]) -> Decision:
    jm = ws.model.journeys[decl.name.text]
    source, digest = _version_source(decl, text, others)
    current = next((v for v in stored if v.is_open), stored[-1] if stored else None)
    if current is None or jm.version > current.version:
        problem = None if current is None else _kind_problem(current, jm, ws.model)
        if problem is not None:
            return Decision(jm.name, jm.version, "refuse", problem=problem)
        return Decision(jm.name, jm.version, "open",
                        VersionRecord(jm.name, jm.version, source, digest, True))
    if jm.version == current.version and digest != current.hash:
        return Decision(jm.name, jm.version, "refuse", problem=(
            f"J-VERSION-REUSED journey '{jm.name}' version {jm.version} changed since it ran; "
            f"give it a higher version"))
    if jm.version < current.version:
        return Decision(jm.name, jm.version, "refuse", problem=(
            f"J-VERSION-OLD journey '{jm.name}' version {jm.version} is older than the stored "
            f"version {current.version}"))
    if not current.is_open:
        return Decision(jm.name, jm.version, "reopen",
                        VersionRecord(jm.name, jm.version, current.source, digest, True))
    return Decision(jm.name, jm.version, "keep")


def _entry_kind(jm: JourneyModel, model: Model) -> tuple[str, ...]:
    """What AJO keeps across versions: the entry kind, its audience, its event's namespace."""
    entry = jm.entry
    if isinstance(entry, A.EntryEvent):
        event = model.events.get(entry.event.text)
        return ("entry on event", f"namespace {event.namespace if event else None}")
    if isinstance(entry, A.EntryAudience):
        return ("entry on audience", entry.audience.text)
    if isinstance(entry, A.EntryRead):
        return ("entry read audience", entry.audience.text,
                "incremental" if entry.incremental else "")
    if isinstance(entry, A.EntryBusiness):
        return ("entry on business event", entry.event.text)
    return ("none",)


def _kind_problem(current: VersionRecord, jm: JourneyModel, model: Model) -> str | None:
    """AJO's version guardrails: ``J-VERSION-ENTRY`` (the entry kind, audience or namespace
    changed, or the stored version reads incrementally) and ``J-VERSION-REENTRANCE``."""
    old_model = load_texts({f"{jm.name}@{current.version}.journey": current.source}).model
    old = old_model.journeys.get(jm.name)
    if old is None:
        return None
    was, now = _entry_kind(old, old_model), _entry_kind(jm, model)
    where = f"journey '{jm.name}' version {jm.version}"
    if was != now or "incremental" in was:
        why = ("a read audience journey with incremental read cannot have a new version"
               if was == now else f"its entry was {' '.join(filter(None, was))}, now "
               f"{' '.join(filter(None, now))}")
        return (f"J-VERSION-ENTRY {where}: {why} (AJO keeps the entry of every version); "
                f"make it a new journey")
    if (old.reentrance, old.reentrance_after_ms) != (jm.reentrance, jm.reentrance_after_ms):
        return (f"J-VERSION-REENTRANCE {where} changes the re-entrance rule (AJO: the same "
                f"in all versions); keep the rule of version {current.version}")
    return None


def spec_of(store: Store, ws: Workspace, options: Options) -> Spec:
    """The runnable spec: ``ws``'s model and every stored version (none is registered)."""
    versions: dict[tuple[str, int], VersionSpec] = {}
    opened: dict[str, int | None] = {}
    for rec in store.versions():
        opened.setdefault(rec.journey, None)
        if rec.is_open:
            opened[rec.journey] = rec.version
        jm = ws.model.journeys.get(rec.journey)
        if jm is not None and jm.version == rec.version:
            versions[(rec.journey, rec.version)] = VersionSpec(jm, ws.model)
            continue
        old = load_texts({f"{rec.journey}@{rec.version}.journey": rec.source}).model
        ojm = old.journeys.get(rec.journey)
        if ojm is not None:
            versions[(rec.journey, rec.version)] = VersionSpec(ojm, old)
    return Spec(ws.model, versions, opened, options)
