"""How far one input may move the simulated clock ahead (dead letter ``time_out_of_range``).

In simulated mode the clock follows the inputs' times and never goes back (§4.4), so one event
dated 9999-12-31 used to move it there for good: every later input became late and no wait
fired again. :func:`time_bound` refuses, before anything is processed, an input dated more than
``max_ahead`` after the later of the simulated clock and the current time (the current time is
the reference of a new store, whose clock has not started). The default, :data:`MAX_AHEAD`,
is ten years: far beyond any wait of a real journey, small enough that a typo in a year cannot
freeze the run. ``RunOptions.max_ahead`` / ``jengine run --max-ahead`` set it; ``None`` /
``--max-ahead off`` removes the bound.

Because the reference includes the current time, whether a line dated about ``max_ahead``
ahead of both is accepted can depend on the day of the run; with the default no realistic
stream is near that edge.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from jengine.core.instants import from_micros, render_instant
from jengine.runtime.io import DeadLetter, InputEvent

__all__ = ["MAX_AHEAD", "TIME_OUT_OF_RANGE", "time_bound"]

MAX_AHEAD: Final = dt.timedelta(days=3650)
TIME_OUT_OF_RANGE: Final = "time_out_of_range"


def time_bound(ev: InputEvent, t_us: int, clock_us: int, wall: dt.datetime,
               max_ahead: dt.timedelta | None) -> DeadLetter | None:
    """A ``time_out_of_range`` dead letter when ``ev`` (at ``t_us`` µs) is more than
    ``max_ahead`` after both the clock (µs) and ``wall``; else ``None``."""
    if max_ahead is None:
        return None
    reference = max(from_micros(clock_us), wall) if clock_us else wall
    if ev.time - reference <= max_ahead:
        return None
    return DeadLetter(ev.line, TIME_OUT_OF_RANGE,
                      f"`time` {render_instant(ev.time)} is more than {max_ahead.days} days "
                      f"after the clock ({render_instant(reference)}); see --max-ahead",
                      ev.text, {"field": "time", "clock": render_instant(reference),
                                "maxAheadDays": max_ahead.days})
