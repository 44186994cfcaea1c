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
from collections.abc import Sequence
from dataclasses import dataclass, field

from jengine.core.context import Options, Spec, VersionSpec
from jengine.lang import ast as A
from jengine.lang.model import JourneyModel, Model
from jengine.lang.workspace import Workspace, load_texts
from jengine.runtime.records import VersionRecord
from jengine.runtime.store import Store

__all__ = ["Registration", "register"]


@dataclass
class Registration:
    """The outcome of :func:`register`: the spec to run, problems, and newly opened versions."""

    spec: Spec | None
    problems: list[str] = field(default_factory=list)
    opened: list[VersionSpec] = field(default_factory=list)


def _declarations(ws: Workspace) -> list[tuple[A.Declaration, str]]:
    out: list[tuple[A.Declaration, str]] = []
    for path, file in ws.files.items():
        text = path.read_text(encoding="utf-8") if path.exists() else ""
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


def register(store: Store, ws: Workspace, options: Options) -> Registration:
    """Register the workspace's journey versions (in the caller's transaction)."""
    decls = _declarations(ws)
    # channels and rules are delivery configuration, not journey logic: changing them does
    # not make a new journey version
    others = [(d, t) for d, t in decls
              if not isinstance(d, A.Journey | A.ChannelDecl | A.RulesDecl)]
    result = Registration(None)
    for decl, text in decls:
        if isinstance(decl, A.Journey) and decl.name.text in ws.model.journeys:
            _register_one(store, ws, decl, text, others, result)
    if result.problems:
        return result
    for name in {v.journey for v in store.versions()} - set(ws.model.journeys):
        store.close_versions(name)
    result.spec = _spec(store, ws, options)
    return result


def _register_one(store: Store, ws: Workspace, decl: A.Journey, text: str,
                  others: Sequence[tuple[A.Declaration, str]], result: Registration) -> None:
    jm = ws.model.journeys[decl.name.text]
    source, digest = _version_source(decl, text, others)
    stored = store.versions(jm.name)
    current = next((v for v in stored if v.is_open), stored[-1] if stored else None)
    if current is None or jm.version > current.version:
        if current is not None and not _same_kind(current, jm, ws.model, result):
            return
        store.put_version(VersionRecord(jm.name, jm.version, source, digest, True))
        result.opened.append(VersionSpec(jm, ws.model))
    elif jm.version == current.version and digest != current.hash:
        result.problems.append(
            f"J-VERSION-REUSED journey '{jm.name}' version {jm.version} changed since it ran; "
            f"give it a higher version")
    elif jm.version < current.version:
        result.problems.append(
            f"J-VERSION-OLD journey '{jm.name}' version {jm.version} is older than the stored "
            f"version {current.version}")
    elif not current.is_open:
        store.put_version(VersionRecord(jm.name, jm.version, current.source, digest, True))


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


def _same_kind(current: VersionRecord, jm: JourneyModel, model: Model,
               result: Registration) -> bool:
    """AJO's version guardrails: ``J-VERSION-ENTRY`` (the entry kind, audience or namespace
    changed, or the stored version reads incrementally) and ``J-VERSION-REENTRANCE``."""
    old_model = load_texts({f"{jm.name}@{current.version}.journey": current.source}).model
    old = old_model.journeys.get(jm.name)
    if old is None:
        return True
    was, now = _entry_kind(old, old_model), _entry_kind(jm, model)
    where = f"journey '{jm.name}' version {jm.version}"
    if was != now or "incremental" in was:
        why = ("a read audience journey with incremental read cannot have a new version"
               if was == now else f"its entry was {' '.join(filter(None, was))}, now "
               f"{' '.join(filter(None, now))}")
        result.problems.append(f"J-VERSION-ENTRY {where}: {why} (AJO keeps the entry of "
                               f"every version); make it a new journey")
        return False
    if (old.reentrance, old.reentrance_after_ms) != (jm.reentrance, jm.reentrance_after_ms):
        result.problems.append(f"J-VERSION-REENTRANCE {where} changes the re-entrance rule "
                               f"(AJO: the same in all versions); keep the rule of version "
                               f"{current.version}")
        return False
    return True


def _spec(store: Store, ws: Workspace, options: Options) -> Spec:
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
