"""More unit tests of the deterministic core (journey spec §2.4, §3.2, §4.1–§4.7), fixed clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from helpers import DECLS, T0, fire, go, journal, outbox, play, spec_of, timers

from jengine.core.context import Options, Spec, VersionSpec
from jengine.core.engine import step
from jengine.core.instants import to_micros
from jengine.core.state import (
    ActionResultIn,
    AudienceIn,
    BusinessIn,
    CallAction,
    EventIn,
    Fetch,
    FetchResult,
    JournalOut,
    ProfileIn,
    Requeue,
    State,
    TimerIn,
)
from jengine.lang.workspace import load_texts

H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
S = 1_000_000  # µs per second

WEATHER = """
datasource Weather { url "https://w.example.com"
  fieldgroup main { params { city: string } fields { temperature: decimal } } }
action crm { url "https://crm.example.com" body { n: integer } response { id: string } }
"""


def us(t: dt.datetime) -> int:
    return to_micros(t)


def fetches(effects: list[Any]) -> list[Fetch]:
    return [e for e in effects if isinstance(e, Fetch)]


def with_data(spec: Spec, state: State, inp: Any, now: dt.datetime,
              answer: Any) -> tuple[State, list[Any]]:
    """Run ``inp``; answer every Fetch with ``answer(fetch)`` and replay, as the runner does."""
    data: dict[str, Any] = {}
    for _ in range(8):
        new, effects = step(spec, state, inp, now, data)
        missing = fetches(effects)
        if not missing:
            return new, effects
        assert new is state  # a Fetch leaves the state unchanged
        data.update({f.key: answer(f) for f in missing})
    raise AssertionError("fetch loop")


def profile(pid: str, **kw: Any) -> dict[str, Any]:
    return {"id": pid, "namespace": "email", "timeZone": None, "test": False,
            "attributes": {}, "audiences": {}, "events": [], **kw}


# ---- §4.1 journey properties ----------------------------------------------------------------

PROPS = WEATHER + """
journey props "Property check" { version 3
  entry on event Go
  call: action crm { n: 1 } on error -> fetch
  fetch: condition {
    hot: #{Weather.main.temperature, params: {city: "Paris"}} > 10.0 -> dump
    else -> dump
    on error -> dump
  }
  dump: email {
    journeyUID: @journey{journeyUID}, journeyVersionName: @journey{journeyVersionName},
    journeyVersionUID: @journey{journeyVersionUID}, journeyVersion: @journey{journeyVersion},
    instanceUID: @journey{instanceUID}, profileId: @journey{profileId},
    namespace: @journey{namespace},
    currentNodeId: @journey{currentNodeId}, currentNodeName: @journey{currentNodeName},
    previousNodeId: @journey{previousNodeId}, previousNodeName: @journey{previousNodeName},
    lastNodeUIDInError: @journey{lastNodeUIDInError},
    lastNodeNameInError: @journey{lastNodeNameInError},
    lastNodeTypeInError: @journey{lastNodeTypeInError}, lastErrorCode: @journey{lastErrorCode},
    lastExecutedActionErrorCode: @journey{lastExecutedActionErrorCode},
    lastActionExecutionElapsedTime: @journey{lastActionExecutionElapsedTime},
    lastDataFetchErrorCode: @journey{lastDataFetchErrorCode},
    lastDataFetchElapsedTime: @journey{lastDataFetchElapsedTime},
    journeyVersionDescription: @journey{journeyVersionDescription},
    externalKey: @journey{externalKey}, organizationId: @journey{organizationId},
    sandboxName: @journey{sandboxName}
  }
  check: condition {
    ok: @journey{journeyUID} == "props" and @journey{journeyVersionName} == "Property check"
        and @journey{journeyVersionUID} == "props/3" and @journey{journeyVersion} == 3
        and @journey{instanceUID} == "props/3/a@x/1" and @journey{profileId} == "a@x"
        and @journey{namespace} == "email"
        and @journey{currentNodeId} == "check" and @journey{currentNodeName} == "check"
        and @journey{previousNodeId} == "dump" and @journey{previousNodeName} == "dump"
        and @journey{lastNodeUIDInError} == "fetch" and @journey{lastNodeNameInError} == "fetch"
        and @journey{lastNodeTypeInError} == "condition"
        and @journey{lastErrorCode} == "E-EVAL-DATASOURCE"
        and @journey{lastExecutedActionErrorCode} == "http_503"
        and @journey{lastActionExecutionElapsedTime} == 120
        and @journey{lastDataFetchErrorCode} == "timedout"
        and @journey{lastDataFetchElapsedTime} == 2000
        and @journey{journeyVersionDescription} is null and @journey{externalKey} is null
        and @journey{organizationId} is null and @journey{sandboxName} is null -> good
    else -> bad
  }
  good: end
  bad: end
}
"""


def _props_until_fetch() -> tuple[Spec, State, list[Any]]:
    spec = spec_of(PROPS)
    state = State(profiles={"a@x": profile("a@x")})
    s1, eff = step(spec, state, go(), T0)
    call = next(e for e in eff if isinstance(e, CallAction))
    failed = ActionResultIn(instance=call.instance, step="call", outcome="finished",
                            status_code="http_503", ok=False, response={}, elapsed_ms=120)
    return spec, s1, [failed]


def test_every_journey_property_read_in_a_condition() -> None:
    spec, s1, (failed,) = _props_until_fetch()
    s2, eff = with_data(spec, s1, failed, T0,
                        lambda f: FetchResult(None, "timedout", 2000))
    assert ("props", "call", "error", "fetch", "http_503") in journal(eff)
    assert ("props", "fetch", "error", "dump", "E-EVAL-DATASOURCE") in journal(eff)
    dump = next(o for o in outbox(eff) if o["step"] == "dump")["params"]
    assert dump == {
        "journeyUID": "props", "journeyVersionName": "Property check",
        "journeyVersionUID": "props/3", "journeyVersion": 3,
        "instanceUID": "props/3/a@x/1", "profileId": "a@x", "namespace": "email",
        "currentNodeId": "dump", "currentNodeName": "dump",
        "previousNodeId": "fetch", "previousNodeName": "fetch",
        "lastNodeUIDInError": "fetch", "lastNodeNameInError": "fetch",
        "lastNodeTypeInError": "condition", "lastErrorCode": "E-EVAL-DATASOURCE",
        "lastExecutedActionErrorCode": "http_503", "lastActionExecutionElapsedTime": 120,
        "lastDataFetchErrorCode": "timedout", "lastDataFetchElapsedTime": 2000,
        "journeyVersionDescription": None, "externalKey": None, "organizationId": None,
        "sandboxName": None,
    }
    assert ("props", "check", "completed", "good", None) in journal(eff)
    inst = s2.instances["props/3/a@x/1"]
    assert (inst["fetchError"], inst["fetchMs"]) == ("timedout", 2000)


def test_data_fetch_properties_after_a_successful_read() -> None:
    spec, s1, (failed,) = _props_until_fetch()
    _, eff = with_data(spec, s1, failed, T0,
                       lambda f: FetchResult({"temperature": 21.5}, "http_200", 35))
    dump = next(o for o in outbox(eff) if o["step"] == "dump")["params"]
    # a success sets the duration; the error code is that of the last *failed* read (none)
    assert (dump["lastDataFetchErrorCode"], dump["lastDataFetchElapsedTime"]) == (None, 35)
    assert dump["lastNodeUIDInError"] == "call" and dump["lastErrorCode"] == "http_503"
    assert dump["previousNodeId"] == "fetch"


def test_data_fetch_properties_visible_to_the_next_case_of_the_same_step() -> None:
    # an evaluation sees a fixed context (X§16.2); the next evaluation sees the read
    spec = spec_of(WEATHER + """
