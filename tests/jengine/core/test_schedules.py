"""Read-audience schedules and incremental reads (core.schedule, core.reads; issue 14)."""

from __future__ import annotations

import datetime as dt

from helpers import play, spec_of, timers
from hypothesis import given, settings
from hypothesis import strategies as st

from jengine.core.instants import from_micros, to_micros
from jengine.core.schedule import next_read
from jengine.core.state import State, TimerIn
from jengine.lang import ast as A
from jengine.lang.parse import parse


def _entry(text: str) -> A.EntryRead:
    decl = parse(f"journey j {{ {text}  s: end }}", "x").file.declarations[0]
    assert isinstance(decl, A.Journey)
    entry = decl.items[0]
    assert isinstance(entry, A.EntryRead)
    return entry


def _reads(text: str, zone: str = "UTC", limit: int = 10) -> list[str]:
    entry = _entry(text)
    assert entry.at is not None
    anchor = last = to_micros(entry.at.value)
    out: list[str] = []
    while last is not None and len(out) < limit:
        out.append(from_micros(last).isoformat())
        last = next_read(entry, zone, anchor, last)
    return out


def test_monthly_keeps_the_day_or_takes_the_last_day_of_a_shorter_month() -> None:
    assert _reads("entry read audience A at 2027-01-31T08:00:00Z monthly "
                  "until 2027-05-01T00:00:00Z") == [
        "2027-01-31T08:00:00+00:00", "2027-02-28T08:00:00+00:00", "2027-03-31T08:00:00+00:00",
        "2027-04-30T08:00:00+00:00"]


def test_daily_keeps_the_wall_time_across_a_dst_change() -> None:
    assert _reads("entry read audience A at 2027-03-27T09:00:00+01:00 daily "
                  "until 2027-03-29T12:00:00Z", "Europe/Paris") == [
        "2027-03-27T08:00:00+00:00", "2027-03-28T07:00:00+00:00", "2027-03-29T07:00:00+00:00"]


def test_weekly_every_and_once() -> None:
    assert len(_reads("entry read audience A at 2027-01-01T00:00:00Z weekly "
                      "until 2027-01-29T00:00:00Z")) == 5
    assert _reads("entry read audience A at 2027-01-01T00:00:00Z every 36h "
                  "until 2027-01-04T00:00:00Z") == [
        "2027-01-01T00:00:00+00:00", "2027-01-02T12:00:00+00:00", "2027-01-04T00:00:00+00:00"]
    assert _reads("entry read audience A at 2027-01-01T00:00:00Z") == [
        "2027-01-01T00:00:00+00:00"]
    assert next_read(_entry("entry read audience A at 9998-12-31T00:00:00Z monthly"), "UTC",
                     0, to_micros(dt.datetime(9999, 12, 31, tzinfo=dt.UTC))) is None


INCREMENTAL = """
journey inc { entry read audience Churned at 2026-12-01T10:00:00Z weekly incremental
  hi: email { template: "hi" } }
"""


def _member(pid: str, status: str = "realized") -> dict[str, object]:
    return {"id": pid, "audiences": {"Churned": status}, "attributes": {}, "events": []}


def test_an_incremental_read_takes_only_the_new_members() -> None:
    spec = spec_of(INCREMENTAL)
    t0 = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
    read = TimerIn(seq=1, due=to_micros(t0), payload={"t": "read", "journey": "inc",
                                                      "version": 1})
    state = State(profiles={"a": _member("a"), "b": _member("b")})
    s1, eff = play(spec, state, read, t0)
    assert [e.obj["profile"] for e in eff if type(e).__name__ == "OutboxOut"] == ["a", "b"]
    (nxt,) = timers(eff)
    assert nxt.payload["n"] == 2
    assert {k: m["lastRead"] for k, m in s1.reentrance.items()} == {"inc|a": "1:1",
                                                                   "inc|b": "1:1"}
    s1.profiles["c"] = _member("c")
    s1.profiles["a"] = _member("a", "exited")
    week = t0 + dt.timedelta(days=7)
    s2, eff = play(spec, s1, TimerIn(seq=2, due=nxt.due, payload=nxt.payload), week)
    assert [e.obj["profile"] for e in eff if type(e).__name__ == "OutboxOut"] == ["c"]
    (after,) = timers(eff)
    assert after.payload["n"] == 3
    # a is no member at read 2: back at read 3, it is new again
    s2.profiles["a"] = _member("a")
    _, eff = play(spec, s2, TimerIn(seq=3, due=after.due, payload=after.payload),
                  week + dt.timedelta(days=7))
    assert [e.obj["profile"] for e in eff if type(e).__name__ == "OutboxOut"] == ["a"]


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(["daily", "weekly", "monthly"]),
       zone=st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Australia/Sydney"]),
       start=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1)),
       reads=st.integers(min_value=1, max_value=40))
def test_calendar_reads_move_forward_and_keep_the_wall_time(kind: str, zone: str,
                                                            start: dt.datetime,
                                                            reads: int) -> None:
    from jexpr.runtime.temporal import place_local
    from jexpr.runtime.temporal import zone as tz_of

    tz = tz_of(zone)
    assert tz is not None
    at = start.replace(second=0, microsecond=0, tzinfo=dt.UTC)
    entry = _entry(f"entry read audience A at {at.isoformat().replace('+00:00', 'Z')} {kind}")
    anchor = last = to_micros(at)
    wall = from_micros(anchor).astimezone(tz)
    for _ in range(reads):
        due = next_read(entry, zone, anchor, last)
        assert due is not None and due > last
        local = from_micros(due).astimezone(tz)
        # the anchor's wall time on that day (moved forward when it falls in a DST gap)
        same = place_local(dt.datetime.combine(local.date(), wall.time().replace(tzinfo=None)), tz)
        assert to_micros(same) == due or to_micros(place_local(dt.datetime.combine(
            local.date() - dt.timedelta(days=1), wall.time().replace(tzinfo=None)), tz)) == due
        if kind != "monthly":
            assert (local.date() - wall.date()).days % (1 if kind == "daily" else 7) == 0
        last = due
