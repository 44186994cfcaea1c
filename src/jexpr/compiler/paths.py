"""Code generation of references, path steps and collection loops.

One job: field references (hoisted prefixes read once per evaluation), data-source roots,
declared-type coercion, entry/keys/at steps, and all/first/last filters generated as small loop
functions; loop variables read the current element.
"""

from __future__ import annotations

import ast as py
from collections.abc import Callable

from jexpr.compiler.base import (
    LOAD,
    STORE,
    GenBase,
    N,
    _call,
    _const,
    _is,
    _name,
    in_domain,
    reference_key,
)
from jexpr.runtime import ops as rt
from jexpr.runtime import values
from jexpr.syntax import ast

T_OF = {str: "string", int: "integer", float: "decimal", bool: "boolean"}
_ORDER = {"<": py.Lt, "<=": py.LtE, ">": py.Gt, ">=": py.GtE}
_FAST_TYPE = {"string": "str", "integer": "int", "decimal": "float", "boolean": "bool",
              "object": "dict"}
_ROOTS = {"event": "events", "legacy": "events", "action": "actions", "lookup": "datasetLookups",
          "journey": "journey"}


class PathGen(GenBase):
    """References, path steps and loop functions (a part of :class:`jexpr.compiler.codegen.CodeGen`)."""

    # -- references

    def _Reference(self, node: ast.Reference) -> py.expr:
        key = reference_key(self.checked, node)
        if key is None or key not in self.repeated or self.def_target is not self.prologue:
            return self.reference(node)
        memo = self.memos.get(key)  # coerced once per evaluation, when first needed
        if memo is None:
            memo = self.memos[key] = self.fresh("_m")
            self.assign(memo, self.bind(rt.UNSET))
        compute = N.NamedExpr(target=N.Name(id=memo, ctx=STORE), value=self.reference(node))
        return N.IfExp(test=_is(_name(memo), self.bind(rt.UNSET), negate=True), body=_name(memo),
                        orelse=compute)

    def reference(self, node: ast.Reference) -> py.expr:
        steps = node.steps
        fields = 0  # field steps cannot fail: compute each path prefix once, in the prologue
        while fields < len(steps) and isinstance(steps[fields], ast.FieldStep):
            fields += 1
        if node in self.unhoisted and fields == len(steps):
            fields -= 1  # a fused aggregate's fallback: no projection in the prologue
        if node.kind != "data":
            value = self.hoisted(node, steps[:fields])
            steps = steps[fields:]
        elif node.params is None:
            value = self.hoisted_group(node, steps[:fields])
            steps = steps[fields:]
        else:  # parameters are evaluated where the reference is
            value = self.root(node)
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
        test = _is(N.NamedExpr(target=N.Name(id=tmp, ctx=STORE), value=value),
                   _const(None), negate=True)
        return N.IfExp(test=test, body=_name(tmp), orelse=default)

    def hoisted(self, node: ast.Reference, fields: tuple[ast.Step, ...]) -> py.expr:
        """A local holding the value of the root and leading field steps (shared by every
        reference to the same path)."""
        key: tuple[str, ...] = (_ROOTS[node.kind], node.root)
        if key not in self.paths:
            name = self.fresh("_p")
            container = self.need(_ROOTS[node.kind])
            self.assign(name, _call(N.Attribute(value=container, attr="get", ctx=LOAD),
                                    _const(node.root)), self.line(node))
            self.paths[key] = _name(name)
        return self.hoisted_fields(key, fields)

    def path_uses(self, path: tuple[str, ...]) -> int:
        """How many references of the expression read the field path ``path`` (or a longer
        one through it), counted once over every reference."""
        if self.path_counts is None:
            counts: dict[tuple[str, ...], int] = {}
            for node in self.checked.refs:
                if not isinstance(node, ast.Reference):
                    continue
                key: tuple[str, ...] = ("dataSources", node.root, node.group or "") \
                    if node.kind == "data" else (_ROOTS[node.kind], node.root)
                for step in node.steps:
                    if not isinstance(step, ast.FieldStep):
                        break
                    key = (*key, step.name)
                    counts[key] = counts.get(key, 0) + 1
            self.path_counts = counts
        return self.path_counts.get(path, 0)

    def hoisted_group(self, node: ast.Reference, fields: tuple[ast.Step, ...]) -> py.expr:
        """``#{DS.FG.path}`` without params: when the context's ``dataSources`` is a mapping
        the field group and the path prefix are locals computed once, like an event's;
        otherwise (a resolver, which must be called lazily, once) the reference resolves the
        group where it is evaluated."""
        key: tuple[str, ...] = ("dataSources", node.root, node.group or "")
        if key not in self.paths:
            name = self.fresh("_g")
            self.assign(name, self.group_value(node), self.line(node))
            self.paths[key] = _name(name)
        group = self.paths[key].id
        fast = self.hoisted_fields(key, fields)
        slow = self.root(node)
        for step in fields:
            slow = self.step(slow, step)
        if len(fields) == 1 and isinstance(fast, py.IfExp):  # the group's own dict test first
            unset = N.IfExp(test=_is(_name(group), self.bind(rt.UNSET)), body=slow,
                            orelse=fast.orelse)
            return N.IfExp(test=fast.test, body=fast.body, orelse=unset)
        test = _is(_name(group), self.bind(rt.UNSET), negate=True)
        return N.IfExp(test=test, body=fast, orelse=slow)

    def group_value(self, node: ast.Reference) -> py.expr:
        """``data_group_fast(sources, DS, FG)`` with its common case inline: a dict of dicts
        (``sources.get(DS).get(FG)``); a dict whose data source is no dict goes to the
        function, anything else than a dict is UNSET (the reference's own code)."""
        sources = self.need("dataSources")
        groups = self.fresh()
        inner = N.IfExp(
            test=_is(_call(_name("type"), N.NamedExpr(
                target=N.Name(id=groups, ctx=STORE),
                value=_call(N.Attribute(value=sources, attr="get", ctx=LOAD),
                            _const(node.root)))), _name("dict")),
            body=_call(N.Attribute(value=_name(groups), attr="get", ctx=LOAD),
                       _const(node.group)),
            orelse=_call(self.bind(rt.data_group_fast), sources, _const(node.root),
                         _const(node.group)))
        return N.IfExp(test=_is(_call(_name("type"), sources), _name("dict")), body=inner,
                       orelse=self.bind(rt.UNSET))

    def hoisted_fields(self, key: tuple[str, ...], fields: tuple[ast.Step, ...]) -> py.expr:
        """The path's value: each prefix a local of the prologue, read once; the last field
        read where it is used when no other reference reads it (so that a reference that
        short-circuiting skips costs nothing)."""
        value, path = self.paths[key], key
        self.main_local()
        for i, step in enumerate(fields):
            assert isinstance(step, ast.FieldStep)
            key, path = (value.id, step.name), (*path, step.name)  # O(1) per step
            if key not in self.paths:
                with self.at(self.line(step)):
                    get = _call(N.Attribute(value=value, attr="get", ctx=LOAD),
                                _const(step.name))
                    slow = _call(self.bind(rt.field_slow), value, _const(step.name))
                    test = _is(_call(_name("type"), value), _name("dict"))
                    read = N.IfExp(test=test, body=get, orelse=slow)
                if i == len(fields) - 1 and self.def_target is self.prologue and \
                        self.path_uses(path) <= 1:
                    return read
                name = self.fresh("_p")
                self.assign(name, read, self.line(step))
                self.paths[key] = _name(name)
            value = self.paths[key]
        return _name(value.id)

    def root(self, node: ast.Reference) -> py.expr:
        if node.kind == "data":
            params: py.expr = _const(None)
            if node.params:
                params = N.Dict(keys=[_const(p.name) for p in node.params],
                                 values=[self.gen(p.value) for p in node.params])
            return _call(self.bind(rt.data_group), self.need("dataSources"), _const(node.root),
                         _const(node.group), params, self.need("dscache"))
        container = self.need(_ROOTS[node.kind])
        return _call(N.Attribute(value=container, attr="get", ctx=LOAD),
                     _const(node.root))

    def coerced(self, node: ast.Node, value: py.expr) -> py.expr:
        plan = self.checked.refs.get(node)
        declared = plan.declared if plan else None
        if declared is None:
            return value
        fast = _FAST_TYPE.get(declared)
        if fast is None:
            return self.coercion(declared, value)
        tmp, kind = self.fresh(), self.fresh("_k")
        typ: py.expr = _call(_name("type"), N.NamedExpr(target=N.Name(id=tmp, ctx=STORE),
                                                         value=value))
        if declared == "decimal":  # integers widen inline (the common payload 120 for 120.0)
            typ = N.NamedExpr(target=N.Name(id=kind, ctx=STORE), value=typ)
        exact: py.expr = _is(typ, _name(fast))
        valid = in_domain(_name(tmp), declared)
        if valid is not None:
            exact = N.BoolOp(op=py.And(), values=[exact, valid])
        test = N.BoolOp(op=py.Or(), values=[exact, _is(_name(tmp), _const(None))])
        return N.IfExp(test=test, body=_name(tmp),
                       orelse=self.coercion(declared, _name(tmp), kind))

    def coercion(self, declared: str, value: py.expr, kind: str | None = None) -> py.expr:
        """The declared type's coercion of ``value``; a decimal whose ``type()`` is in
        ``kind`` widens a 64-bit integer inline (the common payload 120 for 120.0)."""
        direct = rt.COERCERS.get(declared)
        coerce: py.expr = (_call(self.bind(direct), value) if direct is not None
                           else _call(self.bind(rt.coerce), value, _const(declared)))
        if declared == "decimal" and kind is not None:
            in_range = N.Compare(left=_const(values.INT_MIN), ops=[py.LtE(), py.LtE()],
                                  comparators=[value, _const(values.INT_MAX)])
            coerce = N.IfExp(test=N.BoolOp(op=py.And(), values=[
                _is(_name(kind), _name("int")), in_range]),
                body=_call(_name("float"), value), orelse=coerce)
        return coerce

    def field_compare(self, ref: ast.Expr, op: str, literal: float | str) -> py.expr | None:
        """``@event{E.x} OP literal`` for a field declared string, integer, decimal or boolean:
        the comparison on the value when it already has the declared Python type (and range),
        else null's answer, else the coercion (whose errors are the reference's) then the
        comparison; None for any other shape. One test instead of a coercion and a null
        test."""
        plan = self.checked.refs.get(ref) if isinstance(ref, ast.Reference | ast.LoopRef) \
            else None
        declared = plan.declared if plan else None
        if not isinstance(ref, ast.Reference | ast.LoopRef) or declared not in _FAST_TYPE or \
                declared == "object" or type(literal) not in T_OF or \
                not all(isinstance(s, ast.FieldStep) for s in ref.steps) or (
                    isinstance(ref, ast.Reference) and (
                        ref.default is not None or ref.kind == "journey" or
                        (ref.kind == "data" and ref.params is not None))):
            return None
        equality = op in ("==", "!=")
        numbers = {declared, T_OF[type(literal)]} <= {"integer", "decimal"}
        if (equality and not (T_OF[type(literal)] == declared or numbers)) or \
                (not equality and not numbers):
            return None
        if numbers and (declared == "decimal" or type(literal) is float):
            literal = float(literal)  # Java promotes the integer to a double
        with self.at(self.line(ref)):
            if isinstance(ref, ast.LoopRef):  # a field of the loop's element
                raw: py.expr = _name(self.loop_params[self.checked.loops[ref]])
                for step in ref.steps:
                    raw = self.step(raw, step)
            else:
                raw = self.hoisted(ref, ref.steps) if ref.kind != "data" else \
                    self.hoisted_group(ref, ref.steps)
            tmp, kind = self.fresh(), self.fresh("_k")
            coerced = self.coercion(declared, _name(tmp), kind)  # off the fast path only
        cmp_op = {"==": py.Eq, "!=": py.NotEq}[op]() if equality else _ORDER[op]()

        def compare(value: py.expr) -> py.Compare:
            return N.Compare(left=value, ops=[cmp_op], comparators=[_const(literal)])
        typ: py.expr = _call(_name("type"), N.NamedExpr(target=N.Name(id=tmp, ctx=STORE),
                                                         value=raw))
        if declared == "decimal":
            typ = N.NamedExpr(target=N.Name(id=kind, ctx=STORE), value=typ)
        ok: py.expr = _is(typ, _name(_FAST_TYPE[declared]))
        valid = in_domain(_name(tmp), declared)
        if valid is not None:
            ok = N.BoolOp(op=py.And(), values=[ok, valid])
        fast = compare(_call(_name("float"), _name(tmp)) if numbers and declared == "integer"
                       and type(literal) is float else _name(tmp))
        if literal is True and op == "==":
            fast = _name(tmp)  # a boolean's truth is itself
        null = _const(op == "!=")
        slow: py.expr = compare(coerced)
        if not equality:  # the coercion may give null (a payload null inside …): false
            slow_value = self.fresh()
            slow = N.BoolOp(op=py.And(), values=[
                _is(N.NamedExpr(target=N.Name(id=slow_value, ctx=STORE), value=coerced),
                    _const(None), negate=True), compare(_name(slow_value))])
        rest = N.IfExp(test=_is(_name(tmp), _const(None)), body=null, orelse=slow)
        return N.IfExp(test=ok, body=fast, orelse=rest)

    def host_int(self, value: py.expr) -> py.expr:
        """An undeclared payload integer outside 64 bits is E-EVAL-PAYLOAD (spec §5.4)."""
        tmp = self.fresh()
        bound = N.NamedExpr(target=N.Name(id=tmp, ctx=STORE), value=value)
        in_range = N.Compare(left=_const(values.INT_MIN), ops=[py.LtE(), py.LtE()],
                              comparators=[_name(tmp), _const(values.INT_MAX)])
        test = N.BoolOp(op=py.Or(), values=[
            _is(_call(_name("type"), bound), _name("int"), negate=True), in_range])
        return N.IfExp(test=test, body=_name(tmp),
                        orelse=_call(self.bind(rt.coerce), _name(tmp), _const("integer")))

    def step(self, value: py.expr, step: ast.Step, on_list: bool = False) -> py.expr:
        """One path step; ``on_list`` when the value is known to be a list or null."""
        with self.at(self.line(step)):
            return self.step_code(value, step, on_list)

    def step_code(self, value: py.expr, step: ast.Step, on_list: bool) -> py.expr:
        out: py.expr
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
        return out

    def field_step(self, value: py.expr, name: str, on_list: bool) -> py.expr:
        if isinstance(value, py.Name) and value.id in self.dict_flags and not on_list:
            get = _call(N.Attribute(value=value, attr="get", ctx=LOAD), _const(name))
            flag = self.dict_flags[value.id]
            self.flag_uses[flag] = self.flag_uses.get(flag, 0) + 1
            return N.IfExp(test=_name(flag), body=get, orelse=_call(
                self.bind(rt.field_slow), _name(value.id), _const(name)))
        bound: py.expr
        if isinstance(value, py.Name):  # a local already: no temporary needed
            tmp, bound = value.id, _name(value.id)
        else:
            tmp = self.fresh()
            bound = N.NamedExpr(target=N.Name(id=tmp, ctx=STORE), value=value)
        if on_list:  # projection over the kept elements of all(…)
            return N.IfExp(test=_is(bound, _const(None)), body=_const(None),
                            orelse=_call(self.bind(rt.project_field), _name(tmp),
                                         _const(name)))
        test = _is(_call(_name("type"), bound), _name("dict"))
        get = _call(N.Attribute(value=_name(tmp), attr="get", ctx=LOAD), _const(name))
        return N.IfExp(test=test, body=get, orelse=_call(
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
                append = _call(N.Attribute(value=_name("_out"), attr="append",
                                            ctx=LOAD), _name(param))
                return [N.Expr(value=append)]
            return [N.Return(value=_name(param))]

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
        self.capturing.append(False)
        try:
            test = self.boolean(cond)
            matched = on_match()
        finally:
            self.def_target = outer
            captured = self.capturing.pop()
        items: py.expr = _name("_items")
        if reverse:
            items = _call(_name("reversed"), items)
        is_dict = self.dict_flag(param, [test, *matched, *body])
        loop = N.For(target=N.Name(id=param, ctx=STORE), iter=items,
                      body=[*is_dict, N.If(test=test, body=matched, orelse=[])], orelse=[])
        init: list[py.stmt] = []
        if result is not None:
            init = [N.Assign(targets=[N.Name(id=result, ctx=STORE)],
                              value=start or N.List(elts=[], ctx=LOAD))]
        ret = N.Return(value=_name(result) if result else _const(None))
        args = py.arguments(posonlyargs=[], args=[N.arg(arg="_items")], kwonlyargs=[],
                            kw_defaults=[], defaults=[])
        fn = N.FunctionDef(name=name, args=args, body=[*body, *init, loop, ret],
                           decorator_list=[], returns=None)
        if self.def_target is self.prologue and not captured:
            self.module_defs.append(fn)  # defined once, at compile time
        else:
            self.def_target.append(fn)
        return _name(name)

    def call_on_list(self, loop: py.Name, value: py.expr, step: str,
                     if_null: py.expr) -> py.expr:
        """``loop(value)`` when the value is a list; ``if_null`` for null; E-EVAL-TYPE else."""
        tmp = self.fresh()  # a list first: one test on the common path
        bound = N.NamedExpr(target=N.Name(id=tmp, ctx=STORE), value=value)
        other = N.IfExp(test=_is(_name(tmp), _const(None)), body=if_null, orelse=_call(
            loop, _call(self.bind(rt.as_list), _name(tmp), _const(step))))
        return N.IfExp(test=_is(_call(_name("type"), bound), _name("list")),
                       body=_call(loop, _name(tmp)), orelse=other)

    def _LoopRef(self, node: ast.LoopRef) -> py.expr:
        value: py.expr = _name(self.loop_params[self.checked.loops[node]])
        for step in node.steps:
            value = self.step(value, step)
        return self.coerced(node, value)
