"""Read-only questions to the state store, for the read API, the dashboard and the checks of
the management endpoints. Every function takes a read-only connection and returns plain JSON.

**Status of a journey version** (AJO's statuses, https://experienceleague.adobe.com/en/docs/
journey-optimizer/using/orchestrate-journeys/end-journey):
``live`` (the open version), ``paused`` (the open version, paused), ``closed`` (not open —
closed by hand, or an older version after a newer one was published, or its window ended — with
instances still active), ``finished`` (not open and no active instance), ``stopped`` (stopped by
hand: every instance exited), and ``draft`` for a version that is in the workspace files but not
published.

**Per-step counts**: the ``report`` counters the engine commits with each batch (``entered``,
``completed``, ``error``, ``timed_out``, ``exited`` by reason, ``discarded`` by reason) plus
``waiting``, the active instances at each step now.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import defaultdict
from typing import Any

__all__ = ["dead_letters", "find_dead_letters", "journal_of", "journeys", "profile_view",
           "status_of", "step_counts"]

Json = dict[str, Any]


def _lifecycle(conn: sqlite3.Connection) -> dict[tuple[str, int], Json]:
    rows = conn.execute("SELECT journey, version, state, mode, since, until FROM lifecycle")
    return {(j, v): {"state": s, "mode": m, "since": since, "until": until}
            for j, v, s, m, since, until in rows}


def _active(conn: sqlite3.Connection) -> dict[tuple[str, int], int]:
    rows = conn.execute("SELECT journey, version, count(*) FROM instances WHERE active = 1 "
                        "GROUP BY journey, version")
    return {(j, v): n for j, v, n in rows}


def status_of(is_open: bool, lifecycle: Json | None, active: int,
              window_over: bool = False) -> str:
    """The status of one stored version (see the module docstring)."""
    state = lifecycle["state"] if lifecycle else None
    if state == "stopped":
        return "stopped"
    if is_open and not window_over:
        return "paused" if state == "paused" else "live"
    return "closed" if active else "finished"


def journeys(conn: sqlite3.Connection, drafts: dict[str, int] | None = None,
             windows: dict[tuple[str, int], int] | None = None) -> list[Json]:
    """Every journey with its versions and their status; ``drafts``: workspace versions
    (journey → version) to list as ``draft`` when newer than the stored ones; ``windows``:
    a version's window end (µs) when it has one."""
    lifecycle, active = _lifecycle(conn), _active(conn)
    now = time.time_ns() // 1000
    by_journey: dict[str, list[Json]] = defaultdict(list)
    for j, v, is_open in conn.execute(
            "SELECT journey, version, is_open FROM versions ORDER BY journey, version"):
        lc = lifecycle.get((j, v))
        over = windows is not None and (j, v) in windows and windows[(j, v)] <= now
        by_journey[j].append({"version": v, "status": status_of(bool(is_open), lc,
                                                                 active.get((j, v), 0), over),
                              "active": active.get((j, v), 0),
                              "pause": lc["mode"] if lc and lc["state"] == "paused" else None})
    for j, v in (drafts or {}).items():
        stored = by_journey.get(j, [])
        if not stored or v > stored[-1]["version"]:
            by_journey[j].append({"version": v, "status": "draft", "active": 0, "pause": None})
    out = []
    for j in sorted(by_journey):
        versions = by_journey[j]
        current = next((x for x in reversed(versions) if x["status"] != "draft"), versions[-1])
        out.append({"journey": j, "status": current["status"], "version": current["version"],
                    "active": sum(x["active"] for x in versions), "versions": versions})
    return out


def step_counts(conn: sqlite3.Connection, journey: str, version: int) -> Json:
    """Per-step counts of one version: ``{"journey": {...}, "steps": {step: {...}}}``."""
    steps: dict[str, Json] = defaultdict(lambda: {"entered": 0, "completed": 0, "errors": 0,
                                                  "timed_out": 0, "exits": 0, "waiting": 0})
    whole: Json = {"entered": 0, "discarded": 0, "discarded_by_reason": {}}
    for step, name, value in conn.execute(
            "SELECT step, name, value FROM counters WHERE kind = 'report' AND journey = ? "
            "AND version = ?", (journey, version)):
        kind, _, reason = name.partition(":")
        if not step:
            if kind == "entered":
                whole["entered"] += value
            elif kind == "discarded":
                whole["discarded"] += value
                whole["discarded_by_reason"][reason] = value
            continue
        row = steps[step]
        if kind == "completed":
            row["completed"] += value
        elif kind == "error":
            row["errors"] += value
        elif kind == "timed_out":
            row["timed_out"] += value
        elif kind == "exited":
            row["exits"] += value
    for step, n in conn.execute(
            "SELECT json_extract(state, '$.step'), count(*) FROM instances WHERE journey = ? "
            "AND version = ? AND active = 1 GROUP BY 1", (journey, version)):
        if step is not None:
            steps[step]["waiting"] += n
    for row in steps.values():   # every arrival at a step ends one of these ways or waits
        row["entered"] = row["completed"] + row["errors"] + row["timed_out"] + row["exits"] \
            + row["waiting"]
    return {"journey": journey, "version": version, "entered": whole["entered"],
            "discarded": whole["discarded"],
            "discarded_by_reason": whole["discarded_by_reason"], "steps": dict(steps)}


