"""The runner: the I/O shell around the deterministic core (journey spec §4.4–§5).

Public API (stable; used by ``jengine run``, the scenario tests, the crash test and the
benchmark)::

    from jengine.runtime.runner import RunOptions, RunResult, run
    result = run(RunOptions(workspace=Path("examples/workspace"),
                            events=Path("examples/events.jsonl"),
                            profiles=Path("examples/profiles.jsonl"),
                            state=Path("jengine.db")))
    result.status        # 0 ran, 1 refused (workspace errors, J-VERSION-*), 2 bad input file
    result.events        # input lines read (non-blank) in this run
    result.outbox, result.journal, result.dead_letters   # lines written in this run
    result.profiles, result.profiles_seconds   # profiles loaded from the file, and how long

:class:`RunOptions` fields (all but ``workspace`` have defaults):

* ``workspace`` — folder of ``.journey`` files; ``events`` — a path or ``"-"`` (stdin);
  ``profiles`` — profiles JSONL loaded (replacing stored profiles) before the events.
* ``state`` — the SQLite state store; ``outbox``/``journal``/``dead_letters`` — output files.
* ``mode`` — ``"simulated"`` (clock = event times) or ``"live"`` (wall clock; the events file
  is followed as it grows, until ``stop()`` is true or ``idle_exit`` seconds pass with no
  input; stdin ends at EOF).
* ``until`` — simulated mode: after the last input, fire the timers due at or before it.
* ``strict_order`` — simulated mode: stop at the first input older than the clock
  (``E-INPUT-ORDER``, status 1) instead of processing it late (:mod:`jengine.runtime.admission`).
* ``max_ahead`` — simulated mode: an input dated more than this after the clock (and the
  current time) is a ``time_out_of_range`` dead letter (default ten years; ``None``: no bound;
  :mod:`jengine.runtime.bounds`).
* ``dry_run``, ``dry_run_datasources``, ``test_mode``, ``test_wait`` — §4.7 and
  docs/ajo-compatibility.md (a dry run reads external data sources only when asked).
* ``batch_size`` — inputs per commit (default :data:`DEFAULT_BATCH`: 2,000 in simulated mode,
  500 in live mode, where a batch is also committed whenever the input is idle);
  ``cache_size`` — profiles whose entries (profile, active instances, re-entrance memory) stay
  in memory decoded (default :data:`DEFAULT_CACHE`, 5,000), and ten times as many as their
  stored rows (JSON text, decoded again on use; :mod:`jengine.runtime.world`); the rest is read
  from the store on demand;
  ``timer_window`` — timers kept in memory ahead of the store's index (default 20,000);
  ``max_inputs`` — stop after this many inputs (tests).
* ``transport`` / ``http`` — an injectable HTTP transport or a whole HTTP adapter
  (default: :class:`jengine.runtime.http.HttpxTransport`); ``env`` — environment for ``secret()``.
* ``progress`` — show a progress bar on standard error; ``err`` — where diagnostics go.
* ``deliver`` — send the messages of declared channels (default; docs/channels.md): rendered
  from the workspace's templates, governed, queued in the step's commit and sent at their
  ``send`` timer; false writes channel steps to the outbox as if no channel were declared.
  ``senders`` — the sender of a channel (default: SMTP, and HTTP providers over ``transport``;
  the scenario runner records messages instead).

A run: load and check the workspace (errors refuse the run), open the store, register the
journey versions (§4.5), attach the exporter (which first repairs the output files after a
crash), load the profiles, then read the events from the stored input offset. Each input, and
each timer, is processed in one ``batcher.item()``: the core (:func:`jengine.core.engine.step`)
computes the new state slice and the effects; the runner performs the effects (HTTP calls fed
back to the core at the same clock time), appends output rows, then sets the input offset last.
Commits happen every ``batch_size`` inputs and at the end; the exporter appends the committed
rows to the files after each commit.
"""

from __future__ import annotations

import sqlite3
import sys

from jengine.runtime.admission import OutOfOrder
from jengine.runtime.driver import drive
from jengine.runtime.failures import describe
from jengine.runtime.lock import Locked
from jengine.runtime.migrations import ForeignStore, SchemaTooNew
from jengine.runtime.options import DEFAULT_BATCH, DEFAULT_CACHE, RunOptions, RunResult

__all__ = ["DEFAULT_BATCH", "DEFAULT_CACHE", "RunOptions", "RunResult", "run"]

def run(options: RunOptions) -> RunResult:
    """Run a workspace over an event stream (see the module docstring). A state store or an
    output file that cannot be used ends the run with status 1 and a coded message
    (:mod:`jengine.runtime.failures`)."""
    try:
        return drive(options)
    except (OSError, sqlite3.DatabaseError, ForeignStore, SchemaTooNew, Locked,
            OutOfOrder) as exc:
        message = describe(exc, options.state,
                           (options.outbox, options.journal, options.dead_letters))
        if message is None:
            raise
        print(f"jengine: error: {message}", file=options.err or sys.stderr)
        return RunResult(status=1, messages=[message])
