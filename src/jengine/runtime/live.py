"""The live driver of a service: the run loop over the inbox, on the published journeys.

:func:`drive_published` is :func:`jengine.runtime.driver.drive` for ``jengine serve``: the same
:class:`~jengine.runtime.driver.Loop` (so the same core, store, exactly-once export and
outputs as ``jengine run``), in live mode, with these differences:

* the input is the source in ``options.source`` (the store's inbox,
  :class:`jengine.runtime.inbox.InboxSource`), not a file;
* the journeys are those of the last publication (the store's ``published`` texts), not the
  workspace files: editing a file makes a draft, an ``@journey publish`` input makes it live;
  nothing is registered at start and the files are not watched;
* the store is opened by ``open_store`` in the calling thread (a service shares a write lock
  between its connections);
* channel messages are rendered from the *published* templates (the ``templates/…`` rows a
  publication stores beside the journey texts), not the folder's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from jengine.core.context import Options
from jengine.runtime.channels import senders as delivery
from jengine.runtime.driver import Loop, to_us
from jengine.runtime.export import Exporter
from jengine.runtime.lifecycle import load_published, next_pause_end, published_templates, spec_for
from jengine.runtime.options import RunOptions, RunResult
from jengine.runtime.records import DEADLETTER, JOURNAL, OUTBOX
from jengine.runtime.store import Store

__all__ = ["drive_published"]


def drive_published(options: RunOptions, open_store: Callable[[], Store]) -> RunResult:
    """Run the published journeys over ``options.source`` until it ends (see above)."""
    result = RunResult()
    started = time.perf_counter()
    store = open_store()
    try:
        core = Options(options.dry_run, options.test_mode, to_us(options.test_wait))
        root = Path(options.workspace)
        ws = load_published(store, root)
        templates, problems = delivery.prepare(ws, options.deliver, options.env,
                                               published_templates(store, root))
        if problems:
            raise RuntimeError("the published workspace cannot deliver: " + "; ".join(problems))
        Exporter(store, {OUTBOX: str(options.outbox), JOURNAL: str(options.journal),
                         DEADLETTER: str(options.dead_letters)}).attach()
        loop = Loop(options, spec_for(store, ws, core), store, result)
        loop.published = ws
        delivery.attach(loop, ws, templates)
        loop.pause_due = next_pause_end(store)
        loop.setup([])
        loop.watch = None
        try:
            loop.run()
        except BaseException:
            loop.batcher.abort()
            raise
    finally:
        store.close()
    result.seconds = time.perf_counter() - started
    return result
