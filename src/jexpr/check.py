"""Type checking: infer every node's static type and report static errors and warnings.

The checker walks the AST once, bottom-up, with a stack of loop scopes (one per enclosing
collection step). It never mutates nodes: results go into the side tables of :class:`Checked`
(types by node, resolved calls, reference plans, loop bindings), which the compiler, the
reference interpreter and the language server all read. Function calls are resolved by
:mod:`jexpr.functions`; field types come from :mod:`jexpr.schema` declarations (spec §4.9).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jexpr import ast, temporal
from jexpr import types as T
from jexpr.diagnostics import Diagnostic, Fix, did_you_mean, error, warning
from jexpr.function_checks import CallContext, check_call
from jexpr.functions import CallPlan, converts, lookup, resolve_call
from jexpr.schema import Declarations, Path, join_path
from jexpr.source import Source, Span

JOURNEY_PROPERTIES: dict[str, str] = {
    **{p: "string" for p in ["journeyUID", "journeyVersionUID", "journeyVersionName", "journeyVersionDescription", "instanceUID", "externalKey", "organizationId", "sandboxName", "profileId", "namespace", "currentNodeId", "currentNodeName", "previousNodeId", "previousNodeName", "lastNodeUIDInError", "lastNodeNameInError", "lastNodeTypeInError", "lastErrorCode", "lastExecutedActionErrorCode", "lastDataFetchErrorCode"]},
    "journeyVersion": "integer",
    "lastActionExecutionElapsedTime": "integer",
    "lastDataFetchElapsedTime": "integer",
}
USAGES = ("value", "condition", "wait", "path", "datasetLookupKey")
_KIND_WORD = {"event": "event", "legacy": "event", "data": "data source", "action": "action",
              "lookup": "dataset lookup"}
_DATE_CONVERSION = {"dateTime": "toDateTime", "dateTimeOnly": "toDateTimeOnly",
                    "dateOnly": "toDateOnly"}
_TYPE_CONVERSION = {"string": "toString", "integer": "toInteger", "decimal": "toDecimal",
                    "boolean": "toBool", "duration": "toDuration", **_DATE_CONVERSION}
_ATOMS = (ast.Reference, ast.LoopRef, ast.Call, ast.IntLit, ast.DecLit, ast.StrLit, ast.BoolLit,
          ast.NullLit, ast.ListLit, ast.Paren, ast.Ident)
_CALL_EXAMPLES = {"date": 'date("2024-01-01")'}
_NUMBER_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_GROUP_SEGMENT = re.compile(r"""\s*\.\s*([A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")


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
    """Raise ValueError for an unknown usage context name (spec §14).

    The usage is an argument of the API (chosen by the host program, like ``fieldTypes``), not
    part of the user's expression text, so a wrong one is a programming error of the caller:
    ``jexpr.check`` and ``jexpr.compile`` raise this ValueError rather than returning a
    diagnostic, which would need a range in a text that is not at fault. The message names the
    bad value and lists the valid ones.
    """
    if usage in USAGES:
        return
    if usage.startswith("action:"):
        declared = usage[7:]
        if declared in T.DECLARABLE and declared != "any":
            return
        types = ", ".join(sorted(T.DECLARABLE - {"any"}))
        guess = did_you_mean(declared, sorted(T.DECLARABLE - {"any"}))
        raise ValueError(f"unknown usage {usage!r}: {declared!r} is not a parameter type"
                         f"{f' (did you mean action:{guess}?)' if guess else ''}; "
                         f"action:<type> takes one of {types}")
    guess = did_you_mean(usage, USAGES)
    raise ValueError(f"unknown usage {usage!r}"
                     f"{f' (did you mean {guess}?)' if guess else ''}: use value, condition, "
                     "wait, action:<type>, path or datasetLookupKey")


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
        failed = False
        for item in node.items:
            t = self.expr(item)  # every element is checked, even after a mismatch
            if failed:
                continue
            merged = T.unify(result, t)
            if T.is_list(t) or merged is None:
                why = "lists of lists are not a jexpr type" if T.is_list(t) else \
                    f"got {T.display(t)} after {T.display(result)}"
                self.report(error("E-TYPE-LIST", f"list elements must share one type: {why}",
                                  item.span, "make every element the same type"))
                failed = True
                continue
            result = merged
        return "listAny" if failed else T.list_of(result)

    # -- operators

    def _Paren(self, node: ast.Paren) -> str:
        return self.expr(node.expr)

    def _Negate(self, node: ast.Negate) -> str:
        t = self.expr(node.operand)
        if t in ("integer", "decimal", "duration", "null", "any"):
            return t
        self.operand_error(node.operand, f"unary '-': got {T.display(t)}, want integer, decimal "
                           "or duration")
        return "any"

    def _Not(self, node: ast.Not) -> str:
        t = self.expr(node.operand)
        if t not in ("boolean", "null", "any"):
            self.operand_error(node.operand, f"operator 'not': got {T.display(t)}, want boolean",
                               _boolean_hint(t))
        return "boolean"

    def _Logical(self, node: ast.Logical) -> str:
        left, right = self.expr(node.left), self.expr(node.right)
        for side, t in ((node.left, left), (node.right, right)):
            if t not in ("boolean", "null", "any"):
                self.operand_error(side, f"operator '{node.op}': got {T.display(t)}, want "
                                   "boolean", _boolean_hint(t))
        return "boolean"

    def _Compare(self, node: ast.Compare) -> str:
        left, right = self.expr(node.left), self.expr(node.right)
        if node.op in ("==", "!="):
            if not T.equality_compatible(left, right):
                hint, fix = self.compare_hint(node, left, right)
                self.operand_error(node, f"operator '{node.op}': got {T.display(left)} and "
                                   f"{T.display(right)}, want two comparable values",
                                   hint or "compare values of the same type; convert with "
                                   "toString, toInteger, toDecimal …", fix)
        elif not T.orderable(left, right):
            hint, fix = self.compare_hint(node, left, right)
            if hint is None and left == right == "string":
                hint = ("strings are not ordered: compare them with == or !=, or compare "
                        "numbers such as length(…)")
            elif hint is None and left == right == "boolean":
                hint = "booleans are not ordered: compare them with == or !="
            self.operand_error(node, f"operator '{node.op}': got {T.display(left)} and "
                               f"{T.display(right)}, want two numbers, dateTimes, "
                               "dateTimeOnlys, dateOnlys or durations", hint, fix)
        return "boolean"

    def compare_hint(self, node: ast.Compare, left: str, right: str
                     ) -> tuple[str | None, Fix | None]:
        """A conversion that would make the comparison valid, and a quick fix when the
        operand to convert is a string literal."""
        for other, t, u in ((node.right, left, right), (node.left, right, left)):
            if u != "string":
                continue
            literal = _strip_parens(other)
            text = literal.value if isinstance(literal, ast.StrLit) else None
            if t in _DATE_CONVERSION:
                conv = _DATE_CONVERSION[t]
                if text is not None:
                    written = _date_text_for(t, text)
                    if written is not None:
                        new = f"{conv}({_quote(written)})"
                        return f"the other side is a {t}: convert the text with {new}", \
                            Fix(other.span, new)
                return f"the other side is a {t}: convert the string with {conv}(…)", None
            if t in T.NUMBERS:
                if text is not None and _NUMBER_TEXT.fullmatch(text):
                    return f"write the number without quotes: {text}", Fix(other.span, text)
                return "convert the string with toInteger(…) or toDecimal(…)", None
            if t == "boolean" and node.op in ("==", "!="):
                if text is not None and text in ("true", "false"):
                    return f"write the boolean without quotes: {text}", Fix(other.span, text)
                return "convert the string with toBool(…)", None
        dates = {left, right}
        if dates == {"dateTime", "dateTimeOnly"}:
            return ("a dateTime has an offset and a dateTimeOnly has none: convert one side, "
                    "with toDateTimeOnly(…) or toDateTime(zone, …)"), None
        if dates == {"dateOnly", "dateTimeOnly"} or dates == {"dateOnly", "dateTime"}:
            return "convert the date-time side with toDateOnly(…)", None
        return None, None

    def _Arith(self, node: ast.Arith) -> str:
        left, right = self.expr(node.left), self.expr(node.right)
        if node.op == "+":
            for side in (node.left, node.right):
                if isinstance(side, ast.Call) and lookup(side.name) is not None:
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
                               f"{T.display(right)}, want {want}", _arith_hint(node.op, left, right))
            return "any"
        if node.op == "*" and {left, right} == T.NUMBERS:
            self.report(warning("W-AJO-MIXED-MULTIPLY", "AJO rejects '*' between an integer "
                                "and a decimal", node.span, self.mixed_multiply_hint(node, left)))
        return result

    def mixed_multiply_hint(self, node: ast.Arith, left: str) -> str:
        integer = node.left if left == "integer" else node.right
        text = self.text_of(integer)
        literal = _strip_parens(integer)
        if isinstance(literal, ast.IntLit):
            written = self.text_of(literal)
            return f"write the integer {written} as a decimal: {written}.0"
        shown = text if len(text) <= 40 else "…"
        return f"convert the integer operand to a decimal: toDecimal({shown})"

    def text_of(self, node: ast.Node) -> str:
        return self.out.source.text[node.span.start:node.span.end]

    def operand_error(self, node: ast.Node, message: str, hint: str | None = None,
                      fix: Fix | None = None) -> None:
        self.report(error("E-TYPE-OPERAND", message, node.span, hint, fix))

    def _IsNull(self, node: ast.IsNull) -> str:
        self.expr(node.operand)
        return "boolean"

    def _HasNull(self, node: ast.HasNull) -> str:
        t = self.expr(node.operand)
        if not (T.is_list(t) or t in ("null", "any")):
            self.operand_error(node.operand, f"operator 'has null': got {T.display(t)}, want a "
                               "list", "use 'is null' to test a single value")
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
            hint = f"the then branch is {T.display(a)}: convert one branch so both have the " \
                "same type"
            if a == "string" and b in T.SCALARS:
                hint += ", e.g. toString(…) around the else branch"
            elif b == "string" and a in T.SCALARS:
                hint += ", e.g. toString(…) around the then branch"
            self.report(error("E-TYPE-BRANCH", f"if branches: got {T.display(a)} (then) and "
                              f"{T.display(b)} (else), want the same type", node.orelse.span,
                              hint))
            return "any"
        return result

    def _Ident(self, node: ast.Ident) -> str:
        hint: str | None = ("field references are written @event{Event.field} or "
                            "#{DataSource.FieldGroup.field}; strings need quotes")
        fix = None
        fn = lookup(node.name)
        if fn is not None:
            example = _CALL_EXAMPLES.get(fn.name)
            if example is None and any(not s.params for s in fn.signatures):
                example = f"{node.name}()"
                fix = Fix(node.span, example)
            hint = f"{node.name} is a function: {example or node.name + '(…)'}"
        elif node.name in JOURNEY_PROPERTIES:
            hint = f"{node.name} is a journey property: @journey{{{node.name}}}"
        self.report(error("E-NAME-IDENT", f"unknown name '{node.name}'", node.span, hint, fix))
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
        for step in steps:
            if isinstance(step, ast.FieldStep | ast.EntryStep):
                if isinstance(step, ast.EntryStep):
                    self.expr(step.key)
                name = _step_name(step)
                if self.step_on_scalar(step, t, many, "field"):
                    complete = False  # one error for this step, not E-FIELD-UNKNOWN as well
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

    # -- usage (spec §14)

    def usage_rule(self, t: str) -> None:
        usage, node = self.out.usage, self.out.node
        want = usage_types(usage)
        if want is None or t in ("any", "null") or t in want:
            return
        text = self.text_of(node)
        if usage == "wait" and t == "dateTime":
            self.report(warning("W-AJO-WAIT-DATETIME", "AJO wants a dateTimeOnly wait time",
                                node.span, "wrap the expression in toDateTimeOnly(…)",
                                Fix(node.span, f"toDateTimeOnly({text})")))
            return
        if usage.startswith("action:") and T.assignable(usage[7:], t):
            return
        operand = text if isinstance(_strip_parens(node), _ATOMS) else f"({text})"
        self.report(error("E-TYPE-RESULT", f"{usage} expression: got {T.display(t)}, want "
                          f"{' or '.join(want)}", node.span, _result_hint(usage, t, operand)))


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


def _strip_parens(node: ast.Expr) -> ast.Expr:
    while isinstance(node, ast.Paren):
        node = node.expr
    return node


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _date_text_for(t: str, text: str) -> str | None:
    """``text`` completed into the text form ``t``'s conversion accepts, or None."""
    text = text.strip()
    if t == "dateOnly":
        if temporal.parse_date(text) is not None:
            return text
        return text[:10] if temporal.parse_date(text[:10]) is not None else None
    if t == "dateTimeOnly":
        if temporal.parse_local_datetime(text) is not None:
            return text
        return f"{text}T00:00:00" if temporal.parse_date(text) is not None else None
    if temporal.parse_offset_datetime(text) is not None:
        return text
    if temporal.parse_local_datetime(text) is not None:
        return f"{text}Z"
    return f"{text}T00:00:00Z" if temporal.parse_date(text) is not None else None


def _boolean_hint(t: str) -> str | None:
    if t in T.NUMBERS:
        return "compare the number to make a boolean, e.g. x > 0"
    if t == "string":
        return 'compare the string, e.g. x == "yes", or convert it with toBool(…)'
    return None


def _arith_hint(op: str, left: str, right: str) -> str | None:
    dates = ("dateTime", "dateTimeOnly", "dateOnly")
    if op == "-" and (left in dates or right in dates):
        return "to move a date back, add a negated duration: date + -(duration); to get the " \
            "time between two dates, use dateDiff"
    if op == "+" and left in dates and right in dates:
        return "two dates cannot be added: add a duration to a date, e.g. " \
            "(now()) + (toDuration(\"PT1H\"))"
    if op == "+" and left == "duration" and right in dates[:2]:
        return "write the date first: date + duration"
    if op == "+" and "dateOnly" in (left, right) and "duration" in (left, right):
        return "durations are added to a dateTime or dateTimeOnly, not to a dateOnly"
    if op == "+" and (T.is_list(left) or T.is_list(right)):
        return "lists cannot be added or concatenated with '+'"
    return None


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


def _result_hint(usage: str, t: str, text: str) -> str | None:
    """How to make an expression of type ``t`` fit a usage context."""
    shown = text if len(text) <= 30 and "\n" not in text else "…"
    if usage == "condition":
        if t == "string":
            return f'a condition must be boolean: compare the value, e.g. {shown} == "…"'
        if t in T.NUMBERS:
            return f"a condition must be boolean: compare the value, e.g. {shown} > 0"
        if T.is_list(t):
            return "a condition must be boolean: test the list, e.g. listSize(…) > 0 or in(…)"
        return f"a condition must be boolean: compare the value, e.g. {shown} == …"
    if usage == "wait":
        if t in ("string", "dateOnly"):
            return "a wait time is a dateTimeOnly: convert with toDateTimeOnly(…)"
        return ("a wait time is a dateTimeOnly (a date and a time), e.g. "
                "toDateTimeOnly(nowWithDelta(1, \"days\"))")
    target = "string" if usage in ("path", "datasetLookupKey") else usage[7:]
    what = {"path": "a custom-action path is a string",
            "datasetLookupKey": "a dataset lookup key is a string or a list of strings"}.get(
        usage, f"the parameter is declared {target}")
    conv = _TYPE_CONVERSION.get(target)
    if conv is not None and converts(conv, t):
        return f"{what}: convert with {conv}(…)"
    return what


def group_span(source: Source, node: ast.Reference) -> Span:
    """The span of a data-source reference's field-group segment (quotes included); the root's
    span when it cannot be found. Shared by the checker and the language server."""
    m = _GROUP_SEGMENT.match(source.text, node.root_span.end)
    if m is None:
        return node.root_span
    return source.span(m.start(1), m.end(1))