def _lines(conn: sqlite3.Connection, stream: str, needle: str | None = None,
           after: int = 0) -> list[tuple[str, str]]:
    """The lines of a stream as (id, text); a row may hold several lines (schema v2), the id
    is ``"<row seq>.<index in row>"``."""
    sql = "SELECT seq, line FROM outputs WHERE stream = ? AND seq > ?"
    params: tuple[Any, ...] = (stream, after)
    if needle is not None:
        sql += " AND instr(line, ?) > 0"
        params += (needle,)
    out = []
    for seq, text in conn.execute(sql + " ORDER BY seq", params):
        for i, line in enumerate(text.split("\n")):
            if needle is None or needle in line:
                out.append((f"{seq}.{i}", line))
    return out


def journal_of(conn: sqlite3.Connection, profile: str, limit: int = 500) -> list[Json]:
    """The journal lines of a profile, oldest first (the last ``limit``)."""
    needle = json.dumps({"profile": profile}, ensure_ascii=False,
                        separators=(",", ":"))[1:-1]
    found = [json.loads(line) for _, line in _lines(conn, "journal", needle)]
    return [obj for obj in found if obj.get("profile") == profile][-limit:]


def profile_view(conn: sqlite3.Connection, profile: str) -> Json | None:
    """A profile, its instances (journey, version, current step, status) and its history."""
    row = conn.execute("SELECT id, namespace, time_zone, test, attributes, audiences, events "
                       "FROM profiles WHERE id = ?", (profile,)).fetchone()
    instances = []
    for uid, journey, version, active, state in conn.execute(
            "SELECT uid, journey, version, active, state FROM instances WHERE profile = ? "
            "ORDER BY journey, uid", (profile,)):
        st = json.loads(state)
        instances.append({"uid": uid, "journey": journey, "version": version,
                          "active": bool(active), "step": st.get("step"),
                          "status": st.get("status"), "held": bool(st.get("held"))})
    history = journal_of(conn, profile)
    if row is None and not instances and not history:
        return None
    stored = None
    if row is not None:
        pid, ns, tz, test, attributes, audiences, events = row
        stored = {"id": pid, "namespace": ns, "timeZone": tz, "testProfile": bool(test),
                  "attributes": json.loads(attributes), "audiences": json.loads(audiences),
                  "events": json.loads(events)}
    return {"id": profile, "profile": stored, "instances": instances, "history": history}


def dead_letters(conn: sqlite3.Connection, after: int = 0, limit: int = 100) -> list[Json]:
    """Dead letters (oldest first) after row ``after``: each with its ``id`` for replay."""
    out = []
    for ident, line in _lines(conn, "deadletter", after=after):
        obj = json.loads(line)
        out.append({"id": ident, **obj})
        if len(out) >= limit:
            break
    return out


def find_dead_letters(conn: sqlite3.Connection, ids: list[str]) -> dict[str, Json]:
    """The dead letters of the given ids (unknown ids are left out)."""
    rows: dict[int, list[int]] = defaultdict(list)
    for ident in ids:
        row_id, _, index = ident.partition(".")
        if row_id.isdigit() and index.isdigit():
            rows[int(row_id)].append(int(index))
    found: dict[str, Json] = {}
    for seq, indexes in rows.items():
        row = conn.execute("SELECT line FROM outputs WHERE stream = 'deadletter' AND seq = ?",
                           (seq,)).fetchone()
        if row is None:
            continue
        lines = row[0].split("\n")
        for i in indexes:
            if i < len(lines):
                found[f"{seq}.{i}"] = json.loads(lines[i])
    return found
