"""Code generation of aggregates over projections, fused into one loop.

One job: ``sum(@event{E.items.price})``, ``count(@event{E.items.all(c).sku})``,
``in("x", @event{E.items.sku})`` and their kind — an aggregate whose list argument is a field
projected over a list (optionally filtered by ``all(c)``) — generated as one small loop that
reads each element's field (inline for dicts), coerces it to the declared element type only
when it is not already of that Python type, and accumulates, instead of building the projected
list, coercing it and walking it again in the aggregate.

The loop takes the common case only. Whatever it does not vouch for — a list-valued field to
splice (§4.3), an undeclared value of another type, an overflowing mean, a base that is not a
list — makes it return :data:`~jexpr.runtime.ops.UNSET`, and the call's ordinary code (generated
as well) computes the result and raises the errors, so both paths always agree.
"""

from __future__ import annotations

import ast as py
from collections.abc import Callable
from typing import Any

from jexpr import types as T
from jexpr.compiler.base import LOAD, STORE, N, _call, _const, _is, _name, in_domain
from jexpr.compiler.paths import PathGen
from jexpr.functions.registry import CallPlan
from jexpr.runtime import ops as rt
from jexpr.runtime import values
from jexpr.runtime.lib import aggregates as agg
from jexpr.syntax import ast

# the Python types a value of a declared element type already has (no coercion needed)
_EXACT = {"string": "str", "integer": "int", "decimal": "float", "boolean": "bool"}
_FUSED = {"count": 0, "sum": 0, "avg": 0, "max": 0, "min": 0, "distinctCount": 0, "in": 1}
_SET_ELEMENTS = frozenset(("string", "integer", "boolean"))
_BY_ELEMENTS = frozenset(("sum", "avg", "max", "min"))
Stmts = list[py.stmt]


def _store(name: str, value: py.expr) -> py.Assign:
    return N.Assign(targets=[N.Name(id=name, ctx=STORE)], value=value)


