"""Code generation of builtins written out inline: string functions, ``toString`` of simple
types, ``in`` a constant list, string concatenation, regex functions with a literal pattern.

One job: for calls whose arguments are statically strings (or null), generate the Python
operation itself, guarded by the null rule of spec §9 (a predicate gives false, any other
function null) — every argument evaluated first, as §6.1 wants. Whatever has no inline form
(or a literal null argument) is called through the registry as usual.
"""

from __future__ import annotations

import ast as py
from collections.abc import Callable

from jexpr.compiler.base import LOAD, STORE, N, _call, _const, _is, _name
from jexpr.compiler.fused import FusedGen
from jexpr.functions.registry import Signature, lookup
from jexpr.runtime import javaregex
from jexpr.runtime import ops as rt
from jexpr.runtime.lib import strings

_JAVA_TRIM = "".join(chr(c) for c in range(0x21))
_PREDICATES = frozenset((
    "contain", "containIgnoreCase", "startWith", "startWithIgnoreCase", "endWith",
    "endWithIgnoreCase", "equalIgnoreCase", "notEqualIgnoreCase", "isNotEmpty"))
Body = Callable[..., py.expr]
_SIMPLE_LISTS = {"listString": "string", "listInteger": "integer", "listDecimal": "decimal",
                 "listBoolean": "boolean"}
_REGEX = {"matchRegExp": "matches", "replace": "replace", "replaceAll": "replace",
          "split": "split"}


def _method(obj: py.expr, name: str, *args: py.expr) -> py.Call:
    return _call(N.Attribute(value=obj, attr=name, ctx=LOAD), *args)


def _lowered(x: py.expr) -> py.expr:
    """``x.lower()``, computed now for a constant."""
    if isinstance(x, py.Constant) and type(x.value) is str:
        return _const(x.value.lower())
    return _method(x, "lower")


def _cmp(left: py.expr, op: py.cmpop, right: py.expr) -> py.Compare:
    return N.Compare(left=left, ops=[op], comparators=[right])


_STRING_BODIES: dict[str, Body] = {
    "lower": lambda s: _method(s, "lower"),
    "upper": lambda s: _method(s, "upper"),
    "trim": lambda s: _method(s, "strip", _const(_JAVA_TRIM)),
    "length": lambda s: _call(_name("len"), s),
    "isNotEmpty": lambda s: _cmp(s, py.NotEq(), _const("")),
    "startWith": lambda s, t: _method(s, "startswith", t),
    "endWith": lambda s, t: _method(s, "endswith", t),
    "contain": lambda s, t: _cmp(t, py.In(), s),
    "indexOf": lambda s, t: _method(s, "find", t),
    "lastIndexOf": lambda s, t: _method(s, "rfind", t),
    "containIgnoreCase": lambda s, t: _cmp(_lowered(t), py.In(), _lowered(s)),
    "startWithIgnoreCase": lambda s, t: _method(_lowered(s), "startswith", _lowered(t)),
    "endWithIgnoreCase": lambda s, t: _method(_lowered(s), "endswith", _lowered(t)),
    "equalIgnoreCase": lambda s, t: _cmp(_lowered(s), py.Eq(), _lowered(t)),
    "notEqualIgnoreCase": lambda s, t: _cmp(_lowered(s), py.NotEq(), _lowered(t)),
    "concat": lambda a, b: N.BinOp(left=a, op=py.Add(), right=b),
}
# the text of a value of a statically known type (§11), where Python's is Java's
_RENDER: dict[str, Body] = {
    "string": lambda v: v,
    "integer": lambda v: _call(_name("str"), v),
    "boolean": lambda v: N.IfExp(test=v, body=_const("true"), orelse=_const("false")),
}


def lookup_signature(name: str, arity: int) -> Signature:
    fn = lookup(name)
    assert fn is not None
    return next(s for s in fn.signatures if len(s.params) == arity)