journey j {
  entry on event Go
  c: condition {
    cold: #{Weather.main.temperature, params: {city: "Paris"}} < 0.0 -> no
    timed: @journey{lastDataFetchElapsedTime} == 7 -> yes
    else -> no
  }
  yes: end
  no: end
}
""")
    _, eff = with_data(spec, State(), go(), T0,
                       lambda f: FetchResult({"temperature": 3}, "http_200", 7))
    assert ("j", "c", "completed", "yes", None) in journal(eff)


def test_bare_payload_data_still_works_with_unknown_fetch_properties() -> None:
    spec, s1, (failed,) = _props_until_fetch()
    _, eff = with_data(spec, s1, failed, T0, lambda f: {"temperature": 21.5})
    dump = next(o for o in outbox(eff) if o["step"] == "dump")["params"]
    assert (dump["lastDataFetchErrorCode"], dump["lastDataFetchElapsedTime"]) == (None, None)


def test_entry_when_fetch_is_recorded_on_the_new_instance_and_current_node_null() -> None:
    spec = spec_of(WEATHER + """
journey j {
  entry on event Go when #{Weather.main.temperature, params: {city: "Paris"}} > 0.0
       and @journey{currentNodeId} is null
  hi: email { ms: @journey{lastDataFetchElapsedTime}, node: @journey{currentNodeId} }
}
""")
    s1, eff = with_data(spec, State(), go(), T0,
                        lambda f: FetchResult({"temperature": 3}, "http_200", 12))
    assert outbox(eff)[0]["params"] == {"ms": 12, "node": "hi"}
    assert s1.instances["j/1/a@x/1"]["fetchMs"] == 12


# ---- §4.6 data-source Idempotency-Key -------------------------------------------------------

IDEM = WEATHER + """
journey ds { reentrance always timeout 10d
  exit on event Stop when #{Weather.main.temperature, params: {city: "Oslo"}} > 100.0
  entry on event Go when #{Weather.main.temperature, params: {city: "Paris"}} > 0.0
  look: condition {
    hot: #{Weather.main.temperature, params: {city: "Zürich"}} > 10.0 -> w
    else -> w
  }
  w: wait 1d
}
"""


def expected_key(uid: str, site: str, params: dict[str, Any]) -> str:
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    p = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    return f"{uid}:{site}:Weather.main:{p}"


def test_datasource_idempotency_keys_entry_step_exit() -> None:
    spec = spec_of(IDEM)
    warm = lambda f: FetchResult({"temperature": 20.0}, "http_200", 1)  # noqa: E731
    _, eff = step(spec, State(), go(), T0)
    assert [f.idempotency_key for f in fetches(eff)] == [
        expected_key("ds/1/a@x/1", "entry", {"city": "Paris"})]
    paris = fetches(eff)[0]
    _, eff = step(spec, State(), go(), T0, {paris.key: FetchResult({"temperature": 20.0})})
    assert [f.idempotency_key for f in fetches(eff)] == [
        expected_key("ds/1/a@x/1", "look", {"city": "Zürich"})]
    assert "Z\\u00fc" not in fetches(eff)[0].idempotency_key
    s1, eff = with_data(spec, State(), go(), T0, warm)
    assert ("ds", "look", "completed", "w", None) in journal(eff)
    _, eff = step(spec, s1, go(name="Stop"), T0 + H)
    assert [f.idempotency_key for f in fetches(eff)] == [
        expected_key("ds/1/a@x/1", "exit", {"city": "Oslo"})]
    # after the first instance ended, the would-be instance is the second
    s2, _ = fire(spec, s1, timers(with_data(spec, State(), go(), T0, warm)[1])[0], T0 + DAY)
    assert not s2.active
    _, eff = step(spec, s2, go(), T0 + 2 * DAY)
    assert [f.idempotency_key for f in fetches(eff)] == [
        expected_key("ds/1/a@x/2", "entry", {"city": "Paris"})]


# ---- §2.4 profile loads and rule audiences --------------------------------------------------

RULE = """
journey vip { reentrance always
  entry on audience VIP enters
  hi: email { template: "vip" }
}
journey left {
  entry on audience VIP exits
  bye: end
}
"""


def requeued(effects: list[Any]) -> list[Any]:
    return [e.input for e in effects if isinstance(e, Requeue)]


def test_first_profile_load_is_silent_and_later_changes_requeue_audience_changes() -> None:
    spec = spec_of(RULE)
    gold = profile("a@x", attributes={"ProfileFieldGroup": {"tier": "gold"}})
    s1, eff = step(spec, State(), ProfileIn(profile="a@x", record=gold), T0)
    assert eff == [] and s1.profiles["a@x"]["attributes"] == gold["attributes"]
    # the same membership again: nothing
    _, eff = step(spec, s1, ProfileIn(profile="a@x", record=gold), T0)
    assert eff == []
    silver = profile("a@x", attributes={"ProfileFieldGroup": {"tier": "silver"}})
    s2, eff = step(spec, s1, ProfileIn(profile="a@x", record=silver), T0)
    assert requeued(eff) == [AudienceIn(profile="a@x", audience="VIP", status="exited",
                                        raw=False)]
    assert s2.profiles["a@x"]["attributes"] == silver["attributes"]
    _, eff = step(spec, s2, requeued(eff)[0], T0)
    assert journal(eff)[0] == ("left", None, "entered", "bye", None)
    s3, eff = step(spec, s2, ProfileIn(profile="a@x", record=gold), T0 + H)
    assert requeued(eff) == [AudienceIn(profile="a@x", audience="VIP", status="realized",
                                        raw=False)]
    _, eff = step(spec, s3, requeued(eff)[0], T0 + H)
    assert journal(eff)[0] == ("vip", None, "entered", "hi", None)
    assert s1.profiles["a@x"] is not s3.profiles["a@x"]  # the input state is untouched


def test_profile_load_replaces_membership_audiences_without_follow_ups() -> None:
    spec = spec_of(RULE)
    s1, _ = step(spec, State(), ProfileIn(profile="a@x", record=profile("a@x")), T0)
    s2, eff = step(spec, s1, ProfileIn(profile="a@x", record=profile(
        "a@x", audiences={"Churned": "realized"})), T0)
    assert eff == [] and s2.profiles["a@x"]["audiences"] == {"Churned": "realized"}


# ---- §3.2 condition cases: time and date ----------------------------------------------------

TIME = """
journey t { timezone "Europe/Paris" reentrance always
  entry on event Go
  c: condition { office: time on mon, tue between 09:00 and 18:00 -> yes  else -> no }
  yes: end
  no: end
}
"""


def branch(spec: Spec, now: dt.datetime, state: State | None = None,
           step_name: str = "c") -> str | None:
    _, eff = step(spec, state or State(), go(), now)
    return next(j[3] for j in journal(eff) if j[1] == step_name and j[2] == "completed")


def test_time_case_in_the_journey_zone() -> None:
    spec = spec_of(TIME)
    tue = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)  # a Tuesday; Paris is UTC+1
    assert branch(spec, tue.replace(hour=8, minute=0)) == "yes"     # 09:00 Paris
    assert branch(spec, tue.replace(hour=7, minute=59)) == "no"     # 08:59
    assert branch(spec, tue.replace(hour=16, minute=59)) == "yes"   # 17:59
    assert branch(spec, tue.replace(hour=17, minute=0)) == "no"     # 18:00 (end excluded)
    assert branch(spec, tue + DAY + 9 * H) == "no"                  # Wednesday 10:00
    assert branch(spec, tue + DAY + 10 * H) == "no"                 # Wednesday 11:00
    assert branch(spec, tue - DAY + 10 * H) == "yes"                # Monday 11:00
    # Monday 23:30 UTC is Tuesday 00:30 in Paris: the Paris day counts, the hour does not
    assert branch(spec, tue - DAY + 23 * H + dt.timedelta(minutes=30)) == "no"


def test_time_case_under_timezone_profile_with_fallback() -> None:
    spec = spec_of(TIME.replace('timezone "Europe/Paris"', 'timezone profile "Europe/Paris"'))
    at = dt.datetime(2026, 12, 1, 18, 30, tzinfo=dt.UTC)  # Paris 19:30, New York 13:30
    ny = State(profiles={"a@x": profile("a@x", timeZone="America/New_York")})
    bad = State(profiles={"a@x": profile("a@x", timeZone="Mars/Base")})
    assert branch(spec, at, ny) == "yes"
    assert branch(spec, at, bad) == "no"        # invalid zone: the journey zone
    assert branch(spec, at, State()) == "no"    # no profile: the journey zone
    # Saturday 01:30 UTC is Friday 20:30 in New York: the day filter uses the profile zone too
    spec2 = spec_of(TIME.replace('timezone "Europe/Paris"', 'timezone profile "UTC"')
                    .replace("on mon, tue between 09:00 and 18:00", "on fri"))
    sat = dt.datetime(2026, 12, 5, 1, 30, tzinfo=dt.UTC)
    assert branch(spec2, sat, ny) == "yes" and branch(spec2, sat, State()) == "no"


def test_time_window_crossing_midnight_tests_the_day_it_started() -> None:
    spec = spec_of(TIME.replace('timezone "Europe/Paris"', "")
                   .replace("on mon, tue between 09:00 and 18:00", "on fri between 22:00 and 06:00"))
    fri = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
    assert branch(spec, fri + 23 * H) == "yes"          # Friday 23:00
    assert branch(spec, fri + DAY + 3 * H) == "yes"     # Saturday 03:00, started Friday
    assert branch(spec, fri + DAY + 6 * H) == "no"      # Saturday 06:00 (end excluded)
    assert branch(spec, fri + 3 * H) == "no"            # Friday 03:00, started Thursday
    assert branch(spec, fri + DAY + 23 * H) == "no"     # Saturday 23:00
    assert branch(spec, fri + 12 * H) == "no"           # Friday noon
    every = spec_of(TIME.replace('timezone "Europe/Paris"', "")
                    .replace("on mon, tue between 09:00 and 18:00", "between 22:00 and 06:00"))
    assert branch(every, fri + 2 * H) == "yes" and branch(every, fri + 12 * H) == "no"


def test_date_between() -> None:
    spec = spec_of(TIME.replace(
        "time on mon, tue between 09:00 and 18:00",
        "date between 2026-12-01T00:00:00Z and 2026-12-02T00:00:00Z"))
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert branch(spec, start) == "yes"
    assert branch(spec, start + DAY - dt.timedelta(microseconds=1)) == "yes"
    assert branch(spec, start + DAY) == "no"
    assert branch(spec, start - dt.timedelta(seconds=1)) == "no"


# ---- §3.2 wait until ------------------------------------------------------------------------

UNTIL = """
event Appt { namespace email key @event{Appt.email}
  fields { email: string, local: dateTimeOnly, at: dateTime } }
