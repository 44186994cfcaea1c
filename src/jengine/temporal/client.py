"""Feeding inputs to the cluster: :func:`send` (one item to a key's workflow) and
:class:`Feeder` (input lines and events routed as the embedded runner routes them).

The feeder runs the core's pure routing (:func:`jengine.core.engine.qualify` and
:func:`~jengine.core.engine.profile_key`, §4.3 steps 2–3) on each input, then sends each
qualified input to its profile key's workflow (business events to the global workflow) with
signal-with-start: a call returns once Temporal has accepted the signal (durable). With
``wait`` it uses update-with-start and returns once the workflow has processed the input and
committed its outputs (the simulated driver's ordering). Dead letters and discards that the
routing decides (``bad_input``, ``unknown_event``, ``where_error``, ``key_error``,
``not_qualified``, ``no_definition``) go straight to the shared store, keyed by the input's
id. ``jengine serve --engine temporal`` calls :meth:`Feeder.submit_event`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError

from jengine.core.engine import profile_key, qualify
from jengine.core.instants import from_micros, render_instant, to_micros
from jengine.core.state import AudienceIn, BusinessIn, EventIn, Input, ProfileIn, ReactionIn
from jengine.runtime.io import (
    AUDIENCE,
    REACTION,
    DeadLetter,
    InputEvent,
    SourceLine,
    key_letter,
    unqualified_letter,
)
from jengine.runtime.io import parse_event_line as parse_line
from jengine.runtime.loading import profile_json
from jengine.temporal import specs
from jengine.temporal.codec import OutputRecord, encode_input
from jengine.temporal.config import GLOBAL_KEY, Config
from jengine.temporal.store import SharedStore

__all__ = ["UNAVAILABLE", "Ack", "Feeder", "retrying", "send"]

Json = dict[str, Any]
T = TypeVar("T")


#: what a send raises once Temporal did not accept it within its patience
UNAVAILABLE = (TimeoutError, RPCError, WorkflowUpdateFailedError,
               WorkflowUpdateRPCTimeoutOrCancelledError)


async def retrying(call: Callable[[], Awaitable[T]], patience: float) -> T:
    """``call()``, again after a failure (a worker killed while it held the workflow task,
    a server restarting) until ``patience`` seconds have passed. Items carry ids, so a
    repeated send is dropped by the workflow."""
    deadline = time.monotonic() + patience
    delay = 0.2
    while True:
        try:
            return await call()
        except UNAVAILABLE:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


async def send(client: Client, config: Config, key: str, item: Json, *,
               wait: bool = False, patience: float = 120.0) -> Json | None:
    """Send one item to ``key``'s workflow, starting it if needed; with ``wait``, the
    workflow's status once the item is processed. Failures are retried for ``patience``
    seconds."""
    return await retrying(lambda: _send(client, config, key, item, wait), patience)


async def _send(client: Client, config: Config, key: str, item: Json,
                wait: bool) -> Json | None:
    from jengine.temporal.keyflow import KeyWorkflow

    wid = config.workflow_id(key)
    arg = {"config": config.to_json(), "key": key}
    timeout = dt.timedelta(seconds=config.task_timeout)
    if wait:
        op = WithStartWorkflowOperation(
            KeyWorkflow.run, arg, id=wid, task_queue=config.task_queue, task_timeout=timeout,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
        status: Json = await client.execute_update_with_start_workflow(
            KeyWorkflow.submit_wait, item, start_workflow_operation=op)
        return status
    await client.start_workflow(KeyWorkflow.run, arg, id=wid, task_queue=config.task_queue,
                                task_timeout=timeout, start_signal="submit",
                                start_signal_args=[item])
    return None


@dataclass
class Ack:
    """What happened to one input: the keys it was sent to (accepted by Temporal), or the
    dead-letter / discard reason recorded for it."""

    keys: list[str] = field(default_factory=list)
    reason: str | None = None
    statuses: dict[str, Json] = field(default_factory=dict)


class Feeder:
    """Routes inputs of one source (``source`` names it in input and effect ids)."""

    def __init__(self, client: Client, config: Config, store: SharedStore, snapshot: Json, *,
                 source: str = "in", wait: bool = False, patience: float = 120.0) -> None:
        self.client, self.config, self.store = client, config, store
        self.snapshot, self.spec = snapshot, specs.compiled(snapshot)
        self.source, self.wait, self.patience = source, wait, patience

    def use(self, snapshot: Json) -> None:
        """Route by a newer published snapshot from now on."""
        self.snapshot, self.spec = snapshot, specs.compiled(snapshot)

    async def _send(self, key: str, item_id: str, inp: Input, now: int | None,
                    time: int | None, ack: Ack) -> None:
        item = {"id": item_id, "kind": "input", "input": encode_input(inp), "now": now,
                "time": time, "spec": self.snapshot["id"], "gen": self.snapshot["gen"]}
        status = await send(self.client, self.config, key, item, wait=self.wait,
                            patience=self.patience)
        ack.keys.append(key)
        if status is not None:
            ack.statuses[key] = status

    async def opened(self, versions: list[tuple[str, int]], now: int | None) -> Ack:
        """Tell the global workflow which versions opened (their audience reads)."""
        ack = Ack()
        item = {"id": f"{self.source}:opened:{self.snapshot['id']}", "kind": "opened",
                "versions": [list(v) for v in versions], "now": now,
                "spec": self.snapshot["id"], "gen": self.snapshot["gen"]}
        status = await send(self.client, self.config, GLOBAL_KEY, item, wait=self.wait)
        ack.keys.append(GLOBAL_KEY)
        if status is not None:
            ack.statuses[GLOBAL_KEY] = status
        return ack

    async def profile(self, number: int, record: Any, now: int | None) -> Ack:
        """Load a profile line (a ``ProfileIn`` through the core; the first load of a
        profile is silent)."""
        ack = Ack()
        pj = profile_json(record)
        await self._send(pj["id"], f"{self.source}:p{number}", ProfileIn(profile=pj["id"],
                         record=pj), now, None, ack)
        return ack

    async def submit_profile(self, record: Any, ref: str) -> Ack:
        """A profile that replaces the stored one (``serve``'s ``/v1/profiles``)."""
        ack = Ack()
        pj = profile_json(record)
        await self._send(pj["id"], ref, ProfileIn(profile=pj["id"], record=pj), None, None, ack)
        return ack

    async def line(self, line: SourceLine, now: int | None = None,
                   late: bool = False) -> Ack:
        """Route one input line (simulated: at ``now``; ``late`` when its time is older)."""
        parsed = parse_line(line, None if now is not None else dt.datetime.now(dt.UTC))
        if isinstance(parsed, DeadLetter):
            return self.dead(parsed, f"{self.source}:{line.number}")
        return await self.event(parsed, f"{self.source}:{line.number}", now, late)

    async def submit_event(self, event: str | None, payload: Json, time: dt.datetime,
                           ref: str, text: str = "") -> Ack:
        """One input event (``serve``): acknowledged once Temporal accepted it."""
        return await self.event(InputEvent(0, event, time, payload, text), ref, None, False)

    async def event(self, ev: InputEvent, ref: str, now: int | None, late: bool) -> Ack:
        t_us = to_micros(ev.time)
        clock = from_micros(now) if now is not None else dt.datetime.now(dt.UTC)
        etime = t_us if late else None
        ack = Ack()
        if ev.event == AUDIENCE:
            p = ev.payload
            await self._send(p["profile"], ref, AudienceIn(ev.line, etime, p["profile"],
                             p["audience"], p["status"]), now, t_us, ack)
        elif ev.event == REACTION:
            p = ev.payload
            await self._send(p["profile"], ref, ReactionIn(
                ev.line, etime, p["journey"], p["version"], p["profile"], p["step"], p["kind"]),
                now, t_us, ack)
        else:
            await self._profile_event(ev, ref, clock, now, etime, ack)
        return ack

    async def _profile_event(self, ev: InputEvent, ref: str, clock: dt.datetime,
                             now: int | None, etime: int | None, ack: Ack) -> None:
        model, t_us = self.spec.model, to_micros(ev.time)
        verdict = qualify(model, ev.event, ev.payload, clock)
        if isinstance(verdict, str) or verdict is None:
            reason = verdict or "no_definition"
            if reason in ("unknown_event", "where_error"):
                self.dead(unqualified_letter(ev, reason), ref, ack)
            else:
                self._discard(ref, clock, reason, etime, ack)
            return
        for n, q in enumerate(verdict):
            item_id = f"{ref}:{n}"
            if q.business:
                await self._send(GLOBAL_KEY, item_id, BusinessIn(ev.line, etime, q.name,
                                 ev.payload), now, t_us, ack)
                continue
            key = profile_key(model, q.name, ev.payload, clock)
            if key is None:
                self.dead(key_letter(ev, q.name), item_id, ack)
                continue
            await self._send(key, item_id, EventIn(ev.line, etime, q.name, key, ev.payload),
                             now, t_us, ack)

    def dead(self, letter: DeadLetter, ref: str, ack: Ack | None = None) -> Ack:
        ack = ack or Ack()
        self.store.put_outputs([OutputRecord(f"d:{ref}", "deadletter", letter.to_json())])
        ack.reason = letter.reason
        return ack

    def _discard(self, ref: str, clock: dt.datetime, reason: str, etime: int | None,
                 ack: Ack) -> None:
        obj: Json = {"time": render_instant(clock), "journey": None, "version": None,
                     "profile": None, "step": None, "outcome": "discarded", "next": None,
                     "reason": reason}
        if etime is not None:
            obj["late"] = True
            obj["eventTime"] = render_instant(from_micros(etime))
        self.store.put_outputs([OutputRecord(f"j:{ref}", "journal", obj)])
        ack.reason = reason
