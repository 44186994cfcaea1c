"""The governance decision of one message (jengine.core.governance): order, consent, caps,
quiet hours — unit cases and a property checked against a minute-by-minute scan."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from jengine.core.governance import decide, quiet_until
from jengine.core.instants import to_micros
from jengine.lang import ast as A
from jengine.lang.model import CapModel, QuietModel, RulesModel
from jexpr.source import Span

SPAN = Span(0, 0, 0, 0, 0, 0)
NODE_Q = A.QuietRule(SPAN, (), (), None, None, False, None, "wait")
NODE_C = A.CapRule(SPAN, (), A.Literal_(SPAN, "1", 1), A.Literal_(SPAN, "1d", 86_400_000))


def quiet(start: int | None, end: int | None, days: set[int] = frozenset(),  # type: ignore[assignment]
          zone: str | None = None, profile: bool = True, action: str = "wait",
          kinds: frozenset[str] = frozenset({"email"})) -> QuietModel:
    return QuietModel(kinds, frozenset(days), start, end, zone, profile, action, NODE_Q)


def us(text: str) -> int:
    return to_micros(dt.datetime.fromisoformat(text))


def profile(zone: str | None = "Europe/Paris", **consents: str) -> dict[str, object]:
    marketing = {k: {"val": v} for k, v in consents.items()}
    return {"id": "p", "timeZone": zone, "attributes": {
        "FG": {"consents": {"marketing": marketing}}}}


def never(_: str) -> str | None:
    return None


def test_order_suppression_then_consent_then_quiet_then_caps() -> None:
    rules = RulesModel((CapModel(frozenset({"email"}), 1, 86_400_000, NODE_C),),
                       (quiet(21 * 60, 8 * 60),))
    night = us("2026-03-02T22:00:00+01:00")
    history = [(night - 1, "email")]
    assert decide(rules, "email", "marketing", profile(email="n"), "a@x.io", night, lambda: history,
                  lambda a: "suppression_list").reason == "suppression_list"
    assert decide(rules, "email", "marketing", profile(email="n"), "a@x.io", night, lambda: history,
                  never).reason == "consent"
    assert decide(rules, "email", "marketing", profile(), "a@x.io", night, lambda: history,
                  never).action == "wait"
    noon = us("2026-03-02T12:00:00+01:00")
    assert decide(rules, "email", "marketing", profile(), "a@x.io", noon, lambda: [(noon - 1, "email")],
                  never).reason == "frequency_cap"
    assert decide(rules, "email", "transactional", profile(email="n"), "a@x.io", night,
                  lambda: history, never).action == "send"
    assert decide(rules, "email", "marketing", profile(), None, noon, list, never).reason == \
        "no_recipient"


def test_consent_any_and_per_channel() -> None:
    rules = RulesModel()
    noon = us("2026-03-02T12:00:00+00:00")
    assert decide(rules, "sms", "marketing", profile(any="n"), "+1", noon, list, never).reason \
        == "consent"
    assert decide(rules, "sms", "marketing", profile(email="n"), "+1", noon, list, never).action \
        == "send"
    assert decide(rules, "sms", "marketing", profile(sms="dn"), "+1", noon, list, never).reason \
        == "consent"


def test_caps_count_every_listed_channel_in_a_sliding_window() -> None:
    cap = CapModel(frozenset({"email", "sms"}), 3, 7 * 86_400_000, NODE_C)
    rules = RulesModel((cap,))
    now = us("2026-03-10T12:00:00+00:00")
    day = 86_400_000_000
    history = [(now - 8 * day, "email"), (now - 6 * day, "email"), (now - 2 * day, "sms"),
               (now - day, "push")]
    assert decide(rules, "email", "marketing", None, "a@x.io", now, lambda: history, never).action == \
        "send"
    history.append((now - 1, "email"))
    assert decide(rules, "sms", "marketing", None, "+1", now, lambda: history, never).reason == \
        "frequency_cap"
    assert decide(rules, "push", "marketing", None, "t", now, lambda: history, never).action == "send"


def test_quiet_hours_cross_midnight_belong_to_the_start_day() -> None:
    monday_night = quiet(21 * 60, 9 * 60, {0})                     # Mon 21:00 → Tue 09:00
    paris = "Europe/Paris"
    assert quiet_until([monday_night], us("2026-03-03T08:00:00+01:00"), paris) == (
        "wait", us("2026-03-03T09:00:00+01:00"))                   # Tuesday morning
    assert quiet_until([monday_night], us("2026-03-04T08:00:00+01:00"), paris) is None


def test_whole_days_join_and_drop_wins() -> None:
    weekend = quiet(None, None, {5, 6}, action="drop")
    evenings = quiet(20 * 60, 23 * 60)
    friday = us("2026-03-06T21:00:00+01:00")
    assert quiet_until([weekend, evenings], friday, "Europe/Paris") == (
        "wait", us("2026-03-06T23:00:00+01:00"))
    saturday = us("2026-03-07T10:00:00+01:00")
    assert quiet_until([weekend, evenings], saturday, "Europe/Paris") == (
        "drop", us("2026-03-09T00:00:00+01:00"))


def test_zones_profile_fallback_and_none() -> None:
    rule = quiet(21 * 60, 8 * 60)                          # the profile's zone, no fallback
    t = us("2026-03-02T22:30:00+00:00")
    assert quiet_until([rule], t, None) is None            # no zone: not enforced (AJO)
    assert quiet_until([rule], t, "Asia/Tokyo") == (       # 07:30 the next day in Tokyo
        "wait", us("2026-03-03T08:00:00+09:00"))
    fallback = quiet(21 * 60, 8 * 60, zone="Europe/London")
    assert quiet_until([fallback], t, None) == ("wait", us("2026-03-03T08:00:00+00:00"))
    fixed = quiet(21 * 60, 8 * 60, zone="America/New_York", profile=False)
    assert quiet_until([fixed], t, "Asia/Tokyo") is None   # 17:30 in New York


def test_daylight_saving_time_end() -> None:
    rule = quiet(1 * 60, 4 * 60)
    # Paris springs forward on 2026-03-29 at 02:00 → 03:00; 01:30 is quiet until 04:00 CEST
    t = us("2026-03-29T01:30:00+01:00")
    assert quiet_until([rule], t, "Europe/Paris") == ("wait", us("2026-03-29T04:00:00+02:00"))


def _brute(rules: list[QuietModel], t: dt.datetime) -> bool:
    for r in rules:
        local = t.astimezone(ZoneInfo(r.zone or "Europe/Paris"))
        m = local.hour * 60 + local.minute
        for back, day in ((0, local.weekday()), (1, (local.weekday() - 1) % 7)):
            if r.days and day not in r.days:
                continue
            if r.start is None or r.end is None:
                if back == 0:
                    return True
                continue
            if r.start < r.end and back == 0 and r.start <= m < r.end:
                return True
            if r.start > r.end and ((back == 0 and m >= r.start) or (back == 1 and m < r.end)):
                return True
    return False


windows = st.builds(lambda s, e, days, allday: quiet(None if allday else s, None if allday
                                                     else e, set(days), zone="Europe/Paris"),
                    st.integers(0, 1439), st.integers(0, 1439),
                    st.sets(st.integers(0, 6), max_size=3), st.booleans()).filter(
    lambda q: q.start != q.end or q.start is None)


@settings(max_examples=60, deadline=None)
@given(st.lists(windows, min_size=1, max_size=3),
       st.datetimes(min_value=dt.datetime(2026, 1, 5), max_value=dt.datetime(2026, 12, 20)))
def test_quiet_until_matches_a_minute_scan(rules: list[QuietModel], when: dt.datetime) -> None:
    t = when.replace(second=0, microsecond=0, tzinfo=dt.UTC)
    got = quiet_until(rules, to_micros(t), "Europe/Paris")
    assert (got is not None) == _brute(rules, t)
    if got is not None:
        end = t
        while _brute(rules, end) and end - t < dt.timedelta(days=7):
            end += dt.timedelta(minutes=1)
        if end - t >= dt.timedelta(days=7):
            assert got[0] == "drop" and got[1] >= to_micros(end)
        else:
            assert got[1] == to_micros(end)
