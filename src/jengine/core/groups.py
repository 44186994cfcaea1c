"""Inputs that concern a group of profiles: window ends, and the member step of every fan-out.

Each such input becomes a :class:`~jengine.core.state.Fanout`: the step that receives the
input decides what happens to the group and emits the fan-out; the runner then feeds one
:class:`~jengine.core.state.MemberIn` per member, each a one-profile step with that profile's
slice (:func:`member`). So no step ever needs more than one profile, and a group costs time in
proportion to its members, not to the profile store. Read audiences and business events are
in :mod:`jengine.core.reads`.

* A window end exits every active instance of the version, in instance-uid order.
"""

from __future__ import annotations

from jengine.core.reads import business_member, read_member, recurrence_member
from jengine.core.run import Run
from jengine.core.state import ACTIVE_GROUP, Fanout, MemberIn

__all__ = ["member", "window_end"]


def window_end(run: Run, journey: str, version: int) -> None:
    """The window closed: every active instance of the version will end ``exited``."""
    task = {"t": "window", "journey": journey, "version": version}
    run.effects.append(Fanout((ACTIVE_GROUP, journey, str(version)),
                              MemberIn(run.inp.line, run.inp.event_time, task)))


def member(run: Run, inp: MemberIn) -> None:
    """One member of a fan-out (its profile's slice is in ``run``)."""
    kind = inp.task["t"]
    if kind == "business":
        business_member(run, inp)
    elif kind == "read":
        read_member(run, inp)
    elif kind == "recurrence":
        recurrence_member(run, inp)
    elif kind == "window":
        _window_member(run, inp)


def _window_member(run: Run, inp: MemberIn) -> None:
    task = inp.task
    uid = run.active_uid(task["journey"], inp.profile)
    if uid is not None and run.state.instances[uid]["version"] == task["version"]:
        inst = run.inst(uid)
        run.ijournal(inst, inst["step"], "exited", None, "window_end")
        run.end(inst, "exited")
