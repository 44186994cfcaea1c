"""The checked, immutable journey model shared by the engine and the language server.

A :class:`Model` is built once per workspace load by :mod:`jengine.lang.workspace` and never changes:
declarations by name, each journey's steps in text order with their resolved flow (``next``,
``on_error``, labelled branches), and the compiled jexpr :class:`~jexpr.program.Program` of
every expression site, keyed by the expression's AST node (nodes hash by identity), together with
the site's usage. Mappings are read-only views. Expressions with errors have no program; a model
whose workspace has errors must not be run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, TypeVar

from jengine.lang import ast as A
from jexpr.checker.check import Checked
from jexpr.program import Program, from_checked
from jexpr.syntax import ast as X

K = TypeVar("K")
V = TypeVar("V")


def freeze(mapping: dict[K, V]) -> Mapping[K, V]:
    """A read-only view of a dict the model owns."""
    return MappingProxyType(mapping)


@dataclass(frozen=True)
class Site:
    """One expression site: its usage (X§14), the checked expression (None when it could not
    be checked) and, when it has no errors, its program. Code generation is deferred to the
    first use of :attr:`program` (a pure cache: the result depends only on the checked
    expression), which keeps loading a large workspace fast."""

    expr: X.Expr
    usage: str
    checked: Checked | None

    @cached_property
    def program(self) -> Program | None:
        if self.checked is None or self.checked.has_errors:
            return None
        return from_checked(self.checked)


@dataclass(frozen=True)
class EventDecl:
    name: str
    business: bool
    namespace: str | None
    key: X.Expr | None
    where: X.Expr | None
    schema: Mapping[str, str]
    node: A.Event


@dataclass(frozen=True)
class FieldGroupDecl:
    name: str
    params: Mapping[str, str]
    node: A.FieldGroup | None


DEFAULT_MAX_BYTES = 1024 * 1024
"""The response size cap of an action or data source without ``maxsize`` (1 MB)."""


@dataclass(frozen=True)
class HttpSettings:
    """The HTTP clauses of an action or data source (:mod:`jengine.lang.calls`): header and
    query entries (constant, ``secret()`` or variable), the dynamic ``path``, the
    authentication, the response size cap, and every step parameter with its usage type
    (body fields, variable headers and query entries, ``path``)."""

    headers: tuple[A.Header, ...] = ()
    query: tuple[A.Header, ...] = ()
    path: bool = False
    auth: A.Auth | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DatasourceDecl:
    name: str
    url: str | None
    method: str
    cache_ms: int | None
    timeout_ms: int
    groups: Mapping[str, FieldGroupDecl]
    node: A.Datasource | None
    http: HttpSettings = field(default_factory=HttpSettings)


@dataclass(frozen=True)
class ActionDecl:
    name: str
    url: str | None
    method: str
    headers: tuple[A.Header, ...]
    body: Mapping[str, str]
    response: Mapping[str, str]
    timeout_ms: int
    retries: int
    capping: tuple[int, int] | None
    throttle: tuple[int, int] | None
    node: A.Action
    http: HttpSettings = field(default_factory=HttpSettings)


@dataclass(frozen=True)
class AudienceDecl:
    name: str
    where: X.Expr | None
    node: A.Audience


@dataclass(frozen=True)
class StepModel:
    """A step with its flow resolved: ``next`` is the ``-> t`` target or the next step in the
    text (None after the last step); ``branches`` are (label, target) of branching steps."""

    name: str
    kind: str
    node: A.Step
    next: str | None
    on_error: str | None
    branches: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class JourneyModel:
    name: str
    title: str
    version: int
    timezone: str
    profile_timezone: bool
    reentrance: str
    reentrance_after_ms: int | None
    timeout_ms: int
    window: tuple[Any, Any] | None
    exits: tuple[A.Exit, ...]
    entry: A.Entry | None
    steps: Mapping[str, StepModel]
    first: str | None
    node: A.Journey


@dataclass(frozen=True)
class ChannelModel:
    """A declared delivery channel: its provider and settings (``secrets``: setting → the
    environment variable it is read from at send time)."""

    name: str
    kind: str
    provider: str
    category: str
    settings: Mapping[str, Any]
    secrets: Mapping[str, str]
    node: A.ChannelDecl


@dataclass(frozen=True)
class CapModel:
    """At most ``count`` marketing messages on ``kinds`` (one shared counter) per ``per_ms``."""

    kinds: frozenset[str]
    count: int
    per_ms: int
    node: A.CapRule


@dataclass(frozen=True)
class QuietModel:
    """Quiet hours on ``kinds``: ``days`` (0 = Monday; empty = every day), ``start``–``end``
    in minutes of the day (None = all day; a window ending before it starts crosses
    midnight and belongs to the day it starts), in ``zone`` or the profile's zone
    (``profile_zone``, ``zone`` then the fallback; neither: not enforced without a profile
    zone); ``action`` ``wait`` or ``drop``."""

    kinds: frozenset[str]
    days: frozenset[int]
    start: int | None
    end: int | None
    zone: str | None
    profile_zone: bool
    action: str
    node: A.QuietRule


@dataclass(frozen=True)
class RulesModel:
    """Business rules for marketing messages (every ``rules`` declaration, merged)."""

    caps: tuple[CapModel, ...] = ()
    quiet: tuple[QuietModel, ...] = ()
    suppress: tuple[str, ...] = ()


@dataclass(frozen=True)
class Model:
    """Every declaration of a workspace, checked, plus the compiled expression sites.

    ``schema`` is the flat schema of every declared field (``ExperiencePlatform.FG.path`` →
    declared type, as expressions see them); ``channels`` and ``rules`` are the delivery
    channels and the merged business rules."""

    events: Mapping[str, EventDecl]
    datasources: Mapping[str, DatasourceDecl]
    actions: Mapping[str, ActionDecl]
    audiences: Mapping[str, AudienceDecl]
    journeys: Mapping[str, JourneyModel]
    sites: Mapping[X.Expr, Site]
    schema: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Every declared schema path of the workspace's events and field groups (with the
    built-in experience events), as expressions are checked against it."""
    channels: Mapping[str, ChannelModel] = field(default_factory=lambda: MappingProxyType({}))
    rules: RulesModel = field(default_factory=RulesModel)

    def program(self, expr: X.Expr) -> Program | None:
        """The compiled program of an expression site (None when it has errors)."""
        site = self.sites.get(expr)
        return site.program if site else None
