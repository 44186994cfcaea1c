"""Routing of inputs to journeys (journey spec §4.3 step 4, §5.4) and the entry checks.

Per journey, in name order: (a) exit criteria of the active instance's version, (b) delivery
to an await ``event`` trigger, (c) entry, with the checks of §4.3 4c in their order. A jump
(§3.2) enters through the same checks. Audience changes (``@audience`` inputs and rule
changes) and reactions have their own small routers here; the inputs that concern a group of
profiles are fan-outs: read-audience runs and business events in :mod:`jengine.core.reads`,
window ends in :mod:`jengine.core.groups`. Routing consults only the journeys that listen to
the input (:mod:`jengine.core.routes`). The re-entrance rule is AJO's (``after 5m`` by
default; ``never`` lasts one journey timeout from the previous entry).
"""

from __future__ import annotations

from jengine.core.context import (
    MEMBER,
    Env,
    VersionSpec,
    profile_zone_invalid,
    rule_memberships,
)
from jengine.core.routes import routes
from jengine.core.run import Run, new_instance
from jengine.core.state import AudienceIn, EventIn, Json, ProfileIn, ReactionIn, pair
from jengine.core.steps import (
    HELD,
    PAUSED,
    advance,
    await_error,
    fire_trigger,
    record_reaction,
)
from jengine.lang import ast as A
from jexpr.diagnostics import EvaluationError
from jexpr.syntax import ast as X

__all__ = ["enter", "jump_into", "load_profile", "route_audience", "route_event",
           "route_reaction"]


# ---- events ---------------------------------------------------------------------------------


def route_event(run: Run, inp: EventIn) -> None:
    interest = False
    for journey in routes(run.spec).for_event(inp.name):
        interest |= _route_one(run, journey, inp)
    if not interest:
        run.journal(None, None, inp.profile, None, "discarded", None, "no_interest")


def _route_one(run: Run, journey: str, inp: EventIn) -> bool:
    uid = run.active_uid(journey, inp.profile)
    if uid is not None:
        inst = run.state.instances[uid]
        vs = run.vspec(inst)
        if vs is not None:
            if _exit(run, vs, uid, "event", inp.name, (inp.name, inp.payload)):
                return True
            if _deliver(run, vs, uid, inp):
                return True
    latest = run.spec.latest(journey)
    entry = latest.journey.entry if latest else None
    if isinstance(entry, A.EntryEvent) and entry.event.text == inp.name:
        enter(run, journey, inp.profile, inp.name, inp.payload, entry.when)
        return True
    return False


def _exit(run: Run, vs: VersionSpec, uid: str, kind: str, name: str,
          event: tuple[str, Json] | None) -> bool:
    """Exit criteria of the instance's version (§4.3 4a); True when it exited."""
    for crit in vs.journey.exits:
        if crit.kind != kind or crit.name.text != name:
            continue
        inst = run.state.instances[uid]
        if crit.when is not None:
            env = run.env(vs, inst, inst["step"], event, site="exit")
            try:
                if env.evaluate(crit.when) is not True:
                    continue
            except EvaluationError as exc:
                run.ijournal(inst, inst["step"], "exit_condition_error", None,
                             exc.diagnostic.code)
                continue
        inst = run.inst(uid)
        run.ijournal(inst, inst["step"], "exited", None, "exit_criterion")
        run.end(inst, "exited")
        return True
    return False


def _deliver(run: Run, vs: VersionSpec, uid: str, inp: EventIn) -> bool:
    """An await ``event`` trigger of the instance's current step (§4.3 4b)."""
    inst = run.state.instances[uid]
    if inst["status"] != "awaiting":
        return False
    body = vs.journey.steps[inst["step"]].node.body
    if not isinstance(body, A.Await):
        return False
    triggers = [t for t in body.items if not isinstance(t, A.OnError)]
    for i, trig in enumerate(triggers):
        if not (isinstance(trig, A.EventTrigger) and trig.event.text == inp.name):
            continue
        if trig.when is not None:
            env = run.env(vs, inst, inst["step"], (inp.name, inp.payload))
            try:
                if env.evaluate(trig.when) is not True:
                    continue
            except EvaluationError as exc:
                await_error(run, run.inst(uid), exc.diagnostic.code)
                return True
        fire_trigger(run, run.inst(uid), i, (inp.name, inp.payload))
        return True
    return False


