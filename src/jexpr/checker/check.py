"""Type checking: infer every node's static type and report static errors and warnings.

The checker walks the AST once, bottom-up, with a stack of loop scopes (one per enclosing
collection step). It never mutates nodes: results go into the side tables of :class:`Checked`
(types by node, resolved calls, reference plans, loop bindings), which the compiler, the
reference interpreter and the language server all read. Function calls are resolved by
:mod:`jexpr.functions.registry`; field types come from :mod:`jexpr.checker.schema` declarations (spec §4.9).

This module types literals, operators and calls and applies the usage rule; references and
paths are typed by :mod:`jexpr.checker.refs`, error hints come from :mod:`jexpr.checker.hints` and
the result types live in :mod:`jexpr.checker.result` (public names re-exported here).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from jexpr import types as T
from jexpr.checker.function_checks import CallContext, check_call
from jexpr.checker.hints import (
    _DATE_CONVERSION,
    _arith_hint,
    _boolean_hint,
    _date_text_for,
    _quote,
    _result_hint,
    _strip_parens,
)
from jexpr.checker.refs import JOURNEY_PROPERTIES as JOURNEY_PROPERTIES  # re-exported
from jexpr.checker.refs import RefChecker
from jexpr.checker.refs import group_span as group_span  # re-exported
from jexpr.checker.result import Checked as Checked  # re-exported
from jexpr.checker.result import LoopScope as LoopScope  # re-exported
from jexpr.checker.result import RefPlan as RefPlan  # re-exported
from jexpr.checker.schema import Declarations
from jexpr.diagnostics import Fix, did_you_mean, error, warning
from jexpr.functions.registry import lookup, resolve_call
from jexpr.source import Source
from jexpr.syntax import ast
from jexpr.syntax.limits import ensure_headroom, too_deep

USAGES = ("value", "condition", "wait", "path", "datasetLookupKey")
_ATOMS = (ast.Reference, ast.LoopRef, ast.Call, ast.IntLit, ast.DecLit, ast.StrLit, ast.BoolLit,
          ast.NullLit, ast.ListLit, ast.Paren, ast.Ident)
_CALL_EXAMPLES = {"date": 'date("2024-01-01")'}
_NUMBER_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def check_usage(usage: str) -> None:
    """Raise ValueError for an unknown usage context name (spec §14).

    The usage is an argument of the API (chosen by the host program, like ``fieldTypes``), not
    part of the user's expression text, so a wrong one is a programming error of the caller:
    ``jexpr.checker.check`` and ``jexpr.compile`` raise this ValueError rather than returning a
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
    deep = too_deep(node)
    if deep is not None:  # refused before any recursive walk (jexpr.syntax.limits)
        checked.diagnostics.append(deep)
        checked.types[node] = "any"
        return checked
    ensure_headroom()
    checker = _Checker(checked, decls)
    result = checker.expr(node)
    checker.usage_rule(result)
    return checked


class _Checker(RefChecker):
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


def schema_of(field_types: Mapping[str, str] | None,
              schema: Mapping[str, str] | None) -> Declarations:
    return Declarations.build(field_types, schema)
