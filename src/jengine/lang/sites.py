"""Expression sites: every embedded expression checked and compiled by jexpr (spec §2.5).

Each site gets the usage of the §2.5 table and the schema its declarations imply: an event's
``key``/``where`` see that event only, an audience rule sees ``ExperiencePlatform`` only, and
every journey site sees all events and data sources plus the journey's custom-action steps
(``S.<response>``, ``S.jo_status_code``, ``S.errorResponse.*``). The checker runs on the parsed
expression AST in place, so jexpr's diagnostics already carry file positions. On top of jexpr's
own codes this module reports ``J-UNSUPPORTED`` (``@datasetLookup``), ``J-PARAM`` (action and
data-source parameters), ``J-UPDATE-PATH`` and three warnings: ``J-EVENT-MAYBE-NULL`` (an event
read where it may not have arrived), ``J-ACTION-MAYBE-NULL`` (``@action{S.…}`` read where step
``S`` may not have run, or may have failed: only steps that ran without error on every path
count, :attr:`jengine.lang.flow.Flow.succeeded`) and ``J-PARAM-MISSING`` (a declared body
parameter of an action that a step leaves out).
"""

from __future__ import annotations

from collections.abc import Container, Mapping

from jengine.lang import ast as A
from jengine.lang.declared import Schema, usage_type
from jengine.lang.flow import Flow
from jengine.lang.index import Index, Reporter
from jengine.lang.model import ActionDecl, DatasourceDecl, EventDecl, Site
from jengine.lang.walk import first, references
from jexpr.checker.check import check
from jexpr.checker.schema import Declarations, join_path
from jexpr.diagnostics import did_you_mean, error, sort_diagnostics, warning
from jexpr.source import Source
from jexpr.syntax import ast as X
from jexpr.types import accepts

_ENTRIES = (A.EntryEvent, A.EntryAudience, A.EntryRead, A.EntryBusiness)


