"""Publishing and the journey lifecycle, applied by the live driver (``@journey`` inputs).

Semantics follow Adobe Journey Optimizer (docs/serve.md, "Lifecycle", with the Adobe pages):

* **publish** — the workspace texts of the input are checked and registered as in
  ``jengine run`` (§4.5): a higher version opens and closes the older one, the same version
  and hash change nothing. Refused: a workspace with errors, ``J-VERSION-REUSED``,
  ``J-VERSION-OLD``, a closed or stopped version published again (``J-VERSION-CLOSED``:
  "You cannot restart a closed or stopped journey … create a new version"), and a new version
  of a paused journey (``J-JOURNEY-PAUSED``: resume, close or stop it first). The texts become
  the ``published`` snapshot the engine runs from (also after a restart).
* **pause** (``hold`` or ``discard``, https://experienceleague.adobe.com/en/docs/
  journey-optimizer/using/orchestrate-journeys/create-journey/journey-pause) — the open version
  is paused: new entrances are discarded (``journey_paused``); waits, conditions, exit criteria
  and the timeout go on as live; an instance that reaches an action step (a channel or custom
  action) is *held* there (journal ``held``) or, with ``discard``, exits (reason
  ``journey_paused``); a reaction to a held instance is discarded. A pause ends by itself after
  14 days (:data:`MAX_PAUSE`), as in AJO.
* **resume** — the version is live again; every held instance runs its action step now (with
  the profile as it is now).
* **close** (to new entrances) — the version closes: entries are discarded
  (``closed_version``), instances already in it finish. A held instance of a paused journey
  continues (a closed journey lets its profiles finish).
* **stop** — every version of the journey closes and every active instance exits (reason
  ``journey_stopped``). A stopped journey stays stopped: only a higher version can go live.

Each applied command writes a journal line (``outcome`` ``published``, ``paused``,
``resumed``, ``closed`` or ``stopped``, with the journey and version, ``profile`` and ``step``
null) and records the state in the ``lifecycle`` table, in the command's batch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from jengine.core.context import Options, Spec
from jengine.core.instants import render_instant, to_micros
from jengine.core.state import TimerIn
from jengine.lang.workspace import Workspace, load_texts
from jengine.runtime.records import JOURNAL, VersionRecord
from jengine.runtime.store import Store
from jengine.runtime.versions import Decision, plan, register, spec_of

__all__ = ["COMMANDS", "MAX_PAUSE", "TEMPLATES", "apply", "load_published", "next_pause_end",
           "pauses_over", "publish_problems", "published_templates", "refresh", "spec_for",
           "states"]

COMMANDS = ("publish", "pause", "resume", "close", "stop")
TEMPLATES = "templates/"   # published rows of template files (the rest: journey files)
MAX_PAUSE = dt.timedelta(days=14)   # AJO: "A journey version can be paused for a maximum of 14 days"
MAX_PAUSE_US = MAX_PAUSE // dt.timedelta(microseconds=1)


def states(store: Store) -> dict[tuple[str, int], tuple[str, str | None]]:
    """The ``lifecycle`` rows: (journey, version) → (state, pause mode)."""
    rows = store.execute("SELECT journey, version, state, mode FROM lifecycle").fetchall()
    return {(j, v): (s, m) for j, v, s, m in rows}


def _published_rows(store: Store) -> list[tuple[str, str]]:
    return [(str(p), str(t)) for p, t in
            store.execute("SELECT path, text FROM published ORDER BY path").fetchall()]


def load_published(store: Store, root: Path) -> Workspace:
    """The workspace of the last publication (empty before the first)."""
    files = {p: t for p, t in _published_rows(store) if not p.startswith(TEMPLATES)}
    return load_texts(files, root=root)


def published_templates(store: Store, root: Path) -> dict[Path, str]:
    """The template files of the last publication (``templates/…`` rows), path → text."""
    return {root / p: t for p, t in _published_rows(store) if p.startswith(TEMPLATES)}


def publish_problems(decisions: list[Decision],
                     lifecycle: dict[tuple[str, int], tuple[str, str | None]],
                     stored: dict[str, list[VersionRecord]]) -> list[str]:
    """Why a publication is refused (besides the workspace's own errors)."""
    problems = [d.problem for d in decisions if d.problem is not None]
    for d in decisions:
        state = lifecycle.get((d.journey, d.version), (None, None))[0]
        if d.action == "reopen" and state in ("closed", "stopped"):
            problems.append(f"J-VERSION-CLOSED journey '{d.journey}' version {d.version} was "
                            f"{state}; publish it with a higher version")
        if d.action == "open":
            opened = next((v for v in stored.get(d.journey, []) if v.is_open), None)
            if opened is not None and lifecycle.get((d.journey, opened.version),
                                                    (None, None))[0] == "paused":
                problems.append(f"J-JOURNEY-PAUSED journey '{d.journey}' version "
                                f"{opened.version} is paused; resume, close or stop it before "
                                f"publishing version {d.version}")
    return problems


def apply(loop: Any, payload: dict[str, Any]) -> str | None:
    """Apply one ``@journey`` command in the loop's batch; a refusal's message, or None."""
    command = payload.get("command")
    if command == "publish":
        return _publish(loop, payload)
    journey, version = payload.get("journey"), payload.get("version")
    if command not in COMMANDS or not isinstance(journey, str) or type(version) is not int:
        return "@journey payload: `command` must be one of " + ", ".join(COMMANDS) + \
            " with a `journey` (string) and a `version` (integer)"
    if loop.store.get_version(journey, version) is None:
        return f"no published version {version} of journey '{journey}'"
    state = states(loop.store).get((journey, version), (None, None))[0]
    live = loop.spec.open.get(journey) == version and state not in ("closed", "stopped")
    if command == "pause":
        mode = payload.get("mode", "hold")
        if mode not in ("hold", "discard"):
            return '@journey pause: `mode` must be "hold" or "discard"'
        if not live or state == "paused":
            return f"journey '{journey}' version {version} is not live: it cannot be paused"
        _pause(loop, journey, version, mode)
        return None
    if command == "resume":
        if state != "paused":
            return f"journey '{journey}' version {version} is not paused: it cannot be resumed"
        _resume(loop, journey, version, "resumed")
        return None
    if command == "close":
        if not live:
            return (f"journey '{journey}' version {version} is not live or paused: it cannot "
                    "be closed")
        _close(loop, journey, version)
        return None
    if state == "stopped":
        return f"journey '{journey}' version {version} is already stopped"
    _stop(loop, journey)
    return None


def _journal(loop: Any, journey: str, version: int, outcome: str,
             reason: str | None = None) -> None:
    obj = {"time": render_instant(loop.now()), "journey": journey, "version": version,
           "profile": None, "step": None, "outcome": outcome, "next": None}
    if reason is not None:
        obj["reason"] = reason
    loop.effects.output(JOURNAL, obj)


def _set_state(loop: Any, journey: str, version: int, state: str | None,
               mode: str | None = None, until: int | None = None) -> None:
    if state is None:
        loop.store.execute("DELETE FROM lifecycle WHERE journey = ? AND version = ?",
                           (journey, version))
        return
    loop.store.execute("INSERT OR REPLACE INTO lifecycle VALUES (?, ?, ?, ?, ?, ?)",
                       (journey, version, state, mode, to_micros(loop.now()), until))


def _stored(store: Store) -> dict[str, list[VersionRecord]]:
    out: dict[str, list[VersionRecord]] = {}
    for v in store.versions():
        out.setdefault(v.journey, []).append(v)
    return out


def _publish(loop: Any, payload: dict[str, Any]) -> str | None:
    files = payload.get("files")
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in files.items()):
        return "@journey publish: `files` must be an object of file name → text"
    root = Path(loop.options.workspace)
    ws = load_texts(files, root=root)
    if ws.has_errors:
        first = next(d for d in ws.diagnostics if d.is_error)
        return (f"the published workspace has errors: {first.source.name}: "
                f"{first.diagnostic.code} {first.diagnostic.message}")
    texts = payload.get("templates") or {}
    if not isinstance(texts, dict) or not all(
            isinstance(k, str) and k.startswith(TEMPLATES) and isinstance(v, str)
            for k, v in texts.items()):
        return "@journey publish: `templates` must be an object of templates/… name → text"
    templates = None
    if loop.deliveries is not None:
        from jengine.runtime.channels import senders

        templates, problems = senders.prepare(ws, True, loop.options.env,
                                              {root / k: v for k, v in texts.items()})
        if problems:
            return "the published templates have errors: " + "; ".join(problems)
    store = loop.store
    problems = publish_problems(plan(ws, store.versions), states(store), _stored(store))
    if problems:
        return "; ".join(problems)
    with store.transaction():
        reg = register(store, ws, loop.spec.options)
        assert reg.spec is not None
        store.execute("DELETE FROM published")
        for name, text in sorted({**files, **texts}.items()):
            store.execute("INSERT INTO published VALUES (?, ?)", (name, text))
    loop.published = ws
    if templates is not None:
        loop.deliveries.configure(ws.model.channels, templates)
    refresh(loop)
    loop._opened(reg.opened)
    for vs in reg.opened:
        _journal(loop, vs.name, vs.version, "published")
    return None


