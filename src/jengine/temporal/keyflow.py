"""The workflows: :class:`KeyWorkflow`, one per profile key, and the same class as the global
workflow (key :data:`~jengine.temporal.config.GLOBAL_KEY`), which owns the read-audience
schedules, runs the core's decisions about a read or a business execution as a whole, and
hands the core's fan-outs to the member keys (:mod:`~jengine.temporal.fanout`).

A workflow's inputs arrive as *items* (``submit`` signal, or ``submit_wait`` update that
returns once the item is processed and its outputs are committed)::

    {"id": "...", "kind": "input" | "schedule" | "opened", "input": {...encoded input...},
     "now": µs | None, "time": µs | None, "spec": spec id, "gen": n}

The main loop waits for items or the next timer, processes them through the
:class:`~jengine.temporal.machine.KeyMachine` (activities for HTTP, data sources and ``cap``
claims), commits the outputs and the profile mirror in one local activity, and continues as new
after ``can_after`` items (or when the server suggests it), carrying the machine's JSON.
``sync`` is an update that returns when the workflow is idle (nothing pending, no timer due):
the simulated driver uses it to know that the timers it let fire are processed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from jengine.core.instants import to_micros
    from jengine.core.state import (
        ActionResultIn,
        CallAction,
        DataValue,
        Fanout,
        Fetch,
        FetchResult,
        Input,
        TimerIn,
    )
    from jengine.temporal import fanout, specs
    from jengine.temporal.codec import decode_input, encode_params
    from jengine.temporal.config import GLOBAL_KEY, Config, retry_policy
    from jengine.temporal.machine import KeyMachine

__all__ = ["KeyWorkflow"]

Json = dict[str, Any]


class ActivityIO:
    """The machine's IO as activities (see :mod:`jengine.temporal.activities`)."""

    def __init__(self, config: Config) -> None:
        self.config = config

    async def _run(self, name: str, arg: Json, timeout: float | None = None,
                   local: bool = False) -> Any:
        """An activity; ``local`` for the short store writes (run by the worker that runs the
        workflow task, recorded as a marker: no activity task round trip)."""
        start_to_close = timedelta(seconds=timeout or self.config.activity_timeout)
        if local:
            return await workflow.execute_local_activity(
                name, arg, start_to_close_timeout=start_to_close, retry_policy=retry_policy())
        return await workflow.execute_activity(
            name, arg, start_to_close_timeout=start_to_close, retry_policy=retry_policy())

    async def fetch(self, spec_id: str, fetches: list[Fetch], now: int) -> dict[str, DataValue]:
        reads = [{"key": f.key, "source": f.source, "group": f.group,
                  "params": encode_params(f.params), "idem": f.idempotency_key}
                 for f in fetches]
        got = await self._run("jengine_fetch", {"spec": spec_id, "reads": reads, "now": now})
        return {k: FetchResult(v["payload"], v["status_code"], v["elapsed_ms"])
                for k, v in got.items()}

    async def call(self, spec_id: str, call: CallAction, now: int) -> ActionResultIn:
        arg = {"spec": spec_id, "now": now, "instance": call.instance, "step": call.step,
               "action": call.action, "params": encode_params(call.params),
               "attempt": call.attempt, "key": call.key, "spent": call.spent_ms}
        result = decode_input(await self._run("jengine_call", arg))
        assert isinstance(result, ActionResultIn)
        return result

    async def claim(self, claim_id: str, changes: dict[str, tuple[int, int]]) -> dict[str, int]:
        got: dict[str, int] = await self._run("jengine_claim", {
            "id": claim_id, "changes": {k: list(v) for k, v in changes.items()}}, local=True)
        return got

    async def commit(self, outputs: list[Json], profiles: list[Json]) -> None:
        await self._run("jengine_commit", {"outputs": outputs, "profiles": profiles},
                        local=True)

    async def deliver(self, arg: Json) -> Json | None:
        """A channel step's message (None: this configuration does not deliver)."""
        if not self.config.deliver:
            return None
        got: Json = await self._run("jengine_deliver", arg)
        return got

    async def fan_out(self, arg: Json) -> dict[str, int | None]:
        got: dict[str, int | None] = await self._run(
            "jengine_fan_out", {**arg, "config": self.config.to_json()},
            timeout=max(self.config.activity_timeout, 3600.0))
        return got


