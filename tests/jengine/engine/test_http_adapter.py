"""The HTTP adapter against a real local server: actions, retries, limits, secrets, sources."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
from _engine_http_server import Reply, ScriptedServer

from jengine.core.keys import action_key, datasource_key
from jengine.runtime.clock import SimulatedClock
from jengine.runtime.http import (
    ActionSpec,
    DataSourceSpec,
    Delayed,
    Finished,
    HttpClient,
    HttpRequest,
    HttpxTransport,
    RetryAt,
    Secret,
    backoff,
    call_action_blocking,
    encode_body,
    encode_query,
)
from jengine.runtime.ratelimit import Rate, RateLimiter
from jengine.runtime.store import Store

T = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
MS = dt.timedelta(milliseconds=1)
SECRET = "s3cr3t-7f1c-do-not-log"
KEY = action_key("crm/1/alice@example.com/1", "sync")


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(T)


@pytest.fixture
def client(store: Store, clock: SimulatedClock) -> Iterator[HttpClient]:
    transport = HttpxTransport()
    yield HttpClient(transport, clock, limiter=RateLimiter(store), env={"CRM_KEY": SECRET})
    transport.close()


def _action(server: ScriptedServer, path: str, **kw: object) -> ActionSpec:
    return ActionSpec("crmSync", server.url(path), "POST",
                      {"X-Api-Key": Secret("CRM_KEY"), "X-Client": "jengine"},
                      **kw)  # type: ignore[arg-type]


def test_success_sends_body_headers_and_key(http_server: ScriptedServer,
                                            client: HttpClient) -> None:
    http_server.script("/leads", Reply(201, {"leadId": "L-1"}))
    out = client.attempt_action(_action(http_server, "/leads"),
                                {"email": "a@x", "score": 7, "at": T, "none": None}, KEY)
    assert isinstance(out, Finished) and out.result.ok and out.attempt == 1
    assert out.result.status_code == "http_201" and out.result.outbox_status == "sent"
    assert out.result.action_payload() == {"leadId": "L-1", "jo_status_code": "http_201",
                                           "errorResponse": None}
    [req] = http_server.hits("/leads")
    assert req.method == "POST"
    assert json.loads(req.body) == {"email": "a@x", "score": 7, "at": "2026-12-01T10:00Z"}
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["Idempotency-Key"] == "crm/1/alice@example.com/1:sync"
    assert req.headers["X-Api-Key"] == SECRET and req.headers["X-Client"] == "jengine"


def test_non_object_2xx_body_gives_an_empty_response(http_server: ScriptedServer,
                                                     client: HttpClient) -> None:
    http_server.script("/leads", Reply(200, [1, 2]))
    out = client.attempt_action(_action(http_server, "/leads"), {}, KEY)
    assert isinstance(out, Finished)
    assert out.result.action_payload() == {"jo_status_code": "http_200", "errorResponse": None}


def test_timeout_without_retries(http_server: ScriptedServer, client: HttpClient) -> None:
    http_server.script("/slow", Reply(200, {}, delay=1.0))
    out = client.attempt_action(_action(http_server, "/slow", timeout=150 * MS), {}, KEY)
    assert isinstance(out, Finished) and out.result.status_code == "timedout"
    assert out.result.outbox_status == "failed" and 100 <= out.result.elapsed_ms < 10_000


def test_a_timed_out_attempt_ends_the_call(http_server: ScriptedServer,
                                           client: HttpClient) -> None:
    """AJO: the timeout is the call's total budget; an attempt that uses it up is not retried
    (it was retried after a back-off before)."""
    http_server.script("/slow", Reply(200, {}, delay=1.0))
    out = client.attempt_action(_action(http_server, "/slow", timeout=150 * MS, retries=3),
                                {}, KEY)
    assert isinstance(out, Finished) and out.result.status_code == "timedout"
    assert len(http_server.hits("/slow")) == 1


def test_5xx_retried_then_success_same_idempotency_key(http_server: ScriptedServer,
                                                       client: HttpClient,
                                                       clock: SimulatedClock) -> None:
    http_server.script("/leads", Reply(503, {"e": 1}), Reply(500), Reply(200, {"leadId": "x"}))
    spec = _action(http_server, "/leads", retries=3)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance_to(clock.now() + dt.timedelta(seconds=seconds))

    done = call_action_blocking(client, spec, {"email": "a@x"}, KEY, sleep=sleep)
    assert done.result.ok and done.attempt == 3
    assert sleeps == [0.1, 0.2]
    keys = {r.headers["Idempotency-Key"] for r in http_server.hits("/leads")}
    assert len(http_server.hits("/leads")) == 3 and keys == {KEY}


def test_5xx_after_the_last_retry_fails(http_server: ScriptedServer, client: HttpClient,
                                        clock: SimulatedClock) -> None:
    http_server.script("/leads", Reply(502, {"why": "down"}))
    spec = _action(http_server, "/leads", retries=1)
    first = client.attempt_action(spec, {}, KEY, 1)
    assert isinstance(first, RetryAt)
    clock.advance_to(first.at)
    last = client.attempt_action(spec, {}, KEY, 2)
    assert isinstance(last, Finished) and last.result.status_code == "http_502"
    assert last.result.action_payload()["errorResponse"] == {"why": "down"}


def test_404_is_not_retried(http_server: ScriptedServer, client: HttpClient) -> None:
    http_server.script("/leads", Reply(404, {"error": "unknown"}))
    out = client.attempt_action(_action(http_server, "/leads", retries=3), {}, KEY)
    assert isinstance(out, Finished) and out.result.status_code == "http_404"
    assert len(http_server.hits("/leads")) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_other_4xx_are_not_retried(http_server: ScriptedServer, client: HttpClient,
                                   status: int) -> None:
    http_server.script("/leads", Reply(status))
    out = client.attempt_action(_action(http_server, "/leads", retries=3), {}, KEY)
    assert isinstance(out, Finished) and out.result.status_code == f"http_{status}"


@pytest.mark.parametrize("status", [400, 409, 410, 302])
def test_other_non_2xx_statuses_are_retried(http_server: ScriptedServer, client: HttpClient,
                                            status: int) -> None:
    """AJO retries every HTTP error except 401, 403 and 404 (400 and 409 were not retried)."""
    http_server.script("/leads", Reply(status))
    out = client.attempt_action(_action(http_server, "/leads", retries=3), {}, KEY)
    assert isinstance(out, RetryAt) and out.result.status_code == f"http_{status}"


def test_429_is_retried(http_server: ScriptedServer, client: HttpClient) -> None:
    http_server.script("/leads", Reply(429), Reply(200, {}))
    out = client.attempt_action(_action(http_server, "/leads", retries=2), {}, KEY)
    assert isinstance(out, RetryAt) and out.result.status_code == "http_429"


def test_network_error_is_retried_and_reported_as_internal_error(client: HttpClient) -> None:
    spec = ActionSpec("down", "http://127.0.0.1:9/nothing", retries=1)
    out = client.attempt_action(spec, {}, KEY)
    assert isinstance(out, RetryAt)
    last = client.attempt_action(spec, {}, KEY, 2)
    assert isinstance(last, Finished)
    assert last.result.action_payload()["jo_status_code"] == "internalError"


def test_backoff_doubles() -> None:
    assert [backoff(k) for k in (1, 2, 3, 4)] == [100 * MS, 200 * MS, 400 * MS, 800 * MS]


def test_capping_fails_the_extra_attempt_without_calling(http_server: ScriptedServer,
                                                         client: HttpClient,
                                                         clock: SimulatedClock) -> None:
    http_server.script("/leads", Reply(200, {}))
    spec = _action(http_server, "/leads", capping=Rate(2, dt.timedelta(minutes=1)))
    outs = [client.attempt_action(spec, {}, f"i{n}:s") for n in range(3)]
    assert [o.result.status_code for o in outs if isinstance(o, Finished)] == \
        ["http_200", "http_200", "capped"]
    assert isinstance(outs[2], Finished) and outs[2].result.outbox_status == "capped"
    assert len(http_server.hits("/leads")) == 2
    clock.advance_to(T + dt.timedelta(minutes=1))
    again = client.attempt_action(spec, {}, "i9:s")
    assert isinstance(again, Finished) and again.result.ok


def test_throttle_delays_in_order_then_calls(http_server: ScriptedServer, client: HttpClient,
                                             clock: SimulatedClock) -> None:
    http_server.script("/leads", Reply(200, {}))
    spec = _action(http_server, "/leads", throttle=Rate(2, dt.timedelta(seconds=1)))
    outs = [client.attempt_action(spec, {}, f"i{n}:s") for n in range(5)]
    assert [type(o).__name__ for o in outs] == ["Finished", "Finished", "Delayed", "Delayed",
                                                "Delayed"]
    delays = [o.at for o in outs if isinstance(o, Delayed)]
    assert delays == [T + dt.timedelta(seconds=1)] * 2 + [T + dt.timedelta(seconds=2)]
    clock.advance_to(delays[0])
    made = [client.attempt_action(spec, {}, f"i{n}:s") for n in (2, 3)]
    assert all(isinstance(o, Finished) and o.result.ok for o in made)
    assert len(http_server.hits("/leads")) == 4


def test_missing_secret_is_internal_error_without_a_call(http_server: ScriptedServer,
                                                         store: Store) -> None:
    http_server.script("/leads", Reply(200, {}))
    client = HttpClient(HttpxTransport(), SimulatedClock(T), env={})
    out = client.attempt_action(_action(http_server, "/leads", retries=2), {}, KEY)
    assert isinstance(out, Finished) and out.result.status_code == "internalError"
    assert http_server.hits("/leads") == []


def test_secret_is_sent_but_never_logged(http_server: ScriptedServer, client: HttpClient,
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    http_server.script("/leads", Reply(500, {"echo": "nothing"}), Reply(200, {}))
    spec = _action(http_server, "/leads", retries=1)
    outs = [client.attempt_action(spec, {"email": "a@x"}, KEY, n) for n in (1, 2)]
    ds = DataSourceSpec("W", http_server.url("/leads"), headers={"K": Secret("CRM_KEY")})
    client.fetch(ds, {"q": 1}, "k")
    request = client.build("POST", spec.url, spec.headers, {}, KEY, None)
    assert all(r.headers["X-Api-Key"] == SECRET for r in http_server.hits("/leads")[:2])
    assert caplog.records and SECRET not in caplog.text
    assert SECRET not in repr(request) and SECRET not in repr(outs)
    assert isinstance(request, HttpRequest) and request.headers["X-Api-Key"] == SECRET


def test_get_action_uses_a_query_string(http_server: ScriptedServer, client: HttpClient) -> None:
    http_server.script("/q", Reply(200, {}))
    spec = ActionSpec("lookup", http_server.url("/q?fixed=1"), "GET")
    client.attempt_action(spec, {"city": "Île de France", "tags": ["a&b", None, "c"],
                                 "n": None, "d": 1e10, "ok": True}, KEY)
    [req] = http_server.hits("/q")
    assert req.body == b"" and "Content-Type" not in req.headers
    assert req.query == ("fixed=1&city=%C3%8Ele%20de%20France&tags=a%26b&tags=c&d=1.0E10"
                         "&ok=true")


def test_query_encoding_rules() -> None:
    params = {"at": dt.datetime(2026, 12, 1, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
              "day": dt.date(2026, 12, 1), "ttl": dt.timedelta(minutes=90),
              "local": dt.datetime(2026, 12, 1, 9, 30), "x": "~a-b_c.d/e"}
    assert parse_qsl(encode_query(params)) == [
        ("at", "2026-12-01T11:00+01:00"), ("day", "2026-12-01"), ("ttl", "PT1H30M"),
        ("local", "2026-12-01T09:30"), ("x", "~a-b_c.d/e")]
    assert "~a-b_c.d%2Fe" in encode_query(params)


def test_json_body_encoding_rules() -> None:
    body = encode_body({"seenAt": T, "ttl": dt.timedelta(seconds=-1.5), "ratio": 0.5,
                        "tags": ["a", None], "meta": {"at": dt.date(2026, 1, 2), "n": None},
                        "gone": None, "name": "é"})
    assert body.decode() == ('{"seenAt":"2026-12-01T10:00Z","ttl":"PT-1.5S","ratio":0.5,'
                             '"tags":["a",null],"meta":{"at":"2026-01-02","n":null},"name":"é"}')


def test_datasource_idempotency_key() -> None:
    params = {"b": 2, "a": "é"}
    digest = hashlib.sha256('{"a":"é","b":2}'.encode()).hexdigest()[:16]
    assert datasource_key("j/1/p/1", "entry", "Weather", "main", params) == \
        f"j/1/p/1:entry:Weather.main:{digest}"


def test_datasource_cache_and_errors(http_server: ScriptedServer, client: HttpClient,
                                     clock: SimulatedClock) -> None:
    http_server.script("/weather", Reply(200, {"temperature": 12.5}))
    spec = DataSourceSpec("Weather", http_server.url("/weather"), cache=dt.timedelta(minutes=10))
    first = client.fetch(spec, {"city": "Paris"}, "k1")
    assert first.payload == {"temperature": 12.5} and not first.cached
    assert http_server.hits("/weather")[0].query == "city=Paris"
    assert http_server.hits("/weather")[0].headers["Idempotency-Key"] == "k1"
    second = client.fetch(spec, {"city": "Paris"}, "k2")
    assert second.cached and second.payload == first.payload
    client.fetch(spec, {"city": "Lyon"}, "k3")
    assert len(http_server.hits("/weather")) == 2
    clock.advance_to(T + dt.timedelta(minutes=10))
    assert not client.fetch(spec, {"city": "Paris"}, "k4").cached
    assert len(http_server.hits("/weather")) == 3


def test_datasource_failures_are_not_retried_nor_cached(http_server: ScriptedServer,
                                                        client: HttpClient) -> None:
    http_server.script("/bad", Reply(503), Reply(200, [1]), Reply(200, {"ok": 1}, delay=1.0))
    spec = DataSourceSpec("Bad", http_server.url("/bad"), cache=dt.timedelta(minutes=10),
                          timeout=150 * MS)
    r1 = client.fetch(spec, {}, "k")
    r2 = client.fetch(spec, {}, "k")
    r3 = client.fetch(spec, {}, "k")
    assert (r1.payload, r1.status_code) == (None, "http_503")
    assert (r2.payload, r2.status_code) == (None, "http_200")
    assert (r3.payload, r3.status_code) == (None, "timedout")
    assert len(http_server.hits("/bad")) == 3
