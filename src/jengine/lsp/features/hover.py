"""Hover: what the name or expression under the cursor is, from the model and the checker.

* a declaration or a use of one (event, data source, field group, action, audience, journey,
  step): its kind and summary — for a step its kind and targets (``next``, ``on error``,
  branches), for an event its fields, for an action its parameters;
* a function name: its signatures and documentation (:mod:`jexpr.functions.registry`);
* a field of a reference or loop-variable path: its declared type (spec X§4.9), and the type of
  the whole reference;
* any other expression node: its static type from the checker's side table.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from lsprotocol import types

from jengine.lang import ast as A
from jengine.lang.model import Model
from jengine.lang.walk import expression_nodes, expressions
from jengine.lsp.analysis import Analysis
from jengine.lsp.features.index import index_of
from jexpr import types as T
from jexpr.checker.schema import Declarations
from jexpr.functions.registry import ALIASES, lookup
from jexpr.source import Span
from jexpr.syntax import ast as X


def hover(analysis: Analysis, path: Path, offset: int) -> types.Hover | None:
    """The hover of an offset in a file of the analysed workspace."""
    index = index_of(analysis)
    item = index.at(path, offset)
    if item is not None:
        text = describe(analysis.model, *index.named(item))
        return _hover(analysis, path, text, item.span) if text else None
    node, ref = expression_at(analysis, path, offset)
    if node is None:
        return None
    text, span = _describe_expression(analysis, path, node, ref, offset)
    return _hover(analysis, path, text, span) if text else None


def _hover(analysis: Analysis, path: Path, text: str, span: Span) -> types.Hover:
    content = types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)
    return types.Hover(contents=content, range=analysis.document(path).range(span))


# ---- declarations and uses


def describe(model: Model, kind: str, name: str, container: str | None) -> str | None:
    """Markdown for a declared name (``container``: see :meth:`SymbolIndex.named`)."""
    describers = {"step": _step, "event": _event, "action": _action, "audience": _audience,
                  "datasource": _datasource, "journey": _journey, "fieldgroup": _fieldgroup}
    return describers[kind](model, name, container)


def _step(model: Model, name: str, journey: str | None) -> str | None:
    j = model.journeys.get(journey or "")
    step = j.steps.get(name) if j else None
    if step is None:
        return None
    lines = [f"**step** `{name}`: {step.kind} (journey `{journey}`)"]
    lines.extend(f"- `{label}` → `{target}`" for label, target in step.branches)
    if step.next and not step.branches:
        lines.append(f"- next → `{step.next}`")
    if step.on_error:
        lines.append(f"- on error → `{step.on_error}`")
    if not step.branches and not step.next and step.kind != "end":
        lines.append("- ends the journey after this step")
    return "\n".join(lines)


def _event(model: Model, name: str, _: str | None) -> str | None:
    event = model.events.get(name)
    if event is None:
        return None
    head = f"**{'business event' if event.business else 'event'}** `{name}`"
    if event.namespace:
        head += f" (namespace `{event.namespace}`)"
    return head + _field_list(event.schema, name)


def _action(model: Model, name: str, _: str | None) -> str | None:
    action = model.actions.get(name)
    if action is None:
        return None
    params = ", ".join(f"`{k}: {T.display(v)}`" for k, v in action.body.items()) or "none"
    return (f"**action** `{name}`: {action.method} `{action.url}`\n\n"
            f"parameters: {params}\n\nresponse: "
            + (", ".join(f"`{k}: {T.display(v)}`" for k, v in action.response.items())
               or "none"))


def _audience(model: Model, name: str, _: str | None) -> str | None:
    audience = model.audiences.get(name)
    if audience is None:
        return f"**audience** `{name}` (not declared: membership from profile data)"
    kind = "rule audience" if audience.where is not None else "membership audience"
    return f"**audience** `{name}`: {kind}"


def _datasource(model: Model, name: str, _: str | None) -> str | None:
    ds = model.datasources.get(name)
    if ds is None:
        return None
    where = "the profile store" if ds.url is None else f"{ds.method} `{ds.url}`"
    return f"**data source** `{name}`: {where}\n\nfield groups: " + ", ".join(
        f"`{g}`" for g in ds.groups)


def _fieldgroup(model: Model, name: str, ds: str | None) -> str | None:
    source = model.datasources.get(ds or "")
    group = source.groups.get(name) if source else None
    if group is None:
        return None
    params = ", ".join(f"`{k}: {T.display(v)}`" for k, v in group.params.items())
    return f"**field group** `{ds}.{name}`" + (f"\n\nparameters: {params}" if params else "")


def _journey(model: Model, name: str, _: str | None) -> str | None:
    j = model.journeys.get(name)
    if j is None:
        return None
    title = f" — {j.title}" if j.title else ""
    return (f"**journey** `{name}`{title}\n\nversion {j.version}, {len(j.steps)} steps, "
            f"first step `{j.first}`")


def _field_list(schema: Mapping[str, str], root: str) -> str:
    rows = [f"- `{k[len(root) + 1:]}`: {T.display(v)}" for k, v in schema.items()
            if k.count(".") == 1]
    return "\n\n" + "\n".join(rows) if rows else ""


# ---- expressions


def expression_at(analysis: Analysis, path: Path, offset: int
                  ) -> tuple[X.Node | None, X.Reference | X.LoopRef | None]:
    """The innermost expression node at an offset, and the reference or loop-variable path
    it belongs to (if any)."""
    decl = analysis.declaration_at(path, offset)
    if decl is None:
        return None, None
    best: X.Node | None = None
    ref: X.Reference | X.LoopRef | None = None
    for expr, _ in expressions(decl):
        for node in expression_nodes(expr):
            if node.span.start <= offset <= node.span.end and (
                    best is None or node.span.end - node.span.start
                    <= best.span.end - best.span.start):
                best = node
                if isinstance(node, X.Reference | X.LoopRef):
                    ref = node
    return best, ref


def _describe_expression(analysis: Analysis, path: Path, node: X.Node,
                         ref: X.Reference | X.LoopRef | None, offset: int
                         ) -> tuple[str | None, Span]:
    if isinstance(node, X.Call) and node.name_span.start <= offset <= node.name_span.end:
        return function_doc(node.name), node.name_span
    if isinstance(node, X.FieldStep) and ref is not None:
        return _field_type(analysis, path, ref, node), node.span
    site = analysis.site_of(node, path)
    t = site.checked.types.get(node) if site and site.checked else None
    return (f"`{T.display(t)}`" if t else None), node.span


def function_doc(name: str) -> str | None:
    fn = lookup(name)
    if fn is None:
        return None
    alias = f"\n\n*deprecated alias of `{ALIASES[name]}`*" if name in ALIASES else ""
    sigs = "\n".join(f"{fn.name}{s.text()} → {T.display(s.result)}" for s in fn.signatures)
    return f"```jexpr\n{sigs}\n```\n{fn.doc}{alias}"


def _field_type(analysis: Analysis, path: Path, ref: X.Reference | X.LoopRef,
                step: X.FieldStep) -> str | None:
    site = analysis.site_of(ref, path)
    plan = site.checked.refs.get(ref) if site and site.checked else None
    if plan is None:
        return None
    fields = [s.name for s in ref.steps if isinstance(s, X.FieldStep)]
    upto = fields[:fields.index(step.name) + 1] if step.name in fields else fields
    base = plan.schema_path[:len(plan.schema_path) - len(fields)]
    schema = dict(analysis.schema)
    journey = analysis.declaration_at(path, step.span.start)
    if isinstance(journey, A.Journey):
        schema.update(analysis.action_schema(journey))
    declared = Declarations.build(None, schema).lookup((*base, *upto))
    whole = site.checked.types.get(ref) if site and site.checked else None
    text = f"**field** `{'.'.join((*base, *upto))}`: `{T.display(declared or 'any')}`"
    return text + (f"\n\nreference: `{T.display(whole)}`" if whole else "")
