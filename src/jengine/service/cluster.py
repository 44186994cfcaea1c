"""``jengine serve --engine temporal``: the service feeds a Temporal cluster instead of its inbox.

:class:`ClusterFeed` takes both places the embedded service gives to the inbox writer and the
live engine: the ingestion endpoints hand it their checked items (:meth:`ClusterFeed.submit`,
the inbox writer's interface) and it routes each one with the Temporal driver's
:class:`~jengine.temporal.client.Feeder` — the core's pure routing, then signal-with-start to
the profile key's workflow — and answers only once Temporal has accepted every signal of the
request (*acknowledged means accepted by Temporal*, which persists it). The workers
(``jengine worker``) process the inputs and write the outputs to the shared store.

* Order: the items of a request are sent one after the other, so inputs of one profile reach
  its workflow in the order they were posted.
* Idempotency keys (``id``, Segment's ``messageId``) become the item ids
  (``serve:k:<key>:<n>``): a repeated key is dropped by the workflow (it remembers its last
  2,048 item ids, across continue-as-new), and a key this process has seen recently is
  answered as a duplicate without sending anything.
* Back-pressure: more than ``inbox_capacity`` items being sent at once answers 429; Temporal
  unreachable for ``patience`` seconds answers 503 (``Retry-After`` on both).
* Profiles (``/v1/profiles``) replace the stored profile through the core (``ProfileIn``);
  Segment ``identify`` merges its traits into the profile the key's workflow last mirrored to
  the shared store (a read-merge-send: two identifies of one profile at the same instant may
  lose one's traits).
* Publishing: ``--publish`` and ``POST /v1/publish`` register the workspace folder in the
  shared store exactly as a worker's start does (:func:`jengine.temporal.specs.publish`); the
  service routes by the latest published snapshot (it looks for a newer one once a second,
  so a worker rollout is picked up).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

from jengine.core.context import Options
from jengine.lang import ast as A
from jengine.lang.model import Model
from jengine.runtime.control import merged_profile
from jengine.runtime.io import DeadLetter, SourceLine, parse_event_line, parse_profile_line
from jengine.service.config import ServeConfig
from jengine.service.inbox import Accepted, InboxFull, StoreUnavailable
from jengine.service.logs import log
from jengine.service.native import PROFILE_EVENT, Item
from jengine.temporal import specs
from jengine.temporal.client import UNAVAILABLE, Feeder
from jengine.temporal.config import Config
from jengine.temporal.connect import Connection, connect
from jengine.temporal.store import SharedStore
from jengine.temporal.stores import open_store

__all__ = ["ClusterFeed", "ClusterSettings", "NotPublished"]

RECENT_KEYS = 100_000
REFRESH_S = 1.0
#: the run options a worker publishes with (``jengine worker`` without --dry-run/--test)
OPTIONS = Options(False, False, 10_000_000)


class NotPublished(StoreUnavailable):
    """Nothing is published in the shared store yet (no worker started, no --publish)."""


@dataclass(frozen=True)
class ClusterSettings:
    """Where the cluster is: the connection, the queue settings and the shared store."""

    connection: Connection
    config: Config
    store: str
    patience: float = 10.0


class ClusterFeed:
    """The service's writer and engine handle in cluster mode (see the module docstring)."""

    def __init__(self, serve: ServeConfig, settings: ClusterSettings) -> None:
        self.serve, self.settings = serve, settings
        self.capacity = serve.inbox_capacity
        self.inflight = 0
        self.acknowledged = 0
        self._numbered = 0   # items without a key: each gets a number of its own, once
        self.store: SharedStore | None = None
        self.feeder: Feeder | None = None
        self.client: Any = None
        self._boot = uuid.uuid4().hex[:12]
        self._recent: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._refresher: asyncio.Task[None] | None = None
        self._running = False
        self._failure: str | None = None

    # -- the engine handle ---------------------------------------------------------------------

    async def astart(self) -> None:
        """Open the shared store, connect, take the latest published snapshot."""
        self.store = await asyncio.to_thread(open_store, self.settings.store)
        self.client = await connect(self.settings.connection)
        await self._refresh_once()
        self._running = True
        self._refresher = asyncio.create_task(self._refresh())
        log.info("feeding the cluster", extra={
            "temporal": self.settings.connection.address,
            "namespace": self.settings.connection.namespace,
            "task_queue": self.settings.config.task_queue, "store": self.store.location})

    def start(self) -> None:
        return None

    def stop(self) -> None:
        self._running = False
        if self._refresher is not None:
            self._refresher.cancel()
        if self.store is not None:
            self.store.close()

    @property
    def running(self) -> bool:
        return self._running

    @property
    def failure(self) -> str | None:
        return self._failure

    def model(self) -> Model | None:
        return None if self.feeder is None else self.feeder.spec.model

    def published_changed(self) -> None:
        return None

    def wake(self) -> None:
        return None

    async def _refresh_once(self) -> None:
        assert self.store is not None
        latest = await asyncio.to_thread(self.store.latest_spec)
        if latest is None:
            return
        if self.feeder is None:
            self.feeder = Feeder(self.client, self.settings.config, self.store, latest,
                                 source="serve", patience=self.settings.patience)
        elif latest["id"] != self.feeder.snapshot["id"] and \
                latest["gen"] > self.feeder.snapshot["gen"]:
            await asyncio.to_thread(specs.compiled, latest)
            self.feeder.use(latest)

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_S)
            try:
                await self._refresh_once()
            except Exception as exc:  # the store may be down for a while: keep trying
                log.warning("spec refresh failed", extra={"error": str(exc)})

    # -- the writer ----------------------------------------------------------------------------

    @property
    def depth(self) -> int:
        """Items being sent to Temporal right now."""
        return self.inflight

    @property
    def alive(self) -> bool:
        return self._running

    def close(self) -> None:
        """Nothing is queued here: every answered request was accepted by Temporal."""

    async def submit(self, items: Sequence[Item]) -> Accepted:
        """Send ``items`` in order; return once Temporal accepted all of them."""
        feeder = self.feeder
        if feeder is None:
            raise NotPublished("nothing is published: start a worker or publish the workspace")
        if self.inflight + len(items) > self.capacity:
            raise InboxFull(f"{self.inflight} inputs are being sent to Temporal "
                            f"(capacity {self.capacity})")
        self.inflight += len(items)
        sent: list[int] = []
        duplicates = 0
        try:
            for item in items:
                if item.key is not None and item.key in self._recent:
                    duplicates += 1
                    continue
                await self._one(feeder, item)
                self.acknowledged += 1
                sent.append(self.acknowledged)
                if item.key is not None:
                    self._remember(item.key)
        except (*UNAVAILABLE, OSError) as exc:
            raise StoreUnavailable(f"Temporal did not accept the input: {exc}") from exc
        finally:
            self.inflight -= len(items)
        return Accepted(tuple(sent), duplicates)

    def _remember(self, key: str) -> None:
        self._recent[key] = None
        if len(self._recent) > RECENT_KEYS:
            self._recent.popitem(last=False)

    def _ref(self, item: Item) -> str:
        if item.key is not None:
            return f"serve:k:{item.key}"
        self._numbered += 1
        return f"serve:{self._boot}:{self._numbered}"

    async def _one(self, feeder: Feeder, item: Item) -> None:
        ref = self._ref(item)
        arrival = dt.datetime.now(dt.UTC)
        parsed = parse_event_line(SourceLine(0, item.line), arrival)
        if isinstance(parsed, DeadLetter):
            feeder.dead(parsed, ref)
            return
        if parsed.event == PROFILE_EVENT:
            await self._profile(feeder, parsed.payload, ref)
            return
        await feeder.event(parsed, ref, None, False)

    async def _profile(self, feeder: Feeder, payload: dict[str, Any], ref: str) -> None:
        record = payload["profile"]
        if payload.get("merge") and isinstance(record.get("id"), str):
            assert self.store is not None
            stored = await asyncio.to_thread(self.store.profile, record["id"])
            if stored is not None:
                record = merged_profile(stored, record)
        parsed = parse_profile_line(SourceLine(0, json.dumps(record, ensure_ascii=False)))
        if isinstance(parsed, DeadLetter):
            feeder.dead(parsed, ref)
            return
        await feeder.submit_profile(parsed, ref)

    # -- publishing ----------------------------------------------------------------------------

    async def publish(self) -> Response:
        """``POST /v1/publish`` (and ``--publish``): register the workspace folder."""
        assert self.store is not None
        published = await asyncio.to_thread(specs.publish, self.store, self.serve.workspace,
                                             OPTIONS)
        if published.snapshot is None:
            if published.diagnostics:
                return JSONResponse({"error": "the workspace has errors: nothing is published",
                                     "code": "workspace_errors",
                                     "diagnostics": published.diagnostics}, status_code=422)
            return JSONResponse({"error": published.problems[0], "code": "version_conflict",
                                 "problems": published.problems}, status_code=409)
        await self._refresh_once()
        assert self.feeder is not None
        reads = [v for v in published.opened if _reads(published, v)]
        if reads:
            await self.feeder.opened(reads, None)
        return JSONResponse({"published": [{"journey": j, "version": v}
                                           for j, v in published.opened],
                             "snapshot": published.snapshot["id"]})

    def status(self) -> dict[str, Any]:
        """``GET /v1/status`` in cluster mode."""
        conn = self.settings.connection
        snapshot = None if self.feeder is None else self.feeder.snapshot
        return {"engine": "temporal", "running": self._running, "temporal": conn.address,
                "namespace": conn.namespace, "task_queue": self.settings.config.task_queue,
                "store": None if self.store is None else self.store.location,
                "published": None if snapshot is None else
                {"snapshot": snapshot["id"], "gen": snapshot["gen"]},
                "inflight": self.inflight, "acknowledged": self.acknowledged}


def _reads(published: specs.Published, version: tuple[str, int]) -> bool:
    vs = published.spec.version(*version)
    return vs is not None and isinstance(vs.journey.entry, A.EntryRead)