class FusedGen(PathGen):
    """Fused aggregates (a part of :class:`jexpr.compiler.codegen.CodeGen`)."""

    # the double accumulator of a sum or mean whose elements' finiteness is checked once, on
    # the total (set by consumer(), taken by loop_of())
    finite_acc: str | None = None

    def fused_call(self, node: ast.Call, plan: CallPlan,
                   ordinary: Callable[[], py.expr]) -> py.expr | None:
        """One loop for an aggregate over a projection, the ``ordinary`` call code as the
        fallback; None when the call does not have that shape."""
        position = _FUSED.get(node.name)
        if position is None or plan.extra or len(node.args) != position + 1:
            return None
        shape = self.projection(node.args[position])
        if shape is None:
            return None
        ref, prefix, filter_step, last, element = shape
        if plan.dynamic:  # an undeclared list: the elements decide (§10.4), in one pass
            if node.name not in _BY_ELEMENTS or element is not None:
                return None
            want = "number" if node.name in ("sum", "avg") else "number53"
        else:
            want = T.element(_concrete(plan.candidates[0].params[position], plan.bindings[0]))
        if element is None and want not in ("any", "number", "number53", *_EXACT):
            return None
        target = element or want
        if node.name == "distinctCount" and element is None:
            target = "string"  # undeclared: text values in a set, anything else falls back
        probe = None
        if node.name == "in":
            probe = self.gen(node.args[0])
            if not isinstance(probe, py.Constant) or self.type_of(node.args[0]) != target:
                return None
        consumer = self.consumer(node.name, target, probe)
        if consumer is None:
            return None
        loop = self.fused_loop(node, ref, filter_step, last, element, target, consumer)
        self.unhoisted.add(ref)
        base, out = self.fresh(), self.fresh()
        base_value = self.hoisted(ref, prefix) if ref.kind != "data" else \
            self.hoisted_group(ref, prefix)
        is_list = _is(_call(_name("type"), N.NamedExpr(
            target=N.Name(id=base, ctx=STORE), value=base_value)), _name("list"))
        done = _is(N.NamedExpr(target=N.Name(id=out, ctx=STORE),
                                value=_call(loop, _name(base))), self.bind(rt.UNSET),
                   negate=True)
        return N.IfExp(test=N.BoolOp(op=py.And(), values=[is_list, done]), body=_name(out),
                        orelse=ordinary())

    def projection(self, ref: ast.Expr) -> tuple[ast.Reference, tuple[ast.Step, ...],
                                                 ast.FilterStep | None, str, str | None] | None:
        """(reference, field prefix, all(c) step or None, projected field, declared element
        type or None) of ``@event{E.list[.all(c)].field}``-like references."""
        if not isinstance(ref, ast.Reference) or ref.kind == "journey" or \
                ref.default is not None or (ref.kind == "data" and ref.params is not None):
            return None
        steps = ref.steps
        if not steps or not isinstance(steps[-1], ast.FieldStep):
            return None
        filter_step = None
        prefix = steps[:-1]
        if prefix and isinstance(prefix[-1], ast.FilterStep):
            filter_step = prefix[-1]
            if filter_step.kind != "all":
                return None
            prefix = prefix[:-1]
        if not all(isinstance(s, ast.FieldStep) for s in prefix) or not (prefix or filter_step):
            return None  # the root of a reference is a payload mapping, never a list
        plan = self.checked.refs.get(ref)
        declared = plan.declared if plan else None
        if declared is not None and not T.is_list(declared):
            return None  # statically not a projection
        element = T.element(declared) if declared is not None else None
        return ref, prefix, filter_step, steps[-1].name, element

    def consumer(self, name: str, target: str, probe: py.expr | None
                 ) -> tuple[Stmts, Callable[[py.expr], Stmts], py.expr] | None:
        """(initial statements, statements consuming one value, result) of an aggregate."""
        acc, n = self.fresh("_a"), self.fresh("_n")
        self.finite_acc = None

        def add(var: str, v: py.expr) -> Stmts:
            return [N.AugAssign(target=N.Name(id=var, ctx=STORE), op=py.Add(), value=v)]
        numeric = target in ("integer", "decimal")
        if name == "count":
            return [_store(n, _const(0))], lambda v: add(n, _const(1)), _name(n)
        if name in ("sum", "avg") and target == "decimal":
            self.finite_acc = acc  # a non-finite element makes the total non-finite
        if name == "sum" and numeric:
            zero = _const(0 if target == "integer" else 0.0)
            # a decimal total is finite once the loop's end test passed (finite_acc)
            total = _name(acc) if target == "decimal" else \
                _call(self.bind(values.check_int), _name(acc))
            return [_store(acc, zero)], lambda v: add(acc, v), total
        if name == "avg" and numeric:
            zero = _const(0 if target == "integer" else 0.0)
            mean = _call(self.bind(_mean), _name(acc), _name(n))
            return ([_store(acc, zero), _store(n, _const(0))],
                    lambda v: [*add(acc, v), *add(n, _const(1))], mean)
        if target in ("number", "number53"):
            return self.by_elements(name, acc, n, add)
        if name in ("max", "min") and target in T.ORDERABLE:
            better = py.Gt() if name == "max" else py.Lt()
            first = _is(_name(acc), _const(None))
            test = N.BoolOp(op=py.Or(), values=[first, N.Compare(
                left=_name("_v"), ops=[better], comparators=[_name(acc)])])
            return ([_store(acc, _const(None))],
                    lambda v: [N.If(test=test, body=[_store(acc, v)], orelse=[])], _name(acc))
        if name == "distinctCount" and target in _SET_ELEMENTS:
            adder = N.Attribute(value=_name(acc), attr="add", ctx=LOAD)
            return ([_store(acc, _call(_name("set")))],
                    lambda v: [N.Expr(value=_call(adder, v))], _call(_name("len"), _name(acc)))
        if name == "in" and probe is not None:
            found = N.Compare(left=_name("_v"), ops=[py.Eq()], comparators=[probe])
            return ([_store(acc, _const(False))],
                    lambda v: [N.If(test=found, body=[_store(acc, _const(True))], orelse=[])],
                    _name(acc))
        return None

    def by_elements(self, name: str, acc: str, n: str, add: Callable[[str, py.expr], Stmts]
                    ) -> tuple[Stmts, Callable[[py.expr], Stmts], py.expr]:
        """``sum``/``avg``/``max``/``min`` of plain numbers typed at run time: an exact integer
        accumulator and a double one side by side (``_floats`` says which is the result), as
        the listInteger/listDecimal choice of the dispatcher gives."""
        total = self.fresh("_b")
        init: Stmts = [_store(acc, _const(0)), _store(total, _const(0.0)),
                _store("_floats", _const(False)), _store(n, _const(0))]
        if name in ("sum", "avg"):
            self.finite_acc = total
            end = _call(self.bind(agg.mean_of if name == "avg" else _sum_of), _name(acc),
                        _name(total), _name("_floats"), _name(n))
            counted = name == "avg"
            return init, lambda v: [*add(acc, v), *add(total, v),
                                    *(add(n, _const(1)) if counted else [])], end
        better = N.Compare(left=_name("_v"), ops=[py.Gt() if name == "max" else py.Lt()],
                           comparators=[_name(acc)])
        test = N.BoolOp(op=py.Or(), values=[_is(_name(acc), _const(None)), better])
        init[0] = _store(acc, _const(None))
        end = _call(self.bind(_extreme_of), _name(acc), _name("_floats"))
        return init, lambda v: [N.If(test=test, body=[_store(acc, v)], orelse=[])], end

    def fused_loop(self, node: ast.Call, ref: ast.Reference, filter_step: ast.FilterStep | None,
                   last: str, element: str | None, target: str,
                   consumer: tuple[Stmts, Callable[[py.expr], Stmts], py.expr]) -> py.Name:
        """``def _fusedN(_items)``: the loop, returning the aggregate or UNSET."""
        ret = N.Return(value=consumer[2])  # the call's line: the aggregate's own errors
        with self.at(self.line(ref)):  # the rest: the reference's (coercion errors)
            return self.loop_of(ref, filter_step, last, element, target, consumer, ret)

    def loop_of(self, ref: ast.Reference, filter_step: ast.FilterStep | None, last: str,
                element: str | None, target: str,
                consumer: tuple[Stmts, Callable[[py.expr], Stmts], py.expr],
                ret: py.stmt) -> py.Name:
        init, consume, _ = consumer
        finite_acc, self.finite_acc = self.finite_acc, None
        param = self.fresh("_l")
        body: Stmts = []
        outer, self.def_target = self.def_target, body
        self.capturing.append(False)
        try:
            if filter_step is not None:  # the filter and the read share one dict test
                self.dict_flags[param] = self.fresh("_d")
            per_value = self.checked_value(ref, element, target, finite_acc) + \
                consume(_name("_v"))
            read = _store("_v", self.field_step(_name(param), last, False))
            skip_none = N.If(test=_is(_name("_v"), _const(None), negate=True),
                              body=per_value, orelse=[])
            step_body: Stmts = [read, skip_none]
            if filter_step is not None:
                self.loop_params[filter_step] = param
                test = self.boolean(filter_step.cond) if filter_step.cond is not None else None
                flag = self.dict_flag(param, [*body, *step_body, *([test] if test else [])])
                step_body = flag + (
                    [N.If(test=test, body=step_body, orelse=[])] if test is not None
                    else step_body)
        finally:
            self.def_target = outer
            captured = self.capturing.pop()
        loop = N.For(target=N.Name(id=param, ctx=STORE), iter=_name("_items"),
                     body=step_body, orelse=[])
        args = py.arguments(posonlyargs=[], args=[N.arg(arg="_items")], kwonlyargs=[],
                            kw_defaults=[], defaults=[])
        name = self.fresh("_fused")
        end = [_not_finite(finite_acc, self.bind(rt.UNSET))] if finite_acc else []
        fn = N.FunctionDef(name=name, args=args, body=[*body, *init, loop, *end, ret],
                           decorator_list=[], returns=None)
        if self.def_target is self.prologue and not captured:
            self.module_defs.append(fn)
        else:
            self.def_target.append(fn)
        return _name(name)

    def plain_number(self, bound: int, deferred: bool) -> Stmts:
        return _plain_number_check(bound, self.bind(rt.UNSET), deferred)

    def checked_value(self, ref: ast.Reference, element: str | None, target: str,
                      finite_acc: str | None = None) -> Stmts:
        """Statements making ``_v`` a value of the target type, or returning UNSET: a list to
        splice, an undeclared value of another type. Declared values of another Python type go
        through the coercion of §5.3 (whose errors are the reference's). With ``finite_acc``
        (a sum or mean of doubles) a float passes untested: a non-finite one makes that total
        non-finite, which the loop tests once, at its end, and before any coercion (whose
        error must not come before the non-finite element's own)."""
        unset = N.Return(value=self.bind(rt.UNSET))
        splice = N.If(test=N.BoolOp(op=py.Or(), values=[
            _is(_call(_name("type"), _name("_v")), _name("list")),
            _is(_call(_name("type"), _name("_v")), _name("tuple"))]), body=[unset], orelse=[])
        if target == "any":
            return [splice]
        if target in ("number", "number53"):
            return self.plain_number(1 << (63 if target == "number" else 53),
                                     finite_acc is not None)
        exact = _EXACT.get(target)
        if element is None:  # undeclared: only values of the wanted type, in range
            if exact is None:
                return [unset]
            ok: py.expr = _is(_call(_name("type"), _name("_v")), _name(exact))
            if target == "integer":
                ok = N.BoolOp(op=py.And(), values=[ok, N.Compare(
                    left=_const(values.INT_MIN), ops=[py.LtE(), py.LtE()],
                    comparators=[_name("_v"), _const(values.INT_MAX)])])
            return [N.If(test=N.UnaryOp(op=py.Not(), operand=ok), body=[unset], orelse=[])]
        coercer = rt.COERCERS.get(element)
        coerce = _call(self.bind(coercer), _name("_v")) if coercer is not None else \
            _call(self.bind(rt.coerce), _name("_v"), _const(element))
        fix: Stmts = [splice, _store("_v", coerce)]
        if finite_acc is not None and element == "decimal":
            fix.insert(0, _not_finite(finite_acc, self.bind(rt.UNSET)))
        if exact is None:
            return fix
        if element == "decimal":  # payload integers widen inline
            in_range = N.BoolOp(op=py.And(), values=[
                _is(_call(_name("type"), _name("_v")), _name("int")),
                N.Compare(left=_const(values.INT_MIN), ops=[py.LtE(), py.LtE()],
                           comparators=[_name("_v"), _const(values.INT_MAX)])])
            fix = [N.If(test=in_range, body=[_store("_v", _call(_name("float"), _name("_v")))],
                         orelse=fix)]
        same: py.expr = _is(_call(_name("type"), _name("_v")), _name(exact))
        valid = in_domain(_name("_v"), element)
        if valid is not None and not (finite_acc is not None and element == "decimal"):
            same = N.BoolOp(op=py.And(), values=[same, valid])
        return [N.If(test=N.UnaryOp(op=py.Not(), operand=same), body=fix, orelse=[])]


