"""The activities: the I/O of the workflows, each safe to retry.

* ``jengine_commit`` — output records (de-duplicated by effect id) and profile mirrors into
  the shared store;
* ``jengine_call`` — one custom-action attempt through the runtime's HTTP adapter
  (``Idempotency-Key`` from the core, capping/throttle on the shared rate log), returned as
  the core's :class:`~jengine.core.state.ActionResultIn`;
* ``jengine_fetch`` — data-source reads (the adapter's response cache is per worker);
* ``jengine_claim`` — a compare-and-set of ``cap`` counters;
* ``jengine_deliver`` — a channel step's message to its provider (email, SMS, push), with the
  core's idempotency key ``{instance}:{step}``: the same ``Message-ID`` and HTTP
  ``Idempotency-Key`` on every attempt; for SMTP (which cannot tell whether a message
  arrived) a ledger in the shared store (counter ``send:<key>``: 1 attempted, 2 sent) makes a
  retried activity skip a message an earlier attempt sent — only a crash between the server's
  "250 OK" and the ledger write repeats one (RFC 1047's window, as in the embedded engine);
* ``jengine_fan_out`` — hand each member of an audience its item (signal-with-start; in
  simulated mode one at a time, waiting for each, so the order is the embedded engine's),
  heartbeating how far it got so a retry resumes there.

HTTP and the rate limiter run on the instant the workflow passes (``now``): simulated time
in simulated mode.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from jengine.core.instants import from_micros, to_micros
from jengine.core.state import ActionResultIn
from jengine.runtime.channels.dispatch import Dispatcher, Planned, channel_of
from jengine.runtime.http import Delayed, Finished, HttpClient, HttpxTransport, RetryAt, Transport
from jengine.runtime.ratelimit import Decision, Rate, RateLimiter
from jengine.runtime.specs import action_spec, datasource_spec
from jengine.temporal import fanout, specs
from jengine.temporal.codec import OutputRecord, decode_params, encode_input
from jengine.temporal.config import Config
from jengine.temporal.store import SharedStore

__all__ = ["Activities", "SharedLimiter"]

Json = dict[str, Any]


class ThreadClock:
    """The instant of the activity running on this thread (the workflow's ``now``)."""

    def __init__(self) -> None:
        self.local = threading.local()

    def set(self, now_us: int) -> None:
        self.local.now = from_micros(now_us)

    def now(self) -> dt.datetime:
        value: dt.datetime = self.local.now
        return value


class SharedLimiter(RateLimiter):
    """The runtime's sliding-window limiter over the shared store's rate log (one lock per
    action across workers)."""

    def __init__(self, store: SharedStore) -> None:  # no SQLite store: the primitives below
        self.shared = store

    def decide(self, action: str, key: str, now: dt.datetime, capping: Rate | None,
               throttle: Rate | None) -> Decision:
        with self.shared.locked(f"rate:{action}"):
            return super().decide(action, key, now, capping, throttle)

    def _times(self, action: str, after: dt.datetime, key: str) -> list[dt.datetime]:
        return [from_micros(t) for t in self.shared.rate_times(action, to_micros(after), key)]

    def _count(self, action: str, now: dt.datetime, per: dt.timedelta, key: str) -> int:
        return self.shared.rate_count(action, to_micros(now - per), to_micros(now), key)

    def _reserved(self, action: str, key: str) -> dt.datetime | None:
        at = self.shared.rate_reserved(action, key)
        return None if at is None else from_micros(at)

    def _log(self, action: str, key: str, at: dt.datetime, *, made: bool) -> None:
        self.shared.rate_log(action, key, to_micros(at), made)

    def _forget(self, action: str, key: str) -> None:
        self.shared.rate_forget(action, key)

    def _prune(self, action: str, now: dt.datetime, *rates: Rate | None) -> None:
        spans = [r.per for r in rates if r is not None]
        if spans:
            self.shared.rate_prune(action, to_micros(now - max(spans)))


class Activities:
    """The activities of one worker, bound to its store, HTTP transport and client."""

    def __init__(self, store: SharedStore, client: Client | None, *,
                 transport: Transport | None = None, env: Mapping[str, str] | None = None,
                 dispatcher: Dispatcher | None = None) -> None:
        self.store, self.client = store, client
        self.clock = ThreadClock()
        self.http = HttpClient(transport or HttpxTransport(), self.clock,
                               limiter=SharedLimiter(store), env=env)
        self.dispatcher = dispatcher
        self._sending = threading.Lock()   # a sender holds one connection per channel

    def all(self) -> list[Any]:
        return [self.commit, self.call, self.fetch, self.claim, self.fan_out, self.deliver]

    def _spec(self, spec_id: str) -> Any:
        try:
            return specs.cached(spec_id)
        except specs.SpecMissing:
            snapshot = self.store.spec(spec_id)
            if snapshot is None:
                raise
            return specs.compiled(snapshot)

    @activity.defn(name="jengine_commit")
    def commit(self, arg: Json) -> int:
        self.store.put_profiles([(p["id"], p["profile"], p["member"])
                                 for p in arg.get("profiles", [])])
        return self.store.put_outputs([OutputRecord.from_json(r) for r in arg["outputs"]])

    @activity.defn(name="jengine_call")
    def call(self, arg: Json) -> Json:
        self.clock.set(arg["now"])
        spec = action_spec(self._spec(arg["spec"]), arg["action"])
        outcome = self.http.attempt_action(spec, decode_params(arg["params"]), arg["key"],
                                           arg["attempt"], int(arg.get("spent") or 0))
        base = {"instance": arg["instance"], "step": arg["step"], "attempt": outcome.attempt}
        if isinstance(outcome, Finished):
            r = outcome.result
            result = ActionResultIn(**base, outcome="finished", at=arg["now"],
                                    status_code=r.jo_status_code, ok=r.ok,
                                    response=r.action_payload(), elapsed_ms=r.elapsed_ms,
                                    error=r.error)
        elif isinstance(outcome, RetryAt):
            result = ActionResultIn(**base, outcome="retry", at=to_micros(outcome.at),
                                    elapsed_ms=outcome.result.elapsed_ms)
        else:
            assert isinstance(outcome, Delayed)
            result = ActionResultIn(**base, outcome="delayed", at=to_micros(outcome.at))
        return encode_input(result)

    @activity.defn(name="jengine_fetch")
    def fetch(self, arg: Json) -> Json:
        self.clock.set(arg["now"])
        spec = self._spec(arg["spec"])
        out: Json = {}
        for r in arg["reads"]:
            got = self.http.fetch(datasource_spec(spec, r["source"]), decode_params(r["params"]),
                                  r["idem"])
            out[r["key"]] = {"payload": got.payload, "status_code": got.status_code,
                             "elapsed_ms": got.elapsed_ms}
        return out

    @activity.defn(name="jengine_claim")
    def claim(self, arg: Json) -> dict[str, int]:
        return self.store.claim(arg["id"], {k: (v[0], v[1]) for k, v in arg["changes"].items()})

    @activity.defn(name="jengine_deliver")
    def deliver(self, arg: Json) -> Json:
        """``{"line", "failed"}``: the outbox line of the message (see the module docstring)."""
        if self.dispatcher is None:
            raise ApplicationError("this worker does not deliver channel messages (started "
                                   "with --no-deliver); a delivering worker must take it",
                                   type="NoDelivery")
        spec = self._spec(arg["spec"])
        line, key, now = arg["line"], arg["key"], int(arg["now"])
        planned = self.dispatcher.plan(spec, line, key, arg.get("profile"), arg.get("instance"),
                                       from_micros(now),
                                       lambda: self._history(spec, line["profile"], now),
                                       lambda address: None)
        if planned.message is None:
            return {"line": planned.line, "failed": planned.failed}
        return self._send(planned, key, activity.info().attempt)

    def _send(self, planned: Planned, key: str, attempt: int) -> Json:
        assert self.dispatcher is not None and planned.message is not None
        sender = self.dispatcher.senders(planned.channel)
        ledger = f"send:{key}"
        safe = sender.idempotent(planned.channel)
        if not safe:
            current = self.store.claim(f"{ledger}:{attempt}", {ledger: (0, 1)})
            if current.get(ledger) == 2:   # an earlier attempt sent it, its answer was lost
                return {"line": {**planned.line, "status": "sent", "attempts": attempt},
                        "failed": False}
        with self._sending:
            result = sender.send(planned.channel, planned.message)
        if result.outcome == "retry" and attempt <= Dispatcher.retries(planned.channel):
            raise ApplicationError(f"transient failure: {result.detail}", type="SendRetry")
        if not safe and result.outcome == "sent":
            self.store.claim(f"{ledger}:sent", {ledger: (1, 2)})
        done = Dispatcher.result(planned, result, attempt)
        return {"line": done.line, "failed": done.failed}

    def _history(self, spec: Any, profile: str, now: int) -> list[tuple[int, str]]:
        """(time, kind) of the profile's marketing messages sent within the longest cap
        (asked for only when a cap applies: it scans the stored outbox)."""
        caps = spec.model.rules.caps
        if not caps:
            return []
        since = now - max(c.per_ms for c in caps) * 1000
        out = []
        for o in self.store.outputs("outbox"):
            if o.get("profile") != profile or o.get("status") != "sent" or "channel" not in o:
                continue
            channel = channel_of(spec, {**o, "status": "sent"})
            at = to_micros(dt.datetime.fromisoformat(o["time"]))
            if channel is not None and channel.category == "marketing" and at > since:
                out.append((at, channel.kind))
        return sorted(out)

    @activity.defn(name="jengine_fan_out")
    async def fan_out(self, arg: Json) -> dict[str, int | None]:
        from jengine.temporal.client import send

        assert self.client is not None
        config = Config.from_json(arg["config"])
        members = sorted({pid for a in arg["audiences"] for pid in self.store.members(a)})
        details = activity.info().heartbeat_details
        start = int(details[0]) if details else 0
        touched: dict[str, int | None] = {}
        for n, (pid, item) in enumerate(fanout.items(arg, members)):
            if n < start:
                continue
            status = await send(self.client, config, pid, item, wait=config.simulated)
            if status is not None:
                touched[pid] = status["next_due"]
            activity.heartbeat(n + 1)
        return touched
