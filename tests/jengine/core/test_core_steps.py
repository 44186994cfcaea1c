"""Unit tests of the deterministic core, one behaviour each, with a fixed clock."""

from __future__ import annotations

import datetime as dt

from helpers import T0, fire, go, journal, outbox, spec_of, timers

from jengine.core.engine import step
from jengine.core.state import ActionResultIn, AudienceIn, CallAction, ReactionIn, State

DAY = dt.timedelta(days=1)

BASIC = """
journey j { reentrance always timeout 10d
  entry on event Go when @event{Go.n} > 0
  hi: email { template: "hi", n: @event{Go.n} }
  pause: wait 1d
  bye: sms { template: "bye" }
}
"""


def test_entry_channel_wait_and_completion() -> None:
    spec = spec_of(BASIC)
    s1, eff = step(spec, State(), go(), T0)
    assert journal(eff) == [("j", None, "entered", "hi", None),
                            ("j", "hi", "completed", "pause", None)]
    assert outbox(eff)[0]["params"] == {"template": "hi", "n": 1}
    assert timers(eff, 0)[0].due - timers(eff, 1)[0].due == 9 * 86_400_000_000
    s2, eff = fire(spec, s1, timers(eff)[0], T0 + DAY)
    assert journal(eff)[-1] == ("j", "bye", "completed", None, None)
    assert not s2.active and s2.instances["j/1/a@x/1"]["status"] == "completed"
    assert s1.instances["j/1/a@x/1"]["status"] == "waiting"  # input state untouched


def test_entry_condition_false_and_already_in_journey() -> None:
    spec = spec_of(BASIC)
    _, eff = step(spec, State(), go(n=0), T0)
    assert journal(eff) == [("j", None, "discarded", None, "entry_condition_false")]
    s1, _ = step(spec, State(), go(), T0)
    _, eff = step(spec, s1, go(), T0)
    assert journal(eff) == [("j", None, "discarded", None, "already_in_journey")]


def test_reentrance_never_and_after() -> None:
    spec = spec_of(BASIC.replace("reentrance always", "reentrance never"))
    s1, eff = step(spec, State(), go(), T0)
    s2, _ = fire(spec, s1, timers(eff)[0], T0 + DAY)
    _, eff = step(spec, s2, go(), T0 + 2 * DAY)
    assert journal(eff)[0][-1] == "reentrance_never"
    spec = spec_of(BASIC.replace("reentrance always", "reentrance after 3d"))
    s1, eff = step(spec, State(), go(), T0)
    s2, _ = fire(spec, s1, timers(eff)[0], T0 + DAY)
    _, eff = step(spec, s2, go(), T0 + 2 * DAY)
    assert journal(eff)[0][-1] == "reentrance_wait"
    _, eff = step(spec, s2, go(), T0 + 3 * DAY)
    assert journal(eff)[0][2] == "entered"


def test_timeout_ends_instance_and_stale_timer_ignored() -> None:
    spec = spec_of(BASIC.replace("wait 1d", "wait 2d").replace("timeout 10d", "timeout 2d"))
    s1, eff = step(spec, State(), go(), T0)
    s2, eff2 = fire(spec, s1, timers(eff, 0)[0], T0 + 2 * DAY)
    assert journal(eff2) == [("j", "pause", "timed_out", None, None)]
    _, eff3 = fire(spec, s2, timers(eff)[0], T0 + 2 * DAY)
    assert eff3 == []


EXIT = """
journey j { timeout 10d
  exit on event Stop
  exit on audience Churned
  entry on event Go
  w: await { event Buy when @event{Buy.total} > 5.0 -> big  after 2d -> late }
  big: email { template: "big" }
  late: end
}
"""


def test_exit_criterion_during_wait() -> None:
    spec = spec_of(EXIT)
    s1, _ = step(spec, State(), go(), T0)
    _, eff = step(spec, s1, go(name="Stop"), T0 + DAY)
    assert journal(eff) == [("j", "w", "exited", None, "exit_criterion")]
    s2, eff = step(spec, s1, AudienceIn(profile="a@x", audience="Churned"), T0)
    assert journal(eff) == [("j", "w", "exited", None, "exit_criterion")]
    assert s2.profiles["a@x"]["audiences"] == {"Churned": "realized"}


def test_await_event_trigger_with_when_and_after() -> None:
    spec = spec_of(EXIT)
    s1, eff = step(spec, State(), go(), T0)
    buy = go(name="Buy")
    small = type(buy)(name="Buy", profile="a@x", payload={"email": "a@x", "total": 1.0})
    _, e = step(spec, s1, small, T0)
    assert journal(e) == [(None, None, "discarded", None, "no_interest")]
    big = type(buy)(name="Buy", profile="a@x", payload={"email": "a@x", "total": 9.0})
    _, e = step(spec, s1, big, T0)
    assert journal(e)[0] == ("j", "w", "completed", "big", None)
    _, e = fire(spec, s1, timers(eff)[0], T0 + 2 * DAY)
    assert journal(e)[0] == ("j", "w", "completed", "late", None)


REACT = """
journey j { timeout 10d
  entry on event Go
  hi: email { template: "hi" }
  pause: wait 1d
  w: await { opened hi -> yes  after 1d -> no }
  yes: end
  no: end
}
"""


