"""Issue 14, "wrong today": each test failed before the fix (docs/ajo-compatibility.md).

Re-entrance default and ``never``, the dry run (profiles, reactions, jumps, data sources), time
zones (a mistyped zone, an offset zone, an invalid profile zone), the retry policy defaults,
and the AJO version guardrails. Conversions are pinned by conformance vectors
(``tests/conformance``) and ``tests/jexpr/test_lib_numbers.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from helpers import DECLS, T0, fire, go, journal, outbox, spec_of, timers

from jengine.core.engine import step
from jengine.core.state import Fetch, ReactionIn, State
from jengine.lang.workspace import load_texts
from jengine.runtime.report import collect
from jengine.runtime.runner import RunOptions, run
from jengine.runtime.store import Store

M = dt.timedelta(minutes=1)
D = dt.timedelta(days=1)


def _entries(effects: list[Any]) -> list[tuple[str, str | None]]:
    return [(j[2], j[4]) for j in journal(effects) if j[1] is None]


# ---- re-entrance ------------------------------------------------------------------------------

QUICK = """
journey quick { entry on event Go
  hi: email { template: "hi" }
}
"""


def test_a_journey_without_reentrance_lets_a_profile_back_after_5_minutes() -> None:
    spec = spec_of(QUICK)
    s1, eff = step(spec, State(), go(), T0)
    assert _entries(eff) == [("entered", None)]
    s2, eff = step(spec, s1, go(), T0 + 2 * M)          # a duplicate event: dropped
    assert _entries(eff) == [("discarded", "reentrance_wait")]
    _, eff = step(spec, s2, go(), T0 + 5 * M)            # was: reentrance_never
    assert _entries(eff) == [("entered", None)]


NEVER = """
journey once { reentrance never timeout 2d entry on event Go
  hi: email { template: "hi" }
  w: wait 1d
}
"""


def test_reentrance_never_lasts_one_timeout_from_the_previous_entry() -> None:
    spec = spec_of(NEVER)
    s1, eff = step(spec, State(), go(), T0)
    (wait,) = timers(eff)
    s2, _ = fire(spec, s1, wait, T0 + D)                 # ends one day after the entry
    s3, eff = step(spec, s2, go(), T0 + 2 * D - M)
    assert _entries(eff) == [("discarded", "reentrance_never")]
    _, eff = step(spec, s3, go(), T0 + 2 * D)            # was: refused until T0 + 3d
    assert _entries(eff) == [("entered", None)]


# ---- dry run ----------------------------------------------------------------------------------

DRY = """
datasource Weather { url "https://w.example.com"
  fieldgroup main { params { city: string } fields { temperature: decimal } } }
