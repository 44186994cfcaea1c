"""Runner tests: the example workspace over the example streams, and resume after a stop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jengine.runtime.http import HttpRequest, HttpResponse
from jengine.runtime.runner import RunOptions, RunResult, run
from jengine.runtime.store import Store
from jengine.testing.stubchannels import RecordingSenders

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"


class FakeTransport:
    """Weather: 20 degrees; coupons: a code."""

    def send(self, request: HttpRequest) -> HttpResponse:
        if "weather" in request.url:
            return HttpResponse(200, b'{"temperature": 20.5, "condition": "sun"}')
        return HttpResponse(200, b'{"code": "C10", "expiresAt": "2027-01-01T00:00:00Z"}')


def options(tmp: Path, **kw: Any) -> RunOptions:
    kw.setdefault("workspace", EXAMPLES / "workspace")
    kw.setdefault("events", EXAMPLES / "events.jsonl")
    kw.setdefault("profiles", EXAMPLES / "profiles.jsonl")
    return RunOptions(state=tmp / "s.db",
                      outbox=tmp / "outbox.jsonl", journal=tmp / "journal.jsonl",
                      dead_letters=tmp / "dead.jsonl", transport=FakeTransport(),
                      env={"COUPON_API_KEY": "k"}, batch_size=20,
                      senders=RecordingSenders(), **kw)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_examples_run(tmp_path: Path) -> None:
    result = run(options(tmp_path))
    assert isinstance(result, RunResult) and result.status == 0
    assert result.events == 248
    dead = lines(tmp_path / "dead.jsonl")
    assert {d["reason"] for d in dead} == {"bad_input", "unknown_event", "key_error"}
    assert any(d["line"] == 126 and d["reason"] == "unknown_event" for d in dead)
    journal = lines(tmp_path / "journal.jsonl")
    outbox = lines(tmp_path / "outbox.jsonl")
    trial = [j for j in journal if j["profile"] == "chloe.dubois@example.com"
             and j["journey"] == "welcome"]
    assert trial[0]["outcome"] == "discarded" and trial[0]["reason"] == "entry_condition_false"
    welcome = [o for o in outbox if o["journey"] == "welcome" and o["step"] == "hello"]
    assert welcome and all(o["params"]["template"] == "welcome" for o in welcome)
    assert all(o["status"] == "sent" for o in outbox)
    assert any(o["action"] == "couponService" for o in outbox)
    with Store(tmp_path / "s.db") as store:
        assert store.counters("report")


def test_resume_gives_the_same_outputs(tmp_path: Path) -> None:
    full = tmp_path / "full"
    part = tmp_path / "part"
    full.mkdir()
    part.mkdir()
    run(options(full))
    first = run(options(part, max_inputs=100))
    assert first.events == 100
    second = run(options(part))
    assert second.events == 148
    for name in ("outbox.jsonl", "journal.jsonl", "dead.jsonl"):
        assert (part / name).read_text() == (full / name).read_text()


def test_until_flushes_timers(tmp_path: Path) -> None:
    from jexpr.runtime.temporal import parse_offset_datetime

    until = parse_offset_datetime("2027-06-01T00:00:00Z")
    result = run(options(tmp_path, until=until))
    journal = lines(tmp_path / "journal.jsonl")
    assert result.timers > 0
    assert any(j["outcome"] == "timed_out" or j["outcome"] == "completed" for j in journal)


def test_refuses_a_reused_version(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    text = (EXAMPLES / "workspace" / "common.journey").read_text()
    (ws / "c.journey").write_text(text + "\njourney z { entry on event PurchaseMade a: end }\n")
    opts = options(tmp_path, workspace=ws)
    assert run(opts).status == 0
    (ws / "c.journey").write_text(text + "\njourney z { entry on event PurchaseMade b: end }\n")
    import io

    err = io.StringIO()
    opts.err = err
    assert run(opts).status == 1
    assert "J-VERSION-REUSED" in err.getvalue()


def test_a_tiny_cache_and_timer_window_change_nothing(tmp_path: Path) -> None:
    """The world's cache and the timer queue's memory window are speed, not semantics: with
    one cached profile, a 16-timer window and batches of 3 (``until`` past the weekday
    journey's window end) the outputs equal the default run's, line for line."""
    from jexpr.runtime.temporal import parse_offset_datetime

    until = parse_offset_datetime("2027-03-02T00:00:00Z")
    big, small = tmp_path / "big", tmp_path / "small"
    big.mkdir()
    small.mkdir()
    reference = run(options(big, until=until))
    tiny = options(small, until=until, cache_size=1, timer_window=16)
    tiny.batch_size = 3
    result = run(tiny)
    assert result.timers == reference.timers > 100
    for name in ("outbox.jsonl", "journal.jsonl", "dead.jsonl"):
        assert (small / name).read_text() == (big / name).read_text()


GROUPS = """
datasource ExperiencePlatform { fieldgroup FG { fields { tier: string } } }
audience VIP { where #{ExperiencePlatform.FG.tier} == "gold" }
event Launch business { fields { id: string } }
journey biz { reentrance always timeout 30d
  window 2026-12-01T00:00:00Z to 2026-12-05T00:00:00Z
  entry on business event Launch read audience VIP
  hi: email { id: @event{Launch.id} }
  w: wait 10d
}
"""


def test_business_event_and_window_end_walk_their_groups(tmp_path: Path) -> None:
    """A business event enters the rule audience's members (from the membership index) in
    profile-id order; the window end exits the active instances in uid order."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "g.journey").write_text(GROUPS)
    tiers = {"c@x": "gold", "a@x": "gold", "b@x": "silver", "d@x": "gold"}
    (tmp_path / "p.jsonl").write_text("".join(
        json.dumps({"id": p, "attributes": {"FG": {"tier": t}}}) + "\n"
        for p, t in tiers.items()))
    (tmp_path / "e.jsonl").write_text(json.dumps(
        {"event": "Launch", "time": "2026-12-02T10:00:00Z", "payload": {"id": "L1"}}) + "\n")
    from jexpr.runtime.temporal import parse_offset_datetime

    opts = options(tmp_path, workspace=ws, events=tmp_path / "e.jsonl",
                   profiles=tmp_path / "p.jsonl", cache_size=1,
                   until=parse_offset_datetime("2026-12-06T00:00:00Z"))
    assert run(opts).status == 0
    journal = [(j["profile"], j["outcome"], j.get("reason"))
               for j in lines(tmp_path / "journal.jsonl") if j["step"] != "hi"]
    assert journal == [("a@x", "entered", None), ("c@x", "entered", None),
                       ("d@x", "entered", None), ("a@x", "exited", "window_end"),
                       ("c@x", "exited", "window_end"), ("d@x", "exited", "window_end")]
