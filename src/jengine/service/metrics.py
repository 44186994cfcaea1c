"""Prometheus metrics (``GET /metrics``), one registry per application.

Counted as they happen: requests by route and status, ingested inputs by source, duplicates,
refusals by reason, the ack latency of ingestion requests, the group commits, and the latency of
the engine's outgoing HTTP calls (custom actions and data sources, through
:class:`TimedTransport`). Read from the store at each scrape (:class:`StoreCollector`): the
inputs processed, the inbox depth and lag (age of the oldest unprocessed input), the per-step
counts of every journey version (the ``report`` counters of ``jengine report``) and the dead
letters. No metric carries a profile id or a payload value.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from jengine.runtime.http import HttpRequest, HttpResponse, Transport
from jengine.service.inbox import INBOX_SOURCE

__all__ = ["Metrics", "StoreCollector", "TimedTransport"]

_LATENCY = (.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)


class Metrics:
    """The service's metrics in their own registry (several apps may live in one process)."""

    def __init__(self, state: Path | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("jengine_http_requests", "HTTP requests answered",
                                ["route", "status"], registry=r)
        self.ingested = Counter("jengine_events_ingested", "Inputs acknowledged (committed to "
                                "the inbox)", ["source"], registry=r)
        self.duplicates = Counter("jengine_events_duplicate", "Inputs accepted again under a "
                                  "known idempotency key (not stored)", registry=r)
        self.ignored = Counter("jengine_events_ignored", "Segment messages accepted and "
                               "ignored (page, screen, group, alias)", registry=r)
        self.refused = Counter("jengine_requests_refused", "Ingestion requests refused",
                               ["reason"], registry=r)
        self.ack = Histogram("jengine_ingest_ack_seconds", "Ingestion request time until "
                             "acknowledged (committed)", buckets=_LATENCY, registry=r)
        self.commits = Histogram("jengine_inbox_commit_seconds", "Inbox group-commit time",
                                 buckets=_LATENCY, registry=r)
        self.http_calls = Histogram("jengine_http_action_seconds", "Outgoing HTTP calls of "
                                    "custom actions and data sources", ["method", "outcome"],
                                    buckets=_LATENCY, registry=r)
        self.engine_up = Gauge("jengine_engine_running", "1 while the live engine runs",
                               registry=r)
        if state is not None:
            r.register(StoreCollector(state))

    def commit(self, stored: int, seconds: float) -> None:
        """The inbox writer's callback after each group commit."""
        self.commits.observe(seconds)


class TimedTransport:
    """An HTTP transport that times each call of the one it wraps."""

    def __init__(self, inner: Transport, histogram: Histogram) -> None:
        self.inner, self.histogram = inner, histogram

    def send(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        outcome = "error"
        try:
            response = self.inner.send(request)
            outcome = f"{response.status // 100}xx"
            return response
        finally:
            self.histogram.labels(request.method, outcome).observe(time.perf_counter() - start)

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


class StoreCollector(Collector):
    """Metrics read from the store at scrape time (a read-only connection per scrape)."""

    def __init__(self, state: Path) -> None:
        self.state = state

    def collect(self) -> Iterator[Any]:
        try:
            conn = sqlite3.connect(f"file:{self.state}?mode=ro", uri=True, timeout=5.0)
        except sqlite3.Error:
            return
        try:
            yield from self._collect(conn)
        except sqlite3.Error:
            return
        finally:
            conn.close()

    def _collect(self, conn: sqlite3.Connection) -> Iterator[Any]:
        row = conn.execute("SELECT line FROM input_offsets WHERE source = ?",
                           (INBOX_SOURCE,)).fetchone()
        processed = int(row[0]) if row else 0
        last = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'inbox'").fetchone()
        oldest = conn.execute("SELECT received FROM inbox WHERE seq > ? ORDER BY seq LIMIT 1",
                              (processed,)).fetchone()
        yield CounterMetricFamily("jengine_events_processed", "Inbox inputs processed "
                                  "(the engine's committed offset)", value=processed)
        yield GaugeMetricFamily("jengine_inbox_depth", "Inputs acknowledged, not yet "
                                "processed", value=max(0, (int(last[0]) if last else 0)
                                                       - processed))
        lag = max(0.0, time.time() - oldest[0] / 1e6) if oldest else 0.0
        yield GaugeMetricFamily("jengine_inbox_lag_seconds", "Age of the oldest unprocessed "
                                "input", value=lag)
        steps = CounterMetricFamily("jengine_step", "Per-step counts of the journey versions",
                                    labels=["journey", "version", "step", "outcome"])
        for journey, version, step, name, value in conn.execute(
                "SELECT journey, version, step, name, value FROM counters "
                "WHERE kind = 'report' ORDER BY journey, version, step, name"):
            steps.add_metric([journey, str(version), step, name], value)
        yield steps
        (dead,) = conn.execute(   # a row may hold several lines (schema v2)
            "SELECT coalesce(sum(length(line) - length(replace(line, char(10), '')) + 1), 0) "
            "FROM outputs WHERE stream = 'deadletter'").fetchone()
        yield CounterMetricFamily("jengine_dead_letters", "Dead letters written", value=dead)