class InlineGen(FusedGen):
    """Inline builtins (a part of :class:`jexpr.compiler.codegen.CodeGen`)."""

    def guarded(self, args: list[py.expr], body: Body, null: object) -> py.expr:
        """``body(*values)`` when no argument is null, else ``null``; every argument is
        evaluated (left to right) before the test."""
        names: list[py.expr] = []
        checks: list[py.expr] = []
        for arg in args:
            if isinstance(arg, py.Constant):
                names.append(arg)
                continue
            tmp = self.fresh()
            checks.append(_is(N.NamedExpr(target=N.Name(id=tmp, ctx=STORE), value=arg),
                              _const(None), negate=True))
            names.append(_name(tmp))
        out = body(*names)
        if not checks:
            return out
        test = checks[0]
        for check in checks[1:]:  # '&': every argument evaluated, even after a null
            test = N.BinOp(left=test, op=py.BitAnd(), right=check)
        return N.IfExp(test=test, body=out, orelse=_const(null))

    def inline(self, name: str, args: list[py.expr], wants: list[str]) -> py.expr | None:
        """A builtin written out (same null rules as :mod:`jexpr.runtime.lib`), or None."""
        if any(isinstance(a, py.Constant) and a.value is None for a in args):
            return None
        if name in _STRING_BODIES and all(w == "string" for w in wants):
            return self.guarded(args, _STRING_BODIES[name], False if name in _PREDICATES
                                else None)
        if name == "isEmpty":
            return _cmp(args[0], py.Eq(), _const(""))
        if name == "toString" and wants[0] in _RENDER:
            return self.guarded(args, _RENDER[wants[0]], None)
        if name == "substr":
            return self.substr(args)
        if name == "toDateOnly" and wants in (["dateTime"], ["dateTimeOnly"]):
            return self.guarded(args, lambda v: _method(v, "date"), None)  # its own offset
        if name == "dateDiff" and wants == ["dateOnly", "dateOnly"]:
            return self.guarded(args, lambda a, b: N.Attribute(
                value=N.BinOp(left=a, op=py.Sub(), right=b), attr="days", ctx=LOAD), None)
        if name == "listSize":
            return self.guarded(args, lambda lst: _call(_name("len"), lst), 0)
        if name == "getListItem" and isinstance(args[1], py.Constant) and \
                type(args[1].value) is int and args[1].value >= 0:
            index = args[1]
            return self.guarded(args[:1], lambda lst: N.IfExp(
                test=_cmp(_call(_name("len"), lst), py.Gt(), index),
                body=N.Subscript(value=lst, slice=index, ctx=LOAD), orelse=_const(None)),
                None)
        if name == "in" and isinstance(args[1], py.List) and args[1].elts and all(
                isinstance(e, py.Constant) and type(e.value) in (str, int)
                for e in args[1].elts):
            kinds = {type(e.value) for e in args[1].elts}  # type: ignore[attr-defined]
            if len(kinds) == 1:  # one kind: hashing agrees with jexpr equality
                members = frozenset(e.value for e in args[1].elts)  # type: ignore[attr-defined]
                return _cmp(args[0], py.In(), self.bind(members))
        if name == "in" and wants[1] in _SIMPLE_LISTS and wants[0] == _SIMPLE_LISTS[wants[1]]:
            # the list's elements are of that Python type or null (coerced, checked or
            # widened): Python's ``in`` is jexpr equality (§6.3)
            return self.guarded(args, lambda v, lst: _cmp(v, py.In(), lst), False)
        return None

    def regex_call(self, name: str, args: list[py.expr]) -> py.expr | None:
        """A regex function whose pattern is a literal: compiled now (the checker has
        validated it), the operation called on the compiled pattern directly."""
        operation = _REGEX.get(name)
        pattern = args[1] if len(args) > 1 else None
        if operation is None or not (isinstance(pattern, py.Constant)
                                     and type(pattern.value) is str):
            return None
        try:
            compiled = javaregex.compile_pattern(pattern.value)
        except javaregex.JavaRegexError:
            return None
        target = N.Attribute(value=self.bind(compiled, "_rx"), attr=operation, ctx=LOAD)
        timeout = self.need("timeout")
        operands = [args[0], *args[2:]]
        if operation == "matches":
            return self.guarded(operands, lambda s: self.full_match(compiled, s, target, timeout),
                                False)

        def body(s: py.expr, *replacement: py.expr) -> py.expr:
            if operation == "replace":
                first = name == "replace"
                slow = _call(target, s, *replacement, timeout, _const(first))
                return self.direct_sub(compiled, s, replacement[0], first, timeout, slow)
            if compiled.literal is not None:  # split on plain text: str.split, Java's trim
                return self.literal_split(compiled.literal, s, timeout, _call(target, s, timeout))
            return _call(target, s, timeout)
        return self.guarded(operands, body, False if name == "matchRegExp" else None)

    def literal_split(self, text: str, s: py.expr, timeout: py.expr, slow: py.expr) -> py.expr:
        """Java ``split`` on a plain-text pattern: ``s.split(text)`` as it is when it has one
        piece or a non-empty last one, without its trailing empty pieces otherwise."""
        pieces = self.fresh()
        split = N.NamedExpr(target=N.Name(id=pieces, ctx=STORE),
                            value=_method(s, "split", _const(text)))
        last = N.Subscript(value=split, slice=_const(-1), ctx=LOAD)
        whole = N.BoolOp(op=py.Or(), values=[
            last, _cmp(_call(_name("len"), _name(pieces)), py.Eq(), _const(1))])
        direct = N.IfExp(test=whole, body=_name(pieces),
                         orelse=_call(self.bind(javaregex.drop_trailing_empty), _name(pieces)))
        valid = _is(_call(_name("type"), timeout), _name("float"))
        return N.IfExp(test=valid, body=direct, orelse=slow)

    def direct_sub(self, compiled: javaregex.JavaPattern, s: py.expr, replacement: py.expr,
                   first: bool, timeout: py.expr, slow: py.expr) -> py.expr:
        """A replace with a literal replacement: under the default time bound, for inputs
        short enough that neither the bound nor the output cap can be reached (computed
        now), the engine's ``sub`` (or ``str.replace``) itself; ``slow`` otherwise."""
        if not (isinstance(replacement, py.Constant) and type(replacement.value) is str):
            return slow
        direct = compiled.direct_sub(replacement.value, first, rt.DEFAULT_REGEX_TIMEOUT)
        if direct is None:
            return slow
        fn, before, after, longest = direct
        call = _call(self.bind(fn), *map(_const, before), s, *map(_const, after))
        short = N.BoolOp(op=py.And(), values=[
            _cmp(_call(_name("len"), s), py.LtE(), _const(longest)),
            _cmp(timeout, py.Eq(), _const(rt.DEFAULT_REGEX_TIMEOUT))])
        return N.IfExp(test=short, body=call, orelse=slow)

    def full_match(self, compiled: javaregex.JavaPattern, s: py.expr, target: py.expr,
                   timeout: py.expr) -> py.expr:
        """``matchRegExp`` written out: text equality for a plain-text pattern; under the
        default time bound, the engine's ``fullmatch`` for inputs no longer than the cost
        bound allows (computed now); the pattern's ``matches`` (time-bounded) otherwise."""
        if compiled.literal is not None:
            return _cmp(s, py.Eq(), _const(compiled.literal))
        longest = compiled.limit(rt.DEFAULT_REGEX_TIMEOUT, False)
        if longest < 0:
            return _call(target, s, timeout)
        fast = _is(_call(self.bind(compiled.fast.fullmatch), s), _const(None), negate=True)
        short = N.BoolOp(op=py.And(), values=[
            _cmp(_call(_name("len"), s), py.LtE(), _const(longest)),
            _cmp(timeout, py.Eq(), _const(rt.DEFAULT_REGEX_TIMEOUT))])
        return N.IfExp(test=short, body=fast, orelse=_call(target, s, timeout))

    def substr(self, args: list[py.expr]) -> py.expr | None:
        """``substr`` with constant bounds: a slice when they are in range (Java
        ``substring``'s checks), the library (which raises E-EVAL-RANGE) otherwise."""
        bounds = [a.value for a in args[1:] if isinstance(a, py.Constant) and type(a.value) is int]
        if len(bounds) != len(args) - 1 or bounds[0] < 0 or \
                (len(bounds) == 2 and bounds[1] < bounds[0]):
            return None
        impl = strings.substr_range if len(bounds) == 2 else strings.substr
        need = bounds[-1]

        def body(s: py.expr, *rest: py.expr) -> py.expr:
            piece = N.Subscript(value=s, slice=N.Slice(
                lower=_const(bounds[0]), upper=_const(bounds[1]) if len(bounds) == 2 else None),
                ctx=LOAD)
            fits = _cmp(_call(_name("len"), s), py.GtE(), _const(need))
            return N.IfExp(test=fits, body=piece, orelse=_call(self.bind(impl), s, *rest))
        return self.guarded(args, body, None)

    def concatenation(self, left: py.expr, right: py.expr, lt: str, rt_: str) -> py.expr:
        """String ``+`` (§6.7): inline when both sides render as Python does."""
        if lt in _RENDER and rt_ in _RENDER:
            return self.guarded([left, right], lambda a, b: N.BinOp(
                left=_RENDER[lt](a), op=py.Add(), right=_RENDER[rt_](b)), None)
        return _call(self.bind(rt.concat_values), left, right)

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
        test = _is(_call(_name("type"), N.NamedExpr(target=N.Name(id=tmp, ctx=STORE),
                                                     value=args[0])), _name("str"))
        if name == "length":
            fast: py.expr = _call(_name("len"), _name(tmp))
        elif name == "contain":
            fast = _cmp(args[1], py.In(), _name(tmp))
        else:
            fast = _method(_name(tmp), methods[name], *args[1:])
        sig = lookup_signature(name, len(args))
        slow = _call(self.bind(sig.impl), _call(self.bind(rt.expect), _name(tmp),
                                                _const("string"), _const(name)), *args[1:])
        return N.IfExp(test=test, body=fast, orelse=slow)
