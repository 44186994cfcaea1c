"""Rendering: a checked template compiled once into Python closures, then run per profile.

:func:`compile_template` turns every node into a closure (an expression into ``env → value``,
a template node into ``env, out → None``), so rendering does no tree walking and no name
lookups beyond one dict access per path root. ``env`` maps names to values: the roots
(``profile``, ``context``, ``params`` …), ``let`` variables (message-global) and, inside blocks,
the aliases, ``this`` and the loop variables.

Escaping depends on the part being rendered (:data:`ESCAPES`): ``html`` escapes ``{{…}}``
output with Handlebars' set (``& < > " ' ` =``) and ``{%= … %}`` output with the HTML text set
(``& < > " '``: safe in text and quoted attributes, and URLs keep their ``=``); ``json``
escapes both as the inside of a JSON string; ``text`` (subjects, SMS, push) escapes nothing;
``{{{…}}}`` is never escaped. A helper that fails raises :class:`RenderError` with the template position.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from jengine.templates import ast as T
from jengine.templates.check import CheckedTemplate
from jengine.templates.functions.catalogue import FUNCTIONS
from jengine.templates.functions.signature import Fn, RenderContext, RenderError
from jengine.templates.types import Type
from jengine.templates.values import as_datetime, equal, get, is_empty, order, text_of, truthy

__all__ = ["ESCAPES", "CompiledTemplate", "RenderError", "compile_template"]

Env = dict[str, Any]
Eval = Callable[[Env], Any]
Emit = Callable[[Env, list[str]], None]
CTX = "\x00ctx"

_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;",
                       "`": "&#x60;", "=": "&#x3D;"})


_HTML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                            "'": "&#x27;"})


def _html(s: str) -> str:
    return s.translate(_HTML)


def _html_text(s: str) -> str:
    return s.translate(_HTML_TEXT)


def _json(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)[1:-1]


ESCAPES: Mapping[str, Callable[[str], str]] = {"html": _html, "json": _json, "text": str}
PQL_ESCAPES: Mapping[str, Callable[[str], str]] = {"html": _html_text, "json": _json,
                                                   "text": str}


class CompiledTemplate:
    """A template ready to render; thread-safe (rendering keeps no state)."""

    def __init__(self, name: str, emit: list[Emit]) -> None:
        self.name = name
        self._emit = emit

    def render(self, data: Mapping[str, Any], ctx: RenderContext) -> str:
        env: Env = dict(data)
        env[CTX] = ctx
        out: list[str] = []
        for emit in self._emit:
            emit(env, out)
        return "".join(out)


def compile_template(checked: CheckedTemplate, escape: str = "html",
                     name: str = "<template>") -> CompiledTemplate:
    """Compile a template that checked without errors."""
    return CompiledTemplate(name, _Compiler(checked, escape, name).body(checked.template.body))


def _is_temporal(t: Type | None) -> bool:
    while t is not None and t.kind == "list":
        t = t.item
    return t is not None and t.kind == "dateTime"


class _Compiler:
    def __init__(self, checked: CheckedTemplate, escape: str, name: str) -> None:
        self.types = checked.types
        self.escape, self.pql_escape = ESCAPES[escape], PQL_ESCAPES[escape]
        self.name = name

    def where(self, node: T.Node) -> str:
        return f"{self.name}:{node.span.start_line + 1}:{node.span.start_column + 1}"

    # -- template nodes

    def body(self, nodes: T.Body) -> list[Emit]:
        return [self.node(n) for n in nodes]

    def node(self, node: Any) -> Emit:
        if isinstance(node, T.Text):
            text = node.text
            return lambda env, out: out.append(text)
        if isinstance(node, T.Output):
            return self.output(node)
        if isinstance(node, T.If):
            return self.if_(node)
        if isinstance(node, T.Each):
            return self.each(node)
        if isinstance(node, T.With):
            return self.with_(node)
        assert isinstance(node, T.Let)
        name, value = node.name, self.expr(node.value)

        def let(env: Env, out: list[str]) -> None:
            env[name] = value(env)
        return let

    def output(self, node: T.Output) -> Emit:
        value = self.expr(node.expr)
        escape: Callable[[str], str] = (str if node.form == "raw" else self.pql_escape
                                         if node.form == "pql" else self.escape)

        if escape is str:
            def plain(env: Env, out: list[str]) -> None:
                v = value(env)
                out.append(v if type(v) is str else text_of(v))
            return plain

        def emit(env: Env, out: list[str]) -> None:
            v = value(env)
            out.append(escape(v if type(v) is str else text_of(v)))
        return emit

    def if_(self, node: T.If) -> Emit:
        branches = [(self.expr(c), self.body(b)) for c, b in node.branches]
        otherwise = self.body(node.otherwise)
        negate = node.negate

        def emit(env: Env, out: list[str]) -> None:
            for i, (condition, body) in enumerate(branches):
                if truthy(condition(env)) != (negate and i == 0):
                    for e in body:
                        e(env, out)
                    return
            for e in otherwise:
                e(env, out)
        return emit

    def each(self, node: T.Each) -> Emit:
        items, body, otherwise = self.expr(node.items), self.body(node.body), \
            self.body(node.otherwise)
        names = ["this", "@index", "@first", "@last", "@key"]
        names += [n for n in (node.alias, node.index_alias) if n]
        alias, index_alias = node.alias, node.index_alias

        def emit(env: Env, out: list[str]) -> None:
            value = items(env)
            pairs = list(value.items()) if isinstance(value, dict) else (
                list(enumerate(value)) if isinstance(value, list) else [])
            if not pairs:
                for e in otherwise:
                    e(env, out)
                return
            saved = [(n, env.get(n)) for n in names]
            last = len(pairs) - 1
            for i, (key, item) in enumerate(pairs):
                env["this"], env["@index"], env["@first"], env["@last"], env["@key"] = \
                    item, i, i == 0, i == last, key
                if alias:
                    env[alias] = item
                if index_alias:
                    env[index_alias] = i
                for e in body:
                    e(env, out)
            for n, v in saved:
                env[n] = v
        return emit

    def with_(self, node: T.With) -> Emit:
        value, body, otherwise = self.expr(node.value), self.body(node.body), \
            self.body(node.otherwise)
        alias = node.alias

        def emit(env: Env, out: list[str]) -> None:
            v = value(env)
            if is_empty(v):
                for e in otherwise:
                    e(env, out)
                return
            saved = (env.get("this"), env.get(alias) if alias else None)
            env["this"] = v
            if alias:
                env[alias] = v
            for e in body:
                e(env, out)
            env["this"] = saved[0]
            if alias:
                env[alias] = saved[1]
        return emit

    # -- expressions

    def expr(self, e: T.Expr) -> Eval:
        ev = self._expr(e)
        if isinstance(e, T.Name | T.Member) and _is_temporal(self.types.get(e)):
            read = ev
            return lambda env: _temporal(read(env))
        return ev

    def _expr(self, e: T.Expr) -> Eval:
        if isinstance(e, T.Literal):
            v = e.value
            return lambda env: v
        if isinstance(e, T.Name | T.AtName):
            key = e.text
            return lambda env: env.get(key)
        if isinstance(e, T.Member):
            path = T.path_of(e)
            if path is not None:
                return _path(path[0], path[1:])
            target, name = self.expr(e.target), e.name
            return lambda env: get(target(env), name)
        if isinstance(e, T.Call):
            return self.call(e)
        if isinstance(e, T.Array):
            items = [self.expr(i) for i in e.items]
            return lambda env: [i(env) for i in items]
        if isinstance(e, T.Binary):
            return self.binary(e)
        if isinstance(e, T.Not):
            operand = self.expr(e.operand)
            return lambda env: not truthy(operand(env))
        if isinstance(e, T.Neg):
            return self.arith("-", lambda env: 0, self.expr(e.operand), e)
        assert isinstance(e, T.Fallback)
        left, right = self.expr(e.left), self.expr(e.right)

        def fallback(env: Env) -> Any:
            v = left(env)
            return right(env) if is_empty(v) else v
        return fallback

    def call(self, e: T.Call) -> Eval:
        f = FUNCTIONS[e.name]
        args: list[Eval] = []
        for i, arg in enumerate(e.args):
            if i == f.field_arg and isinstance(arg, T.Name):
                field = arg.text
                args.append(lambda env, field=field: (lambda item: get(item, field)))  # type: ignore[misc]
            else:
                args.append(self.expr(arg))
        return _call(f, args, self.where(e))

    def binary(self, e: T.Binary) -> Eval:
        left, right, op = self.expr(e.left), self.expr(e.right), e.op
        if op == "and":
            return lambda env: truthy(left(env)) and truthy(right(env))
        if op == "or":
            return lambda env: truthy(left(env)) or truthy(right(env))
        if op == "=":
            return lambda env: equal(left(env), right(env))
        if op == "!=":
            return lambda env: not equal(left(env), right(env))
        if op in ("<", "<=", ">", ">="):
            test: Callable[[int], bool] = _ORDER_TESTS[op]

            def compare(env: Env) -> bool:
                c = order(left(env), right(env))
                return c is not None and test(c)
            return compare
        return self.arith(op, left, right, e)

    def arith(self, op: str, left: Eval, right: Eval, node: T.Node) -> Eval:
        where = self.where(node)

        def run(env: Env) -> Any:
            a, b = left(env), right(env)
            if a is None or b is None:
                return None
            if op == "+" and (isinstance(a, str) or isinstance(b, str)):
                return text_of(a) + text_of(b)
            try:
                return _ARITH[op](a, b)
            except (TypeError, ZeroDivisionError, ArithmeticError) as exc:
                raise RenderError("T-RENDER-ARITH", f"{where}: '{op}' failed: {exc}") from None
        return run


_ORDER_TESTS: dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0, "<=": lambda c: c <= 0, ">": lambda c: c > 0, ">=": lambda c: c >= 0}


def _div(a: Any, b: Any) -> Any:
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a / b


_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": _div,
    "%": lambda a, b: a % b if b != 0 else _div(a, b)}


def _path(root: str, segments: tuple[str, ...]) -> Eval:
    """A reader of ``root.a.b…`` in one closure (dicts read directly; lists project)."""
    def read(env: Env) -> Any:
        v = env.get(root)
        for s in segments:
            v = v.get(s) if type(v) is dict else get(v, s)
        return v
    return read


def _temporal(value: Any) -> Any:
    if isinstance(value, list):
        return [as_datetime(v) for v in value]
    return as_datetime(value)


def _call(f: Fn, args: list[Eval], where: str) -> Eval:
    impl, context, nulls = f.impl, f.context, f.nulls
    falsy = False if f.returns == "b" else None

    def failed(exc: Exception) -> RenderError:
        if isinstance(exc, RenderError):
            return RenderError(exc.code, f"{where}: {f.name}: {exc}")
        # a helper's failure is a render error, never a crash
        return RenderError("T-RENDER-FUNCTION", f"{where}: {f.name}: {exc}")

    if len(args) == 1 and not context:      # the common case, without the argument list
        (arg,) = args

        def call1(env: Env) -> Any:
            v = arg(env)
            if v is None and not nulls:
                return falsy
            try:
                return impl(v)
            except Exception as exc:
                raise failed(exc) from None
        return call1

    def call(env: Env) -> Any:
        values = [a(env) for a in args]
        if not nulls and None in values:
            return falsy
        try:
            return impl(env[CTX], *values) if context else impl(*values)
        except Exception as exc:
            raise failed(exc) from None
    return call
