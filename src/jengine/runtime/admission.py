"""What a well-formed input event must pass before the core sees it (else a dead letter).

Two checks, in order: in simulated mode, how far its time may move the clock ahead
(:func:`jengine.runtime.bounds.time_bound`, ``time_out_of_range``); then the declared types of
its payload fields (:class:`jengine.runtime.payloads.PayloadTypes`, ``payload_type``), rebuilt
whenever the run's spec changes (live mode registers new versions).

With ``strict_order`` (``jengine run --strict-order``), a simulated run refuses input that is
not sorted by time: the first event older than the clock (a *late* input, §4.4) raises
:class:`OutOfOrder` (``E-INPUT-ORDER``, naming the line), which stops the run with status 1;
the inputs committed before it stay committed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jengine.core.instants import from_micros, render_instant, to_micros
from jengine.runtime.bounds import time_bound
from jengine.runtime.io import DeadLetter, InputEvent
from jengine.runtime.payloads import PayloadTypes

__all__ = ["INPUT_ORDER", "Admission", "OutOfOrder"]

INPUT_ORDER = "E-INPUT-ORDER"


class OutOfOrder(Exception):
    """``--strict-order``: an input older than the clock."""


class Admission:
    """The checks of one run (``max_ahead``: the clock bound, ``None`` for none;
    ``strict_order``: refuse late inputs in simulated mode; ``source``: the input's name)."""

    def __init__(self, max_ahead: dt.timedelta | None, strict_order: bool = False,
                 source: str = "-") -> None:
        self.max_ahead, self.strict_order, self.source = max_ahead, strict_order, source
        self._spec: Any = None
        self._types = PayloadTypes({})

    def check(self, ev: InputEvent | DeadLetter, spec: Any, clock_us: int | None,
              wall: dt.datetime) -> InputEvent | DeadLetter:
        """``ev``, or its dead letter; ``clock_us`` is the simulated clock (None: live). A dead
        letter (a malformed line) is returned as it is."""
        if isinstance(ev, DeadLetter):
            return ev
        if clock_us is not None:
            t_us = to_micros(ev.time)
            dead = time_bound(ev, t_us, clock_us, wall, self.max_ahead)
            if dead is not None:
                return dead
            if self.strict_order and t_us < clock_us:
                raise OutOfOrder(
                    f"{INPUT_ORDER} {self.source}:{ev.line}: time {render_instant(ev.time)} is "
                    f"before the previous input's ({render_instant(from_micros(clock_us))}); "
                    "--strict-order refuses input not sorted by time (sort the file, e.g. "
                    "with jq, or run without --strict-order: late inputs are processed at the "
                    "clock time and counted)")
        if spec is not self._spec:
            self._spec, self._types = spec, PayloadTypes(spec.model.events)
        return self._types.check(ev) or ev
