"""Code generation: a checked expression → one Python function, compiled once.

The function is built as an ``ast.Module`` (never as source text): user strings and names only
ever appear as ``ast.Constant`` values or as objects bound in the function's namespace, so no
input can inject code. Generated code calls nothing but the names bound here, all taken from
:mod:`jexpr.runtime`, :mod:`jexpr.values` and the function registry.

Every Python node generated for jexpr node *n* gets line number *n + 1*; when a runtime helper
raises, :mod:`jexpr.program` reads the failing line from the traceback and so finds the
sub-expression to blame, at no cost on the success path (the idea of Jinja's debug info).

The hot paths are inlined: field steps on dicts, comparisons of statically known scalar types,
``and``/``or``/``not``/``if`` with short-circuiting, conditions without boxing. Constant
sub-expressions are folded at compile time by the reference interpreter. Context entries are read
once per evaluation, and only those the expression uses.
"""

from __future__ import annotations

import ast as py
from collections.abc import Callable
from typing import Any

from jexpr import ast, values
from jexpr import runtime as rt
from jexpr import types as T
from jexpr.check import Checked
from jexpr.functions import CallPlan, Signature, lookup
from jexpr.interpret import fold

FILENAME = "<jexpr>"
INTERNAL_ERRORS = (TypeError, ValueError, OverflowError, RecursionError, AttributeError,
                   KeyError, IndexError, ZeroDivisionError)
_SIMPLE_EQ = frozenset(("string", "integer", "decimal", "boolean", "dateTime", "dateTimeOnly",
                        "dateOnly", "duration"))
_FAST_TYPE = {"string": "str", "integer": "int", "decimal": "float", "boolean": "bool",
              "object": "dict"}
_ARITH = {"+": values.add_num, "-": values.sub, "*": values.mul, "/": values.div,
          "%": values.mod}
_CMP = {"<": py.Lt, "<=": py.LtE, ">": py.Gt, ">=": py.GtE}
_NEVER_NULL_BOOL = (ast.Compare, ast.Logical, ast.Not, ast.IsNull, ast.IsType, ast.HasNull)
NEVER_NULL = frozenset((
    "contain", "containIgnoreCase", "startWith", "startWithIgnoreCase", "endWith",
    "endWithIgnoreCase", "equalIgnoreCase", "notEqualIgnoreCase", "matchRegExp", "isEmpty",
    "isNotEmpty", "in", "inAudience", "inLastDays", "inLastHours", "inLastMonths",
    "inLastYears", "inNextDays", "inNextHours", "inNextMonths", "inNextYears"))
_PY_TYPE = {"string": "str", "integer": "int", "decimal": "float", "boolean": "bool",
            "listAny": "list", "object": "dict"}
_EXACT = 2**53  # integers up to this convert to doubles exactly
_ROOTS = {"event": "events", "legacy": "events", "action": "actions", "lookup": "datasetLookups",
          "journey": "journey"}


def _name(n: str) -> py.Name:
    return py.Name(id=n, ctx=py.Load())


def _const(v: Any) -> py.Constant:
    return py.Constant(value=v)


def _call(fn: py.expr, *args: py.expr) -> py.Call:
    return py.Call(func=fn, args=list(args), keywords=[])


def _is(a: py.expr, b: py.expr, negate: bool = False) -> py.Compare:
    return py.Compare(left=a, ops=[py.IsNot() if negate else py.Is()], comparators=[b])


_LOCATED = (py.expr, py.stmt, py.arg, py.keyword, py.excepthandler)


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_NO_LOCATION = (py.expr_context, py.boolop, py.operator, py.unaryop, py.cmpop)


def assign_lines(root: py.AST, line: int, marks: dict[int, int]) -> None:
    """Give every node the line of its nearest marked ancestor (or itself), in one pass.

    A node is marked with the line of the jexpr node whose generation created it; the
    innermost mark wins, so each generated instruction names the sub-expression it serves."""
    stack = [(root, line)]
    while stack:
        node, line = stack.pop()
        line = marks.get(id(node), line)
        if isinstance(node, _LOCATED):
            node.lineno = node.end_lineno = line
            node.col_offset, node.end_col_offset = 0, 1
        kind = type(node)
        names = _CHILD_FIELDS.get(kind)
        if names is None:
            names = _CHILD_FIELDS[kind] = tuple(
                f for f in kind._fields if f not in ("ctx", "op", "ops", "id", "arg", "attr",
                                                     "value" if kind is py.Constant else "",
                                                     "kind", "type_comment"))
        for name in names:
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack.extend((item, line) for item in value
                             if isinstance(item, py.AST) and not isinstance(item, _NO_LOCATION))
            elif isinstance(value, py.AST) and not isinstance(value, _NO_LOCATION):
                stack.append((value, line))


