"""Adapters: every engine of the evaluation benchmark behind one interface.

``prepare(case)`` parses or compiles once (not timed) and returns ``evaluate(ctx)``, which gets
the jexpr context dict and is timed — including whatever conversion the engine needs (JSON-able
values and ISO strings for native engines, CEL values for cel-python). Peers see the event as
``E``, the data-source field group as ``CRM.profile`` and the instant as ``now``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from expr_cases import NA
from expr_data import FIELD_TYPES_TYPED, FIELD_TYPES_UNTYPED

Fn = Callable[[dict[str, Any]], Any]


class NotExpressible(Exception):
    pass


class Adapter:
    name = "?"
    key = "?"
    module = ""  # the peer's import name ("" for hand and jexpr)

    def source(self, case: dict[str, Any]) -> Any:
        src = case.get(self.key, NA)
        if isinstance(src, tuple) and src and src[0] is NA:
            raise NotExpressible(src[1])
        if src is NA:
            raise NotExpressible("not translated")
        return src

    def prepare(self, case: dict[str, Any]) -> Fn:
        raise NotImplementedError


def _iso(d: dt.datetime) -> str:
    return d.isoformat()


class Hand(Adapter):
    name = "hand"

    def prepare(self, case: dict[str, Any]) -> Fn:
        return case["hand"]  # type: ignore[no-any-return]


class Jexpr(Adapter):
    def __init__(self, typed: bool) -> None:
        self.typed = typed
        self.name = "jexpr typed" if typed else "jexpr untyped"

    def prepare(self, case: dict[str, Any]) -> Fn:
        import jexpr
        types = FIELD_TYPES_TYPED if self.typed else FIELD_TYPES_UNTYPED
        return jexpr.compile(case["jexpr"], fieldTypes=types).evaluate  # type: ignore[no-any-return]


def _peer_vars(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"E": ctx["events"]["E"], "CRM": ctx["dataSources"]["CRM"], "now": ctx["now"]}


def _json_vars(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"E": ctx["events"]["E"], "CRM": ctx["dataSources"]["CRM"],
            "now": _iso(ctx["now"])}


# the cel-go "strings" extension, registered in both CEL engines (neither ships it)
def _substring(s: str, begin: int, end: int) -> str:
    return s[begin:end]


_CEL_STRINGS: dict[str, Callable[..., Any]] = {
    "lowerAscii": str.lower, "upperAscii": str.upper, "trim": str.strip, "indexOf": str.find,
    "substring": _substring, "split": str.split}


class CelPython(Adapter):
    name, key, module = "cel-python", "cel", "celpy"

    def prepare(self, case: dict[str, Any]) -> Fn:
        import celpy
        from celpy import celtypes
        env = celpy.Environment()
        wrap = {"lowerAscii": lambda s: celtypes.StringType(s.lower()),
                "upperAscii": lambda s: celtypes.StringType(s.upper()),
                "trim": lambda s: celtypes.StringType(s.strip()),
                "indexOf": lambda s, t: celtypes.IntType(s.find(t)),
                "substring": lambda s, a, b: celtypes.StringType(s[a:b]),
                "split": lambda s, t: celtypes.ListType(
                    [celtypes.StringType(x) for x in s.split(t)])}
        program = env.program(env.compile(self.source(case)), functions=wrap)
        json_to_cel = celpy.json_to_cel

        def run(ctx: dict[str, Any]) -> Any:
            return program.evaluate({"E": json_to_cel(ctx["events"]["E"]),
                                     "CRM": json_to_cel(ctx["dataSources"]["CRM"]),
                                     "now": celtypes.TimestampType(ctx["now"])})
        return run


class CelRust(Adapter):
    name, key, module = "cel(rust)", "cel", "cel"

    def prepare(self, case: dict[str, Any]) -> Fn:
        import cel
        text = self.source(case)
        program = cel.compile(text)
        used = {k: v for k, v in _CEL_STRINGS.items() if k + "(" in text}
        if used:
            context_type = cel.Context

            def run(ctx: dict[str, Any]) -> Any:
                return program.execute(context_type(_peer_vars(ctx), used))
            return run
        return lambda ctx: program.execute(_peer_vars(ctx))


class RuleEngine(Adapter):
    name, key, module = "rule-engine", "rule_engine", "rule_engine"

    def prepare(self, case: dict[str, Any]) -> Fn:
        import rule_engine
        rule = rule_engine.Rule(self.source(case),
                                context=rule_engine.Context(default_value=None))
        evaluate = rule.evaluate
        return lambda ctx: evaluate(_peer_vars(ctx))


def _fullmatch(pattern: str, s: str) -> bool:
    return re.fullmatch(pattern, s, re.ASCII) is not None


def _sub(pattern: str, repl: str, s: str, count: int = 0) -> str:
    return re.sub(pattern, repl, s, count=count, flags=re.ASCII)


_SIMPLEEVAL_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "sum": sum, "max": max, "min": min, "set": set, "int": int, "float": float,
    "str": str, "floor": math.floor, "parse": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat, "days": lambda n: dt.timedelta(days=n),
    "hours": lambda n: dt.timedelta(hours=n), "fullmatch": _fullmatch, "sub": _sub}


class SimpleEval(Adapter):
    name, key, module = "simpleeval", "simpleeval", "simpleeval"

    def prepare(self, case: dict[str, Any]) -> Fn:
        from simpleeval import EvalWithCompoundTypes
        text = self.source(case)
        evaluator = EvalWithCompoundTypes(functions=dict(_SIMPLEEVAL_FUNCTIONS))
        parsed = evaluator.parse(text)

        def run(ctx: dict[str, Any]) -> Any:
            evaluator.names = _peer_vars(ctx)
            return evaluator.eval(text, previously_parsed=parsed)
        return run


class JsonLogicQubit(Adapter):
    name, key, module = "json-logic", "jsonlogic", "json_logic"

    def source(self, case: dict[str, Any]) -> Any:
        if "jsonlogic_qubit" in case:
            return super().source({"jsonlogic": case["jsonlogic_qubit"]})
        return super().source(case)

    def prepare(self, case: dict[str, Any]) -> Fn:
        from json_logic import jsonLogic
        rule = self.source(case)
        return lambda ctx: jsonLogic(rule, _json_vars(ctx))


class DataLogic(Adapter):
    name, key, module = "datalogic", "jsonlogic", "datalogic_py"

    def source(self, case: dict[str, Any]) -> Any:
        if "datalogic" in case:
            return super().source({"jsonlogic": case["datalogic"]})
        return super().source(case)

    def prepare(self, case: dict[str, Any]) -> Fn:
        import datalogic_py
        evaluate = datalogic_py.Engine().compile(self.source(case)).evaluate
        if case.get("needs_now"):
            return lambda ctx: evaluate(_json_vars(ctx))
        return lambda ctx: evaluate({"E": ctx["events"]["E"], "CRM": ctx["dataSources"]["CRM"]})


class Zen(Adapter):
    name, key, module = "zen", "zen", "zen"

    def prepare(self, case: dict[str, Any]) -> Fn:
        import zen
        evaluate = zen.compile_expression(self.source(case)).evaluate
        if case.get("needs_now"):  # zen rejects datetime objects: give it the ISO string
            return lambda ctx: evaluate(_json_vars(ctx))
        return lambda ctx: evaluate({"E": ctx["events"]["E"], "CRM": ctx["dataSources"]["CRM"]})


PEERS: list[Adapter] = [CelPython(), RuleEngine(), SimpleEval(), JsonLogicQubit(), Zen(),
                        DataLogic(), CelRust()]
PEER_PACKAGES = ["cel-python", "rule-engine", "simpleeval", "json-logic-qubit", "zen-engine",
                 "datalogic-py", "common-expression-language"]


def as_plain(value: Any) -> Any:
    """An engine's result as plain Python (CEL wrappers, Decimals, tuples) for comparison."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    name = type(value).__name__.lower()
    if name.startswith("bool"):
        return bool(value)
    if name in ("decimal", "doubletype"):
        return float(value)
    if name in ("inttype", "uinttype"):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, list | tuple):
        return [as_plain(v) for v in value]
    return value


def agree(got: Any, want: Any) -> bool:
    """Same value: booleans apart from numbers, numbers within 1e-9 relative."""
    got, want = as_plain(got), as_plain(want)
    if isinstance(want, bool) or isinstance(got, bool):
        return type(got) is type(want) and got == want
    if isinstance(want, int | float) and isinstance(got, int | float):
        return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    return bool(got == want)
