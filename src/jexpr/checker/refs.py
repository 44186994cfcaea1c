"""Type checking of references and loop-variable paths (spec §4).

One job: roots and data-source field groups against the schema, the path walk with its field,
map and collection steps, loop scopes of all/first/last conditions, defaultValue, journey
properties, and the unknown-field messages with their suggestions. :class:`RefChecker` also
holds the checker's state; :class:`jexpr.checker.check._Checker` adds literals, operators and calls.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from jexpr import types as T
from jexpr.checker.result import Checked, LoopScope, RefPlan
from jexpr.checker.schema import Declarations, Path, join_path
from jexpr.diagnostics import Diagnostic, Fix, did_you_mean, error, warning
from jexpr.source import Source, Span
from jexpr.syntax import ast

JOURNEY_PROPERTIES: dict[str, str] = {
    **{p: "string" for p in ["journeyUID", "journeyVersionUID", "journeyVersionName", "journeyVersionDescription", "instanceUID", "externalKey", "organizationId", "sandboxName", "profileId", "namespace", "currentNodeId", "currentNodeName", "previousNodeId", "previousNodeName", "lastNodeUIDInError", "lastNodeNameInError", "lastNodeTypeInError", "lastErrorCode", "lastExecutedActionErrorCode", "lastDataFetchErrorCode"]},
    "journeyVersion": "integer",
    "lastActionExecutionElapsedTime": "integer",
    "lastDataFetchElapsedTime": "integer",
}
_KIND_WORD = {"event": "event", "legacy": "event", "data": "data source", "action": "action",
              "lookup": "dataset lookup"}
_GROUP_SEGMENT = re.compile(r"""\s*\.\s*([A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")


class RefChecker:
    """The checker's state and dispatch, and the typing of references and paths."""

    def __init__(self, out: Checked, decls: Declarations) -> None:
        self.out = out
        self.decls = decls
        self.scopes: list[LoopScope] = []

    def report(self, diag: Diagnostic) -> None:
        self.out.diagnostics.append(diag)

    def expr(self, node: ast.Expr) -> str:
        method = getattr(self, "_" + type(node).__name__)
        result: str = method(node)
        self.out.types[node] = result
        return result

    # -- references

    def _Reference(self, node: ast.Reference) -> str:
        if node.kind == "journey":
            return self.journey_ref(node)
        if node.kind == "legacy":
            opener = self.out.source.span(node.span.start, node.span.start + 2)
            self.report(warning("W-AJO-LEGACY-REF", "@{…} is the legacy form of @event{…}",
                                opener, "write @event{…}", Fix(opener, "@event{")))
        for param in node.params or ():
            self.expr(param.value)
        root: Path = (node.root,) if node.group is None else (node.root, node.group)
        known = self.check_root(node, root)
        result = self.walk_path(node, node.kind, root, "any", node.steps, check_fields=known)
        if node.default is not None:
            result = self.default_value(node, result)
        return result

    def journey_ref(self, node: ast.Reference) -> str:
        self.report(warning("W-AJO-JOURNEY-REF", "@journey{…} is jexpr's own syntax; AJO "
                            "inserts journey properties through its editor", node.span))
        prop = JOURNEY_PROPERTIES.get(node.root)
        if prop is None:
            guess = did_you_mean(node.root, JOURNEY_PROPERTIES)
            self.report(error("E-NAME-JOURNEY", f"unknown journey property '{node.root}'",
                              node.root_span, f"did you mean {guess}?" if guess else None))
            prop = "any"
        self.out.refs[node] = RefPlan(prop if prop != "any" else None, (node.root,))
        if node.default is not None:
            return self.default_value(node, prop)
        return prop

    def check_root(self, node: ast.Reference, root: Path) -> bool:
        """Report a root (or data-source field group) the schema does not know; False then,
        so that the fields below it are not reported again."""
        decls = self.decls
        if not decls.complete_roots or decls.is_known(root):
            return True
        what = _KIND_WORD[node.kind]
        if node.group is not None and decls.is_known(root[:1]):
            span = self.group_span(node)
            groups = decls.fields_under(root[:1])
            guess = did_you_mean(root[1], groups)
            self.report(error(
                "E-FIELD-UNKNOWN", f"unknown field group '{root[1]}' in data source "
                f"'{join_path(root[:1])}'", span, _suggestion(guess, groups, "field groups"),
                Fix(span, join_path((guess,))) if guess and span != node.root_span else None))
            return False
        roots = decls.roots()
        guess = did_you_mean(root[0], roots)
        self.report(error("E-FIELD-UNKNOWN", f"unknown {what} '{join_path(root[:1])}'",
                          node.root_span, _suggestion(guess, roots, "declared roots"),
                          Fix(node.root_span, join_path((guess,))) if guess else None))
        return False

    def group_span(self, node: ast.Reference) -> Span:
        """The span of a data-source reference's field-group segment (quotes included)."""
        return group_span(self.out.source, node)

    def default_value(self, node: ast.Reference, field_type: str) -> str:
        assert node.default is not None
        t = self.expr(node.default)
        self.default_parens(node.default)
        if field_type == "any":
            return "any"
        if not T.assignable(field_type, t):
            self.report(error("E-TYPE-DEFAULT", f"defaultValue: got {T.display(t)}, want "
                              f"{T.display(field_type)} (the field's type)", node.default.span))
        return field_type

    def default_parens(self, default: ast.Expr) -> None:
        for call in _calls_outside_parens(default):
            self.report(warning("W-AJO-DEFAULT-PARENS", "AJO requires a function call in "
                                "defaultValue to be wrapped in parentheses", call.span,
                                "wrap the call in ( )", Fix(call.span, "(" + self.out.source.text[
                                    call.span.start:call.span.end] + ")")))

    def _LoopRef(self, node: ast.LoopRef) -> str:
        kind = ast.LOOP_VAR_KIND[node.var]
        scope = next((s for s in reversed(self.scopes) if s.kind == kind), None)
        if scope is None:
            self.report(error("E-NAME-LOOPVAR", f"'{node.var}' is used outside a collection "
                              "step of its kind", node.span,
                              f"use {node.var} inside all(…), first(…) or last(…) of "
                              f"{_article(_KIND_WORD[kind])} reference"))
            return "any"
        self.out.loops[node] = scope.step
        return self.walk_path(node, kind, scope.path, scope.element, node.steps)

    def walk_path(self, node: ast.Node, kind: ast.RefKind, path: Path, start: str,
                  steps: tuple[ast.Step, ...], check_fields: bool = True) -> str:
        """The static type of a path (spec §4.9 walk), checking steps on the way."""
        t, many = start, False
        complete = check_fields and bool(self.decls.complete_roots) and \
            path[0] in self.decls.complete_roots
        declared_any = False
        from_declaration = start != "any"
        segments, longest = list(path), self.decls.longest
        for step in steps:
            if isinstance(step, ast.FieldStep | ast.EntryStep):
                if isinstance(step, ast.EntryStep):
                    self.expr(step.key)
                name = _step_name(step)
                if self.step_on_scalar(step, t, many, "field"):
                    complete = False  # one error for this step, not E-FIELD-UNKNOWN as well
                segments.append(name)
                # beyond the longest declaration no lookup can match: no tuple is built, so a
                # path of n steps costs O(n), not O(n²)
                path = tuple(segments) if len(segments) <= longest else ()
                if complete and not declared_any and not (path and self.decls.is_known(path)):
                    self.unknown_field(step, kind, tuple(segments))
                    complete = False
                declared = self.decls.lookup(path) if path else None
                declared_any = declared_any or declared == "any"
                from_declaration = declared is not None
                t = declared or "any"
                many = many or T.is_list(t)
            elif isinstance(step, ast.KeysStep):
                self.step_on_scalar(step, t, many, "map")
                t, many = ("string" if step.first_only else "listString"), False
                from_declaration = False
            else:
                self.collection_step(step, t, many)
                if isinstance(step, ast.FilterStep):
                    self.filter_condition(step, kind, tuple(segments), t, many)
                if isinstance(step, ast.AtStep):
                    self.index(step)
                if isinstance(step, ast.FilterStep) and step.kind == "all":
                    many = True
                elif many:
                    many = False
                    t = T.element(t) if T.is_list(t) else t
        result = t if (not many or T.is_list(t) or t == "any") else T.list_of(t)
        declared_type = None if result == "any" or not from_declaration else result
        self.out.refs[node] = RefPlan(declared_type, tuple(segments))
        return result

    def step_on_scalar(self, step: ast.Step, t: str, many: bool, what: str) -> bool:
        if not many and (t in T.SCALARS or (T.is_list(t) and T.element(t) in T.SCALARS)):
            self.report(error("E-TYPE-STEP", f"{what} step on a value of type {t}", step.span,
                              "only objects have fields"))
            return True
        return False

    def collection_step(self, step: ast.Step, t: str, many: bool) -> None:
        if not many and not T.is_list(t) and t not in ("any",):
            self.report(error("E-TYPE-STEP", f"collection step on a value of type {t}, "
                              "want a list", step.span))

    def filter_condition(self, step: ast.FilterStep, kind: ast.RefKind, path: Path, t: str,
                         many: bool) -> None:
        element = T.element(t) if T.is_list(t) else ("object" if t == "any" else t)
        element = "any" if element == "object" and t == "any" else element
        plan = RefPlan(None if element in ("any", "object") else element, path)
        self.out.elements[step] = plan
        if step.cond is None:
            return
        self.scopes.append(LoopScope(ast.loop_kind(kind), step, path, element))
        try:
            ct = self.expr(step.cond)
        finally:
            self.scopes.pop()
        if ct not in ("boolean", "null", "any"):
            self.report(error("E-TYPE-CONDITION", f"{step.kind}() condition: got "
                              f"{T.display(ct)}, want boolean", step.cond.span))

    def index(self, step: ast.AtStep) -> None:
        t = self.expr(step.index)
        if t not in ("integer", "null", "any"):
            self.report(error("E-TYPE-ARGUMENT", f"at(): got {T.display(t)}, want integer",
                              step.index.span))

    def unknown_field(self, step: ast.Step, kind: ast.RefKind, path: Path) -> None:
        parent = path[:-1]
        fields = self.decls.fields_under(parent)
        guess = did_you_mean(path[-1], fields)
        fix = Fix(step.span, join_path((guess,))) if guess and isinstance(step, ast.FieldStep) \
            else None
        self.report(error("E-FIELD-UNKNOWN", f"unknown field '{path[-1]}' in "
                          f"{_field_place(kind, parent)}", step.span,
                          _suggestion(guess, fields, "fields here"), fix))


def _step_name(step: ast.FieldStep | ast.EntryStep) -> str:
    if isinstance(step, ast.FieldStep):
        return step.name
    key = step.key
    while isinstance(key, ast.Paren):
        key = key.expr
    return key.value if isinstance(key, ast.StrLit) else "*"


def _calls_outside_parens(node: ast.Expr) -> list[ast.Call]:
    """Calls of a defaultValue not inside a parenthesised sub-expression (spec §4.6)."""
    if isinstance(node, ast.Paren):
        return []
    if isinstance(node, ast.Call):
        return [node]
    found: list[ast.Call] = []
    for child in ast.children(node):
        if isinstance(child, ast.Reference | ast.LoopRef | ast.ListLit):
            continue
        if isinstance(child, ast.Call | ast.Paren) or hasattr(child, "operand") or \
                hasattr(child, "left"):
            found.extend(_calls_outside_parens(child))  # type: ignore[arg-type]
    return found


def _article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word



def _suggestion(guess: str | None, names: Sequence[str], what: str) -> str | None:
    """``did you mean X?``, or the known names when there are few and none is close."""
    if guess:
        return f"did you mean {join_path((guess,))}?"
    if names and len(names) <= 8:
        return f"{what}: {', '.join(join_path((n,)) for n in names)}"
    return None


def _field_place(kind: ast.RefKind, parent: Path) -> str:
    """Where an unknown field was looked for: ``event 'E'`` or ``'E.a.b' (event 'E')``."""
    size = 2 if kind == "data" else 1
    root = parent[:size]
    where = f"field group '{join_path(root)}'" if kind == "data" else \
        f"{_KIND_WORD[kind]} '{join_path(root)}'"
    return where if parent == root else f"'{join_path(parent)}' ({where})"


def group_span(source: Source, node: ast.Reference) -> Span:
    """The span of a data-source reference's field-group segment (quotes included); the root's
    span when it cannot be found. Shared by the checker and the language server."""
    m = _GROUP_SEGMENT.match(source.text, node.root_span.end)
    if m is None:
        return node.root_span
    return source.span(m.start(1), m.end(1))
