"""AJO's publishing guardrails as static checks of a journey (docs/ajo-compatibility.md).

Adobe Journey Optimizer refuses to publish a journey that breaks one of its guardrails; this
module reports the same problems at ``jengine check`` time. Limits AJO enforces that would also
make the journey wrong here are errors (``J-DURATION`` over 90 days, ``J-TIMEZONE``,
``J-EVENT-KIND`` and ``J-JUMP`` for event and jump mixes); limits that only AJO has are
``W-AJO-*`` portability warnings, which strict AJO mode (:mod:`jengine.lang.strict`) turns into
errors. The step graph (:class:`~jengine.lang.flow.Flow`) says which step follows which.
"""

from __future__ import annotations

from jengine.lang import ast as A
from jengine.lang.flow import Flow
from jengine.lang.index import Index, Reporter
from jengine.lang.literals import UNIT_MS
from jengine.lang.walk import first
from jexpr.diagnostics import Diagnostic, did_you_mean, error, warning
from jexpr.runtime.temporal import region_ids, zone
from jexpr.source import Source

__all__ = ["MAX_PERIOD_MS", "check_action_guardrails", "check_journey_guardrails"]

MAX_PERIOD_MS = 90 * UNIT_MS["d"]          # waits, event timeouts, re-entrance periods
MIN_REACTION_MS = 40 * UNIT_MS["s"]        # a reaction's timeout
MAX_UPDATE_FIELDS = 5
RATE_BOUNDS = (500, 20_000)                # read-audience profiles per second
ACTION_TIMEOUT_BOUNDS = (UNIT_MS["s"], 30 * UNIT_MS["s"])
_ENTRIES = (A.EntryEvent, A.EntryAudience, A.EntryRead, A.EntryBusiness)


def check_journey_guardrails(node: A.Journey, flow: Flow, index: Index, reporter: Reporter,
                             source: Source, timeout: int) -> None:
    """Every guardrail of one journey (its settings, entry and steps); ``timeout`` is the
    journey timeout (a wait over it is ``J-TIMEOUT`` already, not also ``J-DURATION``)."""
    _Guard(node, flow, index, reporter, source, timeout).run()


def check_action_guardrails(node: A.Action | A.Datasource, reporter: Reporter,
                            source: Source) -> None:
    """``retries`` at most 3 (``J-CLAUSE``); ``timeout`` within AJO's 1s–30s (``W-AJO-TIMEOUT``)."""
    for clause in node.clauses:
        if isinstance(clause, A.Retries) and int(clause.count.value) > 3:
            reporter.add(source, error(
                "J-CLAUSE", f"retries {clause.count.text} is more than AJO's 3", clause.count.span,
                "AJO makes at most 3 retries within the timeout; write 0 to 3"))
        elif isinstance(clause, A.Timeout) and clause.duration.value is not None:
            low, high = ACTION_TIMEOUT_BOUNDS
            if not low <= clause.duration.value <= high:
                reporter.add(source, warning(
                    "W-AJO-TIMEOUT", f"timeout {clause.duration.text} is outside AJO's range "
                    "of 1s to 30s", clause.duration.span, "use a timeout from 1s to 30s"))


