"""The audience membership index of the store (``audience_members``, schema version 3).

A fan-out over an audience (a read audience, a business event) walks the index in profile-id
order instead of every profile. Two kinds of rows:

* ``rule = 0`` — the profile's ``audiences`` map says ``realized`` or ``existing``: kept for
  every audience name, declared or not (what a membership audience reads);
* ``rule = 1`` — the ``where`` of a rule audience declared in the workspace holds for the
  profile (evaluated like ``inAudience``: an evaluation error is "not a member").

:func:`rows_of` gives a profile's rows; the world writes the difference between a profile's
stored rows and its new ones whenever it writes the profile. Rule rows depend on the rules:
``audience_rules`` records, per rule audience, the rule text (``unparse`` of its ``where``)
the rows were computed with, and :func:`sync_rules` recomputes an audience whose rule is new or
changed (one pass over the stored profiles), dropping the rows of rules that are gone.
:func:`audience_kind` says which rows answer "the members of A" under the current workspace.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from jengine.core.context import MEMBER, Spec, rule_member
from jengine.core.state import Json
from jengine.runtime.entities import set_members
from jengine.runtime.store import loads
from jexpr.syntax.unparse import unparse

__all__ = ["Row", "audience_kind", "rows_of", "rules_of", "sync_rules"]

Row = tuple[str, int, str]   # audience, rule (0/1), profile
_PAGE = 2000


def rules_of(spec: Spec) -> dict[str, str]:
    """Every declared rule audience → the text of its rule."""
    return {a.name: unparse(a.where) for a in spec.model.audiences.values()
            if a.where is not None}


def audience_kind(spec: Spec, audience: str) -> bool:
    """True when audience ``audience`` is a rule audience of ``spec`` (read ``rule = 1``)."""
    decl = spec.model.audiences.get(audience)
    return decl is not None and decl.where is not None


def rows_of(spec: Spec, rules: dict[str, str], profile: Json | None) -> set[Row]:
    """The index rows of a profile: its memberships, and the rule audiences it satisfies."""
    if profile is None:
        return set()
    pid = profile["id"]
    out = {(name, 0, pid) for name, status in (profile.get("audiences") or {}).items()
           if status in MEMBER}
    for name in rules:
        if rule_member(spec, name, profile):
            out.add((name, 1, pid))
    return out


def sync_rules(conn: sqlite3.Connection, spec: Spec) -> list[str]:
    """Bring the rule rows up to the workspace's rules; the audiences recomputed."""
    rules = rules_of(spec)
    stored = dict(conn.execute("SELECT audience, rule FROM audience_rules").fetchall())
    for gone in sorted(set(stored) - set(rules)):
        conn.execute("DELETE FROM audience_members WHERE audience = ? AND rule = 1", (gone,))
        conn.execute("DELETE FROM audience_rules WHERE audience = ?", (gone,))
    changed = sorted(name for name, text in rules.items() if stored.get(name) != text)
    if not changed:
        return []
    for name in changed:
        conn.execute("DELETE FROM audience_members WHERE audience = ? AND rule = 1", (name,))
    only = {name: rules[name] for name in changed}
    batch: list[Row] = []
    for profile in _all_profiles(conn):
        batch += [r for r in rows_of(spec, only, profile) if r[1] == 1]
        if len(batch) >= _PAGE:
            set_members(conn, batch, ())
            batch = []
    set_members(conn, batch, ())
    conn.executemany("INSERT OR REPLACE INTO audience_rules VALUES (?, ?)",
                     [(name, rules[name]) for name in changed])
    return changed


def _all_profiles(conn: sqlite3.Connection) -> Iterator[Json]:
    """Every stored profile (the columns rules can read), a page at a time."""
    after = ""
    while True:
        rows = conn.execute(
            "SELECT id, namespace, time_zone, test, attributes, audiences, events FROM profiles "
            "WHERE id > ? ORDER BY id LIMIT ?", (after, _PAGE)).fetchall()
        if not rows:
            return
        for pid, ns, tz, test, attributes, audiences, events in rows:
            yield {"id": pid, "namespace": ns, "timeZone": tz, "test": bool(test),
                   "attributes": loads(attributes), "audiences": loads(audiences),
                   "events": loads(events)}
        after = rows[-1][0]
