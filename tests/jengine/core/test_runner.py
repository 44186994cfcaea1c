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
    return RunOptions(events=EXAMPLES / "events.jsonl",
                      profiles=EXAMPLES / "profiles.jsonl", state=tmp / "s.db",
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
