"""The state and primitives every part of code generation shares.

One job: the generator's base class — fresh local names, objects bound in the namespace, context
values read once in the prologue, line numbers — with expression dispatch, constant folding,
widening and conditions; plus the small ``ast`` constructors the generator parts use.

Line numbers. Every Python node the generator makes (through :class:`N`) is stamped, when it is
made, with the line of the jexpr node whose code is being generated — line *n* + 1 for the
*n*-th node (:meth:`GenBase.line`) — so a runtime helper that raises names its sub-expression
(:mod:`jexpr.program` reads the line from the traceback). :meth:`GenBase.gen` sets the line for
the node it generates; :meth:`GenBase.at` sets it where a step, a loop or the prologue's code
belongs to another node.
"""

from __future__ import annotations

import ast as py
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeVar

from jexpr.checker.check import Checked
from jexpr.compiler.interpret import fold
from jexpr.runtime import ops as rt
from jexpr.syntax import ast

_NEVER_NULL_BOOL = (ast.Compare, ast.Logical, ast.Not, ast.IsNull, ast.IsType, ast.HasNull)
NEVER_NULL = frozenset((
    "contain", "containIgnoreCase", "startWith", "startWithIgnoreCase", "endWith",
    "endWithIgnoreCase", "equalIgnoreCase", "notEqualIgnoreCase", "matchRegExp", "isEmpty",
    "isNotEmpty", "in", "inAudience", "inLastDays", "inLastHours", "inLastMonths",
    "inLastYears", "inNextDays", "inNextHours", "inNextMonths", "inNextYears"))


class _Position(threading.local):
    line = 1  # the line stamped on nodes made now (generation may run in several threads)


_POSITION = _Position()
_Node = TypeVar("_Node", bound=py.AST)


def _stamped(cls: type[_Node]) -> Callable[..., _Node]:
    make_node: Any = cls

    def make(*args: Any, **fields: Any) -> _Node:
        line = _POSITION.line
        node: _Node = make_node(*args, **fields, lineno=line, col_offset=0, end_lineno=line,
                                end_col_offset=1)
        return node
    return make


class N:
    """Constructors of the located ``ast`` nodes the generator makes, stamped with the current
    jexpr line (``N.Name(id=…)`` is ``ast.Name(id=…, lineno=…, …)``)."""

    Name = _stamped(py.Name)
    Constant = _stamped(py.Constant)
    Call = _stamped(py.Call)
    Compare = _stamped(py.Compare)
    BoolOp = _stamped(py.BoolOp)
    BinOp = _stamped(py.BinOp)
    UnaryOp = _stamped(py.UnaryOp)
    IfExp = _stamped(py.IfExp)
    NamedExpr = _stamped(py.NamedExpr)
    Attribute = _stamped(py.Attribute)
    Subscript = _stamped(py.Subscript)
    Slice = _stamped(py.Slice)
    List = _stamped(py.List)
    Tuple = _stamped(py.Tuple)
    Dict = _stamped(py.Dict)
    Assign = _stamped(py.Assign)
    AugAssign = _stamped(py.AugAssign)
    If = _stamped(py.If)
    For = _stamped(py.For)
    Return = _stamped(py.Return)
    Expr = _stamped(py.Expr)
    FunctionDef = _stamped(py.FunctionDef)
    Try = _stamped(py.Try)
    ExceptHandler = _stamped(py.ExceptHandler)
    Raise = _stamped(py.Raise)
    arg = _stamped(py.arg)
    keyword = _stamped(py.keyword)


class _At:
    """The context manager of :meth:`GenBase.at` (a class: cheaper than a generator)."""

    __slots__ = ("line", "saved")

    def __init__(self, line: int) -> None:
        self.line = line
        self.saved = 1

    def __enter__(self) -> None:
        self.saved = _POSITION.line
        _POSITION.line = self.line

    def __exit__(self, *exc: object) -> None:
        _POSITION.line = self.saved


class _Replace(py.NodeTransformer):
    """Replaces the loads of one local by an expression (the generated nodes other than
    names and constants are made once per use, so changing them in place is safe)."""

    def __init__(self, name: str, by: py.expr) -> None:
        self.name, self.by = name, by

    def visit_Name(self, node: py.Name) -> py.expr:
        return self.by if node.id == self.name else node


LOAD, STORE = py.Load(), py.Store()  # contexts are stateless: one instance each
_NAMES: dict[str, py.Name] = {}


def _name(n: str) -> py.Name:
    """A load of ``n``. Loads cannot fail in generated code (every local is bound before it
    is read), so their line does not matter: one node per name (at line 1, the line of the
    whole expression) serves every use."""
    node = _NAMES.get(n)
    if node is None:
        if len(_NAMES) > 100_000:
            _NAMES.clear()
        node = _NAMES[n] = py.Name(id=n, ctx=LOAD, lineno=1, col_offset=0, end_lineno=1,
                                   end_col_offset=1)
    return node