journey w { timezone "Europe/Paris" reentrance always
  entry on event Appt
  a: wait until @event{Appt.local} on error -> bad
  b: wait until @event{Appt.at} on error -> bad
  done: end
  bad: end
}
"""


def appt(**payload: Any) -> EventIn:
    return EventIn(name="Appt", profile="a@x", payload={"email": "a@x", **payload})


def test_wait_until_places_a_date_time_only_in_the_journey_zone() -> None:
    spec = spec_of(UNTIL)
    s1, eff = step(spec, State(), appt(local="2026-12-02T09:00:00", at="2026-12-01T08:00:00Z"),
                   T0)
    (t,) = timers(eff)
    assert t.due == us(dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC))  # 09:00 Paris
    assert s1.instances["w/1/a@x/1"]["status"] == "waiting"
    # the next wait's instant is in the past: it completes at once
    _, eff = fire(spec, s1, t, dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC))
    assert journal(eff) == [("w", "a", "completed", "b", None),
                            ("w", "b", "completed", "done", None),
                            ("w", "done", "completed", None, None)]


def test_wait_until_now_completes_at_once_and_null_is_an_error() -> None:
    spec = spec_of(UNTIL)
    _, eff = step(spec, State(), appt(local="2026-12-01T11:00:00", at="2026-12-01T10:00:00Z"),
                  T0)  # 11:00 Paris == T0 exactly; b is at T0 too
    assert timers(eff) == [] and journal(eff)[-1] == ("w", "done", "completed", None, None)
    _, eff = step(spec, State(), appt(at="2026-12-01T10:00:00Z"), T0)
    assert journal(eff)[1] == ("w", "a", "error", "bad", "E-EVAL-RESULT")


def test_wait_until_under_timezone_profile() -> None:
    spec = spec_of(UNTIL.replace('timezone "Europe/Paris"', 'timezone profile "Europe/Paris"'))
    state = State(profiles={"a@x": profile("a@x", timeZone="Asia/Tokyo")})
    _, eff = step(spec, state, appt(local="2026-12-02T09:00:00", at="2026-12-01T08:00:00Z"), T0)
    assert timers(eff)[0].due == us(dt.datetime(2026, 12, 2, 0, 0, tzinfo=dt.UTC))


# ---- §4.7 test-mode wait shortening ---------------------------------------------------------

TESTWAIT = """
journey tw { reentrance always timeout 10d
  entry on event Go
  hi: email { template: "hi" }
  w1: wait 1d
  w2: wait until now() + toDuration("PT5S")
  a1: await { after 1d -> a2 }
  a2: await { opened hi -> a3  after 1d -> a3 }
  a3: await { until now() + toDuration("PT20S") -> done  opened hi -> done }
  done: end
}
"""


def test_test_mode_shortens_waits_and_awaits_with_reaction_floor() -> None:
    def dues(test_wait_s: int) -> list[int]:
        spec = spec_of(TESTWAIT, test_mode=True, test_wait_us=test_wait_s * S)
        state = State(profiles={"a@x": profile("a@x", test=True)})
        now = T0
        state, eff = step(spec, state, go(), now)
        out = []
        while timers(eff):
            (t,) = timers(eff)
            out.append((t.due - us(now)) // S)
            now = now + dt.timedelta(microseconds=t.due - us(now))
            state, eff = fire(spec, state, t, now)
        assert journal(eff)[-1] == ("tw", "done", "completed", None, None)
        assert timers(eff, 0) == []
        return out

    # wait 1d → D; wait until +5s → own; after 1d → D; with a reaction trigger → max(D, 40s);
    # until +20s in an await with a reaction → min(20s, max(D, 40s))
    assert dues(10) == [10, 5, 10, 40, 20]
    assert dues(60) == [60, 5, 60, 60, 20]
    assert dues(3) == [3, 3, 3, 40, 20]


def test_test_mode_keeps_the_journey_timeout_and_refuses_other_profiles() -> None:
    spec = spec_of(TESTWAIT, test_mode=True)
    state = State(profiles={"a@x": profile("a@x", test=True)})
    _, eff = step(spec, state, go(), T0)
    assert timers(eff, 0)[0].due == us(T0 + 10 * DAY)
    _, eff = step(spec, State(), go(), T0)
    assert journal(eff) == [("tw", None, "discarded", None, "not_test_profile")]


# ---- §3.1 business events and read audience -------------------------------------------------

BUSINESS = """
event Launch business { fields { id: string } }
journey biz { reentrance always timeout 10d
  entry on business event Launch read audience Churned executions multiple
  hi: email { id: @event{Launch.id} }
  w: wait 1d
}
"""


def members_state(*pids: str, others: tuple[str, ...] = ()) -> State:
    profiles = {p: profile(p, audiences={"Churned": "realized"}) for p in pids}
    profiles.update({p: profile(p, audiences={"Churned": "exited"}) for p in others})
    return State(profiles=profiles)


def test_business_event_enters_members_in_profile_id_order() -> None:
    spec = spec_of(BUSINESS)
    state = members_state("a@x", others=("b@x",))
    s1, _ = play(spec, state, BusinessIn(name="Launch", payload={"id": "L0"}), T0)
    assert list(s1.active) == ["biz|a@x"]
    s1.profiles.update(members_state("c@x", "b@x", "d@x", others=("e@x",)).profiles)
    s2, eff = play(spec, s1, BusinessIn(name="Launch", payload={"id": "L1"}), T0 + H)
    assert [(j[0], j[2], j[4]) for j in journal(eff) if j[1] is None] == [
        ("biz", "discarded", "already_in_journey"),  # a@x
        ("biz", "entered", None), ("biz", "entered", None), ("biz", "entered", None)]
    assert [o["profile"] for o in outbox(eff)] == ["b@x", "c@x", "d@x"]
    assert {o["params"]["id"] for o in outbox(eff)} == {"L1"}
    assert [e.obj["profile"] for e in eff if isinstance(e, JournalOut)
            and e.obj["outcome"] != "completed"] == ["a@x", "b@x", "c@x", "d@x"]
    assert sorted(s2.active) == ["biz|a@x", "biz|b@x", "biz|c@x", "biz|d@x"]
    _, eff = play(spec, s2, BusinessIn(name="Other", payload={}), T0)
    assert journal(eff) == [(None, None, "discarded", None, "no_interest")]


READ = """
journey rd { reentrance always timeout 10d
  entry read audience Churned at 2026-12-01T10:00:00Z every 1d rate 2 per 1h
  hi: email { template: "r" }
  w: wait 2d
}
"""


def test_read_audience_schedule_and_rate_as_timers() -> None:
    spec = spec_of(READ)
    state = members_state("p5", "p1", "p3", "p2", "p4", others=("q",))
    read = TimerIn(seq=1, kind=1, due=us(T0), payload={"t": "read", "journey": "rd",
                                                        "version": 1})
    s1, eff = play(spec, state, read, T0)
    assert [o["profile"] for o in outbox(eff)] == ["p1", "p2"]
    later = [(t.due - us(T0), t.payload) for t in timers(eff) if t.instance is None]
    hour = 3600 * S
    assert later == [
        (hour, {"t": "enter", "journey": "rd", "profile": "p3"}),
        (hour, {"t": "enter", "journey": "rd", "profile": "p4"}),
        (2 * hour, {"t": "enter", "journey": "rd", "profile": "p5"}),
        (24 * hour, {"t": "read", "journey": "rd", "version": 1, "anchor": us(T0)}),
    ]
    enter_p3 = next(t for t in timers(eff) if t.payload.get("profile") == "p3")
    s2, eff = fire(spec, s1, enter_p3, T0 + H)
    assert [o["profile"] for o in outbox(eff)] == ["p3"]
    # the next read: members already in the journey are discarded, and it reschedules
    _, eff = play(spec, s2, replace(read, due=us(T0 + DAY)), T0 + DAY)
    assert journal(eff)[:2] == [("rd", None, "discarded", None, "already_in_journey")] * 2
    # a closed version reads no more and does not reschedule
    closed = replace(spec, open={"rd": None})
    _, eff = play(closed, state, read, T0)
    assert not any(t.payload.get("t") == "read" for t in timers(eff))


# ---- §4.4 late events -----------------------------------------------------------------------


def test_late_event_is_processed_at_the_clock_time_with_late_and_event_time() -> None:
    spec = spec_of("""
