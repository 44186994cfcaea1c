"""Helpers for the core tests: a workspace from text, a fixed clock, effect filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jengine.core.context import Options, Spec
from jengine.core.engine import step
from jengine.core.fanout import expand
from jengine.core.state import (
    EventIn,
    Fanout,
    Input,
    JournalOut,
    OutboxOut,
    Schedule,
    State,
    TimerIn,
)
from jengine.lang.workspace import load_texts

T0 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)

DECLS = """
datasource ExperiencePlatform { fieldgroup ProfileFieldGroup { fields {
  tier: string, city: string } } }
event Go { namespace email key @event{Go.email} fields { email: string, n: integer } }
event Buy { namespace email key @event{Buy.email} fields { email: string, total: decimal } }
event Stop { namespace email key @event{Stop.email} fields { email: string } }
audience VIP { where #{ExperiencePlatform.ProfileFieldGroup.tier} == "gold" }
audience Churned
"""


def spec_of(journeys: str, **options: Any) -> Spec:
    ws = load_texts({"a.journey": DECLS + journeys})
    errors = [d for d in ws.diagnostics if d.is_error]
    assert not errors, [(d.diagnostic.code, d.diagnostic.message) for d in errors]
    return Spec.of(ws.model, Options(**options))


def go(profile: str = "a@x", n: int = 1, name: str = "Go") -> EventIn:
    return EventIn(name=name, profile=profile, payload={"email": profile, "n": n})


def journal(effects: list[Any]) -> list[tuple[Any, ...]]:
    return [(e.obj["journey"], e.obj["step"], e.obj["outcome"], e.obj["next"],
             e.obj.get("reason")) for e in effects if isinstance(e, JournalOut)]


def outbox(effects: list[Any]) -> list[dict[str, Any]]:
    return [e.obj for e in effects if isinstance(e, OutboxOut)]


def timers(effects: list[Any], kind: int = 1) -> list[Schedule]:
    return [e for e in effects if isinstance(e, Schedule) and e.kind == kind]


def fire(spec: Spec, state: State, s: Schedule, now: dt.datetime) -> tuple[State, list[Any]]:
    return step(spec, state, TimerIn(seq=1, kind=s.kind, due=s.due, instance=s.instance,
                                     payload=s.payload), now)


def play(spec: Spec, state: State, inp: Input, now: dt.datetime) -> tuple[State, list[Any]]:
    """``step``, with each fan-out played in memory (:func:`jengine.core.fanout.expand` over the
    state as it is when the fan-out starts): the state after the input and its members, and
    the effects in order, each fan-out replaced by its members' effects and its ``then``."""
    state, effects = step(spec, state, inp, now)
    out: list[Any] = []
    for e in effects:
        if isinstance(e, Fanout):
            for member in list(expand(spec, state, e)):
                state, more = play(spec, state, member, now)
                out += more
            out += list(e.then)
        else:
            out.append(e)
    return state, out