_CONSTANTS: dict[tuple[type, Any], py.Constant] = {}


def _const(v: Any) -> py.Constant:
    """A constant; like loads, constants cannot fail, so those of the hashable types whose
    equal values are interchangeable (not floats: ``0.0 == -0.0``) are made once."""
    t = type(v)
    if t is not str and t is not int and t is not bool and v is not None:
        return N.Constant(value=v)
    node = _CONSTANTS.get((t, v))
    if node is None:
        if len(_CONSTANTS) > 100_000:
            _CONSTANTS.clear()
        node = _CONSTANTS[(t, v)] = py.Constant(value=v, lineno=1, col_offset=0, end_lineno=1,
                                                end_col_offset=1)
    return node


def _call(fn: py.expr, *args: py.expr) -> py.Call:
    return N.Call(func=fn, args=list(args), keywords=[])


def in_domain(value: py.expr, declared: str) -> py.expr | None:
    """For a value already of the Python type of ``declared``: the test that it is also a
    valid one (64-bit integers, finite decimals; §5.3), or None when the type is enough."""
    if declared == "integer":
        return N.Compare(left=_const(-(1 << 63)), ops=[py.LtE(), py.LtE()],
                         comparators=[value, _const((1 << 63) - 1)])
    if declared == "decimal":
        return N.Compare(left=N.BinOp(left=value, op=py.Sub(), right=value), ops=[py.Eq()],
                         comparators=[_const(0.0)])
    return None


def _is(a: py.expr, b: py.expr, negate: bool = False) -> py.Compare:
    return N.Compare(left=a, ops=[py.IsNot() if negate else py.Is()], comparators=[b])



_ROOT_OF = {"event": "events", "legacy": "events", "action": "actions",
            "lookup": "datasetLookups", "journey": "journey", "data": "dataSources"}
_COSTLY = frozenset(("dateTime", "dateTimeOnly", "dateOnly", "duration"))


def reference_key(checked: Checked, node: ast.Node) -> tuple[object, ...] | None:
    """What makes two references the same value: root, field path and declared type (field
    steps only, no default, no params); None for other references."""
    if not isinstance(node, ast.Reference) or node.default is not None or node.params or \
            not all(isinstance(s, ast.FieldStep) for s in node.steps):
        return None
    plan = checked.refs.get(node)
    return (_ROOT_OF[node.kind], node.root, node.group,
            tuple(s.name for s in node.steps if isinstance(s, ast.FieldStep)),
            plan.declared if plan else None)


def costly(declared: str | None) -> bool:
    """A declared type whose coercion is worth computing once per evaluation."""
    return declared is not None and (declared in _COSTLY or declared.startswith("list"))


def _repeated_references(checked: Checked) -> set[tuple[object, ...]]:
    seen: set[tuple[object, ...]] = set()
    repeated: set[tuple[object, ...]] = set()
    for node, plan in checked.refs.items():  # every reference, without walking the tree
        if not costly(plan.declared):
            continue
        key = reference_key(checked, node)
        if key is not None and costly(key[-1]):  # type: ignore[arg-type]
            (repeated if key in seen else seen).add(key)
    return repeated