def test_reaction_recorded_before_await_is_reached() -> None:
    spec = spec_of(REACT)
    s1, eff = step(spec, State(), go(), T0)
    s2, e = step(spec, s1, ReactionIn(journey="j", version=1, profile="a@x", step="hi",
                                      kind="opened"), T0)
    assert e == [] and s2.profiles["a@x"]["events"][0]["type"] == "open"
    _, e = fire(spec, s2, timers(eff)[0], T0 + DAY)
    assert ("j", "w", "completed", "yes", None) in journal(e)
    _, e = step(spec, s1, ReactionIn(journey="j", version=1, profile="a@x", step="nope",
                                     kind="opened"), T0)
    assert journal(e)[0][-1] == "no_matching_delivery"


SPLIT = """
journey j { reentrance always
  entry on event Go
  s: split { a: 50% -> x  b: 50% -> y }
  x: end
  y: end
}
"""


def test_split_is_reproducible_and_test_mode_takes_first() -> None:
    spec = spec_of(SPLIT)
    def pick(sp: object, state: State, pid: str) -> str:
        return next(j for j in journal(step(sp, state, go(profile=pid), T0)[1])  # type: ignore
                if j[1] == "s")[3]

    picks = {pick(spec, State(), f"p{i}") for i in range(20)}
    assert picks == {"x", "y"}
    assert {pick(spec, State(), "p3") for _ in range(3)} == {pick(spec, State(), "p3")}
    spec_t = spec_of(SPLIT, test_mode=True)
    state = State(profiles={"p": {"id": "p", "test": True}})
    assert pick(spec_t, state, "p") == "x"


CAP = """
journey j { reentrance always
  entry on event Go
  c: condition { first: cap 1 -> x  else -> y }
  x: end
  y: end
}
"""


def test_cap_counts_per_version() -> None:
    spec = spec_of(CAP)
    s1, e = step(spec, State(), go(), T0)
    assert journal(e)[1][3] == "x"
    _, e = step(spec, s1, go(profile="b@x"), T0)
    assert journal(e)[1][3] == "y"


UPDATE = """
journey j {
  entry on event Go
  u: update profile { ProfileFieldGroup.tier: "gold" }
  c: condition { vip: inAudience("VIP") -> x  else -> y }
  x: end
  y: end
}
"""


def test_update_profile_visible_later_and_rule_audience_requeued() -> None:
    spec = spec_of(UPDATE)
    s1, e = step(spec, State(), go(), T0)
    assert ("j", "c", "completed", "x", None) in journal(e)
    assert s1.profiles["a@x"]["attributes"] == {"ProfileFieldGroup": {"tier": "gold"}}
    assert any(type(x).__name__ == "Requeue" for x in e)


JUMP = """
journey a { reentrance always
  entry on event Buy
  j: jump b on error -> refused
  done: end
  refused: end
}
journey b { reentrance never
  entry on event Go
  w: wait 1d
}
"""


def test_jump_enters_skips_when_active_and_refusal_takes_on_error() -> None:
    spec = spec_of(JUMP)
    buy = go(name="Buy")
    s1, e = step(spec, State(), buy, T0)
    assert ("b", None, "entered", "w", None) in journal(e)
    assert ("a", "j", "completed", "done", None) in journal(e)
    _s2, e = step(spec, s1, buy, T0)
    assert ("a", "j", "jump_skipped", "done", None) in journal(e)


def test_dry_run_skips_actions_and_completes_waits() -> None:
    spec = spec_of(BASIC, dry_run=True)
    _, eff = step(spec, State(), go(), T0)
    assert [o["status"] for o in outbox(eff)] == ["skipped", "skipped"]
    assert journal(eff)[-1] == ("j", "bye", "completed", None, None)


ACTION = """
action crm { url "https://crm.example.com" body { n: integer } response { id: string } }
journey j {
  entry on event Go
  call: action crm { n: @event{Go.n} } on error -> bad
  ok: email { id: @action{call.id} } -> done
  bad: end
  done: end
}
"""


def test_custom_action_call_effect_and_result() -> None:
    spec = spec_of(ACTION)
    s1, eff = step(spec, State(), go(n=7), T0)
    call = next(x for x in eff if isinstance(x, CallAction))
    assert call.params == {"n": 7} and call.key == "j/1/a@x/1:call"
    res = ActionResultIn(instance=call.instance, step="call", outcome="finished",
                         status_code="http_200", ok=True,
                         response={"id": "L1", "jo_status_code": "http_200",
                                   "errorResponse": None})
    _, e = step(spec, s1, res, T0)
    assert outbox(e)[0]["status"] == "sent" and outbox(e)[1]["params"] == {"id": "L1"}
    fail = ActionResultIn(instance=call.instance, step="call", outcome="finished",
                          status_code="http_500", ok=False, response={})
    _, e = step(spec, s1, fail, T0)
    assert ("j", "call", "error", "bad", "http_500") in journal(e)
    retry = ActionResultIn(instance=call.instance, step="call", outcome="retry", at=5)
    _, e = step(spec, s1, retry, T0)
    assert timers(e)[0].payload["attempt"] == 2


def test_window_and_closed_version() -> None:
    spec = spec_of(BASIC.replace("timeout 10d", "timeout 10d window 2027-01-01T00:00:00Z "
                                 "to 2027-02-01T00:00:00Z"))
    _, e = step(spec, State(), go(), T0)
    assert journal(e)[0][-1] == "outside_window"
    from dataclasses import replace
    closed = replace(spec, open={"j": None})
    _, e = step(closed, State(), go(), T0)
    assert journal(e)[0][-1] == "closed_version"