class CodeGen:
    """Generates the evaluation function of one checked expression."""

    def __init__(self, checked: Checked) -> None:
        self.checked = checked
        self.namespace: dict[str, Any] = {"__builtins__": {
            "type": type, "int": int, "float": float, "str": str, "bool": bool, "dict": dict,
            "list": list, "tuple": tuple, "next": next, "len": len, "sum": sum,
            "reversed": reversed}}
        self.lines: list[ast.Node] = []
        self.line_of: dict[ast.Node, int] = {}
        self.bound: dict[int, str] = {}
        self.needs: set[str] = set()
        self.prologue: list[py.stmt] = []
        self.def_target: list[py.stmt] = self.prologue  # where loop functions are defined
        self.module_defs: list[py.stmt] = []  # loop functions that need no outer local
        self.paths: dict[tuple[str, ...], py.Name] = {}
        self.loop_params: dict[ast.FilterStep, str] = {}
        self.dict_flags: dict[str, str] = {}  # loop element → local holding "is a dict"
        self.counter = 0
        self.marks: dict[int, int] = {}  # id(python node) → line of its jexpr node
        self.constants: dict[ast.Node, bool] = {}  # memo for constant folding

    # -- names

    def fresh(self, prefix: str = "_t") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def bind(self, value: Any, prefix: str = "_c") -> py.Name:
        """Bind an object (function, constant) in the namespace; returns its name."""
        key = id(value)
        if key not in self.bound:
            name = self.fresh(prefix)
            self.bound[key] = name
            self.namespace[name] = value
        return _name(self.bound[key])

    def need(self, what: str) -> py.Name:
        """A context value read once, in the prologue, at the start of the evaluation."""
        target = "_ctx_" + what
        if what in self.needs:
            return _name(target)
        self.needs.add(what)
        ctx = _name("ctx")
        get = _call(py.Attribute(value=ctx, attr="get", ctx=py.Load()), _const(what))
        makers: dict[str, Callable[[], py.expr]] = {
            "now": lambda: _call(self.bind(rt.context_now), ctx),
            "rng": lambda: _call(self.bind(rt.context_rng), ctx),
            "timeout": lambda: _call(self.bind(rt.context_timeout), ctx),
            "dscache": lambda: py.Dict(keys=[], values=[]),
        }
        if what in makers:
            self.assign(target, makers[what]())
        elif what in ("audiences", "timezone", "dataSources"):
            self.assign(target, get)
        else:  # a mapping of payloads: checked once, dicts pass through untouched
            self.assign(target, get)
            fix = py.Assign(targets=[py.Name(id=target, ctx=py.Store())],
                            value=_call(self.bind(rt.mapping), _name(target)))
            test = _is(_call(_name("type"), _name(target)), _name("dict"), negate=True)
            stmt = py.If(test=test, body=[fix], orelse=[])
            self.mark(stmt, self.line(self.checked.node))
            self.prologue.append(stmt)
        return _name(target)

    def assign(self, target: str, value: py.expr, line: int | None = None) -> None:
        stmt = py.Assign(targets=[py.Name(id=target, ctx=py.Store())], value=value)
        self.mark(stmt, line or self.line(self.checked.node))
        self.prologue.append(stmt)

    def mark(self, node: py.AST, line: int) -> None:
        """Record the line of the jexpr node that created ``node`` (innermost wins)."""
        self.marks.setdefault(id(node), line)

    def line(self, node: ast.Node) -> int:
        if node not in self.line_of:
            self.lines.append(node)
            self.line_of[node] = len(self.lines)
        return self.line_of[node]

    # -- entry point

    def function(self) -> py.Module:
        body_expr = self.usage(self.gen(self.checked.node, top=True))
        self.mark(body_expr, self.line(self.checked.node))
        line = self.line(self.checked.node)
        default_ctx = py.If(test=_is(_name("ctx"), _const(None)), body=[py.Assign(
            targets=[py.Name(id="ctx", ctx=py.Store())], value=self.bind(rt.EMPTY))], orelse=[])
        ret = py.Return(value=body_expr)
        guarded = py.Try(body=[default_ctx, *self.prologue, ret], handlers=[
            self.handler(rt.EvalFault, "_on_fault"),
            self.handler(INTERNAL_ERRORS, "_on_internal")], orelse=[], finalbody=[])
        self.mark(guarded, line)
        args = py.arguments(posonlyargs=[], args=[py.arg(arg="ctx")], kwonlyargs=[],
                            kw_defaults=[], defaults=[_const(None)])
        fn = py.FunctionDef(name="_jexpr", args=args, body=[guarded], decorator_list=[],
                            returns=None)
        self.mark(fn, self.line(self.checked.node))
        module = py.Module(body=[*self.module_defs, fn], type_ignores=[])
        assign_lines(module, self.line(self.checked.node), self.marks)
        return module

    def handler(self, exc: Any, hook: str) -> py.ExceptHandler:
        """``except exc as _e: raise <hook>(_e) from _e`` — hooks are bound by the program."""
        raise_ = py.Raise(exc=_call(_name(hook), _name("_e")), cause=_name("_e"))
        return py.ExceptHandler(type=self.bind(exc), name="_e", body=[raise_])

    def usage(self, value: py.expr) -> py.expr:
        usage, node = self.checked.usage, self.checked.node
        if isinstance(node, ast.Reference | ast.LoopRef) and self.checked.type == "any":
            value = self.host_int(value)  # a raw payload integer returned to the host
        if usage == "condition":
            if self.checked.type == "boolean" and isinstance(node, _NEVER_NULL_BOOL):
                return value
            return _call(self.bind(rt.as_condition), value)
        if usage == "wait":
            return _call(self.bind(rt.as_wait), value, self.need("timezone"))
        if usage == "datasetLookupKey":
            return _call(self.bind(rt.as_lookup_key), value)
        if usage == "path":
            return _call(self.bind(rt.as_typed), value, _const("string"), _const("path"))
        if usage.startswith("action:"):
            return _call(self.bind(rt.as_typed), value, _const(usage[7:]), _const(usage))
        return value

    # -- expressions

    def type_of(self, node: ast.Node) -> str:
        return self.checked.types.get(node, "any")

    def gen(self, node: ast.Expr, top: bool = False) -> py.expr:
        folded = fold(self.checked, node, self.constants)
        if folded is not None:
            out: py.expr = self.constant(folded[0])
        else:
            out = getattr(self, "_" + type(node).__name__)(node)
        self.mark(out, self.line(node))
        return out

    def constant(self, value: Any) -> py.expr:
        if value is None or type(value) in (int, float, str, bool):
            return _const(value)
        return self.bind(value)

    def _IntLit(self, node: ast.IntLit) -> py.expr:
        return _const(node.value)

    def _DecLit(self, node: ast.DecLit) -> py.expr:
        return _const(node.value)

    def _StrLit(self, node: ast.StrLit) -> py.expr:
        return _const(node.value)

    def _BoolLit(self, node: ast.BoolLit) -> py.expr:
        return _const(node.value)

    def _NullLit(self, node: ast.NullLit) -> py.expr:
        return _const(None)

    def _Paren(self, node: ast.Paren) -> py.expr:
        return self.gen(node.expr)

    def _ListLit(self, node: ast.ListLit) -> py.expr:
        element = T.element(self.type_of(node))
        items = [self.widen(self.gen(i), self.type_of(i), element) for i in node.items]
        out: py.expr = py.List(elts=items, ctx=py.Load())
        if element not in ("any", "object") and any(self.type_of(i) == "any" for i in node.items):
            out = _call(self.bind(rt.check_list), out, _const(element))
        return out

    def widen(self, code: py.expr, have: str, want: str, what: str = "value") -> py.expr:
        """Integer to decimal where the static types say so; an ``any`` value standing for a
        known type (an if branch, a default) is checked against it at run time."""
        if have == "any" and want not in ("any", "null", "object", "listAny"):
            return _call(self.bind(rt.expect), code, _const(want), _const(what))
        if want == "decimal" and have == "integer":
            return _call(self.bind(rt.to_float), code)
        if want == "listDecimal" and have == "listInteger":
            return _call(self.bind(rt.list_to_float), code)
        return code

    def _Negate(self, node: ast.Negate) -> py.expr:
        return _call(self.bind(values.neg), self.gen(node.operand))

    def boolean(self, node: ast.Expr) -> py.expr:
        """A Python bool for a jexpr condition operand (null → False)."""
        code = self.gen(node)
        t = self.type_of(node)
        if t == "boolean" and (isinstance(node, _NEVER_NULL_BOOL) or (
                isinstance(node, ast.Call) and node.name in NEVER_NULL)):
            return code
        if t in ("boolean", "null"):
            return _is(code, _const(True))
        return _call(self.bind(rt.truth), code)

    def _Not(self, node: ast.Not) -> py.expr:
        return py.UnaryOp(op=py.Not(), operand=self.boolean(node.operand))

    def _Logical(self, node: ast.Logical) -> py.expr:
        op = py.And() if node.op == "and" else py.Or()
        return py.BoolOp(op=op, values=[self.boolean(node.left), self.boolean(node.right)])

    def _Compare(self, node: ast.Compare) -> py.expr:
        lt, rt_ = self.type_of(node.left), self.type_of(node.right)
        left, right = self.gen(node.left), self.gen(node.right)
        if node.op in ("==", "!="):
            return self.equality(node.op, left, right, lt, rt_)
        if lt == rt_ and lt in T.ORDERABLE:
            return self.ordered(node.op, left, right)
        if {lt, rt_} == T.NUMBERS:  # mixed: Java promotes the integer to a double
            left, right = (self.widen(left, lt, "decimal"), self.widen(right, rt_, "decimal"))
            return self.ordered(node.op, left, right)
        if lt == "any" and rt_ in T.NUMBERS and isinstance(right, py.Constant) and (
                type(right.value) is float or _exact_int(right.value)):
            if isinstance(left, py.IfExp) and getattr(left, "jexpr_arith", False) and \
                    _exact_int(right.value):
                # the arithmetic's fast path proved a number in range: compare directly
                fast = py.Compare(left=left.body, ops=[_CMP[node.op]()], comparators=[right])
                slow = _call(self.bind(rt.compare_any), left.orelse, right, _const(node.op))
                return py.IfExp(test=left.test, body=fast, orelse=slow)
            return self.any_vs_number(node.op, left, right)
        return _call(self.bind(rt.compare_any), left, right, _const(node.op))

    def equality(self, op: str, left: py.expr, right: py.expr, lt: str, rt_: str) -> py.expr:
        string_constant = any(isinstance(x, py.Constant) and type(x.value) is str
                              for x in (left, right))
        if (lt == rt_ and lt in _SIMPLE_EQ) or "null" in (lt, rt_) or string_constant:
            cmp: py.cmpop = py.Eq() if op == "==" else py.NotEq()
            if "null" in (lt, rt_):
                cmp = py.Is() if op == "==" else py.IsNot()
            return py.Compare(left=left, ops=[cmp], comparators=[right])
        result: py.expr = _call(self.bind(values.equals), left, right)
        return py.UnaryOp(op=py.Not(), operand=result) if op == "!=" else result

    def ordered(self, op: str, left: py.expr, right: py.expr) -> py.expr:
        """``a < b`` for two values of one orderable type: false when either is null."""
        checks: list[py.expr] = []
        operands: list[py.expr] = []
        for side in (left, right):
            if isinstance(side, py.Constant) and side.value is not None:
                operands.append(side)
                continue
            tmp = self.fresh()
            checks.append(_is(py.NamedExpr(target=py.Name(id=tmp, ctx=py.Store()), value=side),
                              _const(None), negate=True))
            operands.append(_name(tmp))
        compare = py.Compare(left=operands[0], ops=[_CMP[op]()], comparators=[operands[1]])
        if len(checks) == 2:  # '&': both operands are evaluated, even when the first is null
            checks = [py.BinOp(left=checks[0], op=py.BitAnd(), right=checks[1])]
        return py.BoolOp(op=py.And(), values=[*checks, compare]) if checks else compare

    def any_vs_number(self, op: str, left: py.expr, right: py.Constant) -> py.expr:
        tmp, kind = self.fresh(), self.fresh("_k")
        typ = py.NamedExpr(target=py.Name(id=kind, ctx=py.Store()), value=_call(
            _name("type"), py.NamedExpr(target=py.Name(id=tmp, ctx=py.Store()), value=left)))
        exact = _exact_int(right.value)
        # int vs float compares exactly in Python but by double promotion in Java: the fast
        # path takes only the values for which both agree
        is_number = self.is_number(typ, tmp, kind, None if exact else _EXACT)
        fast = py.Compare(left=_name(tmp), ops=[_CMP[op]()], comparators=[right])
        slow = _call(self.bind(rt.compare_any), _name(tmp), right, _const(op))
        return py.IfExp(test=is_number, body=fast, orelse=slow)

    def is_number(self, typ: py.expr, tmp: str, kind: str, bound: int | None = None
                  ) -> py.expr:
        """``type(v) is float or (type(v) is int and v fits 64 bits)``, type bound once;
        ``bound`` narrows the integer range."""
        low, high = (values.INT_MIN, values.INT_MAX) if bound is None else (-bound, bound)
        in_range = py.Compare(left=_const(low), ops=[py.LtE(), py.LtE()],
                              comparators=[_name(tmp), _const(high)])
        return py.BoolOp(op=py.Or(), values=[
            _is(typ, _name("float")),
            py.BoolOp(op=py.And(), values=[_is(_name(kind), _name("int")), in_range])])

    def fast_arith(self, op: str, left: py.expr, right: py.expr) -> py.expr:
        """``a op b`` inline when both are numbers and the result fits; else the helper
        (nulls, overflow errors, runtime type errors)."""
        a, ka, b, kb, r, kr = (self.fresh(), self.fresh("_k"), self.fresh(), self.fresh("_k"),
                               self.fresh(), self.fresh("_k"))
        def number(value: py.expr, tmp: str, kind: str) -> py.expr:
            typ = py.NamedExpr(target=py.Name(id=kind, ctx=py.Store()), value=_call(
                _name("type"), py.NamedExpr(target=py.Name(id=tmp, ctx=py.Store()),
                                            value=value)))
            return py.BoolOp(op=py.Or(), values=[_is(typ, _name("float")),
                                                 _is(_name(kind), _name("int"))])
        ops = {"+": py.Add(), "-": py.Sub(), "*": py.Mult()}
        result = py.NamedExpr(target=py.Name(id=r, ctx=py.Store()), value=py.BinOp(
            left=_name(a), op=ops[op], right=_name(b)))
        rtype = py.NamedExpr(target=py.Name(id=kr, ctx=py.Store()),
                             value=_call(_name("type"), result))
        finite = py.Compare(left=py.BinOp(left=_name(r), op=py.Sub(), right=_name(r)),
                            ops=[py.Eq()], comparators=[_const(0.0)])
        fits = py.BoolOp(op=py.Or(), values=[
            py.BoolOp(op=py.And(), values=[_is(rtype, _name("float")), finite]),
            py.BoolOp(op=py.And(), values=[_is(_name(kr), _name("int")), py.Compare(
                left=_const(values.INT_MIN), ops=[py.LtE(), py.LtE()],
                comparators=[_name(r), _const(values.INT_MAX)])])])
        both = py.BinOp(left=number(left, a, ka), op=py.BitAnd(), right=number(right, b, kb))
        test = py.BoolOp(op=py.And(), values=[both, fits])  # '&': both operands evaluated
        slow = _call(self.bind(_ARITH[op]), _name(a), _name(b))
        out = py.IfExp(test=test, body=_name(r), orelse=slow)
        out.jexpr_arith = True  # type: ignore[attr-defined]
        return out

    def _Arith(self, node: ast.Arith) -> py.expr:
        lt, rt_ = self.type_of(node.left), self.type_of(node.right)
        left, right = self.gen(node.left), self.gen(node.right)
        if node.op == "+":
            if "string" in (lt, rt_):
                return _call(self.bind(rt.concat_values), left, right)
            if lt in ("dateTime", "dateTimeOnly", "duration") and rt_ != "any":
                return _call(self.bind(rt.add_temporal), left, right)
            if "any" in (lt, rt_):
                return _call(self.bind(rt.plus_any), left, right)
        if node.op in ("+", "-", "*") and {lt, rt_} <= {"integer", "decimal", "any"}:
            return self.fast_arith(node.op, left, right)
        return _call(self.bind(_ARITH[node.op]), left, right)

    def _IsNull(self, node: ast.IsNull) -> py.expr:
        return _is(self.gen(node.operand), _const(None), negate=node.negated)

    def _HasNull(self, node: ast.HasNull) -> py.expr:
        return _call(self.bind(rt.has_null), self.gen(node.operand))

    def _IsType(self, node: ast.IsType) -> py.expr:
        return _call(self.bind(rt.is_type), self.gen(node.operand), _const(node.kind))

    def _If(self, node: ast.If) -> py.expr:
        result = self.type_of(node)
        then = self.widen(self.gen(node.then), self.type_of(node.then), result, "if")
        orelse = self.widen(self.gen(node.orelse), self.type_of(node.orelse), result, "if")
        return py.IfExp(test=self.boolean(node.cond), body=then, orelse=orelse)

    def _Ident(self, node: ast.Ident) -> py.expr:  # pragma: no cover - rejected by the checker
        raise AssertionError("unchecked identifier")

    # -- calls

    def _Call(self, node: ast.Call) -> py.expr:
        plan = self.checked.calls[node]
        if node.name == "count" and not plan.dynamic:
            fused_count = self.fused_count(node, plan)
            if fused_count is not None:
                return fused_count
        args = [self.gen(a) for a in node.args]
        types = [self.type_of(a) for a in node.args]
        if plan.dynamic:
            return self.dispatch(node, plan, args)
        sig, x = plan.candidates[0], plan.bindings[0]
        wants = [_concrete(p, x) for p in sig.params]
        args, evaluated = self.evaluate_first(args, types, wants)
        result = self.call_code(node, plan, sig, args, types, wants)
        if evaluated is None:
            return result
        return py.IfExp(test=evaluated, body=result, orelse=_const(None))

    def evaluate_first(self, args: list[py.expr], types: list[str], wants: list[str]
                       ) -> tuple[list[py.expr], py.expr | None]:
        """Arguments are all evaluated, left to right, before any is type-checked (§6.1):
        when an ``any`` argument is checked and a later one is computed, bind them all to
        locals first (the tuple of bindings is always true)."""
        checked = [i for i, (t, w) in enumerate(zip(types, wants, strict=True))
                   if t == "any" and w != "any"]
        if not checked or all(isinstance(a, py.Constant) for a in args[checked[0] + 1:]):
            return args, None
        bindings: list[py.expr] = []
        names: list[py.expr] = []
        for arg in args:
            if isinstance(arg, py.Constant):
                names.append(arg)
                continue
            tmp = self.fresh()
            bindings.append(py.NamedExpr(target=py.Name(id=tmp, ctx=py.Store()), value=arg))
            names.append(_name(tmp))
        return names, py.Tuple(elts=bindings, ctx=py.Load())

    def call_code(self, node: ast.Call, plan: CallPlan, sig: Signature, args: list[py.expr],
                  types: list[str], wants: list[str]) -> py.expr:
        converted = [self.argument(code, have, want, node.name)
                     for code, have, want in zip(args, types, wants, strict=True)]
        fused = None
        if sig.params and all(p == "string" for p in sig.params):
            fused = self.string_call(node.name, args, types)
        if fused is not None:
            return fused
        inline = self.inline(node.name, converted)
        if inline is not None and not sig.kwargs and not plan.extra:
            return inline
        call = _call(self.bind(sig.impl, "_f"), *[self.need(n) for n in sig.needs], *converted)
        call.keywords = self.keywords(sig.kwargs, plan)
        return call

    def argument(self, code: py.expr, have: str, want: str, fname: str) -> py.expr:
        if have == "any" and want != "any":
            check = _call(self.bind(rt.expect), code, _const(want), _const(fname))
            if want not in _PY_TYPE:
                return check
            tmp = self.fresh()  # the common case inline: already the right Python type
            test = _is(_call(_name("type"), py.NamedExpr(
                target=py.Name(id=tmp, ctx=py.Store()), value=code)), _name(_PY_TYPE[want]))
            check.args[0] = _name(tmp)
            return py.IfExp(test=test, body=_name(tmp), orelse=check)
        return self.widen(code, have, want)

    def fused_count(self, node: ast.Call, plan: CallPlan) -> py.expr | None:
        """``count(@event{E.list.all(c).f})`` in one pass: filter, project and count the
        non-null values together (the common AJO idiom) instead of three passes."""
        ref = node.args[0]
        if not isinstance(ref, ast.Reference) or ref.kind == "data" or ref.default is not None \
                or len(ref.steps) < 2 or self.checked.refs[ref].declared is not None:
            return None
        *head, last_filter, last_field = ref.steps
        if not (isinstance(last_filter, ast.FilterStep) and last_filter.kind == "all"
                and last_filter.cond is not None and isinstance(last_field, ast.FieldStep)
                and all(isinstance(h, ast.FieldStep) for h in head)):
            return None
        base = self.hoisted(ref, tuple(head))
        param, val, kind = self.fresh("_l"), self.fresh(), self.fresh("_k")
        self.loop_params[last_filter] = param
        cond = last_filter.cond

        def on_match() -> list[py.stmt]:
            value = self.field_step(_name(param), last_field.name, False)
            self.mark(value, self.line(last_field))
            plain = py.BoolOp(op=py.And(), values=[
                _is(py.NamedExpr(target=py.Name(id=kind, ctx=py.Store()),
                                 value=_call(_name("type"), _name(val))), _name("list"),
                    negate=True),
                _is(_name(kind), _name("tuple"), negate=True)])
            weight = py.IfExp(test=plain, body=_const(1),
                              orelse=_call(self.bind(_count_values), _name(val)))
            add = py.AugAssign(target=py.Name(id="_n", ctx=py.Store()), op=py.Add(),
                               value=weight)
            return [py.Assign(targets=[py.Name(id=val, ctx=py.Store())], value=value),
                    py.If(test=_is(_name(val), _const(None), negate=True), body=[add],
                          orelse=[])]

        loop = self.loop_function(last_filter, param, cond, on_match, "_n", start=_const(0))
        return self.call_on_list(loop, base, "all", _const(0))

    def string_call(self, name: str, args: list[py.expr], types: list[str]) -> py.expr | None:
        """One-string functions and prefix/suffix/containment tests with one type test:
        a ``str`` takes the direct method; null or a wrong type goes to the library."""
        methods = {"lower": "lower", "upper": "upper", "startWith": "startswith",
                   "endWith": "endswith"}
        if name not in (*methods, "length", "contain") or types[0] not in ("string", "any"):
            return None
        if len(args) == 2 and not (isinstance(args[1], py.Constant)
                                   and type(args[1].value) is str):
            return None
        tmp = self.fresh()
        test = _is(_call(_name("type"), py.NamedExpr(target=py.Name(id=tmp, ctx=py.Store()),
                                                     value=args[0])), _name("str"))
        if name == "length":
            fast: py.expr = _call(_name("len"), _name(tmp))
        elif name == "contain":
            fast = py.Compare(left=args[1], ops=[py.In()], comparators=[_name(tmp)])
        else:
            fast = _call(py.Attribute(value=_name(tmp), attr=methods[name], ctx=py.Load()),
                         *args[1:])
        sig = lookup_signature(name, len(args))
        slow = _call(self.bind(sig.impl), _call(self.bind(rt.expect), _name(tmp),
                                                _const("string"), _const(name)), *args[1:])
        return py.IfExp(test=test, body=fast, orelse=slow)

    def temp(self, value: py.expr) -> tuple[py.expr, py.expr]:
        """(value bound to a fresh local, that local); a constant needs no local."""
        if isinstance(value, py.Constant):
            return value, value
        tmp = self.fresh()
        return py.NamedExpr(target=py.Name(id=tmp, ctx=py.Store()), value=value), _name(tmp)

    def inline(self, name: str, args: list[py.expr]) -> py.expr | None:
        """Simple string functions written out (same null rules as jexpr.lib.strings)."""
        if name in ("lower", "upper", "length"):
            bound, var = self.temp(args[0])
            if name == "length":
                result: py.expr = _call(_name("len"), var)
            else:
                result = _call(py.Attribute(value=var, attr=name, ctx=py.Load()))
            return py.IfExp(test=_is(bound, _const(None)), body=_const(None), orelse=result)
        methods = {"startWith": "startswith", "endWith": "endswith", "contain": "in"}
        if name in methods:
            (a_bound, a), (b_bound, b) = self.temp(args[0]), self.temp(args[1])
            if any(isinstance(x, py.Constant) and x.value is None for x in (a_bound, b_bound)):
                return _const(False)
            checks: list[py.expr] = [_is(x, _const(None), negate=True)
                                     for x in (a_bound, b_bound)
                                     if not isinstance(x, py.Constant)]
            if name == "contain":
                test: py.expr = py.Compare(left=b, ops=[py.In()], comparators=[a])
            else:
                test = _call(py.Attribute(value=a, attr=methods[name], ctx=py.Load()), b)
            return py.BoolOp(op=py.And(), values=[*checks, test]) if checks else test
        if name == "isEmpty":
            return py.Compare(left=args[0], ops=[py.Eq()], comparators=[_const("")])
        if name == "in" and isinstance(args[1], py.List) and args[1].elts and all(
                isinstance(e, py.Constant) and type(e.value) in (str, int)
                for e in args[1].elts):
            kinds = {type(e.value) for e in args[1].elts}  # type: ignore[attr-defined]
            if len(kinds) == 1:  # one kind: hashing agrees with jexpr equality
                members = frozenset(e.value for e in args[1].elts)  # type: ignore[attr-defined]
                return py.Compare(left=args[0], ops=[py.In()],
                                  comparators=[self.bind(members)])
        return None

    def keywords(self, static: tuple[tuple[str, Any], ...], plan: CallPlan) -> list[py.keyword]:
        out = [py.keyword(arg=k, value=_const(v)) for k, v in static]
        if "coerce" in plan.extra:
            out.append(py.keyword(arg="coerce",
                                  value=self.bind(rt.coercer(plan.extra["coerce"]))))
        return out

    def dispatch(self, node: ast.Call, plan: CallPlan, args: list[py.expr]) -> py.expr:
        from jexpr.dispatch import Dispatcher
        dispatcher = Dispatcher.build(node.name, plan)
        needs = py.Dict(keys=[_const(n) for n in dispatcher.needs],
                        values=[self.need(n) for n in dispatcher.needs])
        return _call(self.bind(dispatcher, "_d"), py.Tuple(elts=args, ctx=py.Load()), needs)

    # -- references

    def _Reference(self, node: ast.Reference) -> py.expr:
        steps = node.steps
        if node.kind == "data":
            value = self.root(node)
        else:  # field steps cannot fail: compute each path prefix once, in the prologue
            fields = 0
            while fields < len(steps) and isinstance(steps[fields], ast.FieldStep):
                fields += 1
            value = self.hoisted(node, steps[:fields])
            steps = steps[fields:]
        after_all = False
        for step in steps:
            value = self.step(value, step, after_all)
            after_all = (isinstance(step, ast.FilterStep) and step.kind == "all") or (
                after_all and isinstance(step, ast.FieldStep))
        value = self.coerced(node, value)
        if node.default is None:
            return value
        field_type = self.type_of(node)
        default = self.widen(self.gen(node.default), self.type_of(node.default), field_type,
                             "defaultValue")
        tmp = self.fresh()
        test = _is(py.NamedExpr(target=py.Name(id=tmp, ctx=py.Store()), value=value),
                   _const(None), negate=True)
        return py.IfExp(test=test, body=_name(tmp), orelse=default)

    def hoisted(self, node: ast.Reference, fields: tuple[ast.Step, ...]) -> py.expr:
        """A local holding the value of the root and leading field steps (shared by every
        reference to the same path)."""
        key: tuple[str, ...] = (_ROOTS[node.kind], node.root)
        if key not in self.paths:
            name = self.fresh("_p")
            container = self.need(_ROOTS[node.kind])
            self.assign(name, _call(py.Attribute(value=container, attr="get", ctx=py.Load()),
                                    _const(node.root)), self.line(node))
            self.paths[key] = _name(name)
        value = self.paths[key]
        for step in fields:
            assert isinstance(step, ast.FieldStep)
            key = (*key, step.name)
            if key not in self.paths:
                name = self.fresh("_p")
                get = _call(py.Attribute(value=value, attr="get", ctx=py.Load()),
                            _const(step.name))
                slow = _call(self.bind(rt.field_slow), value, _const(step.name))
                test = _is(_call(_name("type"), value), _name("dict"))
                self.assign(name, py.IfExp(test=test, body=get, orelse=slow), self.line(step))
                self.paths[key] = _name(name)
            value = self.paths[key]
        return _name(value.id)

    def root(self, node: ast.Reference) -> py.expr:
        if node.kind == "data":
            params: py.expr = _const(None)
            if node.params:
                params = py.Dict(keys=[_const(p.name) for p in node.params],
                                 values=[self.gen(p.value) for p in node.params])
            return _call(self.bind(rt.data_group), self.need("dataSources"), _const(node.root),
                         _const(node.group), params, self.need("dscache"))
        container = self.need(_ROOTS[node.kind])
        return _call(py.Attribute(value=container, attr="get", ctx=py.Load()),
                     _const(node.root))

    def coerced(self, node: ast.Node, value: py.expr) -> py.expr:
        plan = self.checked.refs.get(node)
        declared = plan.declared if plan else None
        if declared is None:
            return value
        fast = _FAST_TYPE.get(declared)
        direct = rt.COERCERS.get(declared)
        coerce = (_call(self.bind(direct), value) if direct is not None
                  else _call(self.bind(rt.coerce), value, _const(declared)))
        if fast is None:
            return coerce
        tmp = self.fresh()
        test = py.BoolOp(op=py.Or(), values=[
            _is(_call(_name("type"), py.NamedExpr(target=py.Name(id=tmp, ctx=py.Store()),
                                                  value=value)), _name(fast)),
            _is(_name(tmp), _const(None))])
        coerce.args[0] = _name(tmp)
        return py.IfExp(test=test, body=_name(tmp), orelse=coerce)

    def host_int(self, value: py.expr) -> py.expr:
        """An undeclared payload integer outside 64 bits is E-EVAL-PAYLOAD (spec §5.4)."""
        tmp = self.fresh()
        bound = py.NamedExpr(target=py.Name(id=tmp, ctx=py.Store()), value=value)
        in_range = py.Compare(left=_const(values.INT_MIN), ops=[py.LtE(), py.LtE()],
                              comparators=[_name(tmp), _const(values.INT_MAX)])
        test = py.BoolOp(op=py.Or(), values=[
            _is(_call(_name("type"), bound), _name("int"), negate=True), in_range])
        return py.IfExp(test=test, body=_name(tmp),
                        orelse=_call(self.bind(rt.coerce), _name(tmp), _const("integer")))

    def step(self, value: py.expr, step: ast.Step, on_list: bool = False) -> py.expr:
        """One path step; ``on_list`` when the value is known to be a list or null."""
        line = self.line(step)
        if isinstance(step, ast.FieldStep):
            out = self.field_step(value, step.name, on_list)
        elif isinstance(step, ast.EntryStep):
            out = _call(self.bind(rt.entry), value, self.gen(step.key))
        elif isinstance(step, ast.KeysStep):
            out = _call(self.bind(rt.keys), value, _const(step.first_only))
        elif isinstance(step, ast.AtStep):
            out = _call(self.bind(rt.at), value, self.gen(step.index))
        else:
            out = self.filter_step(value, step)
        self.mark(out, line)
        return out

    def field_step(self, value: py.expr, name: str, on_list: bool) -> py.expr:
        if isinstance(value, py.Name) and value.id in self.dict_flags and not on_list:
            get = _call(py.Attribute(value=value, attr="get", ctx=py.Load()), _const(name))
            return py.IfExp(test=_name(self.dict_flags[value.id]), body=get, orelse=_call(
                self.bind(rt.field_slow), _name(value.id), _const(name)))
        bound: py.expr
        if isinstance(value, py.Name):  # a local already: no temporary needed
            tmp, bound = value.id, _name(value.id)
        else:
            tmp = self.fresh()
            bound = py.NamedExpr(target=py.Name(id=tmp, ctx=py.Store()), value=value)
        if on_list:  # projection over the kept elements of all(…)
            return py.IfExp(test=_is(bound, _const(None)), body=_const(None),
                            orelse=_call(self.bind(rt.project_field), _name(tmp),
                                         _const(name)))
        test = _is(_call(_name("type"), bound), _name("dict"))
        get = _call(py.Attribute(value=_name(tmp), attr="get", ctx=py.Load()), _const(name))
        return py.IfExp(test=test, body=get, orelse=_call(
            self.bind(rt.field_slow), _name(tmp), _const(name)))

    def filter_step(self, value: py.expr, step: ast.FilterStep) -> py.expr:
        """all/first/last as a call of a loop function over the list (see loop_function)."""
        fn = {"all": rt.keep_all, "first": rt.keep_first, "last": rt.keep_last}[step.kind]
        if step.cond is None:
            return _call(self.bind(fn), value, _const(None))
        param = self.fresh("_l")
        self.loop_params[step] = param
        result = {"all": "_out", "first": None, "last": None}[step.kind]

        def on_match() -> list[py.stmt]:
            if step.kind == "all":
                append = _call(py.Attribute(value=_name("_out"), attr="append",
                                            ctx=py.Load()), _name(param))
                return [py.Expr(value=append)]
            return [py.Return(value=_name(param))]

        loop = self.loop_function(step, param, step.cond, on_match, result,
                                  reverse=step.kind == "last")
        return self.call_on_list(loop, value, step.kind, _const(None))

    def loop_function(self, step: ast.Node, param: str, cond: ast.Expr,
                      on_match: Callable[[], list[py.stmt]], result: str | None,
                      reverse: bool = False, start: py.expr | None = None) -> py.Name:
        """Define ``def _fN(_items): for param in _items: if cond: <on_match>`` in the
        enclosing function. Loop temporaries are fast locals of this small function (in a
        comprehension they would be closure cells of the enclosing one)."""
        name = self.fresh("_loop")
        body: list[py.stmt] = []
        flag = self.fresh("_d")
        self.dict_flags[param] = flag
        outer, self.def_target = self.def_target, body
        try:
            test = self.boolean(cond)
            matched = on_match()
        finally:
            self.def_target = outer
        items: py.expr = _name("_items")
        if reverse:
            items = _call(_name("reversed"), items)
        is_dict = py.Assign(targets=[py.Name(id=flag, ctx=py.Store())], value=_is(
            _call(_name("type"), _name(param)), _name("dict")))
        loop = py.For(target=py.Name(id=param, ctx=py.Store()), iter=items,
                      body=[is_dict, py.If(test=test, body=matched, orelse=[])], orelse=[])
        init: list[py.stmt] = []
        if result is not None:
            init = [py.Assign(targets=[py.Name(id=result, ctx=py.Store())],
                              value=start or py.List(elts=[], ctx=py.Load()))]
        ret = py.Return(value=_name(result) if result else _const(None))
        args = py.arguments(posonlyargs=[], args=[py.arg(arg="_items")], kwonlyargs=[],
                            kw_defaults=[], defaults=[])
        fn = py.FunctionDef(name=name, args=args, body=[*body, *init, loop, ret],
                            decorator_list=[], returns=None)
        self.mark(fn, self.line(step))
        if self.def_target is self.prologue and self.closed(fn):
            self.module_defs.append(fn)  # defined once, at compile time
        else:
            self.def_target.append(fn)
        return _name(name)

    def closed(self, fn: py.FunctionDef) -> bool:
        """Whether a function reads only its own locals, bound objects and builtins."""
        stored: set[str] = set()
        loaded: set[str] = set()
        for node in py.walk(fn):
            if isinstance(node, py.Name):
                (stored if isinstance(node.ctx, py.Store) else loaded).add(node.id)
            elif isinstance(node, py.arg):
                stored.add(node.arg)
        builtins = self.namespace["__builtins__"]
        return all(n in stored or n in self.namespace or n in builtins for n in loaded)

    def call_on_list(self, loop: py.Name, value: py.expr, step: str,
                     if_null: py.expr) -> py.expr:
        """``loop(value)`` when the value is a list; ``if_null`` for null; E-EVAL-TYPE else."""
        tmp = self.fresh()
        bound = py.NamedExpr(target=py.Name(id=tmp, ctx=py.Store()), value=value)
        items = py.IfExp(test=_is(_call(_name("type"), _name(tmp)), _name("list")),
                         body=_name(tmp), orelse=_call(self.bind(rt.as_list), _name(tmp),
                                                        _const(step)))
        return py.IfExp(test=_is(bound, _const(None)), body=if_null,
                        orelse=_call(loop, items))

    def _LoopRef(self, node: ast.LoopRef) -> py.expr:
        value: py.expr = _name(self.loop_params[self.checked.loops[node]])
        for step in node.steps:
            value = self.step(value, step)
        return self.coerced(node, value)


def _exact_int(value: Any) -> bool:
    """An integer constant that a double represents exactly."""
    return type(value) is int and -_EXACT <= value <= _EXACT


def lookup_signature(name: str, arity: int) -> Signature:
    fn = lookup(name)
    assert fn is not None
    return next(s for s in fn.signatures if len(s.params) == arity)


def _count_values(values: list[Any]) -> int:
    """Non-null elements of a projected list value (it is spliced by projection)."""
    return len(values) - values.count(None)


def _concrete(t: str, x: str) -> str:
    if t == "X":
        return x or "any"
    if t == "listX":
        return T.list_of(x) if x else "listAny"
    return t


def generate(checked: Checked) -> tuple[Any, dict[str, Any], list[ast.Node]]:
    """Compile a checked expression: (function, namespace, node of each generated line)."""
    gen = CodeGen(checked)
    module = gen.function()
    code = compile(module, FILENAME, "exec")
    exec(code, gen.namespace)  # the module defines one function from our own AST
    return gen.namespace["_jexpr"], gen.namespace, gen.lines


def python_source(checked: Checked) -> str:
    """The generated function as Python text (for inspection and tests; never executed)."""
    return py.unparse(CodeGen(checked).function())
