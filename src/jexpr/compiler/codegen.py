"""Code generation: a checked expression → one Python function, compiled once.

The function is built as an ``ast.Module`` (never as source text): user strings and names only
ever appear as ``ast.Constant`` values or as objects bound in the function's namespace, so no
input can inject code. Generated code calls nothing but the names bound here, all taken from
:mod:`jexpr.runtime.ops`, :mod:`jexpr.runtime.values` and the function registry.

Every Python node generated for jexpr node *n* gets line number *n + 1* when it is made (see
:mod:`jexpr.compiler.base`); when a runtime helper raises, :mod:`jexpr.program` reads the failing
line from the traceback and so finds the sub-expression to blame, at no cost on the success
path (the idea of Jinja's debug info).

The hot paths are inlined: field steps on dicts, comparisons of statically known scalar types,
``and``/``or``/``not``/``if`` with short-circuiting, conditions without boxing. Constant
sub-expressions are folded at compile time by the reference interpreter. Context entries are read
once per evaluation, and only those the expression uses.

This module holds the entry point, literals and operators; the shared state and primitives are in
:mod:`jexpr.compiler.base`, references and loops in :mod:`jexpr.compiler.paths` and calls in
:mod:`jexpr.compiler.calls` (the base classes of :class:`CodeGen`).
"""

from __future__ import annotations

import ast as py
from typing import Any

from jexpr import types as T
from jexpr.checker.check import Checked
from jexpr.compiler.base import _NEVER_NULL_BOOL, LOAD, STORE, N, _call, _const, _is, _name
from jexpr.compiler.base import NEVER_NULL as NEVER_NULL  # re-exported
from jexpr.compiler.calls import CallGen
from jexpr.compiler.calls import lookup_signature as lookup_signature  # re-exported
from jexpr.runtime import ops as rt
from jexpr.runtime import values
from jexpr.runtime.boundary import host_result, needs_result_check
from jexpr.syntax import ast

FILENAME = "<jexpr>"
INTERNAL_ERRORS = (TypeError, ValueError, OverflowError, RecursionError, AttributeError,
                   KeyError, IndexError, ZeroDivisionError)
_SIMPLE_EQ = frozenset(("string", "integer", "decimal", "boolean", "dateTime", "dateTimeOnly",
                        "dateOnly", "duration"))
_ARITH = {"+": values.add_num, "-": values.sub, "*": values.mul, "/": values.div,
          "%": values.mod}
_CMP = {"<": py.Lt, "<=": py.LtE, ">": py.Gt, ">=": py.GtE}
_LITERALS = (ast.IntLit, ast.DecLit, ast.StrLit, ast.BoolLit)
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEVER_NULL_CALLS = frozenset(("count", "countOnlyNull", "countWithNull", "distinctCount",
                               "distinctCountWithNull", "listSize", "sum"))
_EXACT = 2**53  # integers up to this convert to doubles exactly