def _not_finite(acc: str, unset: py.expr) -> py.If:
    """``if acc - acc != 0.0: return UNSET`` (an infinite or NaN total)."""
    return N.If(test=N.Compare(left=N.BinOp(left=_name(acc), op=py.Sub(), right=_name(acc)),
                               ops=[py.NotEq()], comparators=[_const(0.0)]),
                body=[N.Return(value=unset)], orelse=[])


def _plain_number_check(bound: int, unset: py.expr, deferred: bool = False) -> Stmts:
    """``_v`` is a finite float (``_floats`` then set; its finiteness tested on the total
    when ``deferred``) or an int within ``bound``; else the loop returns UNSET and the
    dispatcher decides."""
    kind = _name("_k")
    finite = N.Compare(left=N.BinOp(left=_name("_v"), op=py.Sub(), right=_name("_v")),
                       ops=[py.NotEq()], comparators=[_const(0.0)])
    in_range = N.BoolOp(op=py.And(), values=[_is(kind, _name("int")), N.Compare(
        left=_const(-bound), ops=[py.LtE(), py.Lt() if bound == 1 << 63 else py.LtE()],
        comparators=[_name("_v"), _const(bound)])])
    return [_store("_k", _call(_name("type"), _name("_v"))),
            N.If(test=_is(kind, _name("float")),
                 body=[*([] if deferred else [N.If(test=finite, body=[N.Return(value=unset)],
                                                   orelse=[])]),
                       _store("_floats", _const(True))],
                 orelse=[N.If(test=N.UnaryOp(op=py.Not(), operand=in_range),
                              body=[N.Return(value=unset)], orelse=[])])]


def _sum_of(exact: int, total: float, floats: bool, n: int) -> Any:
    return values.check_float(total) if floats else values.check_int(exact)


def _extreme_of(best: Any, floats: bool) -> Any:
    return float(best) if floats and best is not None else best


def _mean(total: float | int, n: int) -> float | None:
    """The mean of a fused ``avg``; UNSET when the running double sum overflowed (the
    ordinary code rescales)."""
    if n == 0:
        return None
    if type(total) is int:
        return float(total / n)
    mean = total / n
    return mean if mean - mean == 0.0 else rt.UNSET


def _concrete(t: str, x: str) -> str:
    if t == "X":
        return x or "any"
    if t == "listX":
        return T.list_of(x) if x else "listAny"
    return t