# ---- entry ----------------------------------------------------------------------------------


def enter(run: Run, journey: str, profile: str, event: str | None, payload: Json,
          when: X.Expr | None, jumping: bool = False) -> str | None:
    """Run the entry checks and start an instance; the refusal reason, else None.
    A refusal is journaled ``discarded`` unless ``jumping`` (the jump step reports it)."""
    vs = run.spec.open_version(journey)
    reason = _refusal(run, vs, journey, profile)
    inst: Json | None = None
    if reason is None and vs is not None:
        inst = _would_be(run, vs, profile, event, payload)
        if when is not None:
            reason = _entry_when(run, vs, inst, when)
    if reason is not None:
        if not jumping:
            run.journal(journey, vs.version if vs else None, profile, None, "discarded", None,
                        reason)
        return reason
    assert vs is not None and inst is not None
    start(run, vs, inst)
    return None


def _refusal(run: Run, vs: VersionSpec | None, journey: str, profile: str) -> str | None:
    """The entry checks of §4.3 4c before the entry ``when``, in their order."""
    if vs is None:
        return "closed_version"
    if run.spec.paused.get(journey) is not None:
        return PAUSED   # AJO: "fresh entrances are always discarded" while paused
    window = vs.journey.window
    if window is not None and not (window[0] <= run.now < window[1]):
        return "outside_window"
    if run.options.test_mode and not (run.peek_profile(profile) or {}).get("test"):
        return "not_test_profile"
    if run.active_uid(journey, profile) is not None:
        return "already_in_journey"
    return _reentrance(run, vs, journey, profile)


def _reentrance(run: Run, vs: VersionSpec, journey: str, profile: str) -> str | None:
    memory = run.state.reentrance.get(pair(journey, profile))
    if not memory or not memory.get("instances"):
        return None
    j = vs.journey
    if j.reentrance == "never":
        # AJO forgets a profile 91 days (the journey timeout) after its entry, so "never"
        # lasts one timeout from the previous entry (docs/ajo-compatibility.md)
        last = memory.get("lastEntry")
        if last is None or last + j.timeout_ms * 1000 > run.now_us:
            return "reentrance_never"
    elif j.reentrance == "after":
        last = memory.get("lastEntry")
        if last is not None and last + (j.reentrance_after_ms or 0) * 1000 > run.now_us:
            return "reentrance_wait"
    return None


def _would_be(run: Run, vs: VersionSpec, profile: str, event: str | None,
              payload: Json) -> Json:
    memory = run.state.reentrance.get(pair(vs.name, profile)) or {}
    return new_instance(vs, profile, int(memory.get("instances") or 0) + 1, run.now_us, event,
                        payload)


def _entry_when(run: Run, vs: VersionSpec, inst: Json, when: X.Expr) -> str | None:
    """The entry ``when`` for the would-be instance ``inst`` (not yet at a step: the
    ``entry`` site; its data-source reads are recorded on ``inst``)."""

    def fetched(error: str | None, ms: int | None) -> None:
        inst["fetchError"], inst["fetchMs"] = error, ms

    env = Env(vs, run.spec, run.peek_profile(inst["profile"]), inst["profile"], run.now,
              instance=inst, step=None, events=inst["events"], data=run.data, uid=inst["uid"],
              entry_us=run.now_us, site="entry", on_fetch=fetched)
    try:
        value = env.evaluate(when)
    except EvaluationError:
        return "entry_condition_error"
    return None if value is True else "entry_condition_false"


def start(run: Run, vs: VersionSpec, inst: Json) -> None:
    """Create the instance ``inst`` (from :func:`_would_be`) and run its first step at once."""
    uid, profile = inst["uid"], inst["profile"]
    run.state.instances[uid] = inst
    run.inst(uid)  # mark as touched (the copy is the one we keep)
    inst = run.state.instances[uid]
    key = pair(vs.name, profile)
    memory = run.state.reentrance.get(key) or {}
    run.state.reentrance[key] = {**memory, "instances": inst["n"], "lastEntry": run.now_us,
                                 "lastEnd": memory.get("lastEnd")}
    run.state.active[key] = uid
    if run.peek_profile(profile) is None:
        run.profile(profile, create=True)
    run.schedule(run.now_us + vs.journey.timeout_ms * 1000, 0, uid, {"t": "timeout"})
    invalid = profile_zone_invalid(vs.journey, run.peek_profile(profile))
    run.ijournal(inst, None, "entered", vs.journey.first,
                 "profile_timezone_invalid" if invalid else None)
    advance(run, inst, vs.journey.first)