@workflow.defn(name="JourneyKey")
class KeyWorkflow:
    """See the module docstring."""

    @workflow.init
    def __init__(self, arg: Json) -> None:
        self.config = Config.from_json(arg["config"])
        self.machine = KeyMachine(arg.get("machine") or {"key": arg["key"]})
        self.pending: list[Json] = list(arg.get("pending", []))
        self.done: set[str] = set()
        self.busy = False
        self.run_items = 0
        self.touched: dict[str, int | None] = {}
        self.horizon: int = arg.get("horizon", 0)
        self.alarms: set[int] = set()
        self.tasks: list[asyncio.Task[None]] = []
        self.io = ActivityIO(self.config)
        self.is_global = self.machine.key == GLOBAL_KEY
        self.fans = (0, 0)  # (item number, fan-outs sent while processing it)
        if self.is_global:
            self.machine.before_timer = self._before_timer
            self.machine.remote_fanout = self._fan

    # -- clock -----------------------------------------------------------------------------

    def now(self) -> int:
        """The engine clock (µs): the server clock, shifted in simulated mode."""
        return to_micros(workflow.now()) + self.config.offset

    def limit(self) -> int:
        """Timers due at or before this instant fire: the clock in live mode; in simulated
        mode the horizon the driver has reached (its inputs' instants and ``sync``)."""
        return self.horizon if self.config.simulated else self.now()

    def _next_due(self) -> int | None:
        return self.machine.next_due() if self.machine.spec_id else None

    def _due_now(self) -> bool:
        nd = self._next_due()
        return nd is not None and nd <= self.limit()

    def _idle(self) -> bool:
        return not self.pending and not self.busy and not self._due_now()

    def _status(self) -> Json:
        touched, self.touched = self.touched, {}
        return {"next_due": self.machine.next_due() if self.machine.spec_id else None,
                "touched": touched, "items": self.machine.items}

    # -- messages --------------------------------------------------------------------------

    @workflow.signal
    def submit(self, item: Json) -> None:
        self.pending.append(item)

    @workflow.update
    async def submit_wait(self, item: Json) -> Json:
        self.pending.append(item)
        await workflow.wait_condition(lambda: item["id"] in self.done and not self.busy)
        return self._status()

    @workflow.update
    async def sync(self, until: int | None = None) -> Json:
        if until is not None:
            self.horizon = max(self.horizon, until)
        await workflow.wait_condition(self._idle)
        return self._status()

    @workflow.query
    def status(self) -> Json:
        return {"pending": len(self.pending), "busy": self.busy, "items": self.machine.items,
                "spec": self.machine.spec_id, "timers": len(self.machine.timers),
                "instances": sorted(self.machine.state.instances)}

    # -- the loop --------------------------------------------------------------------------

    @workflow.run
    async def run(self, arg: Json) -> None:
        while True:
            await self._wait()
            self.busy = True
            await self._drain()
            self.busy = False
            if self.run_items >= self.config.can_after or \
                    workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(
                    lambda: bool(self.pending) or workflow.all_handlers_finished())
                if self.pending:
                    continue
                workflow.continue_as_new({"config": self.config.to_json(),
                                          "key": self.machine.key, "horizon": self.horizon,
                                          "machine": self.machine.to_json()})

    async def _wait(self) -> None:
        """Until an item arrives or a timer falls due. The timer is a workflow timer; in
        simulated mode it only wakes the workflow (nothing fires past the horizon) and is
        never cancelled: the time-skipping test server fails some workflow tasks that cancel
        a timer while an update is accepted, so an alarm is left to fire unneeded instead."""
        if self.pending or self._due_now():
            return
        nd, now = self._next_due(), self.now()
        if self.config.simulated:
            if nd is not None and nd > now and nd not in self.alarms:
                self.alarms.add(nd)
                self.tasks.append(asyncio.create_task(self._alarm(nd, (nd - now) / 1e6)))
            await workflow.wait_condition(lambda: bool(self.pending) or self._due_now())
            return
        timeout = None if nd is None or nd <= now else max((nd - now) / 1e6, 0.001)
        with contextlib.suppress(asyncio.TimeoutError):
            await workflow.wait_condition(lambda: bool(self.pending) or self._due_now(),
                                          timeout=timeout)

    async def _alarm(self, due: int, seconds: float) -> None:
        await workflow.sleep(max(seconds, 0.001))
        self.alarms.discard(due)
        self.tasks = [t for t in self.tasks if not t.done()]

    async def _drain(self) -> None:
        processed: list[str] = []
        while self.pending:
            item = self.pending[0]
            self.machine.use_spec(item.get("spec", ""), item.get("gen", 0))
            specs.cached(self.machine.spec_id)  # SpecMissing: the task fails and is retried
            self.pending.pop(0)
            await self._item(item)
            processed.append(item["id"])
            self.run_items += 1
        if self.machine.spec_id:
            limit = self.limit()
            await self.machine.fire_due(limit, self.io, None if self.config.simulated else limit)
        await self._commit()
        self.done.update(processed)

    async def _item(self, item: Json) -> None:
        if not self.machine.fresh(item["id"]):
            return
        kind = item.get("kind", "input")
        simulated = self.config.simulated and item.get("now") is not None
        now = max(item["now"] if simulated else self.now(), self.machine.last_now)
        if simulated:
            self.horizon = max(self.horizon, now)
        if kind == "opened":
            self._opened(item, now if item.get("now") is not None or not self.config.simulated
                         else None)
            return
        inp = decode_input(item["input"])
        if kind == "schedule":
            assert isinstance(inp, TimerIn)
            self.machine.schedule(inp)
            return
        await self.machine.fire_due(now, self.io, None if simulated else now)
        inp = self._late(inp, item, now)
        await self.machine.process(inp, now, self.io)

    def _late(self, inp: Input, item: Json, now: int) -> Input:
        """Live mode: an event older than the clock is late (§4.4), as in the embedded
        runner; in simulated mode the feeder marks it."""
        t = item.get("time")
        if self.config.simulated or t is None or t >= now or inp.event_time is not None:
            return inp
        return dataclasses.replace(inp, event_time=t)

    async def _commit(self) -> None:
        m = self.machine
        profiles: list[Json] = []
        if m.profile_dirty and m.key != GLOBAL_KEY:
            row = m.profile_row()
            if row is not None:
                profiles.append({"id": row[0], "profile": row[1], "member": row[2]})
            m.profile_dirty = False
        if m.outputs or profiles:
            outputs, m.outputs = [r.to_json() for r in m.outputs], []
            await self.io.commit(outputs, profiles)

    # -- the global workflow's fan-out ------------------------------------------------------

    def _opened(self, item: Json, now: int | None) -> None:
        spec = specs.cached(self.machine.spec_id)
        for journey, version in item.get("versions", []):
            for t in fanout.read_timers(spec, journey, version, now):
                self.machine.schedule(t)

    async def _before_timer(self, t: TimerIn) -> None:
        spec = specs.cached(self.machine.spec_id)
        await self.machine.refresh(fanout.counter_keys(spec, t), self.io)

    async def _fan(self, fan: Fanout, now: int) -> None:
        """A fan-out of the core on the global workflow: its own lines are committed first,
        then the activity hands each member the core's member input. Ids: the global's item
        number and the fan-out's rank within that item (deterministic under replay)."""
        items = self.machine.items
        n = self.fans[1] + 1 if self.fans[0] == items else 1
        self.fans = (items, n)
        request = fanout.request(fan, now, f"fan:{items}:{n}")
        if request is None:
            return
        await self._commit()
        request.update(spec=self.machine.spec_id, gen=self.machine.gen)
        self.touched.update(await self.io.fan_out(request))
