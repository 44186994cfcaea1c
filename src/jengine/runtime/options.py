"""What a run is told and what it reports: :class:`RunOptions` and :class:`RunResult`.

The fields are documented in :mod:`jengine.runtime.runner`, the public entry point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO

from jengine.runtime.adapters import HttpAdapter
from jengine.runtime.bounds import MAX_AHEAD
from jengine.runtime.http import Transport
from jengine.runtime.io import SourceLine
from jengine.runtime.records import InputOffset
from jengine.runtime.store import Store
from jengine.runtime.timers import DEFAULT_TIMER_WINDOW
from jengine.runtime.world import DEFAULT_CACHE

__all__ = ["DEFAULT_BATCH", "DEFAULT_CACHE", "DEFAULT_TEST_WAIT", "DEFAULT_TIMER_WINDOW",
           "InputSource", "RunOptions", "RunResult"]

DEFAULT_TEST_WAIT = dt.timedelta(seconds=10)
DEFAULT_BATCH = {"simulated": 2000, "live": 500}


class InputSource(Protocol):
    """An input source other than a file (live mode; the service's inbox,
    :class:`jengine.runtime.inbox.InboxSource`): its offset ``name``, and its lines after an
    offset, calling ``stop()`` whenever it is idle and ending when that is true."""

    name: str

    def lines(self, store: Store, offset: InputOffset,
              stop: Callable[[], bool]) -> Iterator[SourceLine]: ...


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
    dry_run_datasources: bool = False
    test_mode: bool = False
    test_wait: dt.timedelta = DEFAULT_TEST_WAIT
    batch_size: int | None = None
    cache_size: int = DEFAULT_CACHE
    timer_window: int = DEFAULT_TIMER_WINDOW
    max_inputs: int | None = None
    transport: Transport | None = None
    http: HttpAdapter | None = None
    senders: Callable[[Any], Any] | None = None
    deliver: bool = True
    env: Mapping[str, str] | None = None
    progress: bool = False
    err: TextIO | None = None
    stop: Callable[[], bool] | None = None
    idle_exit: float | None = None
    max_ahead: dt.timedelta | None = MAX_AHEAD
    strict_order: bool = False
    source: InputSource | None = None
    late_after: dt.timedelta = dt.timedelta(0)

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
    late: int = 0            # input events older than the clock when they came (§4.4)
    profiles: int = 0
    profiles_seconds: float = 0.0
    seconds: float = 0.0
    messages: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Input events per second."""
        return self.events / self.seconds if self.seconds > 0 else 0.0
