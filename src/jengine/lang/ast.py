"""The journey AST: frozen, slotted nodes with no behaviour, each carrying its source span.

One class per alias of ``grammar/journey.lark`` (PascalCase), plus :class:`Name` for a name with
its span and :class:`File` for one parsed file. Expression fields hold :mod:`jexpr.syntax.ast` nodes
whose spans are positions in the whole file. Literal tokens that need validation (durations,
instants, clock times) keep their text; :mod:`jengine.lang.check` validates them. Nodes compare by
identity; :func:`dump` gives a structural, span-free form for tests (``parse(fmt(x)) ==
parse(x)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jengine.lang.ast_channels import (  # noqa: F401  (re-exported)
    CapRule,
    ChannelDecl,
    ChannelSetting,
    QuietRule,
    Rule,
    RulesDecl,
    SuppressRule,
)
from jengine.lang.ast_core import (  # noqa: F401  (re-exported: the AST is one namespace)
    Field,
    ListType,
    Literal_,
    MapType,
    Name,
    Node,
    ObjectType,
    ScalarType,
    TypeExpr,
    dump,
)
from jexpr.syntax import ast as X

# ---- declaration clauses ----

@dataclass(frozen=True, slots=True, eq=False)
class Namespace(Node):
    value: Name


@dataclass(frozen=True, slots=True, eq=False)
class Key(Node):
    expr: X.Expr


@dataclass(frozen=True, slots=True, eq=False)
class Where(Node):
    expr: X.Expr


@dataclass(frozen=True, slots=True, eq=False)
class Fields(Node):
    """``fields { … }``, ``params { … }``, ``body { … }`` or ``response { … }``."""

    keyword: str
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Schema(Node):
    path: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class Url(Node):
    value: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class Method(Node):
    value: Name


@dataclass(frozen=True, slots=True, eq=False)
class Timeout(Node):
    duration: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class Cache(Node):
    duration: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class Header(Node):
    """A header or query entry: a constant STRING, ``secret("N")`` (``secret``: value is N), or a
    variable (``type``: the step fills it; ``value`` is None)."""

    name: Literal_
    value: Literal_ | None
    secret: bool
    type: ScalarType | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Headers(Node):
    """``headers { … }`` or (``keyword`` ``query``) ``query { … }``."""

    headers: tuple[Header, ...]
    keyword: Literal["headers", "query"] = "headers"


@dataclass(frozen=True, slots=True, eq=False)
class PathParam(Node):
    """``path``: the step's ``path`` parameter is appended to the URL."""


@dataclass(frozen=True, slots=True, eq=False)
class MaxSize(Node):
    """``maxsize 2MB``: the largest response body read (``value``: bytes)."""

    size: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class Value(Node):
    """A STRING, or ``secret("N")`` (``secret``; ``text`` holds N)."""

    text: Literal_
    secret: bool


@dataclass(frozen=True, slots=True, eq=False)
class ApiKeyAuth(Node):
    place: Literal["header", "query"]
    name: Literal_
    value: Value


@dataclass(frozen=True, slots=True, eq=False)
class BasicAuth(Node):
    user: Value
    password: Value


@dataclass(frozen=True, slots=True, eq=False)
class AuthParam(Node):
    name: Name
    quoted: bool
    value: Value


@dataclass(frozen=True, slots=True, eq=False)
class AuthBody(Node):
    kind: Literal["form", "json"]
    params: tuple[AuthParam, ...]


@dataclass(frozen=True, slots=True, eq=False)
class AuthSetting(Node):
    """One line of ``auth custom { … }``: ``endpoint "u"``, ``token "path"``, ``bearer``,
    ``header "N"``, ``query "N"`` or ``cache from "path"`` (``keyword``; ``value`` when given)."""

    keyword: Literal["endpoint", "token", "bearer", "header", "query", "cache from"]
    value: Literal_ | None


@dataclass(frozen=True, slots=True, eq=False)
class CustomAuth(Node):
    items: tuple[AuthSetting | Method | Headers | AuthBody | Cache, ...]


Auth = ApiKeyAuth | BasicAuth | CustomAuth


@dataclass(frozen=True, slots=True, eq=False)
class Retries(Node):
    count: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class Limit(Node):
    """``capping N per D`` or ``throttle N per D``."""

    keyword: Literal["capping", "throttle"]
    count: Literal_
    per: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class FieldGroup(Node):
    name: Name
    clauses: tuple[Clause, ...]


Clause = (Namespace | Key | Where | Fields | Schema | Url | Method | Timeout | Cache | Headers
          | Retries | Limit | FieldGroup | PathParam | MaxSize | ApiKeyAuth | BasicAuth
          | CustomAuth)


# ---- declarations ----