journey j { entry on event Go
  hi: email { t: now() }
}
""")
    late = replace(go(), line=7, event_time=us(T0 - H))
    _, eff = step(spec, State(), late, T0)
    lines = [e.obj for e in eff if isinstance(e, JournalOut)]
    assert lines and all(o["time"] == "2026-12-01T10:00Z" and o["late"] is True
                         and o["eventTime"] == "2026-12-01T09:00Z" for o in lines)
    assert outbox(eff)[0]["params"]["t"] == {"dateTime": "2026-12-01T10:00Z"}
    _, eff = step(spec, State(), go(), T0)
    assert all("late" not in e.obj for e in eff if isinstance(e, JournalOut))


# ---- §4.5 versions --------------------------------------------------------------------------

V1 = """
journey j { reentrance always timeout 10d
  entry on event Go
  hi: email { template: "v1-hi" }
  w: wait 1d
  bye: email { template: "v1-bye" }
}
"""
V2 = V1.replace("{ reentrance", "{ version 2 reentrance").replace("v1-", "v2-")


def two_versions(**options: Any) -> Spec:
    m1 = load_texts({"a.journey": DECLS + V1}).model
    m2 = load_texts({"a.journey": DECLS + V2}).model
    return Spec(m2, {("j", 1): VersionSpec(m1.journeys["j"], m1),
                     ("j", 2): VersionSpec(m2.journeys["j"], m2)}, {"j": 2},
                Options(**options))


def test_instance_finishes_on_its_version_after_a_newer_one_opens() -> None:
    s1, eff = step(spec_of(V1), State(), go(), T0)
    wait = timers(eff)[0]
    spec = two_versions()
    _, e = step(spec, s1, go(), T0 + H)  # one active instance across versions
    assert journal(e) == [("j", None, "discarded", None, "already_in_journey")]
    assert next(o for o in e if isinstance(o, JournalOut)).obj["version"] == 2
    s2, e = step(spec, s1, go(profile="b@x"), T0 + H)
    assert [o["params"]["template"] for o in outbox(e)] == ["v2-hi"]
    s3, e = fire(spec, s2, wait, T0 + DAY)
    assert [(o["version"], o["params"]["template"]) for o in outbox(e)] == [(1, "v1-bye")]
    assert s3.instances["j/1/a@x/1"]["status"] == "completed"
    s4, e = step(spec, s3, go(), T0 + 2 * DAY)  # re-entry goes to the open version, n = 2
    assert s4.active["j|a@x"] == "j/2/a@x/2"
    assert [o["params"]["template"] for o in outbox(e)] == ["v2-hi"]


def test_register_keeps_the_older_version_runnable(tmp_path: Path) -> None:
    from jengine.lang.workspace import load_workspace
    from jengine.runtime.store import Store
    from jengine.runtime.versions import register

    ws_dir = tmp_path / "ws"
    ws_dir.mkdir()
    (ws_dir / "a.journey").write_text(DECLS + V1)
    with Store(tmp_path / "s.db") as store:
        with store.transaction():
            first = register(store, load_workspace(ws_dir), Options())
        assert first.spec is not None and first.spec.open == {"j": 1}
        s1, eff = step(first.spec, State(), go(), T0)
        (ws_dir / "a.journey").write_text(DECLS + V2)
        with store.transaction():
            second = register(store, load_workspace(ws_dir), Options())
    spec = second.spec
    assert spec is not None and spec.open == {"j": 2}
    assert sorted(spec.versions) == [("j", 1), ("j", 2)]
    _, e = fire(spec, s1, timers(eff)[0], T0 + DAY)
    assert [o["params"]["template"] for o in outbox(e)] == ["v1-bye"]


# ---- §4.3 exit criterion errors -------------------------------------------------------------


def test_exit_when_error_is_journaled_and_counts_as_false() -> None:
    spec = spec_of(IDEM)
    warm = lambda f: FetchResult({"temperature": 20.0}, "http_200", 1)  # noqa: E731
    s1, _ = with_data(spec, State(), go(), T0, warm)
    s2, eff = with_data(spec, s1, go(name="Stop"), T0 + H,
                        lambda f: FetchResult(None, "http_500", 9))
    assert journal(eff) == [("ds", "w", "exit_condition_error", None, "E-EVAL-DATASOURCE"),
                            (None, None, "discarded", None, "no_interest")]
    inst = s2.instances["ds/1/a@x/1"]
    assert inst["active"] and (inst["fetchError"], inst["fetchMs"]) == ("http_500", 9)
    assert s1.instances["ds/1/a@x/1"]["fetchError"] is None  # input state untouched
    _, eff = with_data(spec, s1, go(name="Stop"), T0 + H,
                       lambda f: FetchResult({"temperature": 200.0}, "http_200", 9))
    assert journal(eff) == [("ds", "w", "exited", None, "exit_criterion")]


# ---- §3.2 jump refused by re-entrance -------------------------------------------------------

JUMP = """
journey a { reentrance always
  entry on event Buy
  j: jump b on error -> refused
  done: end
  refused: email { code: @journey{lastErrorCode} }
}
journey b { reentrance never timeout 2d
  entry on event Go
  w: wait 1d
}
"""


def test_jump_refused_by_reentrance_takes_on_error() -> None:
    spec = spec_of(JUMP)
    buy = go(name="Buy")
    s1, eff = step(spec, State(), buy, T0)
    assert ("a", "j", "completed", "done", None) in journal(eff)
    s2, _ = fire(spec, s1, timers(eff)[0], T0 + DAY)  # b completes
    assert not s2.active
    s3, eff = step(spec, s2, buy, T0 + DAY)
    assert journal(eff) == [("a", None, "entered", "j", None),
                            ("a", "j", "error", "refused", "reentrance_never"),
                            ("a", "refused", "completed", None, None)]
    assert outbox(eff)[0]["params"] == {"code": "reentrance_never"}
    assert "b|a@x" not in s3.active
    # once b's timeout has passed since its end, the jump enters again
    _, eff = step(spec, s3, buy, T0 + 3 * DAY)
    assert ("b", None, "entered", "w", None) in journal(eff)


# ---- §3.2 cap and split ---------------------------------------------------------------------

CAP = """
journey j { reentrance always
  entry on event Go
  c: condition { first: cap 1 -> x  else -> y }
  x: end
  y: end
}
"""


def test_cap_is_counted_per_version_and_not_in_test_mode() -> None:
    m1 = load_texts({"a.journey": DECLS + CAP}).model
    m2 = load_texts({"a.journey": DECLS + CAP.replace("{ reentrance", "{ version 2 reentrance")
                     }).model
    v1 = Spec.of(m1)
    s1, _ = step(v1, State(), go(), T0)
    assert s1.counters == {"j|1|c|first": 1}
    _, eff = step(v1, s1, go(profile="b@x"), T0)
    assert ("j", "c", "completed", "y", None) in journal(eff)
    v2 = Spec(m2, {("j", 1): VersionSpec(m1.journeys["j"], m1),
                   ("j", 2): VersionSpec(m2.journeys["j"], m2)}, {"j": 2})
    s2, eff = step(v2, s1, go(profile="b@x"), T0)
    assert ("j", "c", "completed", "x", None) in journal(eff)
    assert s2.counters == {"j|1|c|first": 1, "j|2|c|first": 1}
    test = Spec.of(m1, Options(test_mode=True))
    state = replace(s1, profiles={p: profile(p, test=True) for p in ("a@x", "b@x")})
    for pid in ("a@x", "b@x", "a@x"):
        state, eff = step(test, state, go(profile=pid), T0)
        assert ("j", "c", "completed", "x", None) in journal(eff)
    assert state.counters == {"j|1|c|first": 1}


SPLIT = """
journey j { reentrance always
  entry on event Go
  s: split { a: 0% -> x  b: 100% -> y }
  x: end
  y: end
}
"""


def test_split_weights_zero_and_hundred() -> None:
    never_first = spec_of(SPLIT)
    always_first = spec_of(SPLIT.replace("a: 0%", "a: 100%").replace("b: 100%", "b: 0%"))
    for i in range(30):
        state = State()
        pid = f"p{i}"
        _, eff = step(never_first, state, go(profile=pid), T0)
        assert ("j", "s", "completed", "y", None) in journal(eff)
        _, eff = step(always_first, state, go(profile=pid), T0)
        assert ("j", "s", "completed", "x", None) in journal(eff)
