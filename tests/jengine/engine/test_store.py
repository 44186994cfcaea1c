"""The state store: round trips, migrations, transactions and batches."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from jengine.core.instants import from_micros, to_micros
from jengine.runtime.batch import BatchTx
from jengine.runtime.migrations import (
    SCHEMA_MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    SchemaTooNew,
    StateTooNew,
    upgrade_state,
)
from jengine.runtime.records import (
    Effect,
    InputOffset,
    InstanceRecord,
    Profile,
    Reentrance,
    TimerKind,
    VersionRecord,
)
from jengine.runtime.store import Store

T0 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
FIXTURES = Path(__file__).parent / "fixtures"


def test_fresh_store_is_wal_at_current_schema(store: Store) -> None:
    assert store.schema_version == SCHEMA_VERSION
    assert store.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_versions_round_trip_and_opening_closes_others(store: Store) -> None:
    store.put_version(VersionRecord("welcome", 1, "src1", "h1", True))
    store.put_version(VersionRecord("welcome", 2, "src2", "h2", True))
    assert store.versions("welcome") == [VersionRecord("welcome", 1, "src1", "h1", False),
                                         VersionRecord("welcome", 2, "src2", "h2", True)]
    store.close_versions("welcome")
    assert store.get_version("welcome", 2) == VersionRecord("welcome", 2, "src2", "h2", False)


def test_instances_round_trip_and_one_active_per_profile(store: Store) -> None:
    a = InstanceRecord("j/1/p/1", "j", 1, "p", True, {"step": "s", "n": [1, 2.5, None, "é"]})
    store.put_instance(a)
    assert store.get_instance("j/1/p/1") == a
    assert store.active_instance("j", "p") == a
    with pytest.raises(sqlite3.IntegrityError):
        store.put_instance(InstanceRecord("j/2/p/2", "j", 2, "p", True, {}))
    store.put_instance(InstanceRecord("j/1/p/1", "j", 1, "p", False, {}))
    store.put_instance(InstanceRecord("j/2/p/2", "j", 2, "p", True, {}))
    assert [i.uid for i in store.active_instances("j")] == ["j/2/p/2"]


def test_state_json_refuses_non_json_values(store: Store) -> None:
    with pytest.raises(TypeError):
        store.put_instance(InstanceRecord("u", "j", 1, "p", True, {"t": T0}))


def test_timers_come_out_in_time_kind_seq_order(store: Store) -> None:
    later = T0 + dt.timedelta(seconds=1)
    store.add_timer(later, TimerKind.TIMER, "i", {"n": 1})
    store.add_timer(T0, TimerKind.TIMER, "i", {"n": 2})
    store.add_timer(T0, TimerKind.DEADLINE, "i", {"n": 3})
    store.add_timer(T0, TimerKind.TIMER, None, {"n": 4})
    assert [t.payload["n"] for t in store.timers()] == [3, 2, 4, 1]
    first = store.next_timer(until=T0)
    assert first is not None and first.payload == {"n": 3} and first.kind is TimerKind.DEADLINE
    assert first.due == T0
    store.delete_timer(first.seq)
    store.delete_instance_timers("i")
    remaining = store.timers()
    assert [t.payload["n"] for t in remaining] == [4]
    assert store.next_timer(until=T0 - dt.timedelta(microseconds=1)) is None


def test_timer_seq_is_durable_across_reopen(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as s:
        first = s.add_timer(T0, TimerKind.TIMER, None, {})
        assert first.seq == 1
        s.delete_timer(first.seq)  # a deleted seq is never handed out again
    with Store(tmp_path / "s.db") as s:
        assert s.add_timer(T0, TimerKind.TIMER, None, {}).seq == 2
        assert s.timer_seq() == 2


def test_reentrance_counters_effects_offsets_profiles(store: Store) -> None:
    assert store.get_reentrance("j", "p") == Reentrance("j", "p")
    r = Reentrance("j", "p", 2, T0, T0 + dt.timedelta(hours=1))
    store.put_reentrance(r)
    assert store.get_reentrance("j", "p") == r
    assert store.add_counter("cap", "j", 1, "split", "vip") == 1
    assert store.add_counter("cap", "j", 1, "split", "vip", by=2) == 3
    assert store.get_counter("cap", "j", 1, "split", "vip") == 3
    assert store.get_counter("cap", "j", 2, "split", "vip") == 0
    e = Effect("j/1/p/1", "mail", 1, "outbox", {"status": "sent"})
    assert store.record_effect(e) is True
    assert store.record_effect(Effect("j/1/p/1", "mail", 1, "outbox", {"other": 1})) is False
    assert store.get_effect("j/1/p/1", "mail") == e
    assert store.get_effect("j/1/p/1", "mail", 2) is None
    store.set_offset(InputOffset("events", 7, 420))
    assert store.get_offset("events") == InputOffset("events", 7, 420)
    assert store.get_offset("other") == InputOffset("other")
    p = Profile("a@x", "email", "Europe/Paris", True, {"FG": {"x": 1}}, {"A": "realized"},
                [{"_id": "1"}])
    store.put_profile(p)
    assert store.get_profile("a@x") == p
    assert store.get_profile("b@x") is None


def test_outputs_keep_key_order_and_sequence(store: Store) -> None:
    s1 = store.append_output("journal", {"time": "t", "b": 1, "a": "é"})
    s2 = store.append_output("outbox", {"x": 1})
    s3 = store.append_output("journal", {"z": None})
    assert s1 < s2 < s3
    assert [r.line for r in store.outputs("journal")] == ['{"time":"t","b":1,"a":"é"}',
                                                          '{"z":null}']
    assert [r.seq for r in store.outputs("journal", after=s1)] == [s3]


def test_an_output_row_may_hold_several_lines(tmp_path: Path) -> None:
    from jengine.runtime.export import Exporter

    with Store(tmp_path / "s.db") as store:
        Exporter(store, {"journal": tmp_path / "j.jsonl"}).attach()
        with store.transaction():
            store.append_output("journal", {"n": 1})
            store.execute("INSERT INTO outputs (stream, line) VALUES ('journal', ?)",
                          ('{"n":2}\n{"n":"a\\nb"}',))
        assert [r.line for r in store.outputs("journal")] == [
            '{"n":1}', '{"n":2}', '{"n":"a\\nb"}']
    assert (tmp_path / "j.jsonl").read_text() == '{"n":1}\n{"n":2}\n{"n":"a\\nb"}\n'


def test_micros_round_trip() -> None:
    t = dt.datetime(2026, 3, 29, 2, 30, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert from_micros(to_micros(t)) == t
    with pytest.raises(ValueError):
        to_micros(dt.datetime(2026, 1, 1))


# -- transactions ------------------------------------------------------------------------------


def test_exception_inside_transaction_rolls_everything_back(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.put_instance(InstanceRecord("u", "j", 1, "p", True, {}))
        store.add_timer(T0, TimerKind.TIMER, "u", {})
        store.append_output("outbox", {"a": 1})
        store.set_offset(InputOffset("events", 1, 10))
        store.put_profile(Profile("p"))
        store.record_effect(Effect("u", "s", 1, "outbox", {}))
        raise RuntimeError("crash in the core")
    assert store.get_instance("u") is None
    assert store.timers() == []
    assert list(store.outputs("outbox")) == []
    assert store.get_offset("events") == InputOffset("events")
    assert store.get_profile("p") is None
    assert store.get_effect("u", "s") is None
    assert store.timer_seq() == 0
    assert not store.in_transaction


def test_nested_transaction_rolls_back_alone(store: Store) -> None:
    with store.transaction():
        store.append_output("outbox", {"n": 1})
        with pytest.raises(ValueError), store.transaction():
            store.append_output("outbox", {"n": 2})
            raise ValueError
        store.append_output("outbox", {"n": 3})
    assert [r.line for r in store.outputs("outbox")] == ['{"n":1}', '{"n":3}']


def test_commit_callbacks_run_after_outermost_commit_only(store: Store) -> None:
    seen: list[int] = []
    store.on_commit(lambda: seen.append(len(list(store.outputs("outbox")))))
    with store.transaction():
        with store.transaction():
            store.append_output("outbox", {})
        assert seen == []
    assert seen == [1]


def test_uncommitted_changes_are_invisible_to_another_connection(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.db")
    with s.transaction():
        s.append_output("outbox", {"n": 1})
        other = sqlite3.connect(tmp_path / "s.db")
        assert other.execute("SELECT count(*) FROM outputs").fetchone()[0] == 0
    assert other.execute("SELECT count(*) FROM outputs").fetchone()[0] == 1
    other.close()
    s.close()


def test_batch_commits_what_is_pending_on_flush(store: Store) -> None:
    commits: list[int] = []
    store.on_commit(lambda: commits.append(len(list(store.outputs("outbox")))))
    batch = BatchTx(store)
    for n in range(7):
        with batch.item():
            store.append_output("outbox", {"n": n})
        if batch.pending >= 3:
            batch.flush()
    assert commits == [3, 6] and batch.pending == 1
    batch.flush()
    assert commits == [3, 6, 7] and batch.commits == 3


def test_batch_abort_drops_everything_pending(store: Store) -> None:
    batch = BatchTx(store)
    with batch.item():
        store.append_output("outbox", {"n": 1})
    batch.flush()
    for n in (2, 3):
        with batch.item():
            store.append_output("outbox", {"n": n})
    batch.abort()
    assert [r.line for r in store.outputs("outbox")] == ['{"n":1}']
    assert not store.in_transaction and batch.pending == 0


# -- migrations --------------------------------------------------------------------------------


def test_migrates_an_empty_database(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "empty.db").close()
    with Store(tmp_path / "empty.db") as s:
        assert s.schema_version == SCHEMA_VERSION
        tables = {r[0] for r in s.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"instances", "timers", "profiles", "versions", "effects", "outputs"} <= tables


def _load_fixture(tmp_path: Path, name: str) -> Path:
    db = tmp_path / "fixture.db"
    conn = sqlite3.connect(db)
    conn.executescript((FIXTURES / name).read_text())
    conn.close()
    return db


def test_frozen_v1_store_opens_and_reads(tmp_path: Path) -> None:
    with Store(_load_fixture(tmp_path, "store-v1.sql")) as s:
        assert s.schema_version == SCHEMA_VERSION
        uid = "welcome/1/alice@example.com/1"
        inst = s.active_instance("welcome", "alice@example.com")
        assert inst is not None and inst.uid == uid and inst.state["step"] == "sendWelcome"
        assert [t.payload["type"] for t in s.timers()] == ["wait", "timeout"]
        assert s.timer_seq() == 2
        assert s.get_reentrance("welcome", "alice@example.com").instances == 1
        assert s.get_counter("report", "welcome", 1, "sendWelcome", "entered") == 1
        profile = s.get_profile("alice@example.com")
        assert profile is not None and profile.audiences == {"Newsletter": "realized"}
        assert s.get_effect(uid, "sendWelcome") is not None
        assert s.get_offset("events.jsonl") == InputOffset("events.jsonl", 3, 312)
        assert len(list(s.outputs("outbox"))) == 1 and len(list(s.outputs("journal"))) == 1
        open_version = s.versions("welcome")[0]
        assert open_version.is_open and open_version.version == 1


def test_v1_store_migrates_to_v3_with_the_membership_index(tmp_path: Path) -> None:
    with Store(_load_fixture(tmp_path, "store-v1.sql")) as s:
        assert s.schema_version == SCHEMA_VERSION
        rows = s.execute("SELECT audience, rule, profile FROM audience_members").fetchall()
        assert rows == [("Newsletter", 0, "alice@example.com")]
        assert s.execute("SELECT count(*) FROM audience_rules").fetchone()[0] == 0
        indexes = {r[0] for r in s.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"instances_active_by_profile", "instances_active_by_version",
                "reentrance_by_profile", "audience_members_by_profile"} <= indexes


def test_frozen_v3_store_opens_and_reads(tmp_path: Path) -> None:
    with Store(_load_fixture(tmp_path, "store-v3.sql")) as s:
        assert s.schema_version == SCHEMA_VERSION
        rows = s.execute("SELECT audience, rule, profile FROM audience_members "
                         "ORDER BY audience").fetchall()
        assert rows == [("Churned", 0, "bob@example.com"), ("Newsletter", 0, "alice@example.com"),
                        ("VIP", 1, "bob@example.com")]
        assert s.execute("SELECT audience FROM audience_rules").fetchall() == [("VIP",)]
        inst = s.active_instance("welcome", "alice@example.com")
        assert inst is not None and inst.state["step"] == "sendWelcome"


def test_forward_migration_runs_in_order_and_failure_keeps_old_version(tmp_path: Path) -> None:
    def extra(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE profiles ADD COLUMN extra TEXT")

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("migration bug")

    n = SCHEMA_VERSION
    db = _load_fixture(tmp_path, "store-v1.sql")
    with pytest.raises(RuntimeError):
        Store(db, migrations=(*SCHEMA_MIGRATIONS, Migration(n + 1, extra),
                              Migration(n + 2, broken)))
    with Store(db, migrations=SCHEMA_MIGRATIONS[:1]) as s:  # the whole upgrade rolled back
        assert s.schema_version == 1
        assert s.execute("SELECT count(*) FROM sqlite_master WHERE name='half_done'"
                         ).fetchone()[0] == 0
    with Store(db, migrations=(*SCHEMA_MIGRATIONS, Migration(n + 1, extra))) as s:
        assert s.schema_version == n + 1
        assert "extra" in [r[1] for r in s.execute("PRAGMA table_info(profiles)")]


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "new.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew):
        Store(tmp_path / "new.db")


def test_state_migrations_are_pure_steps() -> None:
    steps = {1: lambda s: {**{k: v for k, v in s.items() if k != "await"},
                           "awaits": s.get("await", [])},
             2: lambda s: {**s, "format_version": 3}}
    old = {"format_version": 1, "await": ["x"]}
    new = upgrade_state(dict(old), 1, steps, target=3)
    assert new == {"format_version": 3, "awaits": ["x"]}
    with pytest.raises(StateTooNew):
        upgrade_state({}, 4, steps, target=3)


def test_v3_store_migrates_to_v4_with_the_read_mark(tmp_path: Path) -> None:
    with Store(_load_fixture(tmp_path, "store-v3.sql")) as s:
        assert s.schema_version == SCHEMA_VERSION
        rows = s.execute("SELECT profile, instances, last_read FROM reentrance").fetchall()
        assert rows == [("alice@example.com", 1, None)]
        indexes = {r[0] for r in s.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "instances_active_by_journey" in indexes


def test_frozen_v4_store_opens_and_reads_the_read_mark(tmp_path: Path) -> None:
    from jengine.runtime.entities import load_entry

    with Store(_load_fixture(tmp_path, "store-v4.sql")) as s:
        assert s.schema_version == SCHEMA_VERSION
        s.execute("UPDATE instances SET active = 0")   # the fixture's states predate 'uid'
        memory = load_entry(s.conn, "alice@example.com").reentrance["welcome|alice@example.com"]
        assert memory == {"instances": 1, "lastEntry": 1796119200000000, "lastEnd": None,
                          "lastRead": "1:2"}


def test_put_instances_rewrites_state_and_ends_instances(tmp_path: Path) -> None:
    """``put_instances`` (the world's batch write): an active record inserts or rewrites its
    state, an ended one also leaves the active indexes, in one call (issue 12)."""
    with Store(tmp_path / "s.db") as store, store.transaction():
        store.put_instances([InstanceRecord("j/1/p/1", "j", 1, "p", True, {"s": 1}),
                             InstanceRecord("k/1/p/1", "k", 1, "p", True, {"s": 1})])
        store.put_instances([InstanceRecord("j/1/p/1", "j", 1, "p", False, {"s": 2}),
                             InstanceRecord("j/1/p/2", "j", 1, "p", True, {"s": 3}),
                             InstanceRecord("k/1/p/1", "k", 1, "p", True, {"s": 4})])
        assert store.get_instance("j/1/p/1") == InstanceRecord("j/1/p/1", "j", 1, "p", False,
                                                               {"s": 2})
        assert store.active_instance("j", "p").uid == "j/1/p/2"  # type: ignore[union-attr]
        assert store.active_instance("k", "p").state == {"s": 4}  # type: ignore[union-attr]
        assert [r.uid for r in store.active_instance_records()] == ["j/1/p/2", "k/1/p/1"]
