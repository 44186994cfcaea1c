"""What a well-formed input event must pass before the core sees it (else a dead letter).

Two checks, in order: in simulated mode, how far its time may move the clock ahead
(:func:`jengine.runtime.bounds.time_bound`, ``time_out_of_range``); then the declared types of
its payload fields (:class:`jengine.runtime.payloads.PayloadTypes`, ``payload_type``), rebuilt
whenever the run's spec changes (live mode registers new versions).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jengine.core.instants import to_micros
from jengine.runtime.bounds import time_bound
from jengine.runtime.io import DeadLetter, InputEvent
from jengine.runtime.payloads import PayloadTypes

__all__ = ["Admission"]


class Admission:
    """The checks of one run (``max_ahead``: the clock bound, ``None`` for none)."""

    def __init__(self, max_ahead: dt.timedelta | None) -> None:
        self.max_ahead = max_ahead
        self._spec: Any = None
        self._types = PayloadTypes({})

    def check(self, ev: InputEvent, spec: Any, clock_us: int | None,
              wall: dt.datetime) -> InputEvent | DeadLetter:
        """``ev``, or its dead letter; ``clock_us`` is the simulated clock (None: live)."""
        if clock_us is not None:
            dead = time_bound(ev, to_micros(ev.time), clock_us, wall, self.max_ahead)
            if dead is not None:
                return dead
        if spec is not self._spec:
            self._spec, self._types = spec, PayloadTypes(spec.model.events)
        return self._types.check(ev) or ev