class _Guard:
    def __init__(self, node: A.Journey, flow: Flow, index: Index, reporter: Reporter,
                 source: Source, timeout: int) -> None:
        self.node, self.flow, self.index, self.timeout = node, flow, index, timeout
        self.reporter, self.source = reporter, source
        self.entry = first(node.items, _ENTRIES)
        self.steps = [i for i in node.items if isinstance(i, A.Step)]

    def report(self, diag: Diagnostic) -> None:
        self.reporter.add(self.source, diag)

    def run(self) -> None:
        for item in self.node.items:
            if isinstance(item, A.Reentrance):
                self.reentrance(item)
            elif isinstance(item, A.Timezone):
                self.timezone(item)
            elif isinstance(item, A.EntryRead):
                self.schedule(item)
            elif isinstance(item, A.EntryBusiness) and item.rate is not None:
                self.rate(item.rate)
            elif isinstance(item, A.Exit) and isinstance(self.entry, A.EntryBusiness):
                self.report(error("J-EVENT-KIND", f"'exit on {item.kind}' cannot be used in a "
                                  "journey that starts with a business event", item.span,
                                  "AJO does not mix business events with unitary events or "
                                  "audience qualifications; remove the exit criterion"))
        for step in self.steps:
            self.step(step)

    # -- settings

    def reentrance(self, item: A.Reentrance) -> None:
        if item.after is not None:
            self.period(item.after, "the re-entrance wait period", bounded=False)
        elif item.kind == "always" and isinstance(self.entry, A.EntryEvent | A.EntryAudience):
            self.report(warning("W-AJO-REENTRANCE-ALWAYS", "AJO has no re-entrance without a "
                                "wait period", item.span, "write 'reentrance after 5m' (AJO's "
                                "default), or leave the setting out"))

    def timezone(self, item: A.Timezone) -> None:
        name = item.zone.value
        if not isinstance(name, str) or zone(name) is not None:
            return
        hint = did_you_mean(name, sorted(region_ids()))
        self.report(error("J-TIMEZONE", f"unknown time zone '{name}'", item.zone.span,
                          f'did you mean "{hint}"?' if hint else "write an IANA zone id such as "
                          '"Europe/Paris", "UTC" or an offset such as "+02:00"'))

    def schedule(self, entry: A.EntryRead) -> None:
        if entry.rate is not None:
            self.rate(entry.rate)
        if entry.every is not None:
            self.report(warning("W-AJO-SCHEDULE", f"AJO schedules a read audience once, daily, "
                                f"weekly or monthly, not every {entry.every.text}",
                                entry.every.span, "write daily, weekly or monthly"))
        recurring = entry.every is not None or entry.calendar is not None
        for present, word in ((entry.until is not None, "until"),
                              (entry.incremental, "incremental"),
                              (entry.force, "force reentrance")):
            if present and not recurring:
                self.report(error("J-CLAUSE", f"'{word}' needs a recurring read (every D, "
                                  "daily, weekly or monthly)", entry.span,
                                  "add a schedule, or remove it: the audience is read once"))
        if entry.until is not None and entry.at is not None and entry.until.value and (
                entry.at.value and entry.until.value <= entry.at.value):
            self.report(error("J-INSTANT", f"the schedule ends ({entry.until.text}) before its "
                              f"first read ({entry.at.text})", entry.until.span,
                              "the end must be after the start"))

    def rate(self, rate: A.Rate) -> None:
        per = rate.per.value
        if per is None:
            return
        per_second = int(rate.count.value) * 1000 / per
        low, high = RATE_BOUNDS
        if not low <= per_second <= high:
            self.report(warning("W-AJO-RATE", f"a read rate of {per_second:g} profiles per "
                                f"second is outside AJO's range of {low} to {high}", rate.span,
                                "AJO's default is 5000 per 1s"))

    def period(self, lit: A.Literal_, what: str, bounded: bool = True) -> None:
        """``J-DURATION`` over 90 days (``bounded``: unless over the journey timeout too)."""
        if bounded and lit.value is not None and lit.value > self.timeout:
            return
        if lit.value is not None and lit.value > MAX_PERIOD_MS:
            self.report(error("J-DURATION", f"{what} {lit.text} is longer than AJO's maximum "
                              "of 90d", lit.span, "use at most 90d"))

    # -- steps

    def step(self, step: A.Step) -> None:
        body = step.body
        if isinstance(body, A.WaitFor):
            self.period(body.duration, "wait")
        elif isinstance(body, A.UpdateProfile) and len(body.updates) > MAX_UPDATE_FIELDS:
            self.report(warning("W-AJO-UPDATE-FIELDS", f"this update writes {len(body.updates)} "
                                f"fields; AJO allows at most {MAX_UPDATE_FIELDS} per activity",
                                step.name.span, "split it into several update profile steps"))
        elif isinstance(body, A.Await):
            self.await_(step, body)
        elif isinstance(body, A.Jump):
            self.jump(body)

    def await_(self, step: A.Step, body: A.Await) -> None:
        items = [i for i in body.items if not isinstance(i, A.OnError)]
        reactions = [i for i in items if isinstance(i, A.Reaction)]
        for item in items:
            if isinstance(item, A.AfterTrigger):
                self.period(item.duration, "the timeout")
                if reactions and item.duration.value is not None and (
                        item.duration.value < MIN_REACTION_MS):
                    self.report(warning("W-AJO-REACTION-TIMEOUT", f"a reaction timeout of "
                                        f"{item.duration.text} is under AJO's minimum of 40s",
                                        item.duration.span, "use 40s to 90d"))
            elif isinstance(item, A.EventTrigger) and isinstance(self.entry, A.EntryBusiness):
                self.report(error("J-EVENT-KIND", "an await 'event' trigger cannot be used in a "
                                  "journey that starts with a business event", item.event.span,
                                  "AJO does not mix business events with unitary events"))
        for reaction in reactions:
            self.reaction(step, reaction)

    def reaction(self, step: A.Step, item: A.Reaction) -> None:
        if item.kind in ("delivered", "failed"):
            self.report(warning("W-AJO-REACTION-KIND", f"AJO reacts to opened and clicked "
                                f"messages only, not '{item.kind}'", item.span,
                                "this trigger works here but not in AJO"))
        target = self.flow.steps.get(item.step.text)
        if target is None or target.kind not in ("email", "sms", "push", "inapp"):
            return  # J-REACTION reports it
        if target.next != step.name.text:
            self.report(warning("W-AJO-REACTION-PLACEMENT", f"AJO places a reaction "
                                f"immediately after its channel action; '{step.name.text}' does "
                                f"not directly follow '{item.step.text}'", item.step.span,
                                f"move this await right after '{item.step.text}'"))

    def jump(self, body: A.Jump) -> None:
        if not isinstance(self.entry, A.EntryEvent):
            self.report(error("J-JUMP", "a jump needs a journey that starts with an event (AJO: "
                              "jumps are only available in journeys that use a namespace, and "
                              "not with an audience qualification or a read audience)",
                              body.journey.span, "start this journey with 'entry on event'"))
            return
        target = self.index.journeys.get(body.journey.text)
        target_entry = first(target.items, _ENTRIES) if target is not None else None
        if not isinstance(target_entry, A.EntryEvent):
            return  # flow reports a target that is not 'entry on event'
        mine = _namespace(self.index, self.entry.event.text)
        theirs = _namespace(self.index, target_entry.event.text)
        if mine is not None and theirs is not None and mine != theirs:
            self.report(error("J-JUMP", f"journey '{body.journey.text}' uses the namespace "
                              f"'{theirs}', this journey '{mine}': AJO jumps only between "
                              "journeys of the same namespace", body.journey.span,
                              "jump to a journey whose entry event has the same namespace"))


def _namespace(index: Index, event: str) -> str | None:
    decl = index.events.get(event)
    clause = first(decl.clauses, A.Namespace) if decl is not None else None
    return clause.value.text if clause is not None else None
