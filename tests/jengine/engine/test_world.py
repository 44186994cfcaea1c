"""The runner's state at scale: the bounded world cache, the membership index and group walks
against the in-memory reference, column-wise profile writes, the windowed timer queue, effect
dedupe (issue 12)."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from jengine.core.context import Spec
from jengine.core.fanout import members
from jengine.core.state import (
    ACTIVE_GROUP,
    AUDIENCE_GROUP,
    JOURNEY_GROUP,
    EventIn,
    Fanout,
    MemberIn,
    State,
    pair,
)
from jengine.lang.workspace import load_texts
from jengine.runtime.effects import EffectLog
from jengine.runtime.entities import write_profiles
from jengine.runtime.loading import profile_json
from jengine.runtime.membership import sync_rules
from jengine.runtime.records import Effect, Profile
from jengine.runtime.store import Store
from jengine.runtime.timers import TimerQueue
from jengine.runtime.world import World, profile_of_uid

TEXT = """
datasource ExperiencePlatform { fieldgroup FG { fields { tier: string } } }
audience VIP { where #{ExperiencePlatform.FG.tier} == "gold" }
audience News
event Go { namespace email key @event{Go.email} fields { email: string } }
journey j { entry on event Go
  hi: email { template: "t" }
  w: wait 1d
}
"""


def spec(text: str = TEXT) -> Spec:
    ws = load_texts({"a.journey": text})
    assert not ws.has_errors
    return Spec.of(ws.model)


def profile(pid: str, tier: str = "silver", news: str | None = None) -> dict[str, object]:
    return profile_json(Profile(pid, "email", None, False, {"FG": {"tier": tier}},
                                {"News": news} if news else {}, []))


def test_cache_is_bounded_and_keeps_dirty_entries_until_written(tmp_path: Path) -> None:
    sp = spec()
    with Store(tmp_path / "s.db") as store, store.transaction():
        world = World(sp, store, capacity=2)
        write_profiles(store.conn, [(profile(f"p{i}"), None) for i in range(5)])
        for i in range(5):
            assert f"p{i}" in world.entry(f"p{i}").profiles
            assert len(world.clean) + len(world.dirty) <= 2
        go = EventIn(name="Go", profile="p0")
        old = world.slice_for(go)
        new = old.copy()
        new.profiles["p0"] = {**old.profiles["p0"], "audiences": {"News": "realized"}}
        world.merge(go, old, new)
        for i in range(1, 5):
            world.entry(f"p{i}")
        assert "p0" in world.dirty          # not evicted before it is written
        world.write()
        assert not world.dirty and len(world.clean) <= 2
        assert store.get_profile("p0").audiences == {"News": "realized"}  # type: ignore[union-attr]
        rows = store.execute("SELECT audience, profile FROM audience_members").fetchall()
        assert rows == [("News", "p0")]


def test_changed_columns_only_are_updated(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        p = profile("a", news="realized")
        write_profiles(store.conn, [(p, None)])
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        write_profiles(store.conn, [({**p, "audiences": {"News": "exited"}}, p)])
        write_profiles(store.conn, [({**p, "events": [{"_id": "e"}]}, p), (dict(p), p)])
        store.conn.set_trace_callback(None)
        updates = [s for s in statements if s.startswith("UPDATE")]
        assert updates == ["UPDATE profiles SET audiences = '{\"News\":\"exited\"}' WHERE id = 'a'",
                           "UPDATE profiles SET events = '[{\"_id\":\"e\"}]' WHERE id = 'a'"]


def _store_state(store: Store, sp: Spec, rng: random.Random, n: int) -> State:
    """Random profiles and active instances, in the store (via a world) and as a State."""
    state = State()
    world = World(sp, store)
    for i in range(n):
        pid = f"p{rng.randrange(10**6):06d}.{i}"
        p = profile(pid, rng.choice(("gold", "silver")),
                    rng.choice((None, "realized", "existing", "exited")))
        state.profiles[pid] = p
        go = EventIn(name="Go", profile=pid)
        old = world.slice_for(go)
        new = old.copy()
        new.profiles[pid] = p
        if rng.random() < 0.5:
            version = rng.choice((1, 2))
            uid = f"j/{version}/{pid}/1"
            inst = {"uid": uid, "journey": "j", "version": version, "profile": pid,
                    "active": True}
            new.instances[uid] = state.instances[uid] = inst
            new.active[pair("j", pid)] = state.active[pair("j", pid)] = uid
        world.merge(go, old, new)
    world.write()
    return state


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 40))
def test_group_walks_equal_the_in_memory_reference(seed: int, n: int) -> None:
    import tempfile

    sp = spec()
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.db") as store, \
            store.transaction():
        state = _store_state(store, sp, rng, n)
        world = World(sp, store)
        world.page = 3  # several pages even for small groups
        for group in ((AUDIENCE_GROUP, "VIP"), (AUDIENCE_GROUP, "News"),
                      (ACTIVE_GROUP, "j", "1"), (ACTIVE_GROUP, "j", "2"),
                      (JOURNEY_GROUP, "j")):
            fanout = Fanout(group, MemberIn(task={"t": "x"}), bare_from=2)
            walked = list(world.walk(fanout))
            assert [m.profile for m in walked] == members(sp, state, group)
            assert [m.index for m in walked] == list(range(len(walked)))
            assert [m.bare for m in walked] == [k >= 2 for k in range(len(walked))]


def test_a_changed_rule_is_recomputed(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store, store.transaction():
        World(spec(), store)
        write_profiles(store.conn, [(profile("a", "gold"), None), (profile("b", "silver"), None)])
        assert sync_rules(store.conn, spec()) == []           # the rule is unchanged
        silver = spec(TEXT.replace('== "gold"', '== "silver"'))
        assert sync_rules(store.conn, silver) == ["VIP"]
        rows = store.execute("SELECT profile FROM audience_members WHERE rule = 1").fetchall()
        assert rows == [("b",)]
        sync_rules(store.conn, spec(TEXT.replace("audience VIP", "audience VIPX")))
        assert store.execute("SELECT count(*) FROM audience_members WHERE audience = 'VIP'"
                             ).fetchone()[0] == 0


def test_profile_of_uid() -> None:
    assert profile_of_uid("welcome/12/a/b@x.com/3") == "a/b@x.com"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "add", "add", "pop", "cancel", "write"]),
                          st.integers(0, 50), st.integers(0, 1), st.integers(0, 5)),
                max_size=150))
def test_timer_queue_pops_in_order_whatever_the_window(ops: list[tuple[str, int, int, int]]
                                                       ) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.db") as store, \
            store.transaction():
        queue = TimerQueue(store, capacity=4)
        queue.capacity = 4
        model: dict[int, tuple[int, int, int, str]] = {}
        for op, due, kind, who in ops:
            if op == "add":
                seq = queue.add(due, kind, f"i{who}", {"n": due})
                model[seq] = (due, kind, seq, f"i{who}")
            elif op == "pop":
                row = queue.pop(due)
                first = min(model.values(), default=None)
                if first is None or first[0] > due:
                    assert row is None
                else:
                    assert row is not None and row[0] == first[2]
                    del model[first[2]]
            elif op == "cancel":
                queue.cancel(f"i{who}")
                model = {s: t for s, t in model.items() if t[3] != f"i{who}"}
            else:
                queue.write(store)
        queue.write(store)
        table = store.execute("SELECT seq FROM timers ORDER BY due, kind, seq").fetchall()
        assert [r[0] for r in table] == [t[2] for t in sorted(model.values())]


def test_effect_log_dedupes_in_the_batch_and_against_the_store(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        log = EffectLog(store)
        e = Effect("j/1/a/1", "hi", 1, "outbox", {"x": 1})
        assert log.record(e) and not log.record(e)
        log.write()
        again = EffectLog(store)
        assert not again.record(e)
        assert again.record(Effect("j/1/a/1", "hi", 2, "outbox", {"x": 1}))


def test_profile_load_streams_and_a_repeated_id_replaces(tmp_path: Path) -> None:
    import io
    import json

    import jengine.runtime.loading as loading

    lines = [{"id": f"p{i}", "audiences": {"News": "realized"}} for i in range(7)]
    lines.append({"id": "p2", "audiences": {"News": "exited"}})      # a later line wins
    lines.append({"id": "p9", "attributes": {"FG": {"tier": "gold"}}})
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines) + "not json\n")
    err = io.StringIO()
    with Store(tmp_path / "s.db") as store, store.transaction():
        world = World(spec(), store)
        old, loading.BATCH = loading.BATCH, 3
        try:
            assert loading.load_profiles(path, world, err) == 9
        finally:
            loading.BATCH = old
        rows = store.execute("SELECT audience, rule, profile FROM audience_members "
                             "ORDER BY audience, profile").fetchall()
    assert rows == [("News", 0, p) for p in ("p0", "p1", "p3", "p4", "p5", "p6")] + [
        ("VIP", 1, "p9")]
    assert "p.jsonl:10: warning bad_input" in err.getvalue()


def test_stored_rows_tier_serves_misses_and_never_a_stale_entry(tmp_path: Path) -> None:
    """A miss of the decoded tier is served from the stored-rows tier (no SQL statement) as
    a fresh decoding; an entry written since is read again from the store, not from its old
    rows (issue 12)."""
    sp = spec()
    with Store(tmp_path / "s.db") as store, store.transaction():
        world = World(sp, store, capacity=1)
        write_profiles(store.conn, [(profile(f"p{i}"), None) for i in range(3)])
        first = world.entry("p0")
        world.entry("p1")                        # p0 leaves the decoded tier, not the rows
        assert "p0" not in world.clean and "p0" in world.rows
        store.execute("UPDATE profiles SET attributes = '{}' WHERE id = 'p0'")  # unseen
        again = world.entry("p0")
        assert again.profiles["p0"] == first.profiles["p0"]     # from the rows tier
        assert again.profiles["p0"] is not first.profiles["p0"]  # decoded anew
        go = EventIn(name="Go", profile="p0")
        old = world.slice_for(go)
        new = old.copy()
        new.profiles["p0"] = {**old.profiles["p0"], "audiences": {"News": "realized"}}
        world.merge(go, old, new)
        world.write()
        assert "p0" not in world.rows             # its stored rows were stale
        world.entry("p1")
        assert world.entry("p0").profiles["p0"]["audiences"] == {"News": "realized"}
        world.forget("p0")
        assert "p0" not in world.rows and "p0" not in world.clean
