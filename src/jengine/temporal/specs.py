"""Journey versions published to the shared store, and the compiled :class:`Spec` of each.

A *spec snapshot* is everything a worker needs to rebuild the core's
:class:`~jengine.core.context.Spec`: the workspace texts (the current model: event
declarations, audiences), every registered version record (journey, version, source, hash,
open) and the run options. Its id is the SHA-256 of that content, so a snapshot is immutable;
``gen`` numbers them in publication order. Workflows carry the id of the spec they run and
move to a newer one when an input brings it (instances in flight keep their version: the
snapshot still holds every older version, §4.5).

:func:`publish` registers a workspace exactly as the embedded engine does
(:func:`jengine.runtime.versions.register`, against an in-memory store holding the shared
registry), then stores the new registry and snapshot. :func:`compiled` compiles a snapshot
once per process; workflow code reads the cache through :func:`cached` (no I/O inside a
workflow: a worker loads snapshots before its workflows need them, see :mod:`.worker`).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jengine.core.context import Options, Spec, VersionSpec
from jengine.lang.workspace import journey_files, load_texts, load_workspace
from jengine.runtime.records import VersionRecord
from jengine.runtime.store import Store
from jengine.runtime.versions import register
from jengine.temporal.store import SharedStore

__all__ = ["Published", "SpecMissing", "cached", "compiled", "missing", "publish", "remember"]

Json = dict[str, Any]

_CACHE: dict[str, Spec] = {}
_MISSING: set[str] = set()
_LOCK = threading.Lock()


class SpecMissing(RuntimeError):
    """A workflow needs a spec this worker has not loaded yet (the task is retried)."""


@dataclass
class Published:
    """The outcome of :func:`publish`: the snapshot, problems, newly opened versions."""

    snapshot: Json | None
    problems: list[str] = field(default_factory=list)
    opened: list[tuple[str, int]] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)

    @property
    def spec(self) -> Spec:
        assert self.snapshot is not None
        return compiled(self.snapshot)


def _options_json(options: Options) -> Json:
    return {"dry_run": options.dry_run, "test_mode": options.test_mode,
            "test_wait_us": options.test_wait_us,
            "dry_run_datasources": options.dry_run_datasources}


def _texts(root: Path) -> dict[str, str]:
    root = Path(root)
    if root.is_file():
        return {root.name: root.read_text(encoding="utf-8")}
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in journey_files(root)}


def publish(store: SharedStore, workspace: Path, options: Options) -> Published:
    """Register ``workspace`` against the shared registry; the snapshot to run."""
    from jexpr.report import format_diagnostic

    ws = load_workspace(workspace)
    if ws.has_errors:
        return Published(None, ["the workspace has errors"], diagnostics=[
            format_diagnostic(d.diagnostic, d.source.text, str(d.path))
            for d in ws.diagnostics if d.is_error])
    with store.locked("registry"):
        mem = Store(":memory:")
        try:
            for rec in store.registry():
                mem.put_version(VersionRecord(rec["journey"], rec["version"], rec["source"],
                                              rec["hash"], rec["open"]))
            with mem.transaction():
                reg = register(mem, ws, options)
            if reg.spec is None:
                return Published(None, reg.problems)
            records = [{"journey": v.journey, "version": v.version, "source": v.source,
                        "hash": v.hash, "open": v.is_open} for v in mem.versions()]
        finally:
            mem.close()
        content = {"files": _texts(workspace), "versions": records,
                   "options": _options_json(options)}
        spec_id = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]
        latest = store.latest_spec()
        if latest is not None and latest["id"] == spec_id:
            snapshot = latest
        else:
            gen = 1 + (latest["gen"] if latest else 0)
            snapshot = {"id": spec_id, "gen": gen, **content}
            store.put_registry(records)
            store.put_spec(snapshot)
    return Published(snapshot, opened=[(vs.name, vs.version) for vs in reg.opened])


def compiled(snapshot: Json) -> Spec:
    """The Spec of a snapshot, compiled once per process."""
    spec_id = snapshot["id"]
    with _LOCK:
        spec = _CACHE.get(spec_id)
    if spec is not None:
        return spec
    spec = _compile(snapshot)
    with _LOCK:
        _CACHE.setdefault(spec_id, spec)
        return _CACHE[spec_id]


def remember(snapshot: Json) -> None:
    """Compile a snapshot into the cache (worker start-up, spec refresh)."""
    compiled(snapshot)


def cached(spec_id: str) -> Spec:
    """The compiled spec ``spec_id`` (:class:`SpecMissing` when not loaded here)."""
    spec = _CACHE.get(spec_id)
    if spec is None:
        _MISSING.add(spec_id)
        raise SpecMissing(f"spec {spec_id} is not loaded in this worker yet")
    return spec


def missing() -> list[str]:
    """The spec ids workflows asked for and this process has not loaded (then forgotten)."""
    with _LOCK:
        out = sorted(_MISSING - set(_CACHE))
        _MISSING.clear()
    return out


def _compile(snapshot: Json) -> Spec:
    model = load_texts(dict(snapshot["files"])).model
    o = snapshot["options"]
    options = Options(o["dry_run"], o["test_mode"], o["test_wait_us"],
                      bool(o.get("dry_run_datasources", False)))
    versions: dict[tuple[str, int], VersionSpec] = {}
    opened: dict[str, int | None] = {}
    for rec in snapshot["versions"]:
        opened.setdefault(rec["journey"], None)
        if rec["open"]:
            opened[rec["journey"]] = rec["version"]
        jm = model.journeys.get(rec["journey"])
        if jm is not None and jm.version == rec["version"]:
            versions[(rec["journey"], rec["version"])] = VersionSpec(jm, model)
            continue
        old = load_texts({f"{rec['journey']}@{rec['version']}.journey": rec["source"]}).model
        ojm = old.journeys.get(rec["journey"])
        if ojm is not None:
            versions[(rec["journey"], rec["version"])] = VersionSpec(ojm, old)
    return Spec(model, versions, opened, options)
