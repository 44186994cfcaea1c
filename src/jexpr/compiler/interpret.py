"""The reference interpreter: a plain tree walk over a checked expression.

It exists to be obviously right, not fast: tests run every conformance vector and every
generated expression through both this walker and the compiled program and require the same
value or the same error. It shares the runtime helpers and the function registry with the
compiler (the semantics of one operation live in one place), but none of the compiler's
inlining. The compiler also uses it to fold constant sub-expressions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from jexpr import types as T
from jexpr.checker.check import Checked
from jexpr.compiler.dispatch import Dispatcher, concrete
from jexpr.errors import EvalFault
from jexpr.runtime import ops as rt
from jexpr.runtime import values
from jexpr.runtime.boundary import host_result
from jexpr.syntax import ast

_ARITH = {"+": values.add_num, "-": values.sub, "*": values.mul, "/": values.div,
          "%": values.mod}
_IMMUTABLE = (type(None), bool, int, float, str, date, timedelta)
_CONSTANT_NODES = (ast.Paren, ast.Negate, ast.Not, ast.Logical, ast.Compare, ast.Arith,
                   ast.IsNull, ast.HasNull, ast.IsType, ast.If, ast.Call, ast.ListLit)
_LITERALS = (ast.IntLit, ast.DecLit, ast.StrLit, ast.BoolLit, ast.NullLit)


class NodeFault(Exception):
    """An evaluation fault with the node it happened in."""

    def __init__(self, fault: EvalFault, node: ast.Node) -> None:
        super().__init__(fault.message)
        self.fault = fault
        self.node = node


def evaluate(checked: Checked, context: Mapping[str, Any] | None = None) -> Any:
    """Evaluate a checked expression; raises :class:`NodeFault`."""
    interp = Interpreter(checked, context or {})
    value = interp.eval(checked.node)
    if checked.type != "boolean":
        try:
            value = host_result(value)
        except EvalFault as fault:
            raise NodeFault(fault, checked.node) from fault
    try:
        return interp.usage(value)
    except EvalFault as fault:
        raise NodeFault(fault, checked.node) from fault


def fold(checked: Checked, node: ast.Expr, memo: dict[ast.Node, bool] | None = None
         ) -> tuple[Any] | None:
    """The value of a constant composite sub-expression, if it has an immutable one."""
    if not isinstance(node, _CONSTANT_NODES) or not _is_constant(
            checked, node, {} if memo is None else memo):
        return None
    try:
        value = Interpreter(checked, {}).eval(node)
    except NodeFault:
        return None
    if not isinstance(value, _IMMUTABLE):
        return None
    return (value,)


def _is_constant(checked: Checked, node: ast.Node, memo: dict[ast.Node, bool]) -> bool:
    known = memo.get(node)
    if known is None:
        known = memo[node] = _constant(checked, node, memo)
    return known


def _constant(checked: Checked, node: ast.Node, memo: dict[ast.Node, bool]) -> bool:
    if isinstance(node, _LITERALS):
        return True
    if not isinstance(node, _CONSTANT_NODES):
        return False
    if isinstance(node, ast.Call):
        plan = checked.calls.get(node)
        if plan is None or not plan.function.pure:
            return False
    return all(_is_constant(checked, c, memo) for c in ast.children(node))


class Interpreter:
    def __init__(self, checked: Checked, context: Mapping[str, Any]) -> None:
        self.checked = checked
        self.ctx = context
        self.loops: dict[ast.FilterStep, Any] = {}
        self.cache: dict[Any, Any] = {}
        self._now: Any = None

    def env(self, name: str) -> Any:
        if name == "now":
            if self._now is None:
                self._now = rt.context_now(self.ctx)
            return self._now
        if name == "rng":
            return rt.context_rng(self.ctx)
        if name == "timeout":
            return rt.context_timeout(self.ctx)
        return self.ctx.get(name)

    def type_of(self, node: ast.Node) -> str:
        return self.checked.types.get(node, "any")

    def eval(self, node: ast.Node) -> Any:
        try:
            return getattr(self, "_" + type(node).__name__)(node)
        except EvalFault as fault:
            raise NodeFault(fault, node) from fault

    def truth(self, node: ast.Expr) -> bool:
        return rt.truth(self.eval(node))

    def usage(self, v: Any) -> Any:
        usage = self.checked.usage
        if usage == "condition":
            return rt.as_condition(v)
        if usage == "wait":
            return rt.as_wait(v, self.ctx.get("timezone"))
        if usage == "datasetLookupKey":
            return rt.as_lookup_key(v)
        if usage == "path":
            return rt.as_typed(v, "string", "path")
        if usage.startswith("action:"):
            return rt.as_typed(v, usage[7:], usage)
        return v

    # -- literals and operators

    def _IntLit(self, node: ast.IntLit) -> Any:
        return node.value

    _DecLit = _StrLit = _BoolLit = _IntLit

    def _NullLit(self, node: ast.NullLit) -> Any:
        return None

    def _Paren(self, node: ast.Paren) -> Any:
        return self.eval(node.expr)

    def _ListLit(self, node: ast.ListLit) -> Any:
        element = T.element(self.type_of(node))
        items = [self.eval(i) for i in node.items]
        if element not in ("any", "object"):
            return rt.check_list(items, element)
        return items

    def _Negate(self, node: ast.Negate) -> Any:
        return values.neg(self.eval(node.operand))

    def _Not(self, node: ast.Not) -> Any:
        return not self.truth(node.operand)

    def _Logical(self, node: ast.Logical) -> Any:
        left = self.truth(node.left)
        if node.op == "and":
            return left and self.truth(node.right)
        return left or self.truth(node.right)

    def _Compare(self, node: ast.Compare) -> Any:
        a, b = self.eval(node.left), self.eval(node.right)
        if node.op == "==":
            return values.equals(a, b)
        if node.op == "!=":
            return not values.equals(a, b)
        return rt.compare_any(a, b, node.op)

    def _Arith(self, node: ast.Arith) -> Any:
        a, b = self.eval(node.left), self.eval(node.right)
        if node.op == "+":
            return rt.plus_any(a, b)
        return _ARITH[node.op](a, b)

    def _IsNull(self, node: ast.IsNull) -> Any:
        return (self.eval(node.operand) is None) != node.negated

    def _HasNull(self, node: ast.HasNull) -> Any:
        return rt.has_null(self.eval(node.operand))

    def _IsType(self, node: ast.IsType) -> Any:
        return rt.is_type(self.eval(node.operand), node.kind)

    def _If(self, node: ast.If) -> Any:
        branch = node.then if self.truth(node.cond) else node.orelse
        return self.widen(self.eval(branch), self.type_of(branch), self.type_of(node))

    def widen(self, value: Any, have: str, want: str) -> Any:
        """Integer to decimal where the static types say so (as the compiler does)."""
        if have == "any" and want not in ("any", "null", "object", "listAny"):
            return rt.expect(value, want, "value")
        if want == "decimal" and have == "integer":
            return rt.to_float(value)
        if want == "listDecimal" and have == "listInteger":
            return rt.list_to_float(value)
        return value

    def _Call(self, node: ast.Call) -> Any:
        plan = self.checked.calls[node]
        args = [self.eval(a) for a in node.args]
        dispatcher = Dispatcher.build(node.name, plan)
        if not plan.dynamic:
            sig, x = plan.candidates[0], plan.bindings[0]
            args = [rt.expect(a, concrete(p, x), node.name)
                    for a, p in zip(args, sig.params, strict=True)]
            kwargs = dict(sig.kwargs)
            if "coerce" in plan.extra:
                kwargs["coerce"] = rt.coercer(plan.extra["coerce"])
            return sig.impl(*[self.env(n) for n in sig.needs], *args, **kwargs)
        return dispatcher(args, {n: self.env(n) for n in dispatcher.needs})

    # -- references

    def _Reference(self, node: ast.Reference) -> Any:
        value = self.root(node)
        for step in node.steps:
            value = self.step(value, step)
        declared = self.checked.refs[node].declared if node in self.checked.refs else None
        if declared is not None:
            value = rt.coerce(value, declared)
        if value is None and node.default is not None:
            value = self.widen(self.eval(node.default), self.type_of(node.default),
                               self.type_of(node))
        return value

    def root(self, node: ast.Reference) -> Any:
        if node.kind == "data":
            params = None
            if node.params is not None:
                params = {p.name: self.eval(p.value) for p in node.params}
            return rt.data_group(self.ctx.get("dataSources"), node.root, node.group or "",
                                 params, self.cache)
        key = {"event": "events", "legacy": "events", "action": "actions",
               "lookup": "datasetLookups", "journey": "journey"}[node.kind]
        return rt.mapping(self.ctx.get(key)).get(node.root)

    def step(self, value: Any, step: ast.Step) -> Any:
        try:
            return self._step(value, step)
        except EvalFault as fault:
            raise NodeFault(fault, step) from fault

    def _step(self, value: Any, step: ast.Step) -> Any:
        if isinstance(step, ast.FieldStep):
            return rt.field(value, step.name)
        if isinstance(step, ast.EntryStep):
            return rt.entry(value, self.eval(step.key))
        if isinstance(step, ast.KeysStep):
            return rt.keys(value, step.first_only)
        if isinstance(step, ast.AtStep):
            return rt.at(value, self.eval(step.index))
        fn = {"all": rt.keep_all, "first": rt.keep_first, "last": rt.keep_last}[step.kind]
        if step.cond is None:
            return fn(value, None)
        cond = step.cond

        def test(element: Any) -> bool:
            saved = self.loops.get(step)
            self.loops[step] = element
            try:
                return self.truth(cond)
            finally:
                self.loops[step] = saved

        return fn(value, test)

    def _LoopRef(self, node: ast.LoopRef) -> Any:
        value = self.loops[self.checked.loops[node]]
        for step in node.steps:
            value = self.step(value, step)
        declared = self.checked.refs[node].declared if node in self.checked.refs else None
        return rt.coerce(value, declared) if declared is not None else value


def evaluate_program(program: Any, context: Mapping[str, Any] | None = None) -> Any:
    """Evaluate a compiled :class:`jexpr.Program`'s checked tree with this interpreter,
    raising :class:`jexpr.EvaluationError` as the program would."""
    from jexpr.diagnostics import EvaluationError, error

    try:
        return evaluate(program.checked, context)
    except NodeFault as fault:
        diag = error(fault.fault.code, fault.fault.message, fault.node.span)
        raise EvaluationError(diag) from fault