def _pause(loop: Any, journey: str, version: int, mode: str) -> None:
    until = to_micros(loop.now()) + MAX_PAUSE_US
    _set_state(loop, journey, version, "paused", mode, until)
    refresh(loop)
    _journal(loop, journey, version, "paused", mode)


def _resume(loop: Any, journey: str, version: int, outcome: str,
            reason: str | None = None) -> None:
    _set_state(loop, journey, version, None)
    refresh(loop)
    _journal(loop, journey, version, outcome, reason)
    _each_active(loop, journey, version, "release")


def _close(loop: Any, journey: str, version: int) -> None:
    held = states(loop.store).get((journey, version), (None, None))[0] == "paused"
    loop.store.close_versions(journey)
    _set_state(loop, journey, version, "closed")
    refresh(loop)
    _journal(loop, journey, version, "closed")
    if held:
        _each_active(loop, journey, version, "release")


def _stop(loop: Any, journey: str) -> None:
    active = {v for (v,) in loop.store.execute(
        "SELECT DISTINCT version FROM instances WHERE journey = ? AND active = 1",
        (journey,)).fetchall()}
    opened = loop.spec.open.get(journey)
    versions = sorted(active | ({opened} if opened is not None else set()))
    loop.store.close_versions(journey)
    for v in versions:
        _set_state(loop, journey, v, "stopped")
    refresh(loop)
    for v in versions:
        _journal(loop, journey, v, "stopped")
    _each_active(loop, journey, None, "stop")


