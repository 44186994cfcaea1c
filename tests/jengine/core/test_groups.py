"""Routing by index and the inputs about a group of profiles, as fan-outs (issue 12)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import T0, journal, spec_of

import jengine.core.entry as entry_module
from jengine.core.context import Spec
from jengine.core.engine import profile_key, qualify, step
from jengine.core.instants import to_micros
from jengine.core.routes import Routes, routes
from jengine.core.state import (
    ACTIVE_GROUP,
    AUDIENCE_GROUP,
    BusinessIn,
    EventIn,
    Fanout,
    MemberIn,
    Schedule,
    State,
    TimerIn,
)
from jengine.lang.workspace import load_workspace

ROOT = Path(__file__).resolve().parents[3]

JOURNEYS = """
event Launch business { fields { id: string } }
journey a { entry on event Go
  w: await { event Buy -> done  after 1d -> done }
  done: end
}
journey b { exit on event Stop  exit on audience Churned
  entry on audience VIP enters
  w: wait 1d
}
journey c { entry on business event Launch read audience Churned
  hi: email { t: "x" }
}
journey r { entry read audience Churned every 1d rate 2 per 1h
  hi: email { t: "x" }
}
"""


def test_the_index_lists_the_listening_journeys() -> None:
    r = routes(spec_of(JOURNEYS))
    assert r.for_event("Go") == ("a",) and r.for_event("Buy") == ("a",)
    assert r.for_event("Stop") == ("b",) and r.for_event("Unknown") == ()
    assert r.for_audience("VIP") == ("b",) and r.for_audience("Churned") == ("b",)
    assert r.for_business("Launch") == ("c",)


def test_business_event_and_read_and_window_end_are_fan_outs() -> None:
    spec = spec_of(JOURNEYS)
    state = State()
    new, effects = step(spec, state, BusinessIn(line=4, name="Launch", payload={"id": "L"}), T0)
    assert new.profiles == {} and new.instances == {}
    (fanout,) = effects
    assert isinstance(fanout, Fanout) and fanout.group == (AUDIENCE_GROUP, "Churned")
    assert fanout.template == MemberIn(line=4, task={"t": "business", "journey": "c",
                                                     "event": "Launch", "payload": {"id": "L"},
                                                     "count": 5000, "per": 1_000_000})
    assert fanout.bare_from == 5000  # AJO's default rate: 5,000 profiles per second
    read = TimerIn(kind=1, due=to_micros(T0), payload={"t": "read", "journey": "r",
                                                       "version": 1})
    (fanout,) = step(spec, state, read, T0)[1]
    assert isinstance(fanout, Fanout) and fanout.bare_from == 2
    assert fanout.then == (Schedule(to_micros(T0 + dt.timedelta(days=1)), 1, None,
                                    {"t": "read", "journey": "r", "version": 1,
                                     "anchor": to_micros(T0)}),)
    window = TimerIn(kind=0, payload={"t": "window", "journey": "a", "version": 1})
    (fanout,) = step(spec, state, window, T0)[1]
    assert isinstance(fanout, Fanout) and fanout.group == (ACTIVE_GROUP, "a", "1")


def test_a_bare_read_member_only_schedules_its_entry() -> None:
    spec = spec_of(JOURNEYS)
    task = {"t": "read", "journey": "r", "version": 1, "count": 2, "per": 3_600_000_000}
    new, effects = step(spec, State(), MemberIn(task=task, profile="p", index=5, bare=True), T0)
    assert new.instances == {}
    assert effects == [Schedule(to_micros(T0) + 2 * 3_600_000_000, 1, None,
                                {"t": "enter", "journey": "r", "profile": "p"})]


class _Every(dict[str, tuple[str, ...]]):
    """An index that answers "every journey" for every name (routing without the index)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = tuple(names)

    def get(self, key: str, default: Any = None) -> tuple[str, ...]:  # type: ignore[override]
        return self.names


def _every_journey(spec: Spec) -> Routes:
    every = _Every(spec.journey_names)
    return Routes(every, every, routes(spec).business)


def test_routing_by_index_equals_asking_every_journey(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example stream's profile events through the core, routed by the index and by
    every journey in turn: the same effects, event after event."""
    ws = load_workspace(ROOT / "examples" / "workspace")
    spec = Spec.of(ws.model)
    indexed, plain = State(), State()
    count = 0
    for text in (ROOT / "examples" / "events.jsonl").read_text().splitlines():
        try:
            obj = json.loads(text)
            now = dt.datetime.fromisoformat(obj["time"].replace("Z", "+00:00"))
            verdict = qualify(spec.model, obj.get("event"), obj["payload"], now)
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if isinstance(verdict, str) or verdict is None or verdict[0].business:
            continue
        key = profile_key(spec.model, verdict[0].name, obj["payload"], now)
        if key is None:
            continue
        inp = EventIn(name=verdict[0].name, profile=key, payload=obj["payload"])
        indexed, by_index = step(spec, indexed, inp, now)
        with monkeypatch.context() as m:
            m.setattr(entry_module, "routes", _every_journey)
            plain, by_all = step(spec, plain, inp, now)
        assert by_index == by_all, (text, journal(by_index), journal(by_all))
        count += 1
    assert count > 150


def test_steps_leave_no_reference_cycles() -> None:
    """The core's garbage is freed by reference counting: a cycle per evaluation (an Env and
    its context referring to each other, as once) left to the cyclic collector cost a quarter
    of the run time at 100,000 profiles. The example stream's profile events, with the
    collector off, leave nothing for it to collect."""
    import gc

    ws = load_workspace(ROOT / "examples" / "workspace")
    spec = Spec.of(ws.model)
    lines = (ROOT / "examples" / "events.jsonl").read_text().splitlines()
    gc.collect()
    gc.disable()
    try:
        state = State()
        for text in lines:
            try:
                obj = json.loads(text)
                now = dt.datetime.fromisoformat(obj["time"].replace("Z", "+00:00"))
                verdict = qualify(spec.model, obj.get("event"), obj["payload"], now)
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
            if isinstance(verdict, str) or verdict is None or verdict[0].business:
                continue
            key = profile_key(spec.model, verdict[0].name, obj["payload"], now)
            if key is not None:
                state, _ = step(spec, state, EventIn(name=verdict[0].name, profile=key,
                                                     payload=obj["payload"]), now)
        assert gc.collect() == 0
    finally:
        gc.enable()
