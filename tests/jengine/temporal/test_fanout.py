"""The global workflow's fan-outs, without a server: the machine hands the core's fan-outs
over an audience or a journey's active instances to a hook (the members are other keys), a
business execution is counted once, the fan-out activity's items are the core's member input
for each member (index and ``bare`` as the embedded walk gives them), and a member key mirrors
the journeys it is active in (the force-reentrance group)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from jengine.core import state as S
from jengine.core.context import Options
from jengine.core.instants import to_micros
from jengine.temporal import fanout
from jengine.temporal.codec import decode_input, encode_input
from jengine.temporal.config import GLOBAL_KEY
from jengine.temporal.machine import KeyMachine
from jengine.temporal.specs import publish, remember
from jengine.temporal.stores import open_store

ROOT = Path(__file__).resolve().parents[3]
T0 = to_micros(dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC))


class CountersIO:
    """The shared counters' compare-and-set, in memory (the only IO these inputs need)."""

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}
        self.claims: list[str] = []

    async def claim(self, claim_id: str, changes: dict[str, tuple[int, int]]) -> dict[str, int]:
        self.claims.append(claim_id)
        current = {k: self.counters.get(k, 0) for k in changes}
        if any(current[k] != old for k, (old, _) in changes.items()):
            return current
        self.counters.update({k: new for k, (_, new) in changes.items()})
        return {}


@pytest.fixture(scope="module")
def spec_id(tmp_path_factory: pytest.TempPathFactory) -> str:
    with open_store(tmp_path_factory.mktemp("store")) as store:
        snapshot = publish(store, ROOT / "examples" / "ajo", Options()).snapshot
    assert snapshot is not None
    remember(snapshot)
    return str(snapshot["id"])


def _global(spec_id: str, sent: list[S.Fanout]) -> KeyMachine:
    m = KeyMachine({"key": GLOBAL_KEY, "spec_id": spec_id, "gen": 1})

    async def remote(fan: S.Fanout, now: int) -> None:
        sent.append(fan)

    m.remote_fanout = remote
    return m


def test_business_execution_counted_once_on_the_global_workflow(spec_id: str) -> None:
    sent: list[S.Fanout] = []
    m, io = _global(spec_id, sent), CountersIO()
    opened = S.BusinessIn(1, None, "StoreOpened", {"storeId": "S1"})
    asyncio.run(m.process(opened, T0, io))  # type: ignore[arg-type]
    assert [f.group for f in sent] == [(S.AUDIENCE_GROUP, "Locals")]
    assert sent[0].template.task["t"] == "business" and io.counters == {
        "storeOpening|1|@business|executions": 1}
    asyncio.run(m.process(S.BusinessIn(2, None, "StoreOpened", {"storeId": "S2"}),
                          T0 + 1, io))  # type: ignore[arg-type]
    assert len(sent) == 1, "the second execution is discarded on the global workflow"
    assert [r.line["reason"] for r in m.outputs] == ["single_execution"]


def test_items_are_the_cores_member_inputs() -> None:
    template = S.MemberIn(4, None, {"t": "read", "journey": "j", "version": 1})
    fan = S.Fanout((S.AUDIENCE_GROUP, "A"), template, (), 2)
    req = fanout.request(fan, T0, "fan:3:1")
    assert req is not None and req["audiences"] == ["A"]
    req.update(spec="s", gen=1)
    got = fanout.items(req, ["a", "b", "c"])
    assert [(pid, item["id"]) for pid, item in got] == [
        ("a", "fan:3:1:a"), ("b", "fan:3:1:b"), ("c", "fan:3:1:c")]
    members = [decode_input(item["input"]) for _, item in got]
    assert members == [S.MemberIn(4, None, template.task, "a", 0, False),
                       S.MemberIn(4, None, template.task, "b", 1, False),
                       S.MemberIn(4, None, template.task, "c", 2, True)]
    journey = fanout.request(S.Fanout((S.JOURNEY_GROUP, "j"), template), T0, "x")
    assert journey is not None and journey["audiences"] == [fanout.journey_tag("j")]
    assert fanout.request(S.Fanout((S.ACTIVE_GROUP, "j", "1"), template), T0, "x") is None


def test_member_mirrors_its_active_journeys(spec_id: str) -> None:
    """A member entering through the core's member input lists ``@journey:<name>`` in its
    mirror, so a later force-reentrance read reaches it even after it left the audience."""
    m, io = KeyMachine({"key": "l1", "spec_id": spec_id, "gen": 1}), CountersIO()
    record: dict[str, Any] = {"id": "l1", "audiences": {"Locals": "realized"}}
    asyncio.run(m.process(S.ProfileIn(0, None, "l1", record), T0, io))  # type: ignore[arg-type]
    m.profile_dirty = False
    task = {"t": "read", "journey": "monthlyPlan", "version": 1, "count": 5000,
            "per": 1_000_000}
    inp = decode_input(encode_input(S.MemberIn(1, None, task, "l1", 0)))
    asyncio.run(m.process(inp, T0 + 1, io))  # type: ignore[arg-type]
    row = m.profile_row()
    assert m.profile_dirty and row is not None
    assert row[2] == ["Locals", fanout.journey_tag("monthlyPlan")]
