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

:class:`RunOptions` fields (all but ``workspace`` have defaults):

* ``workspace`` — folder of ``.journey`` files; ``events`` — a path or ``"-"`` (stdin);
  ``profiles`` — profiles JSONL loaded (replacing stored profiles) before the events.
* ``state`` — the SQLite state store; ``outbox``/``journal``/``dead_letters`` — output files.
* ``mode`` — ``"simulated"`` (clock = event times) or ``"live"`` (wall clock; the events file
  is followed as it grows, until ``stop()`` is true or ``idle_exit`` seconds pass with no
  input; stdin ends at EOF).
* ``until`` — simulated mode: after the last input, fire the timers due at or before it.
* ``dry_run``, ``test_mode``, ``test_wait`` — §4.7.
* ``batch_size`` — inputs per commit (default :data:`DEFAULT_BATCH`: 2,000 in simulated mode,
  500 in live mode, where a batch is also committed whenever the input is idle);
  ``max_inputs`` — stop after this many inputs (tests).
* ``transport`` / ``http`` — an injectable HTTP transport or a whole HTTP adapter
  (default: :class:`jengine.runtime.http.HttpxTransport`); ``env`` — environment for ``secret()``.
* ``progress`` — show a progress bar on standard error; ``err`` — where diagnostics go.

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

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from jengine.runtime.adapters import HttpAdapter
from jengine.runtime.http import Transport

__all__ = ["DEFAULT_BATCH", "RunOptions", "RunResult", "run"]

DEFAULT_TEST_WAIT = dt.timedelta(seconds=10)
DEFAULT_BATCH = {"simulated": 2000, "live": 500}


@dataclass
class RunOptions:
    """Everything ``jengine run`` can be told (see the module docstring)."""

    workspace: Path
    events: Path | str = "-"
    profiles: Path | None = None
    state: Path = Path("jengine.db")
    outbox: Path = Path("outbox.jsonl")
    journal: Path = Path("journal.jsonl")
    dead_letters: Path = Path("deadletters.jsonl")
    mode: Literal["simulated", "live"] = "simulated"
    until: dt.datetime | None = None
    dry_run: bool = False
    test_mode: bool = False
    test_wait: dt.timedelta = DEFAULT_TEST_WAIT
    batch_size: int | None = None
    max_inputs: int | None = None
    transport: Transport | None = None
    http: HttpAdapter | None = None
    env: Mapping[str, str] | None = None
    progress: bool = False
    err: TextIO | None = None
    stop: Callable[[], bool] | None = None
    idle_exit: float | None = None


    @property
    def batch(self) -> int:
        """The effective ``batch_size`` (the mode's default when unset)."""
        size = DEFAULT_BATCH[self.mode] if self.batch_size is None else self.batch_size
        return max(1, size)


@dataclass
class RunResult:
    """What a run did (counts are for this run only)."""

    status: int = 0
    events: int = 0
    timers: int = 0
    outbox: int = 0
    journal: int = 0
    dead_letters: int = 0
    entered: int = 0
    seconds: float = 0.0
    messages: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Input events per second."""
        return self.events / self.seconds if self.seconds > 0 else 0.0


def run(options: RunOptions) -> RunResult:
    """Run a workspace over an event stream (see the module docstring)."""
    from jengine.runtime.driver import drive

    return drive(options)
