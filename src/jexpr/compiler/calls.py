"""Code generation of function calls.

One job: statically resolved calls (argument checks and widening, evaluation order), inline
string functions and ``in`` tests, and run-time dispatch of calls that could not be resolved
statically (aggregates over projections are fused in :mod:`jexpr.compiler.fused`).
"""

from __future__ import annotations

import ast as py
from datetime import UTC
from typing import Any

from jexpr import types as T
from jexpr.compiler.base import LOAD, STORE, N, _call, _const, _is, _name
from jexpr.compiler.dispatch import Dispatcher
from jexpr.compiler.inline import InlineGen
from jexpr.compiler.inline import lookup_signature as lookup_signature  # re-exported
from jexpr.compiler.switch import build_switch
from jexpr.functions.registry import CallPlan, Signature
from jexpr.runtime import ops as rt
from jexpr.runtime import values
from jexpr.syntax import ast

_PY_TYPE = {"string": "str", "integer": "int", "decimal": "float", "boolean": "bool",
            "listAny": "list", "object": "dict"}


class CallGen(InlineGen):
    """Function calls (a part of :class:`jexpr.compiler.codegen.CodeGen`)."""

    # -- calls

    def _Call(self, node: ast.Call) -> py.expr:
        plan = self.checked.calls[node]
        fused = self.fused_call(node, plan, lambda: self.ordinary_call(node, plan))
        return fused if fused is not None else self.ordinary_call(node, plan)

    def ordinary_call(self, node: ast.Call, plan: CallPlan) -> py.expr:
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
        return N.IfExp(test=evaluated, body=result, orelse=_const(None))

    def evaluate_first(self, args: list[py.expr], types: list[str], wants: list[str]
                       ) -> tuple[list[py.expr], py.expr | None]:
        """Arguments are all evaluated, left to right, before any is type-checked (§6.1):
        when an ``any`` argument is checked and a later one is computed, bind them all to
        locals first (the tuple of bindings is always true)."""
        checked = [i for i, (t, w) in enumerate(zip(types, wants, strict=True))
                   if t == "any" and w != "any"]
        if not checked or all(_inert(a) for a in args[checked[0] + 1:]):
            return args, None
        bindings: list[py.expr] = []
        names: list[py.expr] = []
        for arg in args:
            if _inert(arg):
                names.append(arg)
                continue
            tmp = self.fresh()
            bindings.append(N.NamedExpr(target=N.Name(id=tmp, ctx=STORE), value=arg))
            names.append(_name(tmp))
        return names, N.Tuple(elts=bindings, ctx=LOAD)

    def call_code(self, node: ast.Call, plan: CallPlan, sig: Signature, args: list[py.expr],
                  types: list[str], wants: list[str]) -> py.expr:
        converted = [self.argument(code, have, want, node.name)
                     for code, have, want in zip(args, types, wants, strict=True)]
        fused = None
        if sig.params and all(p == "string" for p in sig.params):
            fused = self.string_call(node.name, args, types)
        if fused is not None:
            return fused
        if node.name == "now" and not node.args:  # now() at offset UTC, the common case inline
            now = self.need("now")
            return N.IfExp(test=_is(N.Attribute(value=now, attr="tzinfo", ctx=LOAD),
                                    self.bind(UTC)), body=now, orelse=_call(self.bind(sig.impl), now))
        if sig.needs == ("timeout",):
            compiled = self.regex_call(node.name, converted)
            if compiled is not None:
                return compiled
        inline = self.inline(node.name, converted, wants)
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
            test: py.expr = _is(_call(_name("type"), N.NamedExpr(
                target=N.Name(id=tmp, ctx=STORE), value=code)), _name(_PY_TYPE[want]))
            if want == "integer":  # and a valid value of it (§5.4): else expect() says why
                test = N.BoolOp(op=py.And(), values=[test, N.Compare(
                    left=_const(values.INT_MIN), ops=[py.LtE(), py.LtE()],
                    comparators=[_name(tmp), _const(values.INT_MAX)])])
            elif want == "decimal":
                test = N.BoolOp(op=py.And(), values=[test, N.Compare(
                    left=N.BinOp(left=_name(tmp), op=py.Sub(), right=_name(tmp)),
                    ops=[py.Eq()], comparators=[_const(0.0)])])
            check.args[0] = _name(tmp)
            return N.IfExp(test=test, body=_name(tmp), orelse=check)
        if have == "listAny" and want.startswith("list") and want != "listAny":
            # a list of any elements (a list literal with an ``any`` element) where a typed
            # list is wanted: its elements are checked (§5.2), as the interpreter does
            return _call(self.bind(rt.expect), code, _const(want), _const(fname))
        return self.widen(code, have, want)

    def keywords(self, static: tuple[tuple[str, Any], ...], plan: CallPlan) -> list[py.keyword]:
        out = [N.keyword(arg=k, value=_const(v)) for k, v in static]
        if "coerce" in plan.extra:
            out.append(N.keyword(arg="coerce",
                                  value=self.bind(rt.coercer(plan.extra["coerce"]))))
        return out

    def dispatch(self, node: ast.Call, plan: CallPlan, args: list[py.expr]) -> py.expr:
        """A call resolved at run time: a type switch on the ``any`` arguments (the table of
        :mod:`jexpr.compiler.switch`), the dispatcher for whatever the table leaves open."""
        dispatcher = Dispatcher.build(node.name, plan)
        needs: list[py.expr] = [self.need(n) for n in dispatcher.needs]
        env = N.Dict(keys=[_const(n) for n in dispatcher.needs], values=needs)
        positions, table = build_switch(dispatcher, tuple(self.type_of(a) for a in node.args),
                                        plan.function.on_list)
        if not table:
            return _call(self.bind(dispatcher, "_d"), N.Tuple(elts=args, ctx=LOAD), env)
        bindings: list[py.expr] = []
        names: list[py.expr] = []
        for arg in args:  # all evaluated, left to right, before the switch
            if _inert(arg):
                names.append(arg)
                continue
            tmp = self.fresh()
            bindings.append(N.NamedExpr(target=N.Name(id=tmp, ctx=STORE), value=arg))
            names.append(_name(tmp))
        types: list[py.expr] = [_call(_name("type"), names[i]) for i in positions]
        key = types[0] if len(types) == 1 else N.Tuple(elts=types, ctx=LOAD)
        entry = self.fresh("_e")
        lookup = _call(N.Attribute(value=self.bind(table, "_s"), attr="get", ctx=LOAD), key)
        found = _is(N.NamedExpr(target=N.Name(id=entry, ctx=STORE), value=lookup),
                    _const(None), negate=True)
        slow = _call(self.bind(dispatcher, "_d"), N.Tuple(elts=names, ctx=LOAD), env)
        switch = N.IfExp(test=found, body=_call(_name(entry), *needs, *names), orelse=slow)
        if not bindings:
            return switch
        return N.IfExp(test=N.Tuple(elts=bindings, ctx=LOAD), body=switch,
                        orelse=_const(None))



def _concrete(t: str, x: str) -> str:
    if t == "X":
        return x or "any"
    if t == "listX":
        return T.list_of(x) if x else "listAny"
    return t


def _inert(arg: py.expr) -> bool:
    """Code that cannot fail or have effects (a constant, a local, a list of those): it may be
    evaluated at any point, so it needs no binding before the checks (and stays visible to the
    inlining of calls, such as ``in`` over a constant list)."""
    if isinstance(arg, py.Constant | py.Name):
        return True
    return isinstance(arg, py.List | py.Tuple) and all(_inert(e) for e in arg.elts)