@dataclass(frozen=True, slots=True, eq=False)
class Event(Node):
    name: Name
    business: bool
    clauses: tuple[Clause, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Datasource(Node):
    name: Name
    clauses: tuple[Clause, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Action(Node):
    name: Name
    clauses: tuple[Clause, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Audience(Node):
    name: Name
    where: X.Expr | None


# ---- journey settings and entries ----

@dataclass(frozen=True, slots=True, eq=False)
class Version(Node):
    value: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class Timezone(Node):
    profile: bool
    zone: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class Reentrance(Node):
    kind: Literal["never", "always", "after"]
    after: Literal_ | None


@dataclass(frozen=True, slots=True, eq=False)
class Window(Node):
    start: Literal_
    end: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class Exit(Node):
    kind: Literal["event", "audience"]
    name: Name
    when: X.Expr | None


@dataclass(frozen=True, slots=True, eq=False)
class EntryEvent(Node):
    event: Name
    when: X.Expr | None


@dataclass(frozen=True, slots=True, eq=False)
class EntryAudience(Node):
    audience: Name
    change: Literal["enters", "exits"]


@dataclass(frozen=True, slots=True, eq=False)
class Rate(Node):
    count: Literal_
    per: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class EntryRead(Node):
    """``entry read audience A [at T] [every D | daily | weekly | monthly] [until T]
    [incremental] [force reentrance] [rate n per D]``; ``calendar`` is the schedule keyword."""

    audience: Name
    at: Literal_ | None
    every: Literal_ | None
    rate: Rate | None
    calendar: Literal["daily", "weekly", "monthly"] | None = None
    until: Literal_ | None = None
    incremental: bool = False
    force: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class EntryBusiness(Node):
    """``entry on business event E read audience A [rate n per D] [executions single|multiple]``
    (``executions`` None: not written, single)."""

    event: Name
    audience: Name
    rate: Rate | None = None
    executions: Literal["single", "multiple"] | None = None


Setting = Version | Timezone | Reentrance | Timeout | Window | Exit
Entry = EntryEvent | EntryAudience | EntryRead | EntryBusiness


# ---- steps ----

@dataclass(frozen=True, slots=True, eq=False)
class Goto(Node):
    target: Name


@dataclass(frozen=True, slots=True, eq=False)
class OnError(Node):
    target: Name


Tail = tuple[Goto | OnError, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Param(Node):
    name: Name
    quoted: bool
    value: X.Expr


@dataclass(frozen=True, slots=True, eq=False)
class Channel(Node):
    kind: Literal["email", "sms", "push", "inapp"]
    params: tuple[Param, ...]
    tail: Tail


@dataclass(frozen=True, slots=True, eq=False)
class Custom(Node):
    action: Name
    params: tuple[Param, ...]
    tail: Tail


@dataclass(frozen=True, slots=True, eq=False)
class Update(Node):
    group: Name
    path: tuple[Name, ...]
    quoted: tuple[bool, ...]
    value: X.Expr


@dataclass(frozen=True, slots=True, eq=False)
class UpdateProfile(Node):
    updates: tuple[Update, ...]
    tail: Tail


@dataclass(frozen=True, slots=True, eq=False)
class WaitFor(Node):
    duration: Literal_
    tail: Tail


@dataclass(frozen=True, slots=True, eq=False)
class WaitUntil(Node):
    expr: X.Expr
    tail: Tail


@dataclass(frozen=True, slots=True, eq=False)
class Jump(Node):
    journey: Name
    tail: Tail


@dataclass(frozen=True, slots=True, eq=False)
class TimeCase(Node):
    days: tuple[Name, ...]
    start: Literal_ | None
    end: Literal_ | None


@dataclass(frozen=True, slots=True, eq=False)
class DateCase(Node):
    start: Literal_
    end: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class CapCase(Node):
    count: Literal_


Test = TimeCase | DateCase | CapCase


@dataclass(frozen=True, slots=True, eq=False)
class Case(Node):
    label: Name
    test: X.Expr | Test
    target: Name


@dataclass(frozen=True, slots=True, eq=False)
class ElseBranch(Node):
    target: Name


@dataclass(frozen=True, slots=True, eq=False)
class Condition(Node):
    items: tuple[Case | ElseBranch | OnError, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Branch(Node):
    label: Name
    weight: Literal_
    target: Name


@dataclass(frozen=True, slots=True, eq=False)
class Split(Node):
    branches: tuple[Branch, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Reaction(Node):
    kind: Literal["opened", "clicked", "delivered", "failed"]
    step: Name
    target: Name


@dataclass(frozen=True, slots=True, eq=False)
class EventTrigger(Node):
    event: Name
    when: X.Expr | None
    target: Name


@dataclass(frozen=True, slots=True, eq=False)
class AfterTrigger(Node):
    duration: Literal_
    target: Name


@dataclass(frozen=True, slots=True, eq=False)
class UntilTrigger(Node):
    expr: X.Expr
    target: Name


Trigger = Reaction | EventTrigger | AfterTrigger | UntilTrigger


@dataclass(frozen=True, slots=True, eq=False)
class Await(Node):
    items: tuple[Trigger | OnError, ...]


@dataclass(frozen=True, slots=True, eq=False)
class End(Node):
    pass


Body = (Channel | Custom | UpdateProfile | WaitFor | WaitUntil | Jump | Condition | Split | Await
        | End)


@dataclass(frozen=True, slots=True, eq=False)
class Step(Node):
    name: Name
    body: Body


@dataclass(frozen=True, slots=True, eq=False)
class Journey(Node):
    name: Name
    title: Literal_ | None
    items: tuple[Setting | Entry | Step, ...]


Declaration = Event | Datasource | Action | Audience | Journey | ChannelDecl | RulesDecl


@dataclass(frozen=True, slots=True, eq=False)
class Comment(Node):
    text: str


@dataclass(frozen=True, slots=True, eq=False)
class File(Node):
    """One parsed ``.journey`` file: its declarations and its comments (for the formatter)."""

    declarations: tuple[Declaration, ...]
    comments: tuple[Comment, ...]


def tail_target(tail: Tail) -> tuple[Name | None, Name | None]:
    """The ``-> t`` and ``on error -> t`` targets of a step tail (first of each)."""
    goto = next((t.target for t in tail if isinstance(t, Goto)), None)
    onerr = next((t.target for t in tail if isinstance(t, OnError)), None)
    return goto, onerr
