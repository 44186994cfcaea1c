"""A worker: the journey workflows and activities on one task queue.

:func:`build_worker` makes the SDK worker; workflows run in the SDK's sandbox with the
project's packages and their libraries passed through (they are deterministic and imported
once per process, not once per workflow run). Before polling, the worker compiles the latest
published spec and builds the expression parser (so no workflow task ever reads a file), and
:func:`refresh_specs` keeps loading snapshots published later or asked for by a workflow
(a workflow whose spec is not loaded yet fails its task, which the server retries).

:func:`run_worker` is ``jengine worker``: connect, build, run until SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
from collections.abc import Mapping
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from jengine.runtime.channels.dispatch import Dispatcher
from jengine.runtime.http import Transport
from jengine.temporal import specs
from jengine.temporal.activities import Activities
from jengine.temporal.config import Config
from jengine.temporal.keyflow import KeyWorkflow
from jengine.temporal.store import SharedStore

__all__ = ["PASSTHROUGH", "build_worker", "refresh_specs", "warm_up"]

#: modules the sandbox shares with the worker process instead of re-importing them per run
PASSTHROUGH = ("jengine", "jexpr", "lark", "regex", "interegular", "httpx", "psycopg",
               "rich", "tzdata", "zoneinfo")


def warm_up(store: SharedStore) -> None:
    """Build the expression parser and compile the latest spec outside any workflow."""
    import jexpr

    jexpr.compile("0 + 0")
    latest = store.latest_spec()
    if latest is not None:
        specs.remember(latest)


def build_worker(client: Client, config: Config, store: SharedStore, *,
                 transport: Transport | None = None, env: Mapping[str, str] | None = None,
                 max_concurrent: int = 50, sticky_timeout: float = 10.0,
                 identity: str | None = None, dispatcher: Dispatcher | None = None,
                 ) -> tuple[Worker, concurrent.futures.Executor]:
    """The SDK worker and the thread pool of its activities (shut it down after the
    worker)."""
    warm_up(store)
    runner = SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH))
    activities = Activities(store, client, transport=transport, env=env, dispatcher=dispatcher)
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=max_concurrent)
    kwargs: dict[str, Any] = {}
    if identity is not None:
        kwargs["identity"] = identity
    worker = Worker(client, task_queue=config.task_queue, workflows=[KeyWorkflow],
                    activities=activities.all(), activity_executor=executor,
                    workflow_runner=runner, max_concurrent_activities=max_concurrent,
                    sticky_queue_schedule_to_start_timeout=dt.timedelta(seconds=sticky_timeout),
                    **kwargs)
    return worker, executor


async def refresh_specs(store: SharedStore, every: float = 1.0) -> None:
    """Load new and missing spec snapshots until cancelled."""
    seen = None
    while True:
        try:
            latest = await asyncio.to_thread(store.latest_spec)
            if latest is not None and latest["id"] != seen:
                await asyncio.to_thread(specs.remember, latest)
                seen = latest["id"]
            for spec_id in specs.missing():
                snapshot = await asyncio.to_thread(store.spec, spec_id)
                if snapshot is not None:
                    await asyncio.to_thread(specs.remember, snapshot)
        except Exception as exc:  # the store may be down for a while: keep trying
            print(f"jengine worker: warning spec refresh: {exc}", flush=True)
        await asyncio.sleep(every)
