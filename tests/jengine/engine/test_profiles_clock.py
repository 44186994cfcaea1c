"""The SQLite profile store, the default output adapters, and the clocks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jengine.runtime.adapters import OutboxChannel, SqliteProfileStore, StoreOutputs
from jengine.runtime.clock import SimulatedClock, SystemClock
from jengine.runtime.io import DeadLetter, JournalLine, OutboxLine
from jengine.runtime.records import Profile
from jengine.runtime.store import Store

T = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def test_profiles_load_get_and_update(store: Store, tmp_path: Path) -> None:
    (tmp_path / "p.jsonl").write_text(
        '{"id": "a", "namespace": "email", "attributes": {"FG": {"tier": "gold"}}}\n'
        '{"id": 1}\n{"id": "b", "testProfile": true, "audiences": {"VIP": "existing"}}\n')
    profiles = SqliteProfileStore(store)
    result = profiles.load_jsonl(tmp_path / "p.jsonl")
    assert result.loaded == ["a", "b"] and [d.line for d in result.dead_letters] == [2]
    assert profiles.ids() == ["a", "b"]
    assert profiles.get("zz") is None
    profiles.prepend_event("a", {"_id": "1"})
    a = profiles.prepend_event("a", {"_id": "2"})
    assert a.events == [{"_id": "2"}, {"_id": "1"}]
    assert profiles.set_audience("new", "Churned", "realized") == \
        Profile("new", audiences={"Churned": "realized"})
    a = profiles.set_attribute("a", ["FG", "loyalty", "points"], 10)
    assert a.attributes == {"FG": {"tier": "gold", "loyalty": {"points": 10}}}
    with pytest.raises(ValueError):
        profiles.set_attribute("a", [], 1)
    assert profiles.get("a") == a


def test_default_output_adapters_write_store_rows(store: Store) -> None:
    line = OutboxLine(T, "j", 1, "p", "mail", "email", {"template": "w"}, "sent")
    assert OutboxChannel(store).deliver(line) == "sent"
    outputs = StoreOutputs(store)
    outputs.journal(JournalLine(T, "j", 1, "p", "mail", "completed", None))
    outputs.dead_letter(DeadLetter(3, "unknown_event", "no event Foo", "{}"))
    assert next(r.line for r in store.outputs("outbox")).startswith('{"time":"2026-12-01T10:00Z"')
    assert len(list(store.outputs("journal"))) == 1
    assert [r.line for r in store.outputs("deadletter")] == [
        '{"line":3,"reason":"unknown_event","code":"unknown_event","message":"no event Foo",'
        '"detail":{},"input":"{}"}']


def test_simulated_clock_never_goes_back() -> None:
    clock = SimulatedClock(T)
    assert clock.advance_to(T + dt.timedelta(seconds=5)) == T + dt.timedelta(seconds=5)
    assert clock.advance_to(T) == T + dt.timedelta(seconds=5)
    assert clock.is_late(T) and not clock.is_late(T + dt.timedelta(seconds=5))
    with pytest.raises(ValueError):
        SimulatedClock(dt.datetime(2026, 1, 1))


def test_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().utcoffset() == dt.timedelta(0)