class SiteCompiler:
    """Compiles the expression sites of declarations and journeys into :class:`Site`s."""

    def __init__(self, index: Index, reporter: Reporter, schema: Schema,
                 events: Mapping[str, EventDecl], datasources: Mapping[str, DatasourceDecl],
                 actions: Mapping[str, ActionDecl],
                 group_fields: Mapping[str, Mapping[str, A.Field]]) -> None:
        self.index = index
        self.reporter = reporter
        self.schema = schema
        self.events = events
        self.datasources = datasources
        self.actions = actions
        self.group_fields = group_fields
        self.sites: dict[X.Expr, Site] = {}
        self.source = Source("")
        self.available: frozenset[str] | None = None
        self.succeeded: Container[str] | None = None
        self.ran: Container[str] = frozenset()
        self.custom_steps: frozenset[str] = frozenset()

    # -- declarations

    def event(self, event: EventDecl, source: Source) -> None:
        self.source = source
        self.available = self.succeeded = None
        decls = Declarations.build(None, dict(event.schema) or {f"{event.name}.*": "any"})
        if event.key is not None:
            self.compile(event.key, "action:string", decls)
        if event.where is not None:
            self.compile(event.where, "condition", decls)

    def audience(self, node: A.Audience, source: Source) -> None:
        self.source = source
        self.available = self.succeeded = None
        store = {k: v for k, v in self.schema.items() if k.startswith("ExperiencePlatform.")}
        if node.where is not None:
            self.compile(node.where, "condition", Declarations.build(None, store))

    # -- journeys

    def journey(self, node: A.Journey, source: Source, flow: Flow) -> None:
        self.source = source
        decls = Declarations.build(None, {**self.schema, **self.action_steps(node)})
        entry = first(node.items, _ENTRIES)
        entry_event = {entry.event.text} if isinstance(
            entry, A.EntryEvent | A.EntryBusiness) else set()
        self.custom_steps = frozenset(i.name.text for i in node.items if isinstance(i, A.Step)
                                      and isinstance(i.body, A.Custom))
        for item in node.items:
            self.succeeded = frozenset()
            if isinstance(item, A.EntryEvent) and item.when is not None:
                self.available = frozenset(entry_event)
                self.compile(item.when, "condition", decls)
            elif isinstance(item, A.Exit) and item.when is not None:
                self.available = frozenset(entry_event | {item.name.text})
                self.compile(item.when, "condition", decls)
            elif isinstance(item, A.Step) and flow.steps.get(item.name.text) is not None:
                self.available = frozenset(entry_event) | flow.events.get(
                    item.name.text, frozenset())
                self.succeeded = flow.succeeded_before(item.name.text)
                self.ran = flow.ran_before(item.name.text)
                self.step(item.body, decls)
            self.ran = frozenset()
        self.available = self.succeeded = None

    def action_steps(self, node: A.Journey) -> Schema:
        out: Schema = {}
        for step in (i for i in node.items if isinstance(i, A.Step)):
            if not isinstance(step.body, A.Custom):
                continue
            root = step.name.text
            action = self.actions.get(step.body.action.text)
            for path, kind in (action.response.items() if action else ()):
                out[join_path((root, *_split(path)))] = kind
            out.update({join_path((root, "jo_status_code")): "string",
                        join_path((root, "errorResponse")): "object",
                        join_path((root, "errorResponse", "*")): "any"})
        return out

    def step(self, body: A.Body, decls: Declarations) -> None:
        if isinstance(body, A.Channel):
            for p in body.params:
                self.compile(p.value, "value", decls)
        elif isinstance(body, A.Custom):
            self.custom(body, decls)
        elif isinstance(body, A.UpdateProfile):
            for update in body.updates:
                self.compile(update.value, self.update_usage(update), decls)
        elif isinstance(body, A.WaitUntil):
            self.compile(body.expr, "wait", decls)
        elif isinstance(body, A.Condition):
            for case in (i for i in body.items if isinstance(i, A.Case)):
                if isinstance(case.test, X.Node):
                    self.compile(case.test, "condition", decls)
        elif isinstance(body, A.Await):
            self.await_(body, decls)

    def await_(self, body: A.Await, decls: Declarations) -> None:
        base = self.available
        for item in body.items:
            if isinstance(item, A.EventTrigger) and item.when is not None:
                self.available = (base or frozenset()) | {item.event.text}
                self.compile(item.when, "condition", decls)
            elif isinstance(item, A.UntilTrigger):
                self.available = base
                self.compile(item.expr, "wait", decls)
        self.available = base

    def custom(self, body: A.Custom, decls: Declarations) -> None:
        action = self.actions.get(body.action.text)
        for p in body.params:
            usage = "value"
            declared = action.http.params if action is not None else {}
            if action is not None and p.name.text not in declared:
                hint = did_you_mean(p.name.text, declared)
                self.report(error("J-PARAM", f"action '{action.name}' has no parameter "
                                  f"'{p.name.text}' in its body, headers, query or path",
                                  p.name.span, f"did you mean {hint}?" if hint else
                                  "declared parameters: " + (", ".join(declared) or "none")))
            elif action is not None and declared[p.name.text] != "any":
                usage = f"action:{declared[p.name.text]}"
            self.compile(p.value, usage, decls)
        given = {p.name.text for p in body.params}
        missing = [name for name in (action.body if action else ()) if name not in given]
        if action is not None and missing:
            names = ", ".join(f"'{m}'" for m in missing)
            them = "it" if len(missing) == 1 else "them"
            self.report(warning(
                "J-PARAM-MISSING", f"this step leaves out {names}, declared in the body of "
                f"action '{action.name}'; the request is sent without {them}",
                body.action.span, "add " + ", ".join(f"{m}: …" for m in missing)
                + " to the step"))

    def update_usage(self, update: A.Update) -> str:
        declared = self.update_type(update)
        kind = usage_type(declared) if declared is not None else None
        return f"action:{kind}" if kind else "value"

    def update_type(self, update: A.Update) -> A.TypeExpr | None:
        group = update.group.text
        fields = self.group_fields.get(group) if group != "Events" else None
        if fields is None:
            why = ("Events cannot be written" if group == "Events" else
                   f"'{group}' is not a field group of ExperiencePlatform")
            self.report(error("J-UPDATE-PATH", f"cannot update '{group}': {why}",
                              update.group.span, "write to a declared ExperiencePlatform "
                              "field group other than Events"))
            return None
        return self.walk_path(update, fields)

    def walk_path(self, update: A.Update, fields: Mapping[str, A.Field]) -> A.TypeExpr | None:
        current: A.TypeExpr | None = None
        for i, seg in enumerate(update.path):
            field = fields.get(seg.text) if current is None or isinstance(
                current, A.ObjectType) else None
            if isinstance(current, A.MapType):
                current = current.item
            elif field is None:
                hint = did_you_mean(seg.text, fields)
                self.report(error("J-UPDATE-PATH", f"'{seg.text}' is not a declared field of "
                                  f"{update.group.text}", seg.span,
                                  f"did you mean {hint}?" if hint else "declare it first"))
                return None
            else:
                current = field.type
            if isinstance(current, A.ListType) and i + 1 < len(update.path):
                self.report(error("J-UPDATE-PATH", f"the path crosses the list '{seg.text}'",
                                  seg.span, "update the whole list instead"))
                return None
            if isinstance(current, A.ObjectType):
                fields = {f.name.text: f for f in current.fields}
        return current

    # -- compiling one site

    def report(self, diag: object) -> None:
        self.reporter.add(self.source, diag)  # type: ignore[arg-type]

    def compile(self, expr: X.Expr, usage: str, decls: Declarations) -> None:
        refs = references(expr)
        lookups = [n for n in refs if n.kind == "lookup"]
        for ref in lookups:
            self.report(error("J-UNSUPPORTED", "@datasetLookup is not available in journeys "
                              "(there is no dataset-lookup step in this version)", ref.span,
                              "read the data through a data source #{…} instead"))
        if lookups:
            self.sites[expr] = Site(expr, usage, None)
            return
        checked = check(expr, self.source, decls, usage)
        diags = sort_diagnostics(checked.diagnostics)
        self.reporter.extend(self.source, diags)
        self.data_params(refs, checked.types)
        self.maybe_null(refs)
        self.sites[expr] = Site(expr, usage, checked)

    def data_params(self, refs: list[X.Reference], types: Mapping[X.Node, str]) -> None:
        for ref in refs:
            if ref.kind != "data" or not ref.params:
                continue
            ds = self.datasources.get(ref.root)
            group = ds.groups.get(ref.group or "") if ds else None
            if group is None:
                continue
            for param in ref.params:
                self.data_param(ref, group.params, param, types)

    def data_param(self, ref: X.Reference, declared: Mapping[str, str], param: X.Param,
                   types: Mapping[X.Node, str]) -> None:
        where = f"{ref.root}.{ref.group}"
        want = declared.get(param.name)
        if want is None:
            self.report(error("J-PARAM", f"field group {where} declares no parameter "
                              f"'{param.name}'", param.span, "declared parameters: "
                              + (", ".join(declared) or "none")))
            return
        got = types.get(param.value)
        if got is not None and want != "any" and accepts(want, got) is None:
            self.report(error("J-PARAM", f"parameter '{param.name}' of {where}: got {got}, "
                              f"want {want}", param.value.span))

    def action_maybe_null(self, ref: X.Reference) -> None:
        """``J-ACTION-MAYBE-NULL``: the response of ``S`` needs ``S`` to have run without
        error on every path; its failure fields (``jo_status_code``, ``errorResponse``) only
        that it ran (they are what an ``on error`` branch reads)."""
        failure = _first_field(ref) in ("jo_status_code", "errorResponse")
        if ref.root in (self.ran if failure else self.succeeded or frozenset()):
            return
        why = "does not run" if failure or ref.root not in self.ran else \
            "does not run without error"
        self.report(warning(
            "J-ACTION-MAYBE-NULL", f"@action{{{ref.root}…}} may be null here: step "
            f"'{ref.root}' {why} on every path to this point", ref.span,
            f"read it only after '{ref.root}' on every path" + (
                "" if failure else ", outside its 'on error' branch") + " (or add a "
            "defaultValue)"))

    def maybe_null(self, refs: list[X.Reference]) -> None:
        for ref in refs:
            if ref.default is not None:
                continue  # a defaultValue is never null
            if ref.kind == "action" and self.succeeded is not None and \
                    ref.root in self.custom_steps:
                self.action_maybe_null(ref)
            if (self.available is not None and ref.kind in ("event", "legacy")
                    and ref.root in self.events and ref.root not in self.available):
                self.report(warning(
                    "J-EVENT-MAYBE-NULL", f"@event{{{ref.root}…}} may be null here: "
                    f"'{ref.root}' is not the entry event, not delivered by an await on every "
                    "path, and not the event of this 'when'", ref.span,
                    "add a defaultValue, or read it only after an await that delivers it"))


def _first_field(ref: X.Reference) -> str | None:
    step = ref.steps[0] if ref.steps else None
    return step.name if isinstance(step, X.FieldStep) else None


def _split(path: str) -> tuple[str, ...]:
    from jexpr.checker.schema import split_path

    return split_path(path)