class CodeGen(CallGen):
    """Generates the evaluation function of one checked expression."""

    # -- entry point

    def function(self) -> py.Module:
        with self.at(self.line(self.checked.node)):
            return self.module()

    def module(self) -> py.Module:
        body_expr = self.usage(self.gen(self.checked.node, top=True))
        default_ctx = N.If(test=_is(_name("ctx"), _const(None)), body=[N.Assign(
            targets=[N.Name(id="ctx", ctx=STORE)], value=self.bind(rt.EMPTY))], orelse=[])
        ret = N.Return(value=body_expr)
        guarded = N.Try(body=[default_ctx, *self.prologue, ret], handlers=[
            self.handler(rt.EvalFault, "_on_fault"),
            self.handler(INTERNAL_ERRORS, "_on_internal")], orelse=[], finalbody=[])
        args = py.arguments(posonlyargs=[], args=[N.arg(arg="ctx")], kwonlyargs=[],
                            kw_defaults=[], defaults=[_const(None)])
        fn = N.FunctionDef(name="_jexpr", args=args, body=[guarded], decorator_list=[],
                           returns=None)
        return py.Module(body=[*self.module_defs, fn], type_ignores=[])

    def handler(self, exc: Any, hook: str) -> py.ExceptHandler:
        """``except exc as _e: raise <hook>(_e) from _e`` — hooks are bound by the program."""
        raise_ = N.Raise(exc=_call(_name(hook), _name("_e")), cause=_name("_e"))
        return N.ExceptHandler(type=self.bind(exc), name="_e", body=[raise_])

    def usage(self, value: py.expr) -> py.expr:
        usage, node = self.checked.usage, self.checked.node
        if needs_result_check(self.checked.type) and not self.host_free(node):
            value = self.result_gate(value)  # no nan, big integer, lone surrogate leaves
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

    def result_gate(self, value: py.expr) -> py.expr:
        """``host_result(value)``; for a string result its common case inline (an ASCII
        ``str`` or null passes with one type test and one C call)."""
        if self.checked.type != "string":
            return _call(self.bind(host_result), value)
        r = self.fresh()
        plain = N.BoolOp(op=py.Or(), values=[
            N.BoolOp(op=py.And(), values=[
                _is(_call(_name("type"), N.NamedExpr(target=N.Name(id=r, ctx=STORE),
                                                     value=value)), _name("str")),
                _call(N.Attribute(value=_name(r), attr="isascii", ctx=LOAD))]),
            _is(_name(r), _const(None))])
        return N.IfExp(test=plain, body=_name(r), orelse=_call(self.bind(host_result), _name(r)))

    def host_free(self, node: ast.Node | None) -> bool:
        """Whether the value of ``node`` provably holds nothing of the host's: made from
        literals and from values of the types the boundary never checks (numbers, booleans,
        dates: range- and finiteness-checked where they enter), by calls that read nothing
        else of the context. Such a result skips the host-boundary gate."""
        if node is None or isinstance(node, (ast.NullLit, *_LITERALS)):
            return not isinstance(node, ast.StrLit) or _utf8(node.value)
        if isinstance(node, ast.Paren):
            return self.host_free(node.expr)
        if isinstance(node, ast.If):
            return self.host_free(node.then) and self.host_free(node.orelse)
        if isinstance(node, ast.Arith):
            return self.safe_or_free(node.left) and self.safe_or_free(node.right)
        if isinstance(node, ast.Call):
            plan = self.checked.calls.get(node)
            return plan is not None and bool(node.args) and \
                all(not s.needs for s in plan.candidates) and \
                all(self.safe_or_free(a) for a in node.args)
        return False

    def safe_or_free(self, node: ast.Node) -> bool:
        return not needs_result_check(self.type_of(node)) or self.host_free(node)

    # -- expressions

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
        # every element is evaluated, left to right, before any is checked (as the arguments
        # of a call, spec §6.1): ``any`` elements are checked together by check_list
        items = [self.gen(i) if self.type_of(i) == "any"
                 else self.widen(self.gen(i), self.type_of(i), element) for i in node.items]
        out: py.expr = N.List(elts=items, ctx=LOAD)
        if element not in ("any", "object") and any(self.type_of(i) == "any" for i in node.items):
            out = _call(self.bind(rt.check_list), out, _const(element))
        return out

    def _Negate(self, node: ast.Negate) -> py.expr:
        return _call(self.bind(values.neg), self.gen(node.operand))

    def boolean(self, node: ast.Expr) -> py.expr:
        inner = node
        while isinstance(inner, ast.Paren):
            inner = inner.expr
        if isinstance(inner, ast.Reference):  # a field declared boolean: one type test
            direct = self.field_compare(inner, "==", True)
            if direct is not None:
                return direct
        return super().boolean(node)

    def _Not(self, node: ast.Not) -> py.expr:
        return N.UnaryOp(op=py.Not(), operand=self.boolean(node.operand))

    def _Logical(self, node: ast.Logical) -> py.expr:
        op = py.And() if node.op == "and" else py.Or()
        return N.BoolOp(op=op, values=[self.boolean(node.left), self.boolean(node.right)])

    def _Compare(self, node: ast.Compare) -> py.expr:
        direct = None
        if isinstance(node.right, _LITERALS):
            direct = self.field_compare(node.left, node.op, node.right.value)
        elif isinstance(node.left, _LITERALS):  # literal OP field: field FLIP literal
            direct = self.field_compare(node.right, _FLIP[node.op], node.left.value)
        if direct is not None:
            return direct
        lt, rt_ = self.type_of(node.left), self.type_of(node.right)
        left, right = self.gen(node.left), self.gen(node.right)
        if node.op in ("==", "!="):
            return self.equality(node.op, left, right, lt, rt_)
        if lt == rt_ and lt in T.ORDERABLE:
            return self.ordered(node.op, left, right, never_null=(
                self.never_null(node.left), self.never_null(node.right)))
        if {lt, rt_} == T.NUMBERS:  # mixed: Java promotes the integer to a double
            return self.ordered(node.op, left, right, (lt == "integer", rt_ == "integer"))
        if lt == "any" and rt_ in T.NUMBERS and isinstance(right, py.Constant) and (
                type(right.value) is float or _exact_int(right.value)):
            if isinstance(left, py.IfExp) and getattr(left, "jexpr_arith", False) and \
                    _exact_int(right.value):
                # the arithmetic's fast path proved a number in range: compare directly
                fast = N.Compare(left=left.body, ops=[_CMP[node.op]()], comparators=[right])
                slow = _call(self.bind(rt.compare_any), left.orelse, right, _const(node.op))
                return N.IfExp(test=left.test, body=fast, orelse=slow)
            return self.any_vs_number(node.op, left, right)
        return _call(self.bind(rt.compare_any), left, right, _const(node.op))

    def equality(self, op: str, left: py.expr, right: py.expr, lt: str, rt_: str) -> py.expr:
        string_constant = any(isinstance(x, py.Constant) and type(x.value) is str
                              for x in (left, right))
        if (lt == rt_ and lt in _SIMPLE_EQ) or "null" in (lt, rt_) or string_constant:
            cmp: py.cmpop = py.Eq() if op == "==" else py.NotEq()
            if "null" in (lt, rt_):
                cmp = py.Is() if op == "==" else py.IsNot()
            return N.Compare(left=left, ops=[cmp], comparators=[right])
        result: py.expr = _call(self.bind(values.equals), left, right)
        return N.UnaryOp(op=py.Not(), operand=result) if op == "!=" else result

    def never_null(self, node: ast.Expr) -> bool:
        """A number that is never null: a literal, or a count or size (spec §9)."""
        while isinstance(node, ast.Paren):
            node = node.expr
        return isinstance(node, ast.IntLit | ast.DecLit) or (
            isinstance(node, ast.Call) and node.name in _NEVER_NULL_CALLS)

    def ordered(self, op: str, left: py.expr, right: py.expr,
                widen: tuple[bool, bool] = (False, False),
                never_null: tuple[bool, bool] = (False, False)) -> py.expr:
        """``a < b`` for two values of one orderable type: false when either is null;
        ``widen`` marks integer operands compared with decimals (converted after the test);
        ``never_null`` operands (counts, sizes) need no test when the other is a constant."""
        checks: list[py.expr] = []
        operands: list[py.expr] = []
        constant = [isinstance(s, py.Constant) and s.value is not None for s in (left, right)]
        for i, (side, to_float) in enumerate(zip((left, right), widen, strict=True)):
            if isinstance(side, py.Constant) and constant[i]:
                operands.append(_const(float(side.value)) if to_float and
                                type(side.value) is int else side)
                continue
            if never_null[i] and constant[1 - i] and not to_float:
                operands.append(side)
                continue
            tmp = self.fresh()
            checks.append(_is(N.NamedExpr(target=N.Name(id=tmp, ctx=STORE), value=side),
                              _const(None), negate=True))
            operands.append(_call(_name("float"), _name(tmp)) if to_float else _name(tmp))
        compare = N.Compare(left=operands[0], ops=[_CMP[op]()], comparators=[operands[1]])
        if len(checks) == 2:  # '&': both operands are evaluated, even when the first is null
            checks = [N.BinOp(left=checks[0], op=py.BitAnd(), right=checks[1])]
        return N.BoolOp(op=py.And(), values=[*checks, compare]) if checks else compare

    def any_vs_number(self, op: str, left: py.expr, right: py.Constant) -> py.expr:
        tmp, kind = self.fresh(), self.fresh("_k")
        typ = N.NamedExpr(target=N.Name(id=kind, ctx=STORE), value=_call(
            _name("type"), N.NamedExpr(target=N.Name(id=tmp, ctx=STORE), value=left)))
        exact = _exact_int(right.value)
        # int vs float compares exactly in Python but by double promotion in Java: the fast
        # path takes only the values for which both agree
        is_number = self.is_number(typ, tmp, kind, None if exact else _EXACT)
        fast = N.Compare(left=_name(tmp), ops=[_CMP[op]()], comparators=[right])
        slow = _call(self.bind(rt.compare_any), _name(tmp), right, _const(op))
        return N.IfExp(test=is_number, body=fast, orelse=slow)

    def is_number(self, typ: py.expr, tmp: str, kind: str, bound: int | None = None
                  ) -> py.expr:
        """``type(v) is float or (type(v) is int and v fits 64 bits)``, type bound once;
        ``bound`` narrows the integer range."""
        low, high = (values.INT_MIN, values.INT_MAX) if bound is None else (-bound, bound)
        in_range = N.Compare(left=_const(low), ops=[py.LtE(), py.LtE()],
                              comparators=[_name(tmp), _const(high)])
        finite = N.Compare(left=N.BinOp(left=_name(tmp), op=py.Sub(), right=_name(tmp)),
                           ops=[py.Eq()], comparators=[_const(0.0)])  # nan, inf: slow path
        return N.BoolOp(op=py.Or(), values=[
            N.BoolOp(op=py.And(), values=[_is(typ, _name("float")), finite]),
            N.BoolOp(op=py.And(), values=[_is(_name(kind), _name("int")), in_range])])

    def fast_arith(self, op: str, left: py.expr, right: py.expr,
                   slow_fn: Any = None) -> py.expr:
        """``a op b`` inline when both are numbers and the result fits; else the helper
        (nulls, overflow errors, runtime type errors, and for ``+`` on ``any`` operands
        concatenation and date arithmetic). Numeric constants need no type test."""
        operands: list[py.expr] = []
        tests: list[py.expr] = []
        for side in (left, right):
            if isinstance(side, py.Constant) and type(side.value) in (int, float):
                operands.append(side)
                continue
            tmp, kind = self.fresh(), self.fresh("_k")
            typ = N.NamedExpr(target=N.Name(id=kind, ctx=STORE), value=_call(
                _name("type"), N.NamedExpr(target=N.Name(id=tmp, ctx=STORE), value=side)))
            tests.append(N.BoolOp(op=py.Or(), values=[_is(typ, _name("float")),
                                                        _is(_name(kind), _name("int"))]))
            operands.append(_name(tmp))
        r, kr = self.fresh(), self.fresh("_k")
        ops = {"+": py.Add(), "-": py.Sub(), "*": py.Mult()}
        result = N.NamedExpr(target=N.Name(id=r, ctx=STORE), value=N.BinOp(
            left=operands[0], op=ops[op], right=operands[1]))
        rtype = N.NamedExpr(target=N.Name(id=kr, ctx=STORE),
                             value=_call(_name("type"), result))
        finite = N.Compare(left=N.BinOp(left=_name(r), op=py.Sub(), right=_name(r)),
                            ops=[py.Eq()], comparators=[_const(0.0)])
        fits = N.BoolOp(op=py.Or(), values=[
            N.BoolOp(op=py.And(), values=[_is(rtype, _name("float")), finite]),
            N.BoolOp(op=py.And(), values=[_is(_name(kr), _name("int")), N.Compare(
                left=_const(values.INT_MIN), ops=[py.LtE(), py.LtE()],
                comparators=[_name(r), _const(values.INT_MAX)])])])
        if len(tests) == 2:  # '&': both operands evaluated
            tests = [N.BinOp(left=tests[0], op=py.BitAnd(), right=tests[1])]
        test = N.BoolOp(op=py.And(), values=[*tests, fits])
        slow = _call(self.bind(slow_fn or _ARITH[op]), *operands)
        out = N.IfExp(test=test, body=_name(r), orelse=slow)
        out.jexpr_arith = True  # type: ignore[attr-defined]
        return out

    def _Arith(self, node: ast.Arith) -> py.expr:
        lt, rt_ = self.type_of(node.left), self.type_of(node.right)
        left, right = self.gen(node.left), self.gen(node.right)
        if node.op == "+":
            if "string" in (lt, rt_):
                return self.concatenation(left, right, lt, rt_)
            if lt in ("dateTime", "dateTimeOnly", "duration") and rt_ != "any":
                return _call(self.bind(rt.add_temporal), left, right)
            if "any" in (lt, rt_):
                if {lt, rt_} <= {"integer", "decimal", "any"}:
                    return self.fast_arith("+", left, right, rt.plus_any)
                return _call(self.bind(rt.plus_any), left, right)
        if {lt, rt_} <= T.NUMBERS:
            known = self.static_arith(node.op, left, right, "decimal" in (lt, rt_))
            if known is not None:
                return known
        if node.op in ("+", "-", "*") and {lt, rt_} <= {"integer", "decimal", "any"}:
            return self.fast_arith(node.op, left, right)
        return _call(self.bind(_ARITH[node.op]), left, right)

    def static_arith(self, op: str, left: py.expr, right: py.expr, decimal: bool
                     ) -> py.expr | None:
        """Arithmetic on operands statically typed integer/decimal (null is the only other
        run-time value): the Python operator, a range or finiteness test, the helper for the
        rest (overflow errors). ``/`` inline for decimals, ``/`` and ``%`` for an integer by a
        positive integer constant (Java truncation and remainder signs); else None."""
        divisor = right.value if isinstance(right, py.Constant) else None
        positive = type(divisor) is int and divisor > 0
        if op in ("/", "%") and not (positive or (op == "/" and decimal)):
            return None
        checks: list[py.expr] = []
        a_b: list[py.expr] = []
        for side in (left, right):
            if isinstance(side, py.Constant):
                a_b.append(side)
                continue
            tmp = self.fresh()
            checks.append(_is(N.NamedExpr(target=N.Name(id=tmp, ctx=STORE), value=side),
                              _const(None), negate=True))
            a_b.append(_name(tmp))
        a, b = a_b
        r = self.fresh()
        slow = _call(self.bind(_ARITH[op]), a, b)
        if op in ("/", "%") and not decimal:  # integer by a positive constant
            pyop: py.operator = py.FloorDiv() if op == "/" else py.Mod()
            minus = N.UnaryOp(op=py.USub(), operand=N.BinOp(
                left=N.UnaryOp(op=py.USub(), operand=a), op=pyop, right=b))
            value: py.expr = N.IfExp(test=N.Compare(left=a, ops=[py.GtE()],
                                                      comparators=[_const(0)]),
                                      body=N.BinOp(left=a, op=pyop, right=b), orelse=minus)
        else:
            ops = {"+": py.Add(), "-": py.Sub(), "*": py.Mult(), "/": py.Div()}
            result = N.NamedExpr(target=N.Name(id=r, ctx=STORE),
                                  value=N.BinOp(left=a, op=ops[op], right=b))
            fits = N.Compare(left=N.BinOp(left=result, op=py.Sub(), right=_name(r)),
                              ops=[py.Eq()], comparators=[_const(0.0)]) if decimal else \
                N.Compare(left=_const(values.INT_MIN), ops=[py.LtE(), py.LtE()],
                           comparators=[result, _const(values.INT_MAX)])
            value = N.IfExp(test=fits, body=_name(r), orelse=slow)
            if op == "/" and not (isinstance(divisor, float | int) and divisor != 0):
                value = N.IfExp(test=N.Compare(left=b, ops=[py.NotEq()],
                                                 comparators=[_const(0.0)]),
                                 body=value, orelse=_const(0.0))
        if not checks:
            return value
        test = checks[0] if len(checks) == 1 else N.BinOp(left=checks[0], op=py.BitAnd(),
                                                           right=checks[1])
        return N.IfExp(test=test, body=value, orelse=_const(None))

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
        return N.IfExp(test=self.boolean(node.cond), body=then, orelse=orelse)

    def _Ident(self, node: ast.Ident) -> py.expr:  # pragma: no cover - rejected by the checker
        raise AssertionError("unchecked identifier")


def _utf8(text: str) -> bool:
    """A string literal without lone surrogates (what the boundary would refuse)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _exact_int(value: Any) -> bool:
    """An integer constant that a double represents exactly."""
    return type(value) is int and -_EXACT <= value <= _EXACT



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
