"""The deterministic core: ``step(spec, state, input, now) -> (state, effects)`` (rule 6).

``step`` does no I/O, reads no clock, draws only from the seeded generators of §4.1 and never
raises. It takes the compiled :class:`~jengine.core.context.Spec` (the *model*: the workspace, the
runnable versions and the run options), a :class:`~jengine.core.state.State` slice, one input and
the engine clock, and returns a new slice (the given one is not modified) and the effects, in
order, for the runner to carry out.

HTTP stays outside: a custom-action step returns a :class:`~jengine.core.state.CallAction` effect
and leaves its instance ``calling``; the runner makes the attempt and feeds the outcome back
as an :class:`~jengine.core.state.ActionResultIn` at the same clock time (retries and throttle
delays become timers the core schedules). An evaluation that reads an HTTP data source the
runner has not supplied returns the *unchanged* state and :class:`~jengine.core.state.Fetch`
effects (each with its §4.6 ``Idempotency-Key``); the runner reads them and calls ``step``
again with the same input and the results in ``data`` (a pure replay: same seeds, same
result). A result is a :class:`~jengine.core.state.FetchOutcome` (payload, ``jo_status_code``,
duration: the ``lastDataFetch*`` journey properties) or a bare payload.

A profile line is loaded as a :class:`~jengine.core.state.ProfileIn`: it replaces the stored
profile and, unless it is the profile's first load, turns rule-audience changes into
follow-up audience inputs (``Requeue``, §2.4).

:func:`qualify` and :func:`profile_key` are the pure §4.3 steps 2–3 the runner calls before
``step`` (the key picks the profile, hence the state slice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from jengine.core.context import NeedData, Spec
from jengine.core.entry import (
    enter,
    jump_into,
    load_profile,
    route_audience,
    route_event,
    route_reaction,
)
from jengine.core.errdetail import error_fields
from jengine.core.groups import member, window_end
from jengine.core.reads import read_audience, route_business
from jengine.core.run import Run
from jengine.core.state import (
    ActionResultIn,
    AudienceIn,
    BusinessIn,
    DataValue,
    Effect,
    EventIn,
    Fetch,
    Input,
    JournalOut,
    Json,
    MemberIn,
    ProfileIn,
    ReactionIn,
    State,
    TimerIn,
)
from jengine.core.steps import (
    advance,
    await_error,
    fire_trigger,
    on_action_result,
    release,
    resume,
    start_call,
    stop,
)
from jengine.lang.model import Model
from jexpr import from_json
from jexpr.diagnostics import EvaluationError

__all__ = ["Qualified", "profile_key", "qualify", "step"]


def step(spec: Spec, state: State, inp: Input, now: dt.datetime,
         data: Mapping[str, DataValue] | None = None) -> tuple[State, list[Effect]]:
    """Process one input or timer (see the module docstring)."""
    run = Run(spec, state, inp, now, data or {}, jump_into)
    try:
        _dispatch(run, inp)
    except NeedData as need:
        return state, [Fetch(k, s, g, p, idem) for k, s, g, p, idem in need.requests]
    except Exception as exc:
        run = Run(spec, state, inp, now, data or {}, jump_into)
        run.journal(None, None, None, None, "error", None, f"internal: {type(exc).__name__}",
                    error_fields("internalError", None, f"internal error: {type(exc).__name__}: "
                                 f"{str(exc)[:200]}"))
        return state, [e for e in run.effects if isinstance(e, JournalOut)]
    return run.state, run.effects


def _dispatch(run: Run, inp: Input) -> None:
    if isinstance(inp, EventIn):
        route_event(run, inp)
    elif isinstance(inp, TimerIn):
        _timer(run, inp)
    elif isinstance(inp, ActionResultIn):
        _action_result(run, inp)
    elif isinstance(inp, AudienceIn):
        route_audience(run, inp)
    elif isinstance(inp, ReactionIn):
        route_reaction(run, inp)
    elif isinstance(inp, BusinessIn):
        route_business(run, inp)
    elif isinstance(inp, ProfileIn):
        load_profile(run, inp)
    elif isinstance(inp, MemberIn):
        member(run, inp)


# ---- timers ---------------------------------------------------------------------------------


def _timer(run: Run, t: TimerIn) -> None:
    kind = t.payload.get("t")
    if kind == "window":
        window_end(run, t.payload["journey"], t.payload["version"])
    elif kind == "read":
        read_audience(run, t.payload["journey"], t.payload["version"], t.payload)
    elif kind == "enter":  # a member of a read audience or business execution, at its rate
        enter(run, t.payload["journey"], t.payload["profile"], t.payload.get("event"),
              t.payload.get("payload") or {}, None)
    elif t.instance is not None and t.instance in run.state.instances:
        _instance_timer(run, t)


def _instance_timer(run: Run, t: TimerIn) -> None:
    assert t.instance is not None
    current = run.state.instances[t.instance]
    if not current["active"]:
        return
    kind = t.payload.get("t")
    if kind == "timeout":
        inst = run.inst(t.instance)
        run.ijournal(inst, inst["step"], "timed_out")
        run.end(inst, "timed_out")
        return
    if kind == "stop":       # the journey was stopped (a lifecycle input, not a real timer)
        stop(run, run.inst(t.instance))
        return
    if kind == "release":    # the journey resumed or closed: a held instance goes on
        release(run, run.inst(t.instance))
        return
    if t.payload.get("token") != current["token"]:
        return  # a stale timer of an earlier wait
    inst = run.inst(t.instance)
    if kind == "resume" and inst["status"] == "waiting":
        resume(run, inst)
    elif kind == "trigger" and inst["status"] == "awaiting":
        fire_trigger(run, inst, int(t.payload["i"]))
    elif kind == "attempt" and inst["status"] == "calling":
        _retry(run, inst, int(t.payload["attempt"]))


def _retry(run: Run, inst: Json, attempt: int) -> None:
    vs = run.vspec(inst)
    if vs is None:
        return
    from jengine.lang import ast as A

    body = vs.journey.steps[inst["step"]].node.body
    assert isinstance(body, A.Custom)
    params = {k: from_json(v) for k, v in (inst.get("callParams") or {}).items()}
    start_call(run, inst, inst["step"], body.action.text, params, attempt)


def _action_result(run: Run, r: ActionResultIn) -> None:
    current = run.state.instances.get(r.instance)
    if current is None or not current["active"] or current["status"] != "calling":
        return
    if current["step"] != r.step:
        return
    inst = run.inst(r.instance)
    on_action_result(run, inst, r.outcome, r.at, r.attempt, r.status_code, r.ok, r.response,
                     r.elapsed_ms, r.error)


# ---- qualification and key (§4.3 steps 2–3) -------------------------------------------------


@dataclass(frozen=True)
class Qualified:
    """An input qualified under ``name``; ``business`` events have no key."""

    name: str
    business: bool


def qualify(model: Model, name: str | None, payload: Json,
            now: dt.datetime) -> list[Qualified] | str | None:
    """The declarations an event qualifies under, ``"not_qualified"``/``"no_definition"``
    (journal discards), ``"unknown_event"``/``"where_error"`` (dead letters) as a string."""
    if name is not None:
        decl = model.events.get(name)
        if decl is None:
            return "unknown_event"
        verdict = _where(model, decl.name, decl.where, payload, now)
        if verdict is None:
            return "where_error"
        return [Qualified(name, decl.business)] if verdict else "not_qualified"
    found: list[Qualified] = []
    for decl in sorted(model.events.values(), key=lambda d: d.name):
        if decl.where is None:
            continue
        verdict = _where(model, decl.name, decl.where, payload, now)
        if verdict is None:
            return "where_error"
        if verdict:
            found.append(Qualified(decl.name, decl.business))
    return found or "no_definition"


def _where(model: Model, name: str, where: object, payload: Json,
           now: dt.datetime) -> bool | None:
    if where is None:
        return True
    program = model.program(where)  # type: ignore[arg-type]
    if program is None:
        return None
    try:
        return program.evaluate({"events": {name: payload}, "now": now}) is True
    except EvaluationError:
        return None


def profile_key(model: Model, name: str, payload: Json, now: dt.datetime) -> str | None:
    """The profile id of a profile event (None: a ``key_error``)."""
    decl = model.events[name]
    program = model.program(decl.key) if decl.key is not None else None
    if program is None:
        return None
    try:
        value = program.evaluate({"events": {name: payload}, "now": now})
    except EvaluationError:
        return None
    return value if isinstance(value, str) and value != "" else None


__all__ += ["advance", "await_error"]