def _each_active(loop: Any, journey: str, version: int | None, kind: str) -> None:
    """Feed every active instance of a journey (version) a lifecycle input, in uid order.
    The batch is committed first, so the store lists exactly the active instances."""
    loop.flush()
    loop.batcher.begin()
    sql = "SELECT uid FROM instances WHERE journey = ? AND active = 1"
    params: tuple[Any, ...] = (journey,)
    if version is not None:
        sql, params = sql + " AND version = ?", (journey, version)
    now = loop.now()
    due = to_micros(now)
    for (uid,) in loop.store.execute(sql + " ORDER BY uid", params).fetchall():
        loop.process(TimerIn(seq=0, kind=1, due=due, instance=uid, payload={"t": kind}), now)


def spec_for(store: Store, ws: Workspace, options: Options) -> Spec:
    """The runnable spec of a service: the stored versions and the paused journeys."""
    paused = {j: mode or "hold" for (j, _), (state, mode) in states(store).items()
              if state == "paused"}
    return replace(spec_of(store, ws, options), paused=paused)


def refresh(loop: Any) -> None:
    """Rebuild the spec from the store (after a version opened, closed, paused or resumed)."""
    ws = loop.published if loop.published is not None else load_published(
        loop.store, Path(loop.options.workspace))
    loop._use(spec_for(loop.store, ws, loop.spec.options))
    loop.pause_due = next_pause_end(loop.store)


def next_pause_end(store: Store) -> int | None:
    """When the earliest pause ends by itself (µs), if a journey is paused."""
    row = store.execute("SELECT min(until) FROM lifecycle WHERE state = 'paused'").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def pauses_over(loop: Any, limit: int) -> None:
    """Resume the journeys whose pause reached :data:`MAX_PAUSE` by ``limit`` (µs)."""
    rows = loop.store.execute(
        "SELECT journey, version FROM lifecycle WHERE state = 'paused' AND until <= ? "
        "ORDER BY until, journey", (limit,)).fetchall()
    for journey, version in rows:
        _resume(loop, journey, version, "resumed", "pause_expired")
    loop.pause_due = next_pause_end(loop.store)
