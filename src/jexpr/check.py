"""Type checking: infer every node's static type and report static errors and warnings.

The checker walks the AST once, bottom-up, with a stack of loop scopes (one per enclosing
collection step). It never mutates nodes: results go into the side tables of :class:`Checked`
(types by node, resolved calls, reference plans, loop bindings), which the compiler, the
reference interpreter and the language server all read. Function calls are resolved by
:mod:`jexpr.functions`; field types come from :mod:`jexpr.schema` declarations (spec §4.9).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from jexpr import ast
from jexpr import types as T
from jexpr.diagnostics import Diagnostic, Fix, did_you_mean, error, warning
from jexpr.function_checks import CallContext, check_call
from jexpr.functions import CallPlan, resolve_call
from jexpr.schema import Declarations, Path, join_path
from jexpr.source import Source

JOURNEY_PROPERTIES: dict[str, str] = {
    **{p: "string" for p in ["journeyUID", "journeyVersionUID", "journeyVersionName", "journeyVersionDescription", "instanceUID", "externalKey", "organizationId", "sandboxName", "profileId", "namespace", "currentNodeId", "currentNodeName", "previousNodeId", "previousNodeName", "lastNodeUIDInError", "lastNodeNameInError", "lastNodeTypeInError", "lastErrorCode", "lastExecutedActionErrorCode", "lastDataFetchErrorCode"]},
    "journeyVersion": "integer",
    "lastActionExecutionElapsedTime": "integer",
    "lastDataFetchElapsedTime": "integer",
}
USAGES = ("value", "condition", "wait", "path", "datasetLookupKey")
_KIND_WORD = {"event": "event", "legacy": "event", "data": "data source", "action": "action",
              "lookup": "dataset lookup"}


@dataclass(frozen=True)
class RefPlan:
    """What evaluation needs to know about a reference or loop-variable path."""

    declared: str | None  # the declared type to coerce the value to, or None
    schema_path: Path


@dataclass(frozen=True)
class LoopScope:
    kind: ast.RefKind
    step: ast.FilterStep
    path: Path
    element: str


@dataclass
class Checked:
    """A checked expression: the AST plus side tables and all static diagnostics."""

    node: ast.Expr
    source: Source
    usage: str
    types: dict[ast.Node, str] = field(default_factory=dict)
    calls: dict[ast.Call, CallPlan] = field(default_factory=dict)
    refs: dict[ast.Node, RefPlan] = field(default_factory=dict)
    loops: dict[ast.LoopRef, ast.FilterStep] = field(default_factory=dict)
    elements: dict[ast.FilterStep, RefPlan] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.types[self.node]

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def check_usage(usage: str) -> None:
    """Raise ValueError for an unknown usage context name (spec §14)."""
    if usage in USAGES:
        return
    if usage.startswith("action:") and usage[7:] in T.DECLARABLE and usage[7:] != "any":
        return
    raise ValueError(f"unknown usage {usage!r}: use value, condition, wait, action:<type>, "
                     "path or datasetLookupKey")


def check(node: ast.Expr, source: Source, decls: Declarations, usage: str = "value") -> Checked:
    """Type-check a parsed expression for a usage context."""
    checked = Checked(node, source, usage)
    checker = _Checker(checked, decls)
    result = checker.expr(node)
    checker.usage_rule(result)
    return checked


class _Checker:
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

    # -- literals

    def _IntLit(self, node: ast.IntLit) -> str:
        return "integer"

    def _DecLit(self, node: ast.DecLit) -> str:
        return "decimal"

    def _StrLit(self, node: ast.StrLit) -> str:
        return "string"

    def _BoolLit(self, node: ast.BoolLit) -> str:
        return "boolean"

    def _NullLit(self, node: ast.NullLit) -> str:
        return "null"

    def _ListLit(self, node: ast.ListLit) -> str:
        result = "null"
        for item in node.items:
            t = self.expr(item)
            merged = T.unify(result, t)
            if T.is_list(t) or merged is None:
                why = "lists of lists are not a jexpr type" if T.is_list(t) else \
                    f"got {T.display(t)} after {T.display(result)}"
                self.report(error("E-TYPE-LIST", f"list elements must share one type: {why}",
                                  item.span, "make every element the same type"))
                return "listAny"
            result = merged
        return T.list_of(result)

    # -- operators

    def _Paren(self, node: ast.Paren) -> str:
        return self.expr(node.expr)

    def _Negate(self, node: ast.Negate) -> str:
        t = self.expr(node.operand)
        if t in ("integer", "decimal", "duration", "null", "any"):
            return t
        self.operand_error(node, f"unary '-': got {t}, want integer, decimal or duration")
        return "any"

    def _Not(self, node: ast.Not) -> str:
        t = self.expr(node.operand)
        if t not in ("boolean", "null", "any"):
            self.operand_error(node, f"operator 'not': got {T.display(t)}, want boolean")
        return "boolean"

    def _Logical(self, node: ast.Logical) -> str:
        left, right = self.expr(node.left), self.expr(node.right)
        for side, t in ((node.left, left), (node.right, right)):
            if t not in ("boolean", "null", "any"):
                self.report(error("E-TYPE-OPERAND", f"operator '{node.op}': got "
                                  f"{T.display(t)}, want boolean", side.span))
        return "boolean"

    def _Compare(self, node: ast.Compare) -> str:
        left, right = self.expr(node.left), self.expr(node.right)
        if node.op in ("==", "!="):
            if not T.equality_compatible(left, right):
                self.operand_error(node, f"operator '{node.op}': got {T.display(left)} and "
                                   f"{T.display(right)}, want two comparable values",
                                   "compare values of the same type; convert with toString, "
                                   "toInteger, toDecimal …")
        elif not T.orderable(left, right):
            self.operand_error(node, f"operator '{node.op}': got {T.display(left)} and "
                               f"{T.display(right)}, want two numbers, dateTimes, "
                               "dateTimeOnlys, dateOnlys or durations")
        return "boolean"

    def _Arith(self, node: ast.Arith) -> str:
        left, right = self.expr(node.left), self.expr(node.right)
        if node.op == "+":
            for side in (node.left, node.right):
                if isinstance(side, ast.Call):
                    self.report(warning(
                        "W-AJO-PLUS-PARENS", "AJO requires a function call used with '+' to be "
                        "wrapped in parentheses", side.span, "wrap the call in ( )",
                        Fix(side.span, "(" + self.out.source.text[side.span.start:side.span.end]
                            + ")")))
        result = arith_type(node.op, left, right)
        if result is None:
            want = ("numbers, a string with a scalar, or a date plus a duration"
                    if node.op == "+" else "numbers")
            self.operand_error(node, f"operator '{node.op}': got {T.display(left)} and "
                               f"{T.display(right)}, want {want}",
                               "to move a date back, add a negated duration; to subtract "
                               "dates, use dateDiff" if "dateTime" in (left, right) else None)
            return "any"
        if node.op == "*" and {left, right} == T.NUMBERS:
            self.report(warning("W-AJO-MIXED-MULTIPLY", "AJO rejects '*' between an integer "
                                "and a decimal", node.span,
                                "write both operands as decimals (3.0 * 4.0)"))
        return result

    def operand_error(self, node: ast.Node, message: str, hint: str | None = None) -> None:
        self.report(error("E-TYPE-OPERAND", message, node.span, hint))

    def _IsNull(self, node: ast.IsNull) -> str:
        self.expr(node.operand)
        return "boolean"

    def _HasNull(self, node: ast.HasNull) -> str:
        t = self.expr(node.operand)
        if not (T.is_list(t) or t in ("null", "any")):
            self.operand_error(node, f"operator 'has null': got {T.display(t)}, want a list")
        return "boolean"

    def _IsType(self, node: ast.IsType) -> str:
        self.expr(node.operand)
        return "boolean"

    def _If(self, node: ast.If) -> str:
        cond = self.expr(node.cond)
        if cond not in ("boolean", "null", "any"):
            self.report(error("E-TYPE-CONDITION", f"if condition: got {T.display(cond)}, "
                              "want boolean", node.cond.span))
        a, b = self.expr(node.then), self.expr(node.orelse)
        result = T.unify(a, b)
        if result is None:
            self.report(error("E-TYPE-BRANCH", f"if branches: got {T.display(a)} and "
                              f"{T.display(b)}, want the same type", node.span,
                              "convert one branch so both have the same type"))
            return "any"
        return result

    def _Ident(self, node: ast.Ident) -> str:
        self.report(error("E-NAME-IDENT", f"unknown name '{node.name}'", node.span,
                          "field references are written @event{Event.field} or "
                          "#{DataSource.FieldGroup.field}; strings need quotes"))
        return "any"

    def _Call(self, node: ast.Call) -> str:
        arg_types = [self.expr(a) for a in node.args]
        plan, diags = resolve_call(node, arg_types, self.out.source)
        for d in diags:
            self.report(d)
        if plan is None:
            return "any"
        paths = {n: p.schema_path for n, p in self.out.refs.items()}
        ctx = CallContext(self.out.source, self.decls, paths, self.out.diagnostics)
        override = check_call(node, arg_types, plan, ctx)
        self.out.calls[node] = plan
        return override or plan.result

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
        self.check_root(node, root)
        result = self.walk_path(node, node.kind, root, "any", node.steps)
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

    def check_root(self, node: ast.Reference, root: Path) -> None:
        decls = self.decls
        if not decls.complete_roots or decls.is_known(root):
            return
        known = [r for r in decls.roots()]
        guess = did_you_mean(root[0], known)
        what = _KIND_WORD[node.kind]
        self.report(error("E-FIELD-UNKNOWN", f"unknown {what} '{join_path(root)}'",
                          node.root_span, f"did you mean {guess}?" if guess else None))

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
                              f"use {node.var} inside all(…), first(…) or last(…) of a "
                              f"{_KIND_WORD[kind]} reference"))
            return "any"
        self.out.loops[node] = scope.step
        return self.walk_path(node, kind, scope.path, scope.element, node.steps)

    def walk_path(self, node: ast.Node, kind: ast.RefKind, path: Path, start: str,
                  steps: tuple[ast.Step, ...]) -> str:
        """The static type of a path (spec §4.9 walk), checking steps on the way."""
        t, many = start, False
        complete = bool(self.decls.complete_roots) and path[0] in self.decls.complete_roots
        declared_any = False
        from_declaration = start != "any"
        for step in steps:
            if isinstance(step, ast.FieldStep | ast.EntryStep):
                if isinstance(step, ast.EntryStep):
                    self.expr(step.key)
                name = _step_name(step)
                self.step_on_scalar(step, t, many, "field")
                path = (*path, name)
                if complete and not declared_any and not self.decls.is_known(path):
                    self.unknown_field(step, kind, path)
                    complete = False
                declared = self.decls.lookup(path)
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
                    self.filter_condition(step, kind, path, t, many)
                if isinstance(step, ast.AtStep):
                    self.index(step)
                if isinstance(step, ast.FilterStep) and step.kind == "all":
                    many = True
                elif many:
                    many = False
                    t = T.element(t) if T.is_list(t) else t
        result = t if (not many or T.is_list(t) or t == "any") else T.list_of(t)
        declared_type = None if result == "any" or not from_declaration else result
        self.out.refs[node] = RefPlan(declared_type, path)
        return result

    def step_on_scalar(self, step: ast.Step, t: str, many: bool, what: str) -> None:
        if not many and (t in T.SCALARS or (T.is_list(t) and T.element(t) in T.SCALARS)):
            self.report(error("E-TYPE-STEP", f"{what} step on a value of type {t}", step.span,
                              "only objects have fields"))

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
        guess = did_you_mean(path[-1], self.decls.fields_under(parent))
        self.report(error("E-FIELD-UNKNOWN", f"unknown field '{path[-1]}' in "
                          f"{_KIND_WORD[kind]} '{join_path(parent)}'", step.span,
                          f"did you mean {guess}?" if guess else None))

    # -- usage (spec §14)

    def usage_rule(self, t: str) -> None:
        usage, node = self.out.usage, self.out.node
        want = usage_types(usage)
        if want is None or t in ("any", "null") or t in want:
            return
        if usage == "wait" and t == "dateTime":
            self.report(warning("W-AJO-WAIT-DATETIME", "AJO wants a dateTimeOnly wait time",
                                node.span, "wrap the expression in toDateTimeOnly(…)"))
            return
        if usage.startswith("action:") and T.assignable(usage[7:], t):
            return
        self.report(error("E-TYPE-RESULT", f"{usage} expression: got {T.display(t)}, want "
                          f"{' or '.join(want)}", node.span))


def usage_types(usage: str) -> tuple[str, ...] | None:
    """The static result types a usage context accepts (None: any type)."""
    if usage == "condition":
        return ("boolean",)
    if usage == "wait":
        return ("dateTimeOnly",)
    if usage == "path":
        return ("string",)
    if usage == "datasetLookupKey":
        return ("string", "listString")
    if usage.startswith("action:"):
        return (usage[7:],)
    return None


def arith_type(op: str, left: str, right: str) -> str | None:
    """Result type of a binary arithmetic operator, or None when not allowed (spec §6.6–6.8)."""
    pair = {left, right}
    if op == "+":
        if "string" in pair:
            other = right if left == "string" else left
            return "string" if other in (*T.SCALARS, "null", "any") else None
        if pair <= {"any", "null"} or ("any" in pair and not pair & {"object"}
                                       and not any(T.is_list(x) for x in pair)):
            return "any" if "any" in pair else "null"
        if left == "dateTime" and right in ("duration", "null"):
            return "dateTime"
        if left == "dateTimeOnly" and right in ("duration", "null"):
            return "dateTimeOnly"
        if left == "duration" and right in ("duration", "null"):
            return "duration"
        if left == "null" and right in ("duration",):
            return "null"
    if pair <= {"integer", "decimal", "null", "any"}:
        if "any" in pair:
            return "any"
        if pair == {"null"}:
            return "null"
        return "integer" if pair <= {"integer", "null"} else "decimal"
    return None


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


def schema_of(field_types: Mapping[str, str] | None,
              schema: Mapping[str, str] | None) -> Declarations:
    return Declarations.build(field_types, schema)
