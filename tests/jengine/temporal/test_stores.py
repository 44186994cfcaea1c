"""The shared stores (JSONL files, PostgreSQL): outputs de-duplicated by effect id, the
profile directory, cap claims (compare-and-set, idempotent by claim id), the shared rate
limiter deciding exactly as the embedded one, and the file store's crash repair and
cross-process safety."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest

from jengine.runtime.ratelimit import Rate, RateLimiter
from jengine.runtime.store import Store
from jengine.temporal.activities import SharedLimiter
from jengine.temporal.codec import OutputRecord
from jengine.temporal.servers import PostgresServer
from jengine.temporal.store import SharedStore
from jengine.temporal.stores import open_store


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture(params=["files", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SharedStore]:
    if request.param == "files":
        s = open_store(tmp_path / "store")
    else:
        server: PostgresServer = request.getfixturevalue("pg")
        import psycopg

        with psycopg.connect(server.url, autocommit=True) as c:
            c.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        s = open_store(server.url)
    yield s
    s.close()


def rec(eid: str, stream: str = "journal", **line: object) -> OutputRecord:
    return OutputRecord(eid, stream, {"id": eid, **line})


def test_outputs_once_in_order(store: SharedStore) -> None:
    assert store.put_outputs([rec("a"), rec("b"), rec("a"), rec("o", "outbox")]) == 3
    assert store.put_outputs([rec("b"), rec("c", x="é")]) == 1
    assert [r.id for r in store.output_records("journal")] == ["a", "b", "c"]
    assert store.outputs("journal")[2] == {"id": "c", "x": "é"}
    assert store.outputs("outbox") == [{"id": "o"}]
    assert store.outputs("deadletter") == []


def test_profiles_and_members(store: SharedStore) -> None:
    store.put_profiles([("b@x", {"id": "b@x"}, ["News", "VIP"]), ("a@x", {"id": "a@x"}, ["News"])])
    store.put_profiles([("b@x", {"id": "b@x", "v": 2}, ["VIP"])])
    assert store.members("News") == ["a@x"]
    assert store.members("VIP") == ["b@x"]
    assert store.profile("b@x") == {"id": "b@x", "v": 2}
    assert store.profile("nobody") is None


def test_claims_compare_and_set(store: SharedStore) -> None:
    assert store.claim("c1", {"k": (0, 1)}) == {}
    assert store.claim("c1", {"k": (0, 1)}) == {}        # a retried claim: already applied
    assert store.claim("c2", {"k": (0, 1)}) == {"k": 1}  # stale: the current value
    assert store.claim("c3", {"k": (1, 2), "j": (0, 1)}) == {}
    assert store.claim("c4", {"k": (2, 3), "j": (0, 1)}) == {"k": 2, "j": 1}  # all or nothing
    assert store.claim("c5", {"k": (2, 3)}) == {}


def test_shared_limiter_decides_as_the_embedded_one(store: SharedStore, tmp_path: Path) -> None:
    embedded = RateLimiter(Store(tmp_path / "rates.db"))
    shared = SharedLimiter(store)
    t0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    throttle, capping = Rate(2, dt.timedelta(seconds=1)), Rate(3, dt.timedelta(seconds=10))
    for n in range(12):
        now = t0 + dt.timedelta(milliseconds=150 * n)
        a = embedded.decide("act", f"k{n}#1", now, capping, throttle)
        b = shared.decide("act", f"k{n}#1", now, capping, throttle)
        assert a == b, n
        if a.verdict == "delay":  # the delayed attempt comes back at its slot
            assert embedded.decide("act", f"k{n}#1", a.at, capping, throttle) == \
                shared.decide("act", f"k{n}#1", a.at, capping, throttle)


def _writer(folder: str, start: int) -> None:
    s = open_store(folder)
    for i in range(60):
        s.put_outputs([rec(f"e{(start + i) % 80}")])


def test_file_store_two_processes(tmp_path: Path) -> None:
    folder = str(tmp_path / "shared")
    open_store(folder).close()
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(folder, s)) for s in (0, 40)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    ids = [r.id for r in open_store(folder).output_records("journal")]
    assert sorted(ids) == sorted(f"e{i}" for i in range(80))  # every id once


def test_file_store_cuts_an_uncommitted_line(tmp_path: Path) -> None:
    s = open_store(tmp_path / "s")
    s.put_outputs([rec("a")])
    with (tmp_path / "s" / "journal.jsonl").open("ab") as f:
        f.write(b'{"id":"half-writ')  # a crash between the line and its index line
    s.put_outputs([rec("b")])
    text = (tmp_path / "s" / "journal.jsonl").read_text()
    assert text == '{"id":"a"}\n{"id":"b"}\n'
    assert [r.id for r in s.output_records("journal")] == ["a", "b"]
