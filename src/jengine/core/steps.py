"""Step semantics (journey spec §3.2): running an instance from a step until it blocks or ends.

:func:`advance` executes steps one after another. Each kind's executor returns what happens
next: ``("next", target)`` (journal ``completed``), ``("goto", target)`` (the transition was
already journaled, e.g. an error caught by ``on error``), or ``BLOCK`` (the instance waits for
a timer, an event, a reaction or an HTTP result; or it ended). A step without a successor ends
the instance ``completed``.

Blocking steps bump the instance's ``token``; every timer they schedule carries it, so a timer
that belongs to an earlier wait (or an instance that ended, or moved on) is ignored when it
fires — that is how "a timer due after the timeout never fires" holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from jengine.core.context import Env, VersionSpec, rule_memberships, valid_zone
from jengine.core.errdetail import action_fields, error_fields, evaluation_fields
from jengine.core.instants import to_micros
from jengine.core.keys import action_key
from jengine.core.run import Run
from jengine.core.state import CallAction, Json, OutboxOut
from jengine.lang import ast as A
from jengine.lang.literals import clock_minutes
from jexpr import to_json
from jexpr.diagnostics import EvaluationError
from jexpr.runtime.jsonenc import to_plain_json

__all__ = ["HELD", "PAUSED", "STOPPED", "StepError", "advance", "fire_trigger", "on_action_result",
           "release", "start_call", "stop"]

BLOCK: Final = ("block", None)
HELD: Final = "held"                 # an instance status, and a journal outcome
PAUSED: Final = "journey_paused"     # a discard and exit reason
STOPPED: Final = "journey_stopped"   # an exit reason
Outcome = tuple[str, str | None]
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REACTION_TYPE: Final = {"delivered": "delivery", "opened": "open", "clicked": "click",
                        "failed": "failure"}
MAX_STEPS: Final = 10_000


def advance(run: Run, inst: Json, target: str | None) -> None:
    """Run ``inst`` from step ``target`` until it blocks or ends."""
    vs = run.vspec(inst)
    guard = 0
    while target is not None and vs is not None and inst["active"] and guard < MAX_STEPS:
        guard += 1
        if inst.get("step") is not None and inst["step"] != target:
            inst["prev"] = inst["step"]
        inst["step"], inst["status"], inst["arrival"] = target, "running", run.now_us
        kind, nxt = execute(run, vs, inst, target)
        if kind == "block":
            return
        if kind == "next":
            run.ijournal(inst, target, "completed", nxt)
        target = nxt
    if inst["active"]:
        run.end(inst, "completed")


def execute(run: Run, vs: VersionSpec, inst: Json, name: str) -> Outcome:
    body = vs.journey.steps[name].node.body
    if isinstance(body, (A.Channel, A.Custom)):
        mode = run.spec.pause_of(vs.name, vs.version)
        if mode is not None:
            return _paused(run, inst, name, mode)
    handler = _HANDLERS[type(body)]
    try:
        outcome: Outcome = handler(run, vs, inst, name, body)
        return outcome
    except EvaluationError as exc:
        return fail(run, vs, inst, name, exc.diagnostic.code, evaluation_fields(exc, name))
    except StepError as exc:
        return fail(run, vs, inst, name, exc.code)


def _paused(run: Run, inst: Json, name: str, mode: str) -> Outcome:
    """An action step of a paused version (AJO's pause): with ``hold`` the instance waits on
    the step until the journey resumes (journal ``held``); with ``discard`` it exits."""
    if mode == "hold":
        inst["status"] = HELD
        inst["token"] += 1   # no timer of an earlier wait fires for a held instance
        run.ijournal(inst, name, HELD, None, PAUSED)
        return BLOCK
    run.ijournal(inst, name, "exited", None, PAUSED)
    run.end(inst, "exited")
    return BLOCK


def release(run: Run, inst: Json) -> None:
    """A held instance resumes: its action step runs now (with the profile as it is now)."""
    if inst["status"] == HELD and inst["step"] is not None:
        advance(run, inst, inst["step"])


def stop(run: Run, inst: Json) -> None:
    """The journey was stopped: the instance exits where it is (AJO's stop)."""
    run.ijournal(inst, inst["step"], "exited", None, STOPPED)
    run.end(inst, "exited")


def fail(run: Run, vs: VersionSpec, inst: Json, name: str, code: str,
         fields: Json | None = None) -> Outcome:
    """A step failed: journal ``error`` (with its code, message and detail); take ``on error``
    or end the instance in error."""
    step = vs.journey.steps[name]
    inst["error"] = {"step": name, "kind": step.kind, "code": code}
    run.ijournal(inst, name, "error", step.on_error, code,
                 fields or error_fields(code, name))
    if step.on_error is not None:
        return ("goto", step.on_error)
    run.end(inst, "error")
    return BLOCK


def _next(vs: VersionSpec, name: str) -> Outcome:
    return ("next", vs.journey.steps[name].next)


def _params(env: Env, params: tuple[A.Param, ...]) -> dict[str, Any]:
    return {p.name.text: env.evaluate(p.value) for p in params}


# ---- actions --------------------------------------------------------------------------------


def _outbox(run: Run, inst: Json, name: str, action: str, params: dict[str, Any],
            status: str, attempt: int = 1) -> None:
    obj: Json = {"time": run.time, "journey": inst["journey"], "version": inst["version"],
                 "profile": inst["profile"], "step": name, "action": action,
                 "params": {k: to_json(v) for k, v in params.items()}, "status": status}
    run.effects.append(OutboxOut(obj, inst["uid"], name, attempt))


def _channel(run: Run, vs: VersionSpec, inst: Json, name: str, body: A.Channel) -> Outcome:
    params = _params(run.env(vs, inst, name), body.params)
    _outbox(run, inst, name, body.kind, params, "skipped" if run.options.dry_run else "sent")
    inst["delivered"] = [*inst["delivered"], name]
    return _next(vs, name)


def _custom(run: Run, vs: VersionSpec, inst: Json, name: str, body: A.Custom) -> Outcome:
    params = _params(run.env(vs, inst, name), body.params)
    if run.options.dry_run:
        _outbox(run, inst, name, body.action.text, params, "skipped")
        inst["actions"] = {**inst["actions"], name: None}
        return _next(vs, name)
    inst["callParams"] = {k: to_json(v) for k, v in params.items()}
    inst["token"] += 1
    start_call(run, inst, name, body.action.text, params, 1)
    return BLOCK


def start_call(run: Run, inst: Json, name: str, action: str, params: dict[str, Any],
               attempt: int) -> None:
    inst["status"], inst["attempt"] = "calling", attempt
    if attempt == 1:
        inst["callSpent"] = 0
    run.effects.append(CallAction(inst["uid"], name, action, params, attempt,
                                  action_key(inst["uid"], name),
                                  int(inst.get("callSpent") or 0)))


def on_action_result(run: Run, inst: Json, outcome: str, at: int, attempt: int,
                     status_code: str, ok: bool, response: Json, elapsed: int,
                     failure: str = "") -> None:
    """Feed back one attempt's outcome to an instance in ``calling`` state."""
    vs = run.vspec(inst)
    name = inst["step"]
    if vs is None or name is None:
        return
    if outcome != "finished":
        nxt = attempt + 1 if outcome == "retry" else attempt
        if outcome == "retry":  # the attempt and the back-off count against the budget
            inst["callSpent"] = int(inst.get("callSpent") or 0) + elapsed + max(
                0, at - run.now_us) // 1000
        run.schedule(at, 1, inst["uid"], {"t": "attempt", "token": inst["token"],
                                          "attempt": nxt})
        inst["attempt"] = nxt
        return
    body = vs.journey.steps[name].node.body
    assert isinstance(body, A.Custom)
    status = "sent" if ok else "capped" if status_code == "capped" else "failed"
    params = inst.get("callParams") or {}
    obj: Json = {"time": run.time, "journey": inst["journey"], "version": inst["version"],
                 "profile": inst["profile"], "step": name, "action": body.action.text,
                 "params": params, "status": status}
    run.effects.append(OutboxOut(obj, inst["uid"], name, attempt))
    inst["actions"] = {**inst["actions"], name: response}
    inst["actionMs"] = elapsed
    inst["status"] = "running"
    if ok:
        run.ijournal(inst, name, "completed", vs.journey.steps[name].next)
        advance(run, inst, vs.journey.steps[name].next)
        return
    inst["actionError"] = status_code
    kind, target = fail(run, vs, inst, name, status_code,
                        action_fields(status_code, name, body.action.text, failure))
    if kind != "block":
        advance(run, inst, target)


# ---- profile and jump -----------------------------------------------------------------------


def _update(run: Run, vs: VersionSpec, inst: Json, name: str, body: A.UpdateProfile) -> Outcome:
    env = run.env(vs, inst, name)
    evaluated = [(u, env.evaluate(u.value)) for u in body.updates]
    if run.options.dry_run:  # AJO's dry run never updates profiles: record what it would write
        written = {".".join([u.group.text, *(p.text for p in u.path)]): v for u, v in evaluated}
        _outbox(run, inst, name, "updateProfile", written, "skipped")
        return _next(vs, name)
    values = [(u, to_plain_json(v)) for u, v in evaluated]
    before = rule_memberships(run.spec, run.peek_profile(inst["profile"]))
    profile = run.profile(inst["profile"], create=True)
    assert profile is not None
    attributes = profile.get("attributes") or {}
    for u, value in values:
        attributes = _set_path(attributes, [u.group.text, *(p.text for p in u.path)], value)
    profile["attributes"] = attributes
    run.requeue_rule_changes(inst["profile"], before)
    return _next(vs, name)


def _set_path(obj: Json, path: list[str], value: Any) -> Json:
    head, rest = path[0], path[1:]
    if not rest:
        return {**obj, head: value}
    child = obj.get(head)
    return {**obj, head: _set_path(child if isinstance(child, dict) else {}, rest, value)}


def _jump(run: Run, vs: VersionSpec, inst: Json, name: str, body: A.Jump) -> Outcome:
    refused = "dry_run" if run.options.dry_run else run.jump(run, inst, body.journey.text)
    if refused in ("jump_skipped", "dry_run"):  # AJO's dry run does not jump
        nxt = vs.journey.steps[name].next
        run.ijournal(inst, name, "jump_skipped", nxt, "dry_run" if refused == "dry_run" else None)
        return ("goto", nxt) if nxt is not None else _end_after(run, inst)
    if refused is not None:
        return fail(run, vs, inst, name, refused)
    return _next(vs, name)


def _end_after(run: Run, inst: Json) -> Outcome:
    run.end(inst, "completed")
    return BLOCK


def _end(run: Run, vs: VersionSpec, inst: Json, name: str, body: A.End) -> Outcome:
    run.ijournal(inst, name, "completed", None)
    run.end(inst, "completed")
    return BLOCK


# ---- waits ----------------------------------------------------------------------------------


def _due(run: Run, own: int, floor: int) -> int:
    """A wait's due instant under test mode (§4.7): the earlier of its own and arrival+D."""
    if run.options.test_mode:
        return min(own, run.now_us + max(run.options.test_wait_us, floor))
    return own


def _block_until(run: Run, inst: Json, due: int, status: str, payload: Json) -> Outcome:
    inst["token"] += 1
    inst["status"] = status
    run.schedule(due, 1, inst["uid"], {**payload, "token": inst["token"]})
    return BLOCK


def _wait_for(run: Run, vs: VersionSpec, inst: Json, name: str, body: A.WaitFor) -> Outcome:
    if run.options.dry_run:
        return _next(vs, name)
    due = _due(run, run.now_us + int(body.duration.value) * 1000, 0)
    return _block_until(run, inst, due, "waiting", {"t": "resume"})


class StepError(Exception):
    """A step failure that is not an expression error (a null instant …)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _instant(value: Any) -> int:
    """An instant's µs; a null or non-instant wait target is an evaluation error."""
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise StepError("E-EVAL-NULL" if value is None else "E-EVAL-TYPE")
    us: int = to_micros(value)
    return us


def _wait_until(run: Run, vs: VersionSpec, inst: Json, name: str, body: A.WaitUntil) -> Outcome:
    due = _instant(run.env(vs, inst, name).evaluate(body.expr))
    if run.options.dry_run or due <= run.now_us:
        return _next(vs, name)
    return _block_until(run, inst, _due(run, due, 0), "waiting", {"t": "resume"})


def resume(run: Run, inst: Json) -> None:
    """A ``wait`` timer fired: the wait completes."""
    vs = run.vspec(inst)
    if vs is None:
        return
    name = inst["step"]
    nxt = vs.journey.steps[name].next
    run.ijournal(inst, name, "completed", nxt)
    advance(run, inst, nxt)


# ---- condition and split --------------------------------------------------------------------


def _condition(run: Run, vs: VersionSpec, inst: Json, name: str, body: A.Condition) -> Outcome:
    env = run.env(vs, inst, name)
    for item in body.items:
        if isinstance(item, A.Case) and _case(run, vs, env, inst, name, item):
            return ("next", item.target.text)
    fallback = next((i for i in body.items if isinstance(i, A.ElseBranch)), None)
    return ("next", fallback.target.text if fallback else None)


def _case(run: Run, vs: VersionSpec, env: Env, inst: Json, name: str, case: A.Case) -> bool:
    test = case.test
    if isinstance(test, A.TimeCase):
        return _time_case(env, test, run.now)
    if isinstance(test, A.DateCase):
        return bool(test.start.value <= run.now < test.end.value)
    if isinstance(test, A.CapCase):
        return _cap(run, vs, name, case.label.text, int(test.count.value))
    return env.evaluate(test) is True


def _cap(run: Run, vs: VersionSpec, name: str, label: str, limit: int) -> bool:
    if run.options.test_mode:
        return True
    key = f"{vs.name}|{vs.version}|{name}|{label}"
    taken = run.state.counters.get(key, 0)
    if taken >= limit:
        return False
    run.state.counters[key] = taken + 1
    return True


def _time_case(env: Env, test: A.TimeCase, now: dt.datetime) -> bool:
    zone = valid_zone(env.context["timezone"]) or dt.UTC
    local = now.astimezone(zone)
    minutes = local.hour * 60 + local.minute
    day = local.date()
    if test.start is not None and test.end is not None:
        a, b = clock_minutes(test.start.text), clock_minutes(test.end.text)
        if a < b:
            inside = a <= minutes < b
        else:
            inside = minutes >= a or minutes < b
            if minutes < b:
                day = day - dt.timedelta(days=1)
        if not inside:
            return False
    if test.days:
        return DAYS[day.weekday()] in {d.text for d in test.days}
    return True


def _split(run: Run, vs: VersionSpec, inst: Json, name: str, body: A.Split) -> Outcome:
    if run.options.test_mode:
        return ("next", body.branches[0].target.text)
    env = run.env(vs, inst, name)
    from jengine.core.context import seed_hash

    u = int.from_bytes(seed_hash(env.seed)[:8], "big") / 2**64
    total = 0
    for branch in body.branches:
        total += int(branch.weight.value)
        if total / 100 > u:
            return ("next", branch.target.text)
    return ("next", body.branches[-1].target.text)


# ---- await ----------------------------------------------------------------------------------


def _await(run: Run, vs: VersionSpec, inst: Json, name: str, body: A.Await) -> Outcome:
    triggers = [t for t in body.items if not isinstance(t, A.OnError)]
    env = run.env(vs, inst, name)
    has_reaction = any(isinstance(t, A.Reaction) for t in triggers)
    floor = 40_000_000 if has_reaction else 0
    inst["token"] += 1
    inst["status"] = "awaiting"
    if run.options.dry_run and has_reaction:  # AJO: profiles go through the first reaction
        first = next(i for i, t in enumerate(triggers) if isinstance(t, A.Reaction))
        return ("goto", fire_now(run, vs, inst, first))
    timers: list[tuple[int, int]] = []
    for i, trig in enumerate(triggers):
        due = _trigger_due(run, env, inst, trig)
        if due is None:
            continue
        if due <= run.now_us or run.options.dry_run:
            return ("goto", fire_now(run, vs, inst, i))
        timers.append((_due(run, due, floor), i))
    for due, i in timers:
        run.schedule(due, 1, inst["uid"], {"t": "trigger", "token": inst["token"], "i": i})
    return BLOCK


def _trigger_due(run: Run, env: Env, inst: Json, trig: Any) -> int | None:
    """When a trigger is satisfied by itself: now (a recorded reaction), an instant, or never."""
    if isinstance(trig, A.Reaction):
        recorded = [trig.kind, trig.step.text] in inst["reactions"]
        return run.now_us if recorded else None
    if isinstance(trig, A.AfterTrigger):
        return run.now_us + int(trig.duration.value) * 1000
    if isinstance(trig, A.UntilTrigger):
        return _instant(env.evaluate(trig.expr))
    return None


def fire_now(run: Run, vs: VersionSpec, inst: Json, index: int) -> str | None:
    """Complete the await with trigger ``index`` (journal ``completed``); its target."""
    name = inst["step"]
    body = vs.journey.steps[name].node.body
    assert isinstance(body, A.Await)
    triggers = [t for t in body.items if not isinstance(t, A.OnError)]
    target = triggers[index].target.text
    inst["token"] += 1
    run.ijournal(inst, name, "completed", target)
    return target


def fire_trigger(run: Run, inst: Json, index: int, event: tuple[str, Json] | None = None) -> None:
    """A trigger of the await the instance is at fired (timer, event or reaction)."""
    vs = run.vspec(inst)
    if vs is None:
        return
    if event is not None:
        inst["events"] = {**inst["events"], event[0]: event[1]}
    advance_to(run, inst, fire_now(run, vs, inst, index))


def advance_to(run: Run, inst: Json, target: str | None) -> None:
    """Continue with ``target`` after a journaled transition (None ends ``completed``)."""
    if target is None:
        run.end(inst, "completed")
        return
    advance(run, inst, target)


def await_error(run: Run, inst: Json, code: str) -> None:
    """An error in a trigger's ``when``/``until`` takes the await's ``on error``."""
    vs = run.vspec(inst)
    if vs is None:
        return
    kind, target = fail(run, vs, inst, inst["step"], code)
    if kind != "block":
        inst["token"] += 1
        advance(run, inst, target)


def record_reaction(run: Run, inst: Json, kind: str, step: str) -> None:
    """Record a matched reaction on the instance and as an experience event (§5.4)."""
    inst["reactions"] = [*inst["reactions"], [kind, step]]
    n = sum(1 for r in inst["reactions"] if r == [kind, step])
    profile = run.profile(inst["profile"], create=True)
    assert profile is not None
    event = {"_id": f"{inst['uid']}/{step}/{kind}/{n}", "timestamp": run.time,
             "type": REACTION_TYPE[kind], "journey": inst["journey"], "step": step}
    profile["events"] = [event, *(profile.get("events") or [])]


_HANDLERS: dict[type, Any] = {
    A.Channel: _channel, A.Custom: _custom, A.UpdateProfile: _update, A.WaitFor: _wait_for,
    A.WaitUntil: _wait_until, A.Jump: _jump, A.Condition: _condition, A.Split: _split,
    A.Await: _await, A.End: _end,
}
