"""Grammar rules → journey AST: one builder method per alias of ``grammar/journey.lark``.

Part of the parse phase (it lives apart to keep the parser's files short). The fast parse
(:mod:`jengine.lang.driver`) calls these methods at each reduction through the dispatch tables
at the end of this module; the class is also a Lark ``Transformer`` (merged with jexpr's
``AstBuilder`` under the ``jexpr__`` prefix, it transforms a parse tree into the same AST: the
reference the tests compare the fast parse with). Expression subtrees arrive already built by
jexpr's ``AstBuilder``, so every method here sees journey tokens, journey nodes and finished
:mod:`jexpr.syntax.ast` expressions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lark import Token, Transformer, Tree, v_args

from jengine.lang import ast as A
from jengine.lang.build_auth import AuthBuilder
from jengine.lang.build_channels import ChannelBuilding
from jengine.lang.literals import duration_ms, instant, size_bytes
from jexpr.diagnostics import Diagnostic, error
from jexpr.source import Source
from jexpr.syntax import ast as X
from jexpr.syntax.literals import decode_string
from jexpr.syntax.parse import INT_MAX, AstBuilder

_TAIL = (A.Goto, A.OnError)


def _meta(fn: Any) -> Any:
    return v_args(meta=True, inline=True)(fn)


class JourneyBuilder(ChannelBuilding, AuthBuilder, Transformer[Token, Any]):
    """Builds :mod:`jengine.lang.ast` nodes bottom-up."""

    def __init__(self, source: Source) -> None:
        super().__init__(visit_tokens=False)
        self.source = source
        self.diagnostics: list[Diagnostic] = []  # integers outside 64 bits (E-SYN-INT-RANGE)

    # -- helpers (the span helpers _span, _tspan and _name come from ChannelBuilding)

    def _lit(self, tok: Token | None) -> A.Literal_ | None:
        if tok is None:
            return None
        text = str(tok)
        value: Any = text
        kind = tok.type
        if kind == "STRING":
            value = decode_string(text)[0]
        elif kind == "INT":
            value = self._int(tok)
        elif kind == "DURATION":
            value = duration_ms(text)
        elif kind == "SIZE":
            value = size_bytes(text)
        elif kind == "INSTANT":
            value = instant(text)
        return A.Literal_(self._tspan(tok), text, value)

    def _int(self, tok: Token) -> int:
        """An integer setting's value; 0 with E-SYN-INT-RANGE beyond 64 bits (the digits are
        not converted when there are too many: Python refuses more than 4,300)."""
        text = str(tok)
        digits = text.lstrip("0")
        if len(digits) <= 19 and int(text) <= INT_MAX:
            return int(text)
        shown = text if len(digits) <= 40 else "of more than 40 digits"
        self.diagnostics.append(error(
            "E-SYN-INT-RANGE", f"integer {shown} is outside the 64-bit range", self._tspan(tok),
            f"integers range up to {INT_MAX}"))
        return 0

    def _req(self, tok: Token) -> A.Literal_:
        lit = self._lit(tok)
        assert lit is not None
        return lit

    def _label(self, item: Token | A.Name) -> tuple[A.Name, bool]:
        if isinstance(item, Token) and item.type == "STRING":
            return A.Name(self._tspan(item), decode_string(str(item))[0]), True
        return self._name(item), False

    @staticmethod
    def _split_tail(items: tuple[Any, ...]) -> tuple[list[Any], A.Tail]:
        body = [i for i in items if not isinstance(i, _TAIL)]
        return body, tuple(i for i in items if isinstance(i, _TAIL))

    def __default_token__(self, token: Token) -> Token:
        return token

    # -- names

    def _word(self, children: list[Any]) -> A.Name:
        return self._name(children[0])

    label = case_label = param_label = day = http_method = _word
    api_place = body_kind = schedule_kind = executions = _word

    def start(self, children: list[A.Declaration]) -> list[A.Declaration]:
        return list(children)

    # -- types and fields

    @_meta
    def scalar_type(self, meta: Any, tok: Token) -> A.ScalarType:
        return A.ScalarType(self._span(meta), str(tok))

    @_meta
    def object_type(self, meta: Any, *fields: A.Field) -> A.ObjectType:
        return A.ObjectType(self._span(meta), fields)

    @_meta
    def list_type(self, meta: Any, item: A.TypeExpr) -> A.ListType:
        return A.ListType(self._span(meta), item)

    @_meta
    def map_type(self, meta: Any, item: A.TypeExpr) -> A.MapType:
        return A.MapType(self._span(meta), item)

    @_meta
    def field(self, meta: Any, name: Any, type_: A.TypeExpr) -> A.Field:
        label, quoted = self._label(name)
        return A.Field(self._span(meta), label, quoted, type_)

    # -- declaration clauses

    @_meta
    def namespace(self, meta: Any, value: A.Name) -> A.Namespace:
        return A.Namespace(self._span(meta), value)

    @_meta
    def key(self, meta: Any, expr: X.Expr) -> A.Key:
        return A.Key(self._span(meta), expr)

    @_meta
    def where(self, meta: Any, expr: X.Expr) -> A.Where:
        return A.Where(self._span(meta), expr)

    @_meta
    def fields(self, meta: Any, *items: A.Field) -> A.Fields:
        return A.Fields(self._span(meta), "fields", items)

    @_meta
    def params(self, meta: Any, *items: A.Field) -> A.Fields:
        return A.Fields(self._span(meta), "params", items)

    @_meta
    def body(self, meta: Any, *items: A.Field) -> A.Fields:
        return A.Fields(self._span(meta), "body", items)

    @_meta
    def response(self, meta: Any, *items: A.Field) -> A.Fields:
        return A.Fields(self._span(meta), "response", items)

    @_meta
    def schema(self, meta: Any, path: Token) -> A.Schema:
        return A.Schema(self._span(meta), self._req(path))

    @_meta
    def url(self, meta: Any, value: Token) -> A.Url:
        return A.Url(self._span(meta), self._req(value))

    @_meta
    def method(self, meta: Any, value: A.Name) -> A.Method:
        return A.Method(self._span(meta), value)

    @_meta
    def timeout(self, meta: Any, value: Token) -> A.Timeout:
        return A.Timeout(self._span(meta), self._req(value))

    @_meta
    def cache(self, meta: Any, value: Token) -> A.Cache:
        return A.Cache(self._span(meta), self._req(value))

    @_meta
    def header(self, meta: Any, name: Token, value: Token) -> A.Header:
        return A.Header(self._span(meta), self._req(name), self._req(value), False)

    @_meta
    def secret_header(self, meta: Any, name: Token, value: A.Value) -> A.Header:
        return A.Header(self._span(meta), self._req(name), value.text, True)

    @_meta
    def variable_header(self, meta: Any, name: Token, type_: A.ScalarType) -> A.Header:
        return A.Header(self._span(meta), self._req(name), None, False, type_)

    @_meta
    def headers(self, meta: Any, *items: A.Header) -> A.Headers:
        return A.Headers(self._span(meta), items)

    @_meta
    def query(self, meta: Any, *items: A.Header) -> A.Headers:
        return A.Headers(self._span(meta), items, "query")

    @_meta
    def path_param(self, meta: Any) -> A.PathParam:
        return A.PathParam(self._span(meta))

    @_meta
    def maxsize(self, meta: Any, size: Token) -> A.MaxSize:
        return A.MaxSize(self._span(meta), self._req(size))

    @_meta
    def retries(self, meta: Any, count: Token) -> A.Retries:
        return A.Retries(self._span(meta), self._req(count))

    @_meta
    def capping(self, meta: Any, count: Token, per: Token) -> A.Limit:
        return A.Limit(self._span(meta), "capping", self._req(count), self._req(per))

    @_meta
    def throttle(self, meta: Any, count: Token, per: Token) -> A.Limit:
        return A.Limit(self._span(meta), "throttle", self._req(count), self._req(per))

    @_meta
    def fieldgroup(self, meta: Any, name: Token, *clauses: A.Clause) -> A.FieldGroup:
        return A.FieldGroup(self._span(meta), self._name(name), clauses)

    # -- declarations

    @_meta
    def event(self, meta: Any, name: Token, business: Token | None, *clauses: A.Clause) -> A.Event:
        return A.Event(self._span(meta), self._name(name), business is not None, clauses)

    @_meta
    def datasource(self, meta: Any, name: Token, *clauses: A.Clause) -> A.Datasource:
        return A.Datasource(self._span(meta), self._name(name), clauses)

    @_meta
    def action(self, meta: Any, name: Token, *clauses: A.Clause) -> A.Action:
        return A.Action(self._span(meta), self._name(name), clauses)

    @_meta
    def audience(self, meta: Any, name: Token, where: X.Expr | None) -> A.Audience:
        return A.Audience(self._span(meta), self._name(name), where)

    @_meta
    def journey(self, meta: Any, name: Token, title: Token | None, *items: Any) -> A.Journey:
        return A.Journey(self._span(meta), self._name(name), self._lit(title), items)

    # -- settings and entries

    @_meta
    def version(self, meta: Any, value: Token) -> A.Version:
        return A.Version(self._span(meta), self._req(value))

    @_meta
    def timezone(self, meta: Any, profile: Token | None, zone: Token) -> A.Timezone:
        return A.Timezone(self._span(meta), profile is not None, self._req(zone))

    @_meta
    def reentrance(self, meta: Any, kind: Tree[Token]) -> A.Reentrance:
        return A.Reentrance(self._span(meta), str(kind.children[0]), None)  # type: ignore[arg-type]

    @_meta
    def reentrance_after(self, meta: Any, after: Token) -> A.Reentrance:
        return A.Reentrance(self._span(meta), "after", self._req(after))

    @_meta
    def window(self, meta: Any, start: Token, end: Token) -> A.Window:
        return A.Window(self._span(meta), self._req(start), self._req(end))

    @_meta
    def exit_event(self, meta: Any, name: Token, when: X.Expr | None) -> A.Exit:
        return A.Exit(self._span(meta), "event", self._name(name), when)

    @_meta
    def exit_audience(self, meta: Any, name: Token, when: X.Expr | None) -> A.Exit:
        return A.Exit(self._span(meta), "audience", self._name(name), when)

    @_meta
    def entry_event(self, meta: Any, name: Token, when: X.Expr | None) -> A.EntryEvent:
        return A.EntryEvent(self._span(meta), self._name(name), when)

    @_meta
    def entry_audience(self, meta: Any, name: Token, change: Tree[Token]) -> A.EntryAudience:
        return A.EntryAudience(self._span(meta), self._name(name),
                               str(change.children[0]))  # type: ignore[arg-type]

    @_meta
    def rate(self, meta: Any, count: Token, per: Token) -> A.Rate:
        return A.Rate(self._span(meta), self._req(count), self._req(per))

    def schedule(self, children: list[Token | A.Name]) -> Token | A.Name:
        return children[0]  # a DURATION token (every D) or the calendar keyword

    @_meta
    def entry_read(self, meta: Any, name: Token, at: Token | None,
                   schedule: Token | A.Name | None, until: Token | None,
                   incremental: Token | None, force: Token | None,
                   rate: A.Rate | None) -> A.EntryRead:
        every = schedule if isinstance(schedule, Token) else None
        calendar = schedule.text if isinstance(schedule, A.Name) else None
        return A.EntryRead(self._span(meta), self._name(name), self._lit(at), self._lit(every),
                           rate, calendar, self._lit(until),  # type: ignore[arg-type]
                           incremental is not None, force is not None)

    @_meta
    def entry_business(self, meta: Any, event: Token, audience: Token, rate: A.Rate | None,
                       executions: A.Name | None) -> A.EntryBusiness:
        return A.EntryBusiness(self._span(meta), self._name(event), self._name(audience), rate,
                               executions.text if executions else None)  # type: ignore[arg-type]

    # -- steps

    @_meta
    def step(self, meta: Any, name: Token, body: A.Body) -> A.Step:
        return A.Step(self._span(meta), self._name(name), body)

    @_meta
    def goto(self, meta: Any, target: Token) -> A.Goto:
        return A.Goto(self._span(meta), self._name(target))

    @_meta
    def on_error(self, meta: Any, target: Token) -> A.OnError:
        return A.OnError(self._span(meta), self._name(target))

    @_meta
    def param(self, meta: Any, name: Any, value: X.Expr) -> A.Param:
        label, quoted = self._label(name)
        return A.Param(self._span(meta), label, quoted, value)

    @_meta
    def channel(self, meta: Any, kind: Tree[Token], *items: Any) -> A.Channel:
        params, tail = self._split_tail(items)
        return A.Channel(self._span(meta), str(kind.children[0]),  # type: ignore[arg-type]
                         tuple(params), tail)

    @_meta
    def custom(self, meta: Any, action: Token, *items: Any) -> A.Custom:
        params, tail = self._split_tail(items)
        return A.Custom(self._span(meta), self._name(action), tuple(params), tail)

    @_meta
    def update(self, meta: Any, group: Token, *rest: Any) -> A.Update:
        labels = [self._label(item) for item in rest[:-1]]
        return A.Update(self._span(meta), self._name(group), tuple(n for n, _ in labels),
                        tuple(q for _, q in labels), rest[-1])

    @_meta
    def update_profile(self, meta: Any, *items: Any) -> A.UpdateProfile:
        updates, tail = self._split_tail(items)
        return A.UpdateProfile(self._span(meta), tuple(updates), tail)

    @_meta
    def wait_for(self, meta: Any, duration: Token, *tail: Any) -> A.WaitFor:
        return A.WaitFor(self._span(meta), self._req(duration), tail)

    @_meta
    def wait_until(self, meta: Any, expr: X.Expr, *tail: Any) -> A.WaitUntil:
        return A.WaitUntil(self._span(meta), expr, tail)

    @_meta
    def jump(self, meta: Any, journey: Token, *tail: Any) -> A.Jump:
        return A.Jump(self._span(meta), self._name(journey), tail)

    @_meta
    def else_branch(self, meta: Any, target: Token) -> A.ElseBranch:
        return A.ElseBranch(self._span(meta), self._name(target))

    @_meta
    def case(self, meta: Any, label: A.Name, test: Any, target: Token) -> A.Case:
        return A.Case(self._span(meta), label, test, self._name(target))

    @_meta
    def time_case(self, meta: Any, *items: Any) -> A.TimeCase:
        days = tuple(i for i in items if isinstance(i, A.Name))
        start, end = items[-2], items[-1]
        return A.TimeCase(self._span(meta), days, self._lit(start), self._lit(end))

    @_meta
    def time_between(self, meta: Any, start: Token, end: Token) -> A.TimeCase:
        return A.TimeCase(self._span(meta), (), self._lit(start), self._lit(end))

    @_meta
    def date_case(self, meta: Any, start: Token, end: Token) -> A.DateCase:
        return A.DateCase(self._span(meta), self._req(start), self._req(end))

    @_meta
    def cap_case(self, meta: Any, count: Token) -> A.CapCase:
        return A.CapCase(self._span(meta), self._req(count))

    @_meta
    def condition(self, meta: Any, *items: Any) -> A.Condition:
        return A.Condition(self._span(meta), items)

    @_meta
    def branch(self, meta: Any, label: A.Name, weight: Token, target: Token) -> A.Branch:
        return A.Branch(self._span(meta), label, self._req(weight), self._name(target))

    @_meta
    def split(self, meta: Any, *branches: A.Branch) -> A.Split:
        return A.Split(self._span(meta), branches)

    @_meta
    def reaction(self, meta: Any, kind: Tree[Token], step: Token, target: Token) -> A.Reaction:
        return A.Reaction(self._span(meta), str(kind.children[0]),  # type: ignore[arg-type]
                          self._name(step), self._name(target))

    @_meta
    def event_trigger(self, meta: Any, event: Token, when: X.Expr | None,
                      target: Token) -> A.EventTrigger:
        return A.EventTrigger(self._span(meta), self._name(event), when, self._name(target))

    @_meta
    def after_trigger(self, meta: Any, duration: Token, target: Token) -> A.AfterTrigger:
        return A.AfterTrigger(self._span(meta), self._req(duration), self._name(target))

    @_meta
    def until_trigger(self, meta: Any, expr: X.Expr, target: Token) -> A.UntilTrigger:
        return A.UntilTrigger(self._span(meta), expr, self._name(target))

    @_meta
    def await_(self, meta: Any, *items: Any) -> A.Await:
        return A.Await(self._span(meta), items)

    @_meta
    def end(self, meta: Any) -> A.End:
        return A.End(self._span(meta))


setattr(JourneyBuilder, "await", JourneyBuilder.await_)


# ---- the dispatch tables of the fast parse (jengine.lang.driver)

Entry = tuple[Callable[..., Any], bool]


def _dispatch(cls: type) -> dict[str, Entry]:
    """Rule name → (plain function, takes meta and inline children): what Lark's
    ``Transformer`` would call for each rule, unwrapped from ``v_args``."""
    table: dict[str, Entry] = {}
    members = {name: member for klass in reversed(cls.__mro__)  # mixins too, not Lark's own
               if klass.__module__.split(".")[0] not in ("lark", "builtins")
               for name, member in vars(klass).items()}
    for name, member in members.items():
        if name.startswith("_") or name in ("transform", "build"):
            continue
        base = getattr(member, "base_func", None)
        if base is not None:
            table[name] = (base, True)
        elif callable(member):
            table[name] = (member, False)
    return table


JOURNEY = _dispatch(JourneyBuilder)
EXPRESSION = _dispatch(AstBuilder)
PREFIX = "jexpr__"