def jump_into(run: Run, origin: Json, journey: str) -> str | None:
    """Enter ``journey`` from a jump step: None (entered), ``jump_skipped`` or a refusal."""
    if run.active_uid(journey, origin["profile"]) is not None:
        return "jump_skipped"
    vs = run.spec.latest(journey)
    entry = vs.journey.entry if vs else None
    if not isinstance(entry, A.EntryEvent):
        return "closed_version"
    return enter(run, journey, origin["profile"], entry.event.text, origin["payload"],
                 entry.when, jumping=True)


# ---- audiences ------------------------------------------------------------------------------


def route_audience(run: Run, inp: AudienceIn) -> None:
    decl = run.spec.model.audiences.get(inp.audience)
    if inp.raw:
        if decl is not None and decl.where is not None:
            run.journal(None, None, inp.profile, None, "discarded", None, "no_interest")
            return
        if not _update_membership(run, inp):
            return
    change = "enters" if inp.status == "realized" else "exits"
    interest = False
    for journey in routes(run.spec).for_audience(inp.audience):
        interest |= _audience_one(run, journey, inp, change)
    if not interest:
        run.journal(None, None, inp.profile, None, "discarded", None, "no_interest")


def load_profile(run: Run, inp: ProfileIn) -> None:
    """A profile line was loaded (§2.4, §5.2): it replaces the stored profile. The first load
    (no stored profile) sets the rule memberships silently; replacing a stored profile turns
    each rule-audience change into a follow-up audience change at this clock time."""
    old = run.peek_profile(inp.profile)
    before = rule_memberships(run.spec, old) if old is not None else None
    run.put_profile(inp.profile, inp.record)
    if before is not None:
        run.requeue_rule_changes(inp.profile, before)


def _update_membership(run: Run, inp: AudienceIn) -> bool:
    """Record the membership; True when it is an enter or an exit."""
    profile = run.profile(inp.profile, create=True)
    assert profile is not None
    was = (profile.get("audiences") or {}).get(inp.audience) in MEMBER
    profile["audiences"] = {**(profile.get("audiences") or {}), inp.audience: inp.status}
    return was != (inp.status == "realized")


def _audience_one(run: Run, journey: str, inp: AudienceIn, change: str) -> bool:
    uid = run.active_uid(journey, inp.profile)
    if uid is not None and change == "enters":
        vs = run.vspec(run.state.instances[uid])
        if vs is not None and _exit(run, vs, uid, "audience", inp.audience, None):
            return True
    latest = run.spec.latest(journey)
    entry = latest.journey.entry if latest else None
    if (isinstance(entry, A.EntryAudience) and entry.audience.text == inp.audience
            and entry.change == change):
        enter(run, journey, inp.profile, None, {}, None)
        return True
    return False


# ---- reactions ------------------------------------------------------------------------------


def route_reaction(run: Run, inp: ReactionIn) -> None:
    if run.options.dry_run:  # AJO's dry run sends nothing, so nothing can be reacted to
        run.journal(inp.journey, inp.version, inp.profile, inp.step, "discarded", None,
                    "dry_run")
        return
    uid = run.active_uid(inp.journey, inp.profile)
    inst = run.state.instances.get(uid) if uid else None
    if inst is None or inst["version"] != inp.version or inp.step not in inst["delivered"]:
        run.journal(inp.journey, inp.version, inp.profile, inp.step, "discarded", None,
                    "no_matching_delivery")
        return
    if inst["status"] == HELD:   # AJO: a reaction to a profile held by a pause is discarded
        run.journal(inp.journey, inp.version, inp.profile, inp.step, "discarded", None, PAUSED)
        return
    inst = run.inst(inst["uid"])
    record_reaction(run, inst, inp.kind, inp.step)
    if inst["status"] != "awaiting":
        return
    vs = run.vspec(inst)
    if vs is None:
        return
    body = vs.journey.steps[inst["step"]].node.body
    if isinstance(body, A.Await):
        triggers = [t for t in body.items if not isinstance(t, A.OnError)]
        for i, trig in enumerate(triggers):
            if (isinstance(trig, A.Reaction) and trig.kind == inp.kind
                    and trig.step.text == inp.step):
                fire_trigger(run, inst, i)
                return
