"""The plain data of the deterministic core: state, inputs and effects (architecture rules 6–7).

:class:`State` is a JSON-serialisable slice of the engine's durable state — the entities one
input can touch: profiles, instances, the active-instance index, re-entrance memory, ``cap``
counters. (Journey versions are part of the core's model, :class:`jengine.core.context.Spec`.)
The core (:func:`jengine.core.engine.step`) never modifies the state it is given: it copies the
slice's maps (cheap: a slice holds at most one profile and its instances) and replaces the
entities it changes with new dicts. An input about a group of profiles is answered with a
:class:`Fanout` effect: the runner then feeds one :class:`MemberIn` per member, each with that
member's slice. The runner keeps the state in its store, hands the core a slice, and writes
back the entities whose identity changed.

Entities are plain JSON dicts; instants are integer microseconds since the epoch (UTC).

* profile — ``{"id", "namespace", "timeZone", "test", "attributes", "audiences", "events"}``
* instance — see :func:`new_instance`
* re-entrance — ``{"instances": n, "lastEntry": µs | None, "lastEnd": µs | None}``
* counters — ``"journey|version|step|label"`` → how many instances took a ``cap`` case

Inputs (what ``step`` consumes) and effects (what it asks the runner to do) are frozen
dataclasses; effects carry plain data only (HTTP parameters as jexpr runtime values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol

__all__ = [
    "FORMAT_VERSION",
    "ActionResultIn",
    "AudienceIn",
    "BusinessIn",
    "CallAction",
    "Cancel",
    "DataValue",
    "DeadOut",
    "Effect",
    "EventIn",
    "Fanout",
    "Fetch",
    "FetchOutcome",
    "FetchResult",
    "Input",
    "JournalOut",
    "Json",
    "MemberIn",
    "OutboxOut",
    "ProfileIn",
    "ReactionIn",
    "Requeue",
    "Schedule",
    "State",
    "TimerIn",
    "pair",
]

FORMAT_VERSION: Final = 1
Json = dict[str, Any]  # a JSON object of plain data


def pair(journey: str, profile: str) -> str:
    """The key of a (journey, profile) map entry (journey names never hold ``|``)."""
    return f"{journey}|{profile}"


@dataclass
class State:
    """A slice of the engine state (see the module docstring)."""

    profiles: dict[str, Json] = field(default_factory=dict)
    instances: dict[str, Json] = field(default_factory=dict)
    active: dict[str, str] = field(default_factory=dict)
    reentrance: dict[str, Json] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def copy(self) -> State:
        """A copy of the maps (entities are shared; the core replaces, never mutates, them)."""
        return State(dict(self.profiles), dict(self.instances), dict(self.active),
                     dict(self.reentrance), dict(self.counters))

    def to_json(self) -> Json:
        return {"format_version": FORMAT_VERSION, "profiles": self.profiles,
                "instances": self.instances, "active": self.active,
                "reentrance": self.reentrance, "counters": self.counters}

    @staticmethod
    def from_json(obj: Json) -> State:
        if obj.get("format_version", FORMAT_VERSION) > FORMAT_VERSION:
            raise ValueError(f"state format {obj['format_version']} is newer than this engine")
        return State(dict(obj.get("profiles", {})), dict(obj.get("instances", {})),
                     dict(obj.get("active", {})), dict(obj.get("reentrance", {})),
                     dict(obj.get("counters", {})))


# ---- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """Common input fields: the input line (0 for timers and follow-ups) and, for a late
    event, its own time."""

    line: int = 0
    event_time: int | None = None


@dataclass(frozen=True)
class EventIn(Base):
    """A qualified profile event with its key (§4.3 steps 2–3 done)."""

    name: str = ""
    profile: str = ""
    payload: Json = field(default_factory=dict)


@dataclass(frozen=True)
class BusinessIn(Base):
    """A qualified business event (no key)."""

    name: str = ""
    payload: Json = field(default_factory=dict)


@dataclass(frozen=True)
class AudienceIn(Base):
    """An ``@audience`` input (``raw``: update the membership first) or a rule-audience change."""

    profile: str = ""
    audience: str = ""
    status: Literal["realized", "exited"] = "realized"
    raw: bool = True


@dataclass(frozen=True)
class ReactionIn(Base):
    """An ``@reaction`` input (§5.4)."""

    journey: str = ""
    version: int = 0
    profile: str = ""
    step: str = ""
    kind: str = ""


@dataclass(frozen=True)
class TimerIn(Base):
    """A due timer (``kind`` 0 deadline, 1 other)."""

    seq: int = 0
    kind: int = 1
    due: int = 0
    instance: str | None = None
    payload: Json = field(default_factory=dict)


@dataclass(frozen=True)
class ActionResultIn(Base):
    """The outcome of one custom-action attempt, fed back by the runner at the same time:
    ``outcome`` is ``finished``, ``retry`` (schedule attempt+1 at ``at``; ``elapsed_ms`` is the
    failed attempt's duration, counted against the call's budget with the wait) or ``delayed``
    (the same attempt at ``at``)."""

    instance: str = ""
    step: str = ""
    attempt: int = 1
    outcome: Literal["finished", "retry", "delayed"] = "finished"
    at: int = 0
    status_code: str = ""
    ok: bool = False
    response: Json = field(default_factory=dict)
    elapsed_ms: int = 0
    error: str = ""   # a failure without an HTTP status, in words (the error line's detail)


@dataclass(frozen=True)
class ProfileIn(Base):
    """A profile line (§5.2) loaded into the store: ``record`` (the state's profile JSON)
    replaces the stored profile ``profile``. When a stored profile is replaced, every rule
    audience whose membership changes becomes a follow-up audience change (§2.4); the first
    load of a profile (none stored) is silent."""

    profile: str = ""
    record: Json = field(default_factory=dict)


@dataclass(frozen=True)
class MemberIn(Base):
    """One profile of a :class:`Fanout`: ``task`` (the fan-out's, shared by all its members)
    applied to ``profile``, the ``index``-th (0-based) of the group in its order. Its slice is
    that profile's, or empty when ``bare`` (set for the members at or past the fan-out's
    ``bare_from``, whose step reads no state)."""

    task: Json = field(default_factory=dict)
    profile: str = ""
    index: int = 0
    bare: bool = False


Input = (EventIn | BusinessIn | AudienceIn | ReactionIn | TimerIn | ActionResultIn | ProfileIn
         | MemberIn)


# ---- data-source results --------------------------------------------------------------------


class FetchOutcome(Protocol):
    """What the runner feeds back for a :class:`Fetch` (``jengine.runtime.http.DataSourceResult``
    fits): the 2xx JSON-object payload (None: the read failed), the ``jo_status_code`` and
    the call's duration in ms."""

    @property
    def payload(self) -> dict[str, Any] | None: ...

    @property
    def status_code(self) -> str: ...

    @property
    def elapsed_ms(self) -> int: ...


@dataclass(frozen=True)
class FetchResult:
    """A plain :class:`FetchOutcome` (tests, other runners)."""

    payload: dict[str, Any] | None
    status_code: str = "http_200"
    elapsed_ms: int = 0


DataValue = FetchOutcome | Json | None
"""A value of the ``data`` given to ``step``: a :class:`FetchOutcome`, or (older runners) the
bare payload (a dict; None for a failed read) — then status and duration are unknown (null)."""


# ---- effects --------------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalOut:
    obj: Json


@dataclass(frozen=True)
class OutboxOut:
    """An outbox line, recorded under (instance, step, attempt)."""

    obj: Json
    instance: str
    step: str
    attempt: int = 1


@dataclass(frozen=True)
class DeadOut:
    obj: Json


@dataclass(frozen=True)
class Schedule:
    due: int
    kind: int
    instance: str | None
    payload: Json


@dataclass(frozen=True)
class Cancel:
    """Cancel every timer of an instance (it ended)."""

    instance: str


@dataclass(frozen=True)
class CallAction:
    """Make attempt ``attempt`` of a custom-action call; feed back an :class:`ActionResultIn`."""

    instance: str
    step: str
    action: str
    params: dict[str, Any]
    attempt: int
    key: str
    spent_ms: int = 0
    """The call's timeout budget used by the earlier attempts and the waits between them."""


@dataclass(frozen=True)
class Fetch:
    """A data-source read the evaluation needs: the runner reads it and calls ``step`` again
    with the same input and the payload in ``data[key]`` (None for a failed read). The state
    returned with a Fetch is the unchanged input state."""

    key: str
    source: str
    group: str
    params: dict[str, Any]
    idempotency_key: str


@dataclass(frozen=True)
class Requeue:
    """A follow-up input to process right after this one, at the same clock time."""

    input: Input


AUDIENCE_GROUP: Final = "audience"
ACTIVE_GROUP: Final = "active"
JOURNEY_GROUP: Final = "journey"


@dataclass(frozen=True)
class Fanout:
    """Apply a task to every profile of a group, one :class:`MemberIn` each, right after this
    input and before its other follow-ups; then carry out ``then`` (effects, in order).

    ``group`` is ``("audience", name)`` — the audience's members, in profile-id order, as
    they are when the fan-out starts (a rule audience evaluated, else the ``realized`` /
    ``existing`` memberships) — or ``("active", journey, version)`` — the profiles with an active
    instance of that version, in instance-uid order — or ``("journey", journey)`` — the
    profiles with an active instance of the journey (any version), in profile-id order.
    ``template`` is the :class:`MemberIn`
    each member gets (with its ``profile`` and ``index`` filled in). Members from index
    ``bare_from`` on need no state: the runner may give them an empty slice.

    This is how an input that concerns many profiles (a business event, a read audience, a
    window end) stays a sequence of one-profile steps: the runner walks the group from its
    store (:mod:`jengine.core.fanout` is the in-memory reference)."""

    group: tuple[str, ...]
    template: MemberIn
    then: tuple[Effect, ...] = ()
    bare_from: int | None = None


Effect = (JournalOut | OutboxOut | DeadOut | Schedule | Cancel | CallAction | Fetch | Requeue
          | Fanout)
