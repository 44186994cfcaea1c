"""The compiled journeys the core runs, and the §4.1 evaluation context.

:class:`Spec` is what :func:`jengine.core.engine.step` takes as its *model*: the current workspace
:class:`~jengine.lang.model.Model` (event declarations for qualification and keys, audiences), one
:class:`VersionSpec` per (journey, version) the engine may run — the open versions and the
stored older versions in-flight instances still use (§4.5) — and the run :class:`Options`
(dry run, test mode). Everything in it is immutable and compiled once.

:class:`Env` evaluates the expressions of one step execution (or one entry/exit ``when``) of an
instance: it builds the X§16.2 context lazily (journey properties, audiences and the seeded
generator are made only when an expression reads them). The random generator is
``random.Random(int.from_bytes(sha256(seed)[:8], "big"))`` with the seed text
``"{journey}|{version}|{profile id}|{entry time}|{step}"``, fresh per Env (§4.1).

Data sources: ``ExperiencePlatform`` is read from the profile in the state slice. Any other
source is looked up in the ``data`` the runner supplied for this input (keyed by
:func:`data_key`); a miss is recorded in :attr:`Env.missing` and aborts the evaluation with
:class:`NeedData`, so the core can ask the runner for the read and be called again (it stays
pure). A read that failed (payload ``None``) is ``E-EVAL-DATASOURCE``. Each read the
evaluation makes updates ``lastDataFetchErrorCode`` (the code of a failed read; kept until the
next failure) and ``lastDataFetchElapsedTime`` (the duration of the last read) through the
``on_fetch`` hook (the instance record) and in the properties already built. A missing read
carries its §4.6 ``Idempotency-Key`` ``{instanceUID}:{site}:{DS}.{FG}:{p}``: the site is the
step name, ``entry`` for an entry ``when`` (with the would-be instanceUID) and ``exit`` for an
exit ``when``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jengine.core.errdetail import EXPRESSION
from jengine.core.instants import render_micros
from jengine.core.keys import canonical_params, datasource_key
from jengine.core.state import DataValue, Json
from jengine.lang import ast as A
from jengine.lang.model import JourneyModel, Model
from jexpr.diagnostics import EvaluationError
from jexpr.runtime.temporal import zone as temporal_zone
from jexpr.syntax import ast as X

__all__ = ["Env", "NeedData", "Options", "Spec", "VersionSpec", "data_key", "seed_hash",
           "seed_text", "valid_zone"]

EP = "ExperiencePlatform"
MEMBER = ("realized", "existing")


@dataclass(frozen=True)
class Options:
    """Run options the core obeys (§4.7)."""

    dry_run: bool = False
    test_mode: bool = False
    test_wait_us: int = 10_000_000
    dry_run_datasources: bool = False
    """In a dry run, read external data sources (AJO: disabled by default; a read then gives
    null, as if the field were absent)."""


@dataclass(frozen=True)
class VersionSpec:
    """One runnable journey version: its journey model and the model its programs live in."""

    journey: JourneyModel
    model: Model

    @property
    def name(self) -> str:
        return self.journey.name

    @property
    def version(self) -> int:
        return self.journey.version


@dataclass(frozen=True)
class Spec:
    """The core's model: the current workspace, the runnable versions, the options."""

    model: Model
    versions: Mapping[tuple[str, int], VersionSpec]
    open: Mapping[str, int | None]
    options: Options = field(default_factory=Options)
    paused: Mapping[str, str] = field(default_factory=dict)  # journey → "hold" | "discard"

    def pause_of(self, journey: str, version: int) -> str | None:
        """The pause mode of a version: only the open version of a journey is ever paused
        (AJO's pause, docs/serve.md "Lifecycle")."""
        mode = self.paused.get(journey)
        return mode if mode is not None and self.open.get(journey) == version else None

    @staticmethod
    def of(model: Model, options: Options | None = None) -> Spec:
        """Every journey of ``model`` as its open version (tests, first runs)."""
        versions = {(j.name, j.version): VersionSpec(j, model) for j in model.journeys.values()}
        opened: dict[str, int | None] = {j.name: j.version for j in model.journeys.values()}
        return Spec(model, versions, opened, options or Options())

    @property
    def journey_names(self) -> list[str]:
        return sorted(self.open)

    def version(self, journey: str, version: int) -> VersionSpec | None:
        return self.versions.get((journey, version))

    def open_version(self, journey: str) -> VersionSpec | None:
        v = self.open.get(journey)
        return None if v is None else self.versions.get((journey, v))

    def latest(self, journey: str) -> VersionSpec | None:
        """The open version, else the highest stored one (its entry still says what matches)."""
        cache: dict[str, VersionSpec | None] = self.__dict__.setdefault("_latest", {})
        if journey not in cache:
            found = [vs for (j, _), vs in self.versions.items() if j == journey]
            cache[journey] = self.open_version(journey) or max(
                found, key=lambda v: v.version, default=None)
        return cache[journey]


