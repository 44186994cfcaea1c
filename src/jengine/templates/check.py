"""Type-checking a template against the schema of what it may read.

Walks the template in text order with a scope: the schema's roots (``profile``, ``context``,
``params`` …), the ``let`` variables defined so far (message-global, as in AJO), the block
aliases (``as |x|``), ``this`` and ``@index``/``@first``/``@last`` inside ``#each``. Every
problem is a coded diagnostic at the offending node, with a did-you-mean where a name is close:

* ``T-FIELD-UNKNOWN`` — a name or field the schema does not declare;
* ``T-FUNCTION-UNKNOWN`` — a helper that does not exist (``T-ARGS`` for a wrong argument count);
* ``T-TYPE`` — mismatched types (PQL is strongly typed: both sides of ``=`` must have one type;
  ``#each`` needs a list: "Type mismatch for variable … Expected array");
* ``T-CONTEXT`` — a construct in the wrong place: a function call in ``{{…}}``, ``this`` in a
  PQL tag, ``@index`` outside ``#each``.

The result keeps each expression's type (:attr:`CheckedTemplate.types`); the renderer reads it
to turn declared date-time fields (JSON text) into date-times.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jengine.templates import ast as T
from jengine.templates.functions.catalogue import FUNCTIONS, NOT_AVAILABLE
from jengine.templates.functions.signature import accepts, kind_name
from jengine.templates.types import ANY, BOOLEAN, DECIMAL, INTEGER, NULL, STRING, Schema, Type
from jengine.templates.types import list_of as list_type
from jexpr.diagnostics import Diagnostic, did_you_mean, error, warning
from jexpr.source import Source

__all__ = ["CheckedTemplate", "check_template"]

_LOOP_NAMES = {"@index": INTEGER, "@first": BOOLEAN, "@last": BOOLEAN, "@key": STRING}
_COMPARE = frozenset(("=", "!=", "<", "<=", ">", ">="))
_COERCE_HINT = ("both sides must have the same type: convert with stringToNumber(), "
                "toString(), toInt(), toBool() or stringToDate()")


@dataclass
class CheckedTemplate:
    """A checked template: its types side table and every diagnostic (parse and check)."""

    template: T.Template
    types: dict[T.Expr, Type] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    source: Source | None = None

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


@dataclass
class _Frame:
    names: dict[str, Type]
    this: Type | None = None
    loop: bool = False


def check_template(template: T.Template, schema: Schema) -> CheckedTemplate:
    result = CheckedTemplate(template)
    _Checker(schema, result).body(template.body)
    return result


class _Checker:
    def __init__(self, schema: Schema, result: CheckedTemplate) -> None:
        self.schema = schema
        self.result = result
        self.lets: dict[str, Type] = {}
        self.frames: list[_Frame] = []
        self.form = "hb"

    def report(self, diag: Diagnostic) -> None:
        self.result.diagnostics.append(diag)

    # -- template nodes

    def body(self, nodes: T.Body) -> None:
        for node in nodes:
            self.node(node)

    def node(self, node: T.Text | T.Output | T.If | T.Each | T.With | T.Let) -> None:
        if isinstance(node, T.Output):
            self.output(node)
        elif isinstance(node, T.If):
            self.if_(node)
        elif isinstance(node, T.Each):
            self.each(node)
        elif isinstance(node, T.With):
            self.form = "hb"
            t = self.expr(node.value)
            self.frames.append(_Frame({node.alias: t} if node.alias else {}, this=t))
            self.body(node.body)
            self.frames.pop()
            self.body(node.otherwise)
        elif isinstance(node, T.Let):
            self.form = "pql"
            t = self.expr(node.value)
            previous = self.lets.get(node.name)
            self.lets[node.name] = t if previous is None or not previous.known else previous

    def output(self, node: T.Output) -> None:
        self.form = "pql" if node.form == "pql" else "hb"
        if node.form != "pql" and not isinstance(node.expr, T.Name | T.AtName | T.Member
                                                 | T.Literal):
            what = "a function call" if isinstance(node.expr, T.Call) else "an expression"
            self.report(error("T-CONTEXT", f"'{{{{…}}}}' prints a path, not {what}",
                              node.expr.span, "evaluate expressions and helper functions in "
                              "'{%= … %}' (AJO: {{…}} does not evaluate PQL)"))
        self.expr(node.expr)

    def if_(self, node: T.If) -> None:
        for condition, body in node.branches:
            self.form = node.form
            t = self.expr(condition)
            if node.form == "pql" and t.known and t.kind != "boolean":
                self.report(warning("T-TYPE", f"the condition is {_a(t)}, not a boolean",
                                    condition.span, "compare it (x != \"\") or use "
                                    "isNotEmpty(x); the value's truthiness is used"))
            self.body(body)
        self.body(node.otherwise)

    def each(self, node: T.Each) -> None:
        self.form = "hb"
        if isinstance(node.items, T.Call):
            self.report(error("T-CONTEXT", f"'#each' cannot call '{node.items.name}' itself",
                              node.items.span, "assign the result first: {% let items = "
                              "… %}{{#each items as |item|}}"))
        t = self.expr(node.items)
        if t.known and not t.is_list:
            name = _text(node.items)
            self.report(error("T-TYPE", f'Type mismatch for variable "{name}". Expected array. '
                              f"Found {t}.", node.items.span, "#each iterates over a list"))
        item = t.item if t.is_list and t.item is not None else ANY
        names = {n: v for n, v in ((node.alias, item), (node.index_alias, INTEGER)) if n}
        self.frames.append(_Frame(names, this=item, loop=True))
        self.body(node.body)
        self.frames.pop()
        self.body(node.otherwise)

    # -- expressions

    def expr(self, e: T.Expr) -> Type:
        t = self._expr(e)
        self.result.types[e] = t
        return t

    def _expr(self, e: T.Expr) -> Type:
        if isinstance(e, T.Literal):
            return Type(e.kind) if e.kind != "null" else NULL
        if isinstance(e, T.Name):
            return self.name(e)
        if isinstance(e, T.AtName):
            return self.at_name(e)
        if isinstance(e, T.Member):
            return self.member(e)
        if isinstance(e, T.Call):
            return self.call(e)
        if isinstance(e, T.Array):
            items = [self.expr(i) for i in e.items]
            known = [t for t in items if t.known]
            return list_type(known[0] if known and all(t == known[0] for t in known) else ANY)
        if isinstance(e, T.Binary):
            return self.binary(e)
        if isinstance(e, T.Not):
            self.boolean(self.expr(e.operand), e.operand, "'not'")
            return BOOLEAN
        if isinstance(e, T.Neg):
            t = self.expr(e.operand)
            if t.known and not t.is_number:
                self.report(error("T-TYPE", f"'-' needs a number, found {t}", e.span))
            return t if t.known else DECIMAL
        left, right = self.expr(e.left), self.expr(e.right)
        return left if left.known else right

    def name(self, e: T.Name) -> Type:
        if e.text == "this":
            return self.this(e)
        for frame in reversed(self.frames):
            if e.text in frame.names:
                return frame.names[e.text]
        if e.text in self.lets:
            return self.lets[e.text]
        root = self.schema.root(e.text)
        if root is not None:
            return root
        visible = [*(n for f in self.frames for n in f.names), *self.lets, *self.schema.roots()]
        guess = did_you_mean(e.text, visible)
        hint = f"did you mean '{guess}'?" if guess else (
            "a template reads " + ", ".join(sorted(set(self.schema.roots())))
            + ", the variables of {% let %} and the aliases of #each/#with")
        self.report(error("T-FIELD-UNKNOWN", f"unknown name '{e.text}'", e.span, hint))
        return ANY

    def this(self, e: T.Name) -> Type:
        frame = next((f for f in reversed(self.frames) if f.this is not None), None)
        if frame is None or frame.this is None:
            self.report(error("T-CONTEXT", "'this' is only defined inside #each or #with",
                              e.span, "name the element with 'as |x|' and write x.field"))
            return ANY
        if self.form == "pql":
            self.report(error("T-CONTEXT", "'this' does not resolve in a PQL tag", e.span,
                              "name the element: {{#each xs as |x|}} … {%#if x.field … %}"))
        return frame.this

    def at_name(self, e: T.AtName) -> Type:
        if e.text not in _LOOP_NAMES:
            self.report(error("T-FIELD-UNKNOWN", f"unknown loop variable '{e.text}'", e.span,
                              "the loop variables are @index, @first and @last"))
            return ANY
        if not any(f.loop for f in self.frames):
            self.report(error("T-CONTEXT", f"'{e.text}' is only defined inside #each", e.span,
                              "move it into an {{#each}} block"))
        return _LOOP_NAMES[e.text]

    def member(self, e: T.Member) -> Type:
        owner = self.expr(e.target)
        found = self.schema.field(owner, e.name)
        if found is not None:
            return found
        fields = list(self.schema.fields(owner))
        guess = did_you_mean(e.name, fields)
        where = _text(e.target)
        if owner.kind not in ("object", "list"):
            message = f"'{where}' is {_a(owner)} and has no field '{e.name}'"
        else:
            message = f"'{e.name}' is not a field of '{where}'"
        hint = f"did you mean '{guess}'?" if guess else (
            f"its fields are {', '.join(fields[:12])}" if fields else None)
        self.report(error("T-FIELD-UNKNOWN", message, e.name_span, hint))
        return ANY

    def call(self, e: T.Call) -> Type:
        f = FUNCTIONS.get(e.name)
        if f is None:
            for arg in e.args:
                self.expr(arg)
            hint = NOT_AVAILABLE.get(e.name)
            if hint is None:
                guess = did_you_mean(e.name, FUNCTIONS)
                hint = f"did you mean '{guess}'?" if guess else "see the helper functions in "\
                    "docs/templates.md"
            self.report(error("T-FUNCTION-UNKNOWN", f"unknown function '{e.name}'",
                              e.name_span, hint))
            return ANY
        n = len(e.args)
        if n < f.min_args or (f.max_args is not None and n > f.max_args):
            self.report(error("T-ARGS", f"'{e.name}' takes {_count(f.min_args, f.max_args)} "
                              f"argument(s), not {n}", e.span, f"write {f.describe()}"))
        types: list[Type] = []
        for i, arg in enumerate(e.args):
            if i == f.field_arg:
                types.append(self.field_arg(e, arg, types[0] if types else ANY))
                continue
            t = self.expr(arg)
            types.append(t)
            kind = f.kind_at(i)
            if not accepts(kind, t):
                self.report(error("T-TYPE", f"argument {i + 1} of '{e.name}' must be "
                                  f"{kind_name(kind)}, found {t}", arg.span,
                                  f"write {f.describe()}"))
        return f.result(types)

    def field_arg(self, call: T.Call, arg: T.Expr, items: Type) -> Type:
        """``topN(xs, field, n)``: ``field`` names a field of the elements."""
        if not isinstance(arg, T.Name):
            self.report(error("T-CONTEXT", f"argument 2 of '{call.name}' is a field name of "
                              "the list's elements", arg.span, f"write {call.name}(orders, "
                              "price, 5)"))
            return ANY
        found = self.schema.field(items.item or ANY, arg.text) if items.is_list else ANY
        if found is None:
            guess = did_you_mean(arg.text, list(self.schema.fields(items)))
            fields = ", ".join(self.schema.fields(items))
            self.report(error("T-FIELD-UNKNOWN", f"the elements have no field '{arg.text}'",
                              arg.span, f"did you mean '{guess}'?" if guess else
                              f"their fields are {fields}" if fields else None))
            found = ANY
        self.result.types[arg] = found
        return found

    def binary(self, e: T.Binary) -> Type:
        left, right = self.expr(e.left), self.expr(e.right)
        if e.op in ("and", "or"):
            self.boolean(left, e.left, f"'{e.op}'")
            self.boolean(right, e.right, f"'{e.op}'")
            return BOOLEAN
        if e.op in _COMPARE:
            self.comparable(e, left, right)
            return BOOLEAN
        if left.known and right.known:
            if e.op == "+" and left.kind == right.kind == "string":
                return STRING
            if not (left.is_number and right.is_number):
                self.report(error("T-TYPE", f"'{e.op}' needs numbers, found {left} and {right}",
                                  e.span, "use concat() to join strings" if e.op == "+" else
                                  _COERCE_HINT))
                return ANY
            return INTEGER if left.kind == right.kind == "integer" and e.op != "/" else DECIMAL
        return left if left.known else right if right.known else ANY

    def comparable(self, e: T.Binary, left: Type, right: Type) -> None:
        if not (left.known and right.known):
            return
        same = left.kind == right.kind or (left.is_number and right.is_number) or (
            left.kind in ("dateTime", "dateTimeOnly", "dateOnly")
            and right.kind in ("dateTime", "dateTimeOnly", "dateOnly"))
        if not same:
            self.report(error("T-TYPE", f"'{e.op}' compares {_a(left)} with {_a(right)}",
                              e.span, _COERCE_HINT))
        elif e.op not in ("=", "!=") and left.kind in ("boolean", "object", "list"):
            self.report(error("T-TYPE", f"'{e.op}' cannot order {left} values", e.span,
                              "compare numbers, strings or date-times"))

    def boolean(self, t: Type, node: T.Expr, where: str) -> None:
        if t.known and t.kind != "boolean":
            self.report(error("T-TYPE", f"{where} needs a boolean, found {t}", node.span,
                              "compare the value (x = \"…\", x > 0) or test it (isNotEmpty(x))"))


def _a(t: Type) -> str:
    text = str(t)
    return ("an " if text[0] in "aeiou" else "a ") + text


def _count(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low}"
    return str(low) if low == high else f"{low} to {high}"


def _text(e: T.Expr) -> str:
    path = T.path_of(e)
    return ".".join(path) if path else "the value"