journey dry { entry on event Go
  save: update profile { ProfileFieldGroup.tier: "gold" }
  hi: email { template: "hi",
    t: #{Weather.main.temperature, params: {city: "Paris"}, defaultValue: -1.0} }
  react: await { event Buy -> buy  clicked hi -> click  opened hi -> open  after 1d -> late }
  buy: end
  click: jump other
  open: end
  late: end
}
journey other { entry on event Stop  x: email { template: "x" } }
"""


def _dry(**options: Any) -> tuple[State, list[Any]]:
    spec = spec_of(DRY, dry_run=True, **options)
    state = State(profiles={"a@x": {"id": "a@x", "attributes": {"ProfileFieldGroup": {
        "tier": "silver"}}, "audiences": {}, "events": []}})
    return step(spec, state, go(), T0)


def test_a_dry_run_updates_no_profile_and_records_the_update_as_skipped() -> None:
    state, eff = _dry()
    assert state.profiles["a@x"]["attributes"] == {"ProfileFieldGroup": {"tier": "silver"}}
    assert outbox(eff)[0] == {**outbox(eff)[0], "step": "save", "action": "updateProfile",
                              "status": "skipped",
                              "params": {"ProfileFieldGroup.tier": "gold"}}


def test_a_dry_run_reads_no_data_source_unless_asked() -> None:
    _, eff = _dry()
    assert not [e for e in eff if isinstance(e, Fetch)]
    assert outbox(eff)[1]["params"]["t"] == -1.0                      # the default value
    _, eff = _dry(dry_run_datasources=True)
    assert [e.source for e in eff if isinstance(e, Fetch)] == ["Weather"]


def test_a_dry_run_takes_the_first_reaction_and_skips_the_jump() -> None:
    _, eff = _dry()
    steps = [(j[1], j[2], j[3], j[4]) for j in journal(eff) if j[1]]
    assert ("react", "completed", "click", None) in steps            # not Buy, not after
    assert ("click", "jump_skipped", "open", "dry_run") in steps
    assert not [j for j in journal(eff) if j[0] == "other"]


def test_a_dry_run_refuses_reaction_inputs() -> None:
    state, _ = _dry()
    spec = spec_of(DRY, dry_run=True)
    reaction = ReactionIn(journey="dry", version=1, profile="a@x", step="hi", kind="opened")
    after, eff = step(spec, state, reaction, T0 + M)
    assert journal(eff) == [("dry", "hi", "discarded", None, "dry_run")]
    assert after.profiles["a@x"]["events"] == []                     # no experience event


# ---- time zones -------------------------------------------------------------------------------


def test_a_mistyped_zone_is_an_error_with_a_did_you_mean() -> None:
    ws = load_texts({"a.journey": DECLS + """
journey tz { timezone "Europe/Pariss" entry on event Go  hi: email { template: "hi" } }"""})
    (d,) = [x.diagnostic for x in ws.diagnostics if x.is_error]
    assert (d.code, d.message, d.hint) == ("J-TIMEZONE", "unknown time zone 'Europe/Pariss'",
                                           'did you mean "Europe/Paris"?')


def test_an_offset_zone_that_check_accepts_is_the_zone_at_run_time() -> None:
    spec = spec_of("""
journey tz { timezone "+05:00" entry on event Go
  pick: condition { morning: time between 14:00 and 16:00 -> yes  else -> no }
  yes: email { template: "yes" } -> done
  no: email { template: "no" }
  done: end
}""")
    _, eff = step(spec, State(), go(), T0)               # 10:00Z is 15:00 at +05:00
    assert [o["step"] for o in outbox(eff)] == ["yes"]   # was: UTC, "no"


def test_an_invalid_profile_zone_is_counted_in_the_report(tmp_path: Path) -> None:
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "a.journey").write_text(DECLS + """
journey tz { timezone profile "Europe/Paris" entry on event Go
  hi: email { template: "hi" } }""", encoding="utf-8")
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps({"event": "Go", "time": t, "payload": {
        "email": p, "n": 1}}) + "\n" for p, t in (("a@x", "2026-12-01T10:00:00Z"),
                                                  ("b@x", "2026-12-01T10:01:00Z"))), "utf-8")
    profiles = tmp_path / "profiles.jsonl"
    profiles.write_text(json.dumps({"id": "a@x", "timeZone": "Mars/Olympus_Mons"}) + "\n"
                        + json.dumps({"id": "b@x", "timeZone": "Asia/Tokyo"}) + "\n", "utf-8")
    result = run(RunOptions(tmp_path / "w", events=events, profiles=profiles,
                            state=tmp_path / "s.db", outbox=tmp_path / "o.jsonl",
                            journal=tmp_path / "j.jsonl", dead_letters=tmp_path / "d.jsonl"))
    assert result.status == 0
    with Store(tmp_path / "s.db") as store:
        (row,) = [r for r in collect(store) if r["step"] is None]
    assert row["entered"] == 2
    assert row["entered_by_reason"] == {"profile_timezone_invalid": 1}


# ---- custom actions: AJO's defaults -----------------------------------------------------------


def test_custom_actions_retry_three_times_by_default() -> None:
    ws = load_texts({"a.journey": 'action crm { url "https://crm.example.com" }'})
    assert ws.model.actions["crm"].retries == 3                      # was: 0


# ---- versions (AJO's guardrails) --------------------------------------------------------------

ENTRY_V1 = """
journey j { entry on event Go
  hi: email { template: "hi" } }
"""


def _register_twice(tmp_path: Path, first: str, second: str) -> list[str]:
    from jengine.core.context import Options
    from jengine.lang.workspace import load_workspace
    from jengine.runtime.versions import register

    ws_dir = tmp_path / "ws"
    ws_dir.mkdir(exist_ok=True)
    (ws_dir / "a.journey").write_text(DECLS + first, encoding="utf-8")
    with Store(tmp_path / "s.db") as store:
        with store.transaction():
            assert register(store, load_workspace(ws_dir), Options()).spec is not None
        (ws_dir / "a.journey").write_text(DECLS + second, encoding="utf-8")
        with store.transaction():
            again = register(store, load_workspace(ws_dir), Options())
    assert again.spec is None
    return [p.split(" ")[0] for p in again.problems]


def test_a_new_version_may_not_change_the_entry_kind(tmp_path: Path) -> None:
    v2 = ENTRY_V1.replace("{ entry on event Go", "{ version 2 entry on audience Churned enters")
    assert _register_twice(tmp_path, ENTRY_V1, v2) == ["J-VERSION-ENTRY"]


def test_a_new_version_may_not_change_the_reentrance(tmp_path: Path) -> None:
    v2 = ENTRY_V1.replace("{ entry", "{ version 2 reentrance after 1d entry")
    assert _register_twice(tmp_path, ENTRY_V1, v2) == ["J-VERSION-REENTRANCE"]


def test_an_incremental_read_audience_journey_has_no_new_version(tmp_path: Path) -> None:
    v1 = """
journey j { entry read audience Churned at 2026-12-01T10:00:00Z daily incremental
  hi: email { template: "hi" } }
"""
    v2 = v1.replace("{ entry", "{ version 2 entry")
    assert _register_twice(tmp_path, v1, v2) == ["J-VERSION-ENTRY"]