Request = tuple[str, str, str, dict[str, Any], str]
"""A missing read: (data key, source, group, params, Idempotency-Key)."""
FetchHook = Callable[[str | None, int | None], None]


class NeedData(Exception):
    """An evaluation needs data-source reads the runner has not supplied yet."""

    def __init__(self, requests: list[Request]) -> None:
        super().__init__("data-source reads needed")
        self.requests = requests


class _Missing(Exception):
    pass


def data_key(source: str, group: str, params: Mapping[str, Any]) -> str:
    """The key of a data-source read in the runner-supplied ``data``."""
    return f"{source}.{group}:{canonical_params(params)}"


def seed_text(journey: str, version: int, profile: str, entry_us: int, step: str) -> str:
    return f"{journey}|{version}|{profile}|{render_micros(entry_us)}|{step}"


def seed_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def valid_zone(name: object) -> dt.tzinfo | None:
    """The zone of an X§12.3 zone id (the same rule ``jengine check`` applies), else None."""
    if not isinstance(name, str) or not name:
        return None
    return temporal_zone(name)


def profile_zone_invalid(journey: JourneyModel, profile: Json | None) -> bool:
    """Under ``timezone profile``: the profile has a ``timeZone`` that is set (not null, not
    empty) but not a valid zone, so the journey zone is used instead (reported at entry)."""
    tz = (profile or {}).get("timeZone")
    return journey.profile_timezone and tz not in (None, "") and valid_zone(tz) is None


def zone_of(journey: JourneyModel, profile: Json | None) -> str:
    """The journey zone; under ``timezone profile``, the profile's valid ``timeZone`` first."""
    if journey.profile_timezone and profile is not None:
        tz = profile.get("timeZone")
        if isinstance(tz, str) and valid_zone(tz) is not None:
            return tz
    return journey.timezone


class _Context(dict[str, Any]):
    """The X§16.2 context; ``journey``, ``audiences`` and ``random`` are made on first read,
    ``dataSources`` is the Env's resolver. The context refers to its Env weakly (the Env
    holds the context): no reference cycle, so a step's garbage is freed by reference counting
    alone, never left to the cyclic collector (a large cost at scale)."""

    env: weakref.ReferenceType[Env]

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        env = self.env()
        if env is None:
            return default
        if key == "dataSources":
            return env.resolve
        if key == "journey":
            self[key] = env.properties()
        elif key == "audiences":
            self[key] = env.audiences()
        elif key == "random":
            self[key] = random.Random(int.from_bytes(seed_hash(env.seed)[:8], "big"))
        else:
            return default
        return self[key]


