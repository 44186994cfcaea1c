"""Static checks of declarations and journeys (spec §3.3) and assembly of the model.

This module owns the declaration-level checks — reserved names, clause rules (``J-CLAUSE``),
literals (``J-DURATION``, ``J-INSTANT``), ``J-TIMEOUT``, ``J-TYPE`` of the ``Events`` extension —
and builds each declaration's model entry. The step graph of a journey is checked by
:mod:`jengine.lang.flow`; every embedded expression is compiled by :mod:`jengine.lang.sites`. Each check
reports and moves on, so one load reports every problem of the workspace.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from jengine.lang import ast as A
from jengine.lang.ajo import check_action_guardrails, check_journey_guardrails
from jengine.lang.calls import http_settings
from jengine.lang.channels import check_channels
from jengine.lang.declared import Schema, declare_fields, usage_type
from jengine.lang.flow import check_journey_flow, check_jump_cycles
from jengine.lang.index import Index, Reporter
from jengine.lang.literals import MAX_TIMEOUT_MS, format_duration
from jengine.lang.model import (
    ActionDecl,
    AudienceDecl,
    DatasourceDecl,
    EventDecl,
    FieldGroupDecl,
    JourneyModel,
    Model,
    Site,
    freeze,
)
from jengine.lang.parse import RESERVED
from jengine.lang.schemafile import load_json_schema
from jengine.lang.sites import SiteCompiler
from jengine.lang.walk import first, nodes
from jexpr.diagnostics import Diagnostic, error, warning
from jexpr.source import Source
from jexpr.syntax import ast as X

if TYPE_CHECKING:
    from jengine.lang.incremental import JourneyMemo

PROFILE_STORE = "ExperiencePlatform"
EVENTS_GROUP = "Events"
BUILTIN_EVENTS: Schema = {
    "ExperiencePlatform.Events.experienceevent": "listObject",
    "ExperiencePlatform.Events.experienceevent._id": "string",
    "ExperiencePlatform.Events.experienceevent.timestamp": "dateTime",
    "ExperiencePlatform.Events.experienceevent.type": "string",
    "ExperiencePlatform.Events.experienceevent.*": "any",
}
_SINGLE = {A.Namespace: "namespace", A.Key: "key", A.Where: "where", A.Schema: "fields",
           A.Url: "url", A.Method: "method", A.Timeout: "timeout", A.Cache: "cache",
           A.Retries: "retries", A.PathParam: "path", A.MaxSize: "maxsize"}
MAX_STEPS = 50
DEFAULT_RETRIES = 3        # AJO: "three retries are systematically performed"
DEFAULT_REENTRANCE_MS = 5 * 60_000   # AJO: new journeys re-enter after a 5-minute wait
D = TypeVar("D", bound=A.Declaration)
R = TypeVar("R")


def check_index(index: Index, reporter: Reporter, memo: JourneyMemo | None = None) -> Model:
    """Check every declaration of the index and build the model; with ``memo``, journeys
    whose dependencies did not change are replayed (:mod:`jengine.lang.incremental`)."""
    return _Checker(index, reporter, memo).run()


class _Checker:
    def __init__(self, index: Index, reporter: Reporter, memo: JourneyMemo | None = None
                 ) -> None:
        self.index = index
        self.reporter = reporter
        self.memo = memo
        self.source: Source = Source("")
        self.schema: Schema = dict(BUILTIN_EVENTS)
        self.group_fields: dict[str, dict[str, A.Field]] = {}

    def report(self, diag: Diagnostic) -> None:
        self.reporter.add(self.source, diag)

    def at(self, decl: A.Declaration) -> None:
        self.source = self.index.source_of(decl)

    def run(self) -> Model:
        events = self.each(self.index.events, self.event)
        datasources = self.each(self.index.datasources, self.datasource)
        datasources.setdefault(PROFILE_STORE, _profile_store())
        actions = self.each(self.index.actions, self.action)
        sites = SiteCompiler(self.index, self.reporter, self.schema, events, datasources,
                             actions, self.group_fields)
        for event in events.values():
            self.at(event.node)
            self.guarded(event.node, partial(sites.event, event, self.source))
        audiences = self.each(self.index.audiences, lambda d: self.audience(d, sites))
        journeys = self.each(self.index.journeys, lambda d: self.checked_journey(d, sites))
        check_jump_cycles(self.index, self.reporter)
        channels, rules = check_channels(self.index, self.reporter)
        return Model(freeze(events), freeze(datasources), freeze(actions), freeze(audiences),
                     freeze(journeys), freeze(sites.sites), freeze(dict(self.schema)),
                     freeze(channels), rules)

    # -- isolation: one declaration's internal failure is its own diagnostic

    def each(self, table: Mapping[str, D], check: Callable[[D], R]) -> dict[str, R]:
        out: dict[str, R] = {}
        for name, decl in table.items():
            result = self.guarded(decl, lambda d=decl: check(d))  # type: ignore[misc]
            if result is not None:
                out[name] = result
        return out

    def guarded(self, decl: A.Declaration, run: Callable[[], R]) -> R | None:
        try:
            return run()
        except Exception as exc:  # reported on the declaration; the load goes on
            self.at(decl)
            self.report(error("J-INTERNAL", f"internal error while checking "
                              f"'{decl.name.text}': {type(exc).__name__}: {exc}",
                              decl.name.span, "please report it with the file"))
            return None

    # -- shared checks

    def name(self, name: A.Name, what: str) -> None:
        if name.text in RESERVED:
            self.report(error("J-NAME-RESERVED", f"'{name.text}' is a reserved word and cannot "
                              f"name {what}", name.span, f"rename it, for example "
                              f"'{name.text}_' or '{name.text.capitalize()}Step'"))

    def clauses(self, clauses: Iterable[Any], where: str) -> None:
        seen: Counter[str] = Counter()
        for clause in clauses:
            word = _clause_word(clause)
            if word is None:
                continue
            seen[word] += 1
            if seen[word] == 2:
                self.report(error("J-CLAUSE", f"'{word}' is given twice in {where}", clause.span,
                                  "each clause may appear at most once"))

    def not_allowed(self, clause: A.Node, word: str, where: str, hint: str) -> None:
        self.report(error("J-CLAUSE", f"'{word}' is not allowed in {where}", clause.span, hint))

    def literals(self, root: A.Node) -> None:
        for node in nodes(root):
            if isinstance(node, A.Literal_):
                self.literal(node)

    def literal(self, lit: A.Literal_) -> None:
        if lit.value is not None or not lit.text[:1].isdigit():
            return
        if "T" in lit.text.upper() and "-" in lit.text:
            self.report(error("J-INSTANT", f"invalid instant '{lit.text}'", lit.span,
                              "write a valid date and time, e.g. 2026-12-01T00:00:00Z"))
        elif lit.text[-1].isalpha():
            self.report(error("J-DURATION", f"invalid duration '{lit.text}': units must "
                              "strictly decrease (d, h, m, s, ms) and the total be positive",
                              lit.span, "write for example 90s, 1d12h or 1m30s"))

    # -- events

    def event(self, node: A.Event) -> EventDecl:
        self.at(node)
        self.name(node.name, "an event")
        self.clauses(node.clauses, f"event '{node.name.text}'")
        self.literals(node)
        ns = first(node.clauses, A.Namespace)
        key = first(node.clauses, A.Key)
        if node.business:
            for clause in (ns, key):
                if clause is not None:
                    self.not_allowed(clause, _clause_word(clause) or "", "a business event",
                                     "business events have no profile key; remove it")
        else:
            for clause, word in ((ns, "namespace"), (key, "key")):
                if clause is None:
                    self.report(error("J-CLAUSE", f"profile event '{node.name.text}' needs a "
                                      f"'{word}' clause", node.name.span,
                                      f"add '{word} …', or declare 'event {node.name.text} "
                                      "business'"))
        schema: Schema = {}
        self.fields_of(node.clauses, (node.name.text,), schema)
        self.schema.update(schema)
        where = first(node.clauses, A.Where)
        return EventDecl(node.name.text, node.business, ns.value.text if ns else None,
                         key.expr if key else None, where.expr if where else None,
                         freeze(schema), node)

    def fields_of(self, clauses: Iterable[Any], root: tuple[str, ...],
                  schema: Schema) -> tuple[A.Field, ...]:
        """Declare the ``fields``/``schema`` clause of a declaration; returns the fields."""
        out: tuple[A.Field, ...] = ()
        diags: list[Diagnostic] = []
        for clause in clauses:
            if isinstance(clause, A.Fields) and clause.keyword == "fields":
                out = clause.fields
            elif isinstance(clause, A.Schema):
                folder = self.index.folders.get(id(self._decl_of(clause)), None)
                path = (folder or _cwd()) / str(clause.path.value)
                roots = self.index.schema_roots or (folder or _cwd(),)
                out, diags = load_json_schema(path, clause.path.span, roots)
        declare_fields(root, out, schema, diags)
        for d in diags:
            self.report(d)
        return out

    def _decl_of(self, clause: A.Node) -> A.Declaration | None:
        for table in (self.index.events, self.index.datasources):
            for decl in table.values():
                if self.index.source_of(decl) is self.source and (
                        decl.span.start <= clause.span.start < decl.span.end):
                    return decl
        return None

    # -- data sources

    def datasource(self, node: A.Datasource) -> DatasourceDecl:
        self.at(node)
        name = node.name.text
        self.name(node.name, "a data source")
        self.clauses(node.clauses, f"data source '{name}'")
        self.literals(node)
        store = name == PROFILE_STORE
        if store:
            for clause in node.clauses:
                if not isinstance(clause, A.FieldGroup):
                    self.not_allowed(clause, _clause_word(clause) or "", "ExperiencePlatform",
                                     "the profile store has only field groups")
        else:
            self.http_settings(node, "data source", ("GET", "POST"))
            check_action_guardrails(node, self.reporter, self.source)
        groups = self.field_groups(node, store)
        if store:
            groups.setdefault(EVENTS_GROUP, FieldGroupDecl(EVENTS_GROUP, freeze({}), None))
        url = first(node.clauses, A.Url)
        method = first(node.clauses, A.Method)
        cache = first(node.clauses, A.Cache)
        http = http_settings(node, self.reporter, self.source)
        return DatasourceDecl(name, url.value.value if url else None,
                              method.value.text if method else "GET",
                              cache.duration.value if cache else None,
                              _timeout(node.clauses), freeze(groups), node, http)

    def http_settings(self, node: A.Datasource | A.Action, what: str,
                      methods: tuple[str, ...]) -> None:
        if first(node.clauses, A.Url) is None:
            self.report(error("J-CLAUSE", f"{what} '{node.name.text}' needs a 'url' clause",
                              node.name.span, 'add url "https://…"'))
        method = first(node.clauses, A.Method)
        if method is not None and method.value.text not in methods:
            article = "an" if what[0] in "aeiou" else "a"
            self.report(error("J-CLAUSE", f"method {method.value.text} is not allowed for "
                              f"{article} {what}: want {' or '.join(methods)}",
                              method.value.span))

    def field_groups(self, node: A.Datasource, store: bool) -> dict[str, FieldGroupDecl]:
        groups: dict[str, FieldGroupDecl] = {}
        for fg in (c for c in node.clauses if isinstance(c, A.FieldGroup)):
            name = fg.name.text
            self.name(fg.name, "a field group")
            self.clauses(fg.clauses, f"field group '{name}'")
            if name in groups:
                self.report(error("J-NAME-DUPLICATE", f"field group '{name}' is declared twice "
                                  f"in data source '{node.name.text}'", fg.name.span,
                                  "field-group names are unique within a data source"))
                continue
            groups[name] = self.field_group(node, fg, store)
        return groups

    def field_group(self, ds: A.Datasource, fg: A.FieldGroup, store: bool) -> FieldGroupDecl:
        params = next((c for c in fg.clauses if isinstance(c, A.Fields) and c.keyword == "params"),
                      None)
        if params is not None and store:
            self.not_allowed(params, "params", "an ExperiencePlatform field group",
                             "the profile store takes no parameters")
        schema: Schema = {}
        root = (ds.name.text, fg.name.text)
        fields = self.fields_of(fg.clauses, root, schema)
        if store and fg.name.text == EVENTS_GROUP:
            self.events_extension(fields, schema)
        else:
            self.schema.update(schema)
        if store:
            self.group_fields[fg.name.text] = {f.name.text: f for f in fields}
        declared = {f.name.text: usage_type(f.type) or "any"
                    for f in (params.fields if params else ())}
        return FieldGroupDecl(fg.name.text, freeze(declared), fg)

    def events_extension(self, fields: tuple[A.Field, ...], schema: Schema) -> None:
        base = "ExperiencePlatform.Events.experienceevent"
        for f in fields:
            if f.name.text != "experienceevent" or not (
                    isinstance(f.type, A.ListType) and isinstance(f.type.item, A.ObjectType)):
                self.report(error("J-TYPE", f"the Events field group declares only "
                                  f"'experienceevent: list<{{…}}>', got '{f.name.text}'",
                                  f.span, "extend experience events with "
                                  "experienceevent: list<{ field: type }>"))
                return
            for item in f.type.item.fields:
                self.builtin_clash(base, item, schema)
        self.schema.update({k: v for k, v in schema.items() if k not in BUILTIN_EVENTS})

    def builtin_clash(self, base: str, item: A.Field, schema: Schema) -> None:
        path = f"{base}.{item.name.text}"
        want = BUILTIN_EVENTS.get(path)
        if want is not None and schema.get(path) != want:
            self.report(error("J-TYPE", f"experience-event field '{item.name.text}' is built in "
                              f"as {want}; got {schema.get(path)}", item.span,
                              f"declare it as {want} or leave it out"))

    # -- actions and audiences

    def action(self, node: A.Action) -> ActionDecl:
        self.at(node)
        self.name(node.name, "an action")
        self.clauses(node.clauses, f"action '{node.name.text}'")
        self.literals(node)
        self.http_settings(node, "action", ("GET", "POST", "PUT"))
        check_action_guardrails(node, self.reporter, self.source)
        body = _fields_clause(node.clauses, "body")
        response: Schema = {}
        diags: list[Diagnostic] = []
        declare_fields((), _fields_clause(node.clauses, "response"), response, diags)
        declare_fields((), body, {}, diags)
        for d in diags:
            self.report(d)
        url = first(node.clauses, A.Url)
        method = first(node.clauses, A.Method)
        http = http_settings(node, self.reporter, self.source)
        retries = first(node.clauses, A.Retries)
        return ActionDecl(
            node.name.text, url.value.value if url else None,
            method.value.text if method else "POST", http.headers,
            freeze({f.name.text: usage_type(f.type) or "any" for f in body}), freeze(response),
            _timeout(node.clauses), retries.count.value if retries else DEFAULT_RETRIES,
            _limit(node.clauses, "capping"), _limit(node.clauses, "throttle"), node, http)

    def audience(self, node: A.Audience, sites: SiteCompiler) -> AudienceDecl:
        self.at(node)
        self.name(node.name, "an audience")
        if node.where is not None:
            sites.audience(node, self.source)
        return AudienceDecl(node.name.text, node.where, node)

    # -- journeys

    def checked_journey(self, node: A.Journey, sites: SiteCompiler) -> JourneyModel:
        if self.memo is None:
            return self.journey(node, sites)

        def run(mine: dict[X.Expr, Site]) -> JourneyModel:
            outer, sites.sites = sites.sites, mine
            try:
                return self.journey(node, sites)
            finally:
                sites.sites = outer

        return self.memo.check(node, self.reporter, sites.sites, run)

    def journey(self, node: A.Journey, sites: SiteCompiler) -> JourneyModel:
        self.at(node)
        self.name(node.name, "a journey")
        settings = [i for i in node.items if not isinstance(i, (A.Step, *_ENTRIES))]
        self.clauses((s for s in settings if not isinstance(s, A.Exit)),
                     f"journey '{node.name.text}'")
        self.literals(node)
        self.entry_order(node)
        timeout = _timeout(settings, 91 * 86_400_000)
        self.journey_limits(node, settings, timeout)
        flow = check_journey_flow(node, self.index, self.reporter, self.source, timeout)
        check_journey_guardrails(node, flow, self.index, self.reporter, self.source, timeout)
        self.step_names(node)
        sites.journey(node, self.source, flow)
        return _journey_model(node, settings, timeout, flow.steps, flow.first)

    def step_names(self, node: A.Journey) -> None:
        for step in (i for i in node.items if isinstance(i, A.Step)):
            self.name(step.name, "a step")

    def entry_order(self, node: A.Journey) -> None:
        entries = [i for i in node.items if isinstance(i, _ENTRIES)]
        if not entries:
            self.report(error("J-ENTRY", f"journey '{node.name.text}' has no entry",
                              node.name.span, "add for example 'entry on event MyEvent'"))
        for extra in entries[1:]:
            self.report(error("J-ENTRY", "a journey has exactly one entry; this is another",
                              extra.span, "remove this entry"))
        seen_step = False
        for item in node.items:
            if isinstance(item, A.Step):
                seen_step = True
            elif seen_step:
                what = "the entry" if isinstance(item, _ENTRIES) else "a setting"
                self.report(error("J-ENTRY", f"{what} must come before the first step",
                                  item.span, "move it above the steps"))

    def journey_limits(self, node: A.Journey, settings: list[Any], timeout: int) -> None:
        clause = first(settings, A.Timeout)
        if clause is not None and timeout > MAX_TIMEOUT_MS:
            self.report(error("J-TIMEOUT", f"journey timeout {clause.duration.text} is over "
                              "the maximum of 91d", clause.duration.span, "use at most 91d"))
        window = first(settings, A.Window)
        if window is not None and window.start.value and window.end.value and (
                window.end.value <= window.start.value):
            self.report(error("J-INSTANT", f"the window ends ({window.end.text}) before it "
                              f"starts ({window.start.text})", window.span,
                              "the end must be after the start"))
        steps = [i for i in node.items if isinstance(i, A.Step)]
        if len(steps) > MAX_STEPS:
            self.report(warning("J-STEPS", f"journey '{node.name.text}' has {len(steps)} steps, "
                                f"more than AJO's limit of {MAX_STEPS}", node.name.span,
                                "split it into several journeys joined by jump"))


_ENTRIES = (A.EntryEvent, A.EntryAudience, A.EntryRead, A.EntryBusiness)


def _clause_word(clause: Any) -> str | None:
    if isinstance(clause, A.Fields):
        return clause.keyword
    if isinstance(clause, A.Limit | A.Headers):
        return clause.keyword
    if isinstance(clause, A.Reentrance):
        return "reentrance"
    if isinstance(clause, A.Version | A.Timezone | A.Window):
        return type(clause).__name__.lower()
    return _SINGLE.get(type(clause))


def _fields_clause(clauses: Iterable[Any], keyword: str) -> tuple[A.Field, ...]:
    found = next((c for c in clauses if isinstance(c, A.Fields) and c.keyword == keyword), None)
    return found.fields if found else ()


def _timeout(clauses: Iterable[Any], default: int = 30_000) -> int:
    clause = first(clauses, A.Timeout)
    if clause is None or clause.duration.value is None:
        return default
    return int(clause.duration.value)


def _limit(clauses: Iterable[Any], keyword: str) -> tuple[int, int] | None:
    found = next((c for c in clauses if isinstance(c, A.Limit) and c.keyword == keyword), None)
    if found is None or found.per.value is None:
        return None
    return int(found.count.value), int(found.per.value)


def _profile_store() -> DatasourceDecl:
    events = FieldGroupDecl(EVENTS_GROUP, freeze({}), None)
    return DatasourceDecl(PROFILE_STORE, None, "GET", None, 30_000,
                          freeze({EVENTS_GROUP: events}), None)


def _cwd() -> Any:
    from pathlib import Path

    return Path.cwd()


def _journey_model(node: A.Journey, settings: list[Any], timeout: int, steps: Any,
                   first_step: str | None) -> JourneyModel:
    version = first(settings, A.Version)
    zone = first(settings, A.Timezone)
    reentrance = first(settings, A.Reentrance)
    window = first(settings, A.Window)
    entry = first(node.items, _ENTRIES)
    return JourneyModel(
        node.name.text, node.title.value if node.title else node.name.text,
        version.value.value if version else 1, zone.zone.value if zone else "UTC",
        bool(zone and zone.profile), reentrance.kind if reentrance else "after",
        reentrance.after.value if reentrance and reentrance.after else
        None if reentrance else DEFAULT_REENTRANCE_MS, timeout,
        (window.start.value, window.end.value) if window else None,
        tuple(i for i in settings if isinstance(i, A.Exit)), entry, freeze(steps), first_step,
        node)


__all__ = ["check_index", "format_duration"]
