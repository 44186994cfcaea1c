"""The codec round-trips every input type of the core, and the key machine dispatches
effects by type (an unknown effect type is an error, not silently dropped)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from jengine.core import state as S
from jengine.temporal.codec import INPUT_TYPES, decode_input, encode_input
from jengine.temporal.machine import KeyMachine

ROOT = Path(__file__).resolve().parents[3]
SAMPLES: list[S.Input] = [
    S.EventIn(3, None, "E", "p", {"a": [1, {"b": None}]}),
    S.BusinessIn(1, 5, "B", {"x": 1.5}),
    S.AudienceIn(2, None, "p", "A", "exited", False),
    S.ReactionIn(4, None, "j", 2, "p", "s", "opened"),
    S.TimerIn(0, None, 7, 1, 123, "j/1/p/1", {"t": "resume", "token": 2}),
    S.ActionResultIn(0, None, "j/1/p/1", "s", 2, "retry", 99, "http_503", False, {}, 12),
    S.ProfileIn(0, None, "p", {"id": "p", "attributes": {}}),
    S.MemberIn(6, None, {"t": "business", "journey": "j", "event": "B", "payload": {}}, "p", 3,
               True),
]


def test_every_input_type_is_known() -> None:
    assert {type(x).__name__ for x in SAMPLES} == set(INPUT_TYPES)


@pytest.mark.parametrize("inp", SAMPLES, ids=lambda x: type(x).__name__)
def test_round_trip(inp: S.Input) -> None:
    import json

    assert decode_input(json.loads(json.dumps(encode_input(inp)))) == inp


@dataclasses.dataclass(frozen=True)
class NewEffect:
    what: str


def test_unknown_effect_type_fails_loudly(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A new effect type of the core without a handler fails the workflow task (visible,
    retried once a worker has the handler) instead of being dropped."""
    from jengine.core.context import Options
    from jengine.temporal import machine as M
    from jengine.temporal.specs import publish, remember
    from jengine.temporal.stores import open_store

    with open_store(tmp_path / "store") as store:
        snapshot = publish(store, ROOT / "examples" / "workspace", Options()).snapshot
    assert snapshot is not None
    remember(snapshot)
    m = KeyMachine({"key": "p", "spec_id": snapshot["id"], "gen": snapshot["gen"]})
    monkeypatch.setattr(M, "step", lambda spec, st, inp, now, data: (st, [NewEffect("x")]))
    with pytest.raises(TypeError, match="no handler for effect NewEffect"):
        asyncio.run(m.process(S.ProfileIn(profile="p", record={"id": "p"}), 0, None))  # type: ignore[arg-type]


def test_machine_round_trips_through_json() -> None:
    m = KeyMachine({"key": "p", "timers": [[5, 1, 1, None, {"t": "enter"}]], "seq": 1,
                    "items": 3, "last_now": 9, "spec_id": "s", "gen": 2, "seen": ["a"]})
    again = KeyMachine(m.to_json())
    assert again.to_json() == m.to_json()
    assert again.timers == [(5, 1, 1, None, {"t": "enter"})]
    assert not again.fresh("a") and again.fresh("b")
    again.use_spec("old", 1)
    assert again.spec_id == "s"
    again.use_spec("new", 3)
    assert again.spec_id == "new"


def test_every_effect_type_has_a_handler() -> None:
    effects: tuple[Any, ...] = S.Effect.__args__  # type: ignore[attr-defined]
    assert set(effects) <= set(KeyMachine.HANDLERS)