class GenBase:
    """The generator's state and primitives (the base of :class:`jexpr.compiler.codegen.CodeGen`)."""

    def __init__(self, checked: Checked) -> None:
        self.checked = checked
        self.namespace: dict[str, Any] = {"__builtins__": {
            "type": type, "int": int, "float": float, "str": str, "bool": bool, "dict": dict,
            "list": list, "tuple": tuple, "next": next, "len": len, "sum": sum,
            "reversed": reversed, "set": set}}
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
        self.flag_uses: dict[str, int] = {}  # how often each such local is read
        self.path_counts: dict[tuple[str, ...], int] | None = None  # see path_uses
        self.counter = 0
        self.constants: dict[ast.Node, bool] = {}  # memo for constant folding
        self.unhoisted: set[ast.Node] = set()  # references whose last field is not hoisted
        self.memos: dict[tuple[object, ...], str] = {}  # repeated costly coercions
        self.capturing: list[bool] = []  # per loop function being made: reads a main local
        self.repeated = _repeated_references(checked)

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
        if what not in self.needs:
            with self.at(self.line(self.checked.node)):
                self.read_context(what, target)
        self.main_local()
        return _name(target)

    def main_local(self) -> None:
        """Note that the code being made reads a local of the main function: the loop
        functions around it must be defined inside it (not once, at module level)."""
        for i in range(len(self.capturing)):
            self.capturing[i] = True

    def read_context(self, what: str, target: str) -> None:
        self.needs.add(what)
        ctx = _name("ctx")
        get = _call(N.Attribute(value=ctx, attr="get", ctx=LOAD), _const(what))
        makers: dict[str, Callable[[], py.expr]] = {
            "now": lambda: self.context_now(ctx),
            "rng": lambda: _call(self.bind(rt.context_rng), ctx),
            "timeout": lambda: N.IfExp(  # the default inline
                test=_is(_call(N.Attribute(value=ctx, attr="get", ctx=LOAD),
                               _const("regexTimeout")), _const(None)),
                body=_const(rt.DEFAULT_REGEX_TIMEOUT),
                orelse=_call(self.bind(rt.context_timeout), ctx)),
            "dscache": lambda: N.Dict(keys=[], values=[]),
        }
        if what in makers:
            self.assign(target, makers[what]())
        elif what in ("audiences", "timezone", "dataSources"):
            self.assign(target, get)
        else:  # a mapping of payloads: checked once, dicts pass through untouched
            self.assign(target, get)
            fix = N.Assign(targets=[N.Name(id=target, ctx=STORE)],
                            value=_call(self.bind(rt.mapping), _name(target)))
            test = _is(_call(_name("type"), _name(target)), _name("dict"), negate=True)
            stmt = N.If(test=test, body=[fix], orelse=[])
            self.prologue.append(stmt)

    def context_now(self, ctx: py.expr) -> py.expr:
        """``context_now(ctx)`` with its common case inline: ``now`` given at a fixed offset."""
        now = N.NamedExpr(target=N.Name(id="_now", ctx=STORE), value=_call(
            N.Attribute(value=ctx, attr="get", ctx=LOAD), _const("now")))
        fixed = N.BoolOp(op=py.And(), values=[
            _is(_call(_name("type"), now), self.bind(datetime)),
            _is(_call(_name("type"), N.Attribute(value=_name("_now"), attr="tzinfo", ctx=LOAD)),
                self.bind(timezone))])
        return N.IfExp(test=fixed, body=_name("_now"), orelse=_call(self.bind(rt.context_now), ctx))

    def assign(self, target: str, value: py.expr, line: int | None = None) -> None:
        """``target = value`` in the prologue (the value is made by the caller, under the
        line it belongs to)."""
        with self.at(line or self.line(self.checked.node)):
            stmt = N.Assign(targets=[N.Name(id=target, ctx=STORE)], value=value)
        self.prologue.append(stmt)

    def dict_flag(self, param: str, nodes: list[Any]) -> list[py.stmt]:
        """The statement setting the "is a dict" local of loop element ``param`` when the
        loop body (``nodes``) reads it more than once; when it reads it once, that read
        becomes the test itself (in place) and no statement is needed."""
        flag = self.dict_flags.pop(param)
        test = _is(_call(_name("type"), _name(param)), _name("dict"))
        uses = self.flag_uses.pop(flag, 0)
        if uses > 1:
            return [N.Assign(targets=[N.Name(id=flag, ctx=STORE)], value=test)]
        if uses == 1:
            inliner = _Replace(flag, test)
            for node in nodes:
                inliner.visit(node)
        return []

    def at(self, line: int) -> _At:
        """Stamp the nodes made inside the ``with`` block with ``line``."""
        return _At(line)

    def line(self, node: ast.Node) -> int:
        if node not in self.line_of:
            self.lines.append(node)
            self.line_of[node] = len(self.lines)
        return self.line_of[node]

    # -- expressions

    def type_of(self, node: ast.Node) -> str:
        return self.checked.types.get(node, "any")

    def gen(self, node: ast.Expr, top: bool = False) -> py.expr:
        saved = _POSITION.line
        _POSITION.line = self.line(node)
        try:
            folded = fold(self.checked, node, self.constants)
            if folded is not None:
                out: py.expr = self.constant(folded[0])
            else:
                out = getattr(self, "_" + type(node).__name__)(node)
        finally:
            _POSITION.line = saved
        return out

    def constant(self, value: Any) -> py.expr:
        if value is None or type(value) in (int, float, str, bool):
            return _const(value)
        return self.bind(value)

    def widen(self, code: py.expr, have: str, want: str, what: str = "value") -> py.expr:
        """Integer to decimal where the static types say so; an ``any`` value standing for a
        known type (an if branch, a default) is checked against it at run time."""
        if have == "any" and want not in ("any", "null", "object", "listAny"):
            return _call(self.bind(rt.expect), code, _const(want), _const(what))
        if want == "decimal" and have == "integer":
            if isinstance(code, py.Constant) and type(code.value) is int:
                return _const(float(code.value))
            return _call(self.bind(rt.to_float), code)
        if want == "listDecimal" and have == "listInteger":
            return _call(self.bind(rt.list_to_float), code)
        return code

    def boolean(self, node: ast.Expr) -> py.expr:
        """A Python bool for a jexpr condition operand (null → False)."""
        code = self.gen(node)
        t = self.type_of(node)
        inner = node
        while isinstance(inner, ast.Paren):
            inner = inner.expr
        if t == "boolean" and (isinstance(inner, _NEVER_NULL_BOOL) or (
                isinstance(inner, ast.Call) and inner.name in NEVER_NULL)):
            return code
        if t in ("boolean", "null"):
            return _is(code, _const(True))
        return _call(self.bind(rt.truth), code)
