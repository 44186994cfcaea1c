"""Sliding-window throttling and capping (pure slot computation and the store-backed limiter)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jengine.runtime.ratelimit import Rate, RateLimiter, throttle_slot
from jengine.runtime.store import Store

T = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
S = dt.timedelta(seconds=1)


def test_slot_is_now_when_the_window_has_room() -> None:
    assert throttle_slot([], T, Rate(1, S)) == T
    assert throttle_slot([T - S], T, Rate(1, S)) == T  # (T−1s, T] excludes T−1s
    assert throttle_slot([T - S / 2], T, Rate(2, S)) == T


def test_slot_waits_for_the_oldest_to_leave() -> None:
    times = [T - 0.9 * S, T - 0.5 * S, T - 0.1 * S]
    assert throttle_slot(times, T, Rate(3, S)) == T + 0.1 * S
    assert throttle_slot(times, T, Rate(2, S)) == T + 0.5 * S


def test_slot_keeps_order_behind_reservations() -> None:
    assert throttle_slot([T + 3 * S], T, Rate(5, S)) == T + 3 * S
    assert throttle_slot([T + 3 * S, T + 3 * S], T, Rate(2, S)) == T + 4 * S


def test_limiter_capping_and_throttle_share_the_log(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        lim = RateLimiter(store)
        cap, thr = Rate(3, dt.timedelta(minutes=1)), Rate(2, S)
        verdicts = [lim.decide("a", f"k{n}", T, cap, thr).verdict for n in range(4)]
        assert verdicts == ["go", "go", "delay", "delay"]
        assert lim.decide("a", "k2", T + S, cap, thr).verdict == "go"  # its reserved slot
        assert lim.decide("a", "k3", T + S, cap, thr).verdict == "capped"  # 4th in a minute
        assert lim.decide("b", "k0", T, cap, thr).verdict == "go"  # per action
        assert lim.decide("a", "k4", T + 61 * S, cap, thr).verdict == "go"


def test_limiter_state_is_transactional(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        lim = RateLimiter(store)
        cap = Rate(1, dt.timedelta(minutes=1))
        try:
            with store.transaction():
                assert lim.decide("a", "k1", T, cap, None).verdict == "go"
                raise RuntimeError("crash before commit")
        except RuntimeError:
            pass
        assert lim.decide("a", "k1", T, cap, None).verdict == "go"  # the attempt is made again
        assert lim.decide("a", "k1", T, cap, None).verdict == "go"  # same key: not counted twice
        assert lim.decide("a", "k2", T, cap, None).verdict == "capped"