class Env:
    """Evaluates the expressions of one step execution of one (would-be) instance.

    ``step`` is the current step (``currentNodeId``; None for an entry ``when``); ``site``
    names the evaluation in the seed text and data-source idempotency keys (the step name,
    ``entry`` or ``exit``; default: ``step``)."""

    def __init__(self, vs: VersionSpec, spec: Spec, profile: Json | None, profile_id: str,
                 now: dt.datetime, *, instance: Json | None, step: str | None,
                 events: Mapping[str, Any], data: Mapping[str, DataValue],
                 uid: str, entry_us: int, previous: str | None = None,
                 site: str | None = None, on_fetch: FetchHook | None = None) -> None:
        self.vs, self.spec, self.profile, self.profile_id = vs, spec, profile, profile_id
        self.instance, self.step, self.uid, self.previous = instance, step, uid, previous
        self.site = site if site is not None else step or ""
        self.data = data
        self.on_fetch = on_fetch
        self.missing: list[Request] = []
        inst = instance or {}
        self.fetch_error: str | None = inst.get("fetchError")
        self.fetch_ms: int | None = inst.get("fetchMs")
        self.seed = seed_text(vs.name, vs.version, profile_id, entry_us, self.site)
        ctx = _Context(events=events, now=now, timezone=zone_of(vs.journey, profile),
                       actions=inst.get("actions") or {})
        ctx.env = weakref.ref(self)
        self.context = ctx

    def evaluate(self, expr: X.Expr) -> Any:
        """The value of an expression site; raises EvaluationError or :class:`NeedData`."""
        program = self.vs.model.program(expr)
        if program is None:
            program = self.spec.model.program(expr)
        if program is None:
            raise RuntimeError("an expression without a program (the workspace has errors)")
        try:
            return program.evaluate(self.context)
        except EvaluationError as exc:
            if self.missing:
                raise NeedData(self.missing) from None
            setattr(exc, EXPRESSION, program.text)
            raise

    def resolve(self, source: str, group: str, params: dict[str, Any]) -> Any:
        if source == EP:
            return profile_group(self.profile, group)
        options = self.spec.options
        if options.dry_run and not options.dry_run_datasources:
            return None  # AJO's dry run disables data sources: the field reads as absent
        key = data_key(source, group, params)
        if key not in self.data:
            self.missing.append((key, source, group, params,
                                 datasource_key(self.uid, self.site, source, group, params)))
            raise _Missing(key)
        value = self.data[key]
        if value is None or isinstance(value, dict):
            payload, code, ms = value, None, None
        else:
            payload, code, ms = value.payload, value.status_code, value.elapsed_ms
        self._fetched(code if payload is None else None, ms)
        if payload is None:
            raise RuntimeError(f"the read of {source}.{group} failed")
        return payload

    def _fetched(self, error: str | None, ms: int | None) -> None:
        """Record one data-source read (§4.1 ``lastDataFetch*``)."""
        if error is not None:
            self.fetch_error = error
        self.fetch_ms = ms
        props = self.context.get("journey") if "journey" in self.context else None
        if props is not None:
            props["lastDataFetchErrorCode"] = self.fetch_error
            props["lastDataFetchElapsedTime"] = self.fetch_ms
        if self.on_fetch is not None:
            self.on_fetch(self.fetch_error, self.fetch_ms)

    def audiences(self) -> dict[str, str]:
        return audiences_of(self.spec, self.profile)

    def properties(self) -> dict[str, Any]:
        vs, inst = self.vs, self.instance or {}
        err = inst.get("error") or {}
        return {
            "journeyUID": vs.name, "journeyVersionName": vs.journey.title or vs.name,
            "journeyVersionUID": f"{vs.name}/{vs.version}", "journeyVersion": vs.version,
            "journeyVersionDescription": None, "externalKey": None, "organizationId": None,
            "sandboxName": None,
            "instanceUID": self.uid, "profileId": self.profile_id,
            "namespace": (self.profile or {}).get("namespace"),
            "currentNodeId": self.step, "currentNodeName": self.step,
            "previousNodeId": self.previous, "previousNodeName": self.previous,
            "lastNodeUIDInError": err.get("step"), "lastNodeNameInError": err.get("step"),
            "lastNodeTypeInError": err.get("kind"), "lastErrorCode": err.get("code"),
            "lastExecutedActionErrorCode": inst.get("actionError"),
            "lastActionExecutionElapsedTime": inst.get("actionMs"),
            "lastDataFetchErrorCode": self.fetch_error,
            "lastDataFetchElapsedTime": self.fetch_ms,
        }


def profile_group(profile: Json | None, group: str) -> Any:
    """``#{ExperiencePlatform.FG}``: the profile's ``attributes[FG]`` (Events: the list)."""
    if profile is None:
        return {"experienceevent": []} if group == "Events" else None
    if group == "Events":
        return {"experienceevent": profile.get("events") or []}
    return (profile.get("attributes") or {}).get(group)


def rule_member(spec: Spec, audience: str, profile: Json | None) -> bool:
    """Whether a profile satisfies a rule audience now (errors count as not a member)."""
    decl = spec.model.audiences.get(audience)
    if decl is None or decl.where is None:
        return False
    program = spec.model.program(decl.where)
    if program is None:
        return False
    ctx = {"dataSources": lambda ds, fg, _p: profile_group(profile, fg) if ds == EP else None}
    try:
        return program.evaluate(ctx) is True
    except EvaluationError:
        return False


def rule_audiences(spec: Spec) -> list[str]:
    return sorted(a.name for a in spec.model.audiences.values() if a.where is not None)


def audiences_of(spec: Spec, profile: Json | None) -> dict[str, str]:
    """The profile's memberships with every rule audience evaluated now."""
    out = {k: v for k, v in ((profile or {}).get("audiences") or {}).items()
           if k not in spec.model.audiences or spec.model.audiences[k].where is None}
    for name in rule_audiences(spec):
        out[name] = "realized" if rule_member(spec, name, profile) else "exited"
    return out


def is_member(spec: Spec, audience: str, profile: Json | None) -> bool:
    return audiences_of(spec, profile).get(audience) in MEMBER


def rule_memberships(spec: Spec, profile: Json | None) -> dict[str, bool]:
    """Every rule audience → whether the profile is a member now."""
    return {name: rule_member(spec, name, profile) for name in rule_audiences(spec)}


def rule_changes(spec: Spec, before: Mapping[str, bool],
                 profile: Json | None) -> list[tuple[str, bool]]:
    """The rule audiences whose membership differs from ``before``: (audience, member now),
    in audience-name order."""
    after = rule_memberships(spec, profile)
    return [(name, now) for name, now in after.items() if before.get(name, False) != now]


def step_node(vs: VersionSpec, name: str) -> A.Body:
    return vs.journey.steps[name].node.body
