"""The in-memory reference of a :class:`~jengine.core.state.Fanout`: its members in a State.

A runner walks a fan-out's group in its own store (``jengine.runtime`` uses SQLite indexes);
:func:`members` says what that walk must yield, computed from a :class:`State` that holds every
profile and active instance — for tests, and for small drivers that keep everything in memory.
:func:`expand` turns the group into the member inputs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from jengine.core.context import Spec, is_member
from jengine.core.state import (
    ACTIVE_GROUP,
    AUDIENCE_GROUP,
    JOURNEY_GROUP,
    Fanout,
    MemberIn,
    State,
)

__all__ = ["expand", "members"]


def members(spec: Spec, state: State, group: tuple[str, ...]) -> list[str]:
    """The profile ids of a fan-out group, in the group's order."""
    if group[0] == AUDIENCE_GROUP:
        audience = group[1]
        return [pid for pid in sorted(state.profiles)
                if is_member(spec, audience, state.profiles[pid])]
    if group[0] == ACTIVE_GROUP:
        prefix = f"{group[1]}/{group[2]}/"
        uids = sorted(u for u in state.active.values() if u.startswith(prefix))
        return [state.instances[u]["profile"] for u in uids]
    if group[0] == JOURNEY_GROUP:
        prefix = f"{group[1]}|"
        return sorted(k[len(prefix):] for k in state.active if k.startswith(prefix))
    raise ValueError(f"unknown fan-out group {group[0]!r}")


def expand(spec: Spec, state: State, fanout: Fanout) -> Iterator[MemberIn]:
    """One member input per profile of the group, in order."""
    for k, pid in enumerate(members(spec, state, fanout.group)):
        bare = fanout.bare_from is not None and k >= fanout.bare_from
        yield replace(fanout.template, profile=pid, index=k, bare=bare)
