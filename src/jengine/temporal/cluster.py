"""Running against a real Temporal service: ``jengine worker`` and ``jengine run --engine
temporal --temporal HOST:PORT`` (the commands' bodies; the argument parsing is in
:mod:`jengine.cli`).

:func:`serve_worker` publishes the workspace (journey versions, §4.5) to the shared store,
starts a worker on the task queue and runs it until SIGINT/SIGTERM; unless told not to
deliver, it first loads and checks the workspace's templates and the channels' settings
(:func:`dispatcher`: the messages of channel steps are sent by its ``jengine_deliver``
activity), and refuses to start when they have errors, as ``jengine run`` does. :func:`feed` publishes the
workspace, tells the global workflow which versions opened, loads the profiles and sends every
input line with signal-with-start; it returns when Temporal has accepted every input (the
outputs appear in the store as the workers process them: ``jengine report --store``). A
feeder killed and started again resumes after the last line it recorded as accepted
(:class:`Offset`); repeated lines are dropped by their item ids.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from jengine.core.context import Options
from jengine.lang import ast as A
from jengine.lang.workspace import load_workspace
from jengine.runtime.channels import senders
from jengine.runtime.channels.dispatch import Dispatcher
from jengine.runtime.http import HttpxTransport
from jengine.runtime.io import DeadLetter, open_input, read_lines, read_profiles
from jengine.temporal.client import Feeder
from jengine.temporal.config import Config
from jengine.temporal.connect import Connection, connect
from jengine.temporal.specs import Published, publish
from jengine.temporal.store import SharedStore
from jengine.temporal.stores import open_store
from jengine.temporal.worker import build_worker, refresh_specs

__all__ = ["OFFSET_EVERY", "FeedResult", "Offset", "dispatcher", "feed", "serve_worker"]

OFFSET_EVERY = 20   # lines between two writes of a feeder's offset


def _published(store: SharedStore, workspace: Path, options: Options, err: TextIO) -> Published:
    published = publish(store, workspace, options)
    for line in published.diagnostics:
        print(line, file=err)
    for problem in published.problems:
        print(f"{workspace}: error {problem}", file=err)
    return published


def dispatcher(workspace: Path, env: Mapping[str, str], err: TextIO) -> Dispatcher | None:
    """The worker's message dispatcher: the workspace's templates checked as ``jengine run``
    checks them, the providers' senders over the environment (None: it cannot deliver; the
    problems are printed)."""
    ws = load_workspace(workspace)
    templates, problems = senders.prepare(ws, True, env)
    for line in problems:
        print(line, file=err)
    if problems or templates is None:
        return None
    return Dispatcher(templates, senders.Senders(env, HttpxTransport()), env)


async def _serve(conn: Connection, config: Config, store_location: str, workspace: Path,
                 options: Options, err: TextIO, max_concurrent: int, sticky: float,
                 deliver: bool, env: Mapping[str, str]) -> int:
    sending = dispatcher(workspace, env, err) if deliver else None
    if deliver and sending is None:
        return 1
    store = open_store(store_location)
    try:
        published = _published(store, workspace, options, err)
        if published.snapshot is None:
            return 1
        client = await connect(conn)
        worker, executor = build_worker(client, config, store, max_concurrent=max_concurrent,
                                        sticky_timeout=sticky, env=env, dispatcher=sending)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        refresher = asyncio.create_task(refresh_specs(store))
        print(f"jengine worker: polling {config.task_queue} on {conn.address} "
              f"(namespace {conn.namespace}), store {store.location}", file=err, flush=True)
        try:
            async with worker:
                await stop.wait()
        finally:
            refresher.cancel()
            executor.shutdown(wait=False)
        return 0
    finally:
        store.close()


def serve_worker(conn: Connection, config: Config, store_location: str, workspace: Path,
                 options: Options, err: TextIO | None = None, max_concurrent: int = 50,
                 sticky: float = 10.0, deliver: bool = True,
                 env: Mapping[str, str] | None = None) -> int:
    """``jengine worker``: the exit status."""
    status = asyncio.run(_serve(conn, config, store_location, workspace, options,
                                err or sys.stderr, max_concurrent, sticky, deliver,
                                dict(os.environ) if env is None else env))
    gc.collect()  # drop the SDK's client before the interpreter exits (see docs/temporal.md)
    return status


@dataclass
class FeedResult:
    status: int = 0
    inputs: int = 0
    accepted: int = 0
    profiles: int = 0


async def _feed(conn: Connection, config: Config, store_location: str, workspace: Path,
                events: str, profiles: Path | None, options: Options,
                err: TextIO) -> FeedResult:
    result = FeedResult()
    store = open_store(store_location)
    try:
        published = _published(store, workspace, options, err)
        if published.snapshot is None:
            result.status = 1
            return result
        client = await connect(conn)
        source = f"run:{events}"
        feeder = Feeder(client, config, store, published.snapshot, source=source)
        reads = [v for v in published.opened if _reads(published, v)]
        if reads:
            await feeder.opened(reads, None)
        done = Offset(store, f"feed:{source}:profiles", events != "-")
        if profiles is not None:
            for n, item in enumerate(read_profiles(profiles), start=1):
                if n <= done.start:
                    continue
                if isinstance(item, DeadLetter):
                    print(f"{profiles}:{item.line}: warning bad_input {item.message}", file=err)
                else:
                    await feeder.profile(n, item, None)
                    result.profiles += 1
                done.advance(n)
        done.flush()
        read = Offset(store, f"feed:{source}:lines", events != "-")
        if read.start or done.start:
            print(f"{events}: resuming after line {read.start} ({done.start} profile line(s) "
                  "fed before)", file=err)
        with open_input(events) as stream:
            for line in read_lines(stream):
                if line.number <= read.start:
                    continue
                result.inputs += 1
                ack = await feeder.line(line)
                result.accepted += 1 if ack.keys else 0
                read.advance(line.number)
        read.flush()
        return result
    finally:
        store.close()


class Offset:
    """How far a feeder of one file got (the line acknowledged last), kept in the shared
    store as a counter (``feed:<source>:lines``, written with the store's compare-and-set
    every :data:`OFFSET_EVERY` lines and at the end), so a feeder killed and started again
    resumes after it. The lines sent after the last write are sent again; their item ids
    are the same (source and line number), so the workflows drop the repeats. Standard input
    (``--events -``) is never resumed."""

    def __init__(self, store: SharedStore, name: str, resume: bool) -> None:
        self.store, self.name = store, name
        # a claim whose expected value never holds returns the current one, changing nothing
        self.start = int(store.claim(f"{name}:read", {name: (-1, -1)}).get(name, 0)) \
            if resume else 0
        self.resume = resume
        self.saved = self.last = self.start

    def advance(self, number: int) -> None:
        self.last = number
        if number - self.saved >= OFFSET_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self.resume or self.last == self.saved:
            return
        current = self.store.claim(f"{self.name}:{self.last}", {self.name: (self.saved,
                                                                          self.last)})
        if current and current[self.name] < self.last:   # another feeder moved it
            self.store.claim(f"{self.name}:{self.last}",
                             {self.name: (current[self.name], self.last)})
        self.saved = self.last


def _reads(published: Published, version: tuple[str, int]) -> bool:
    vs = published.spec.version(*version)
    return vs is not None and isinstance(vs.journey.entry, A.EntryRead)


def feed(conn: Connection, config: Config, store_location: str, workspace: Path, events: str,
         profiles: Path | None, options: Options, err: TextIO | None = None) -> FeedResult:
    """``jengine run --engine temporal --temporal HOST:PORT``."""
    result = asyncio.run(_feed(conn, config, store_location, workspace, events, profiles,
                               options, err or sys.stderr))
    gc.collect()
    return result
