"""Static checks of particular functions: literal arguments checked before evaluation.

When an argument is a literal (spec §8: a string, number or boolean written directly, optionally
parenthesised or negated), the check that would fail at evaluation is made at compile time —
conversions (D19), zones, regexes, date parts, hour and day ranges — and reported with its
``E-VALUE-*`` code. The AJO compatibility warnings about arguments live here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jexpr import ast, javaregex, temporal
from jexpr.diagnostics import Diagnostic, Fix, error, warning
from jexpr.errors import EvalFault
from jexpr.functions import CallPlan
from jexpr.lib import dates
from jexpr.schema import Declarations, Path
from jexpr.source import Source

_NO_LITERAL = object()
CONVERSIONS = frozenset(("toInteger", "toDecimal", "toDuration", "toDateTime", "toDateOnly",
                         "toDateTimeOnly"))
LISTOBJECT_REF = frozenset(("count", "listSize", "distinct", "distinctCount", "sort", "limit",
                            "filter"))
KEYED = {"distinct": 1, "distinctCount": 1, "sort": 1, "filter": 1}


@dataclass
class CallContext:
    """What a function check may look at and where it reports."""

    source: Source
    decls: Declarations
    paths: dict[ast.Node, Path]
    diagnostics: list[Diagnostic]

    def report(self, diag: Diagnostic) -> None:
        self.diagnostics.append(diag)


def literal_value(node: ast.Expr) -> Any:
    """The value of a literal argument, or ``_NO_LITERAL``."""
    negate = False
    while isinstance(node, ast.Paren | ast.Negate):
        negate ^= isinstance(node, ast.Negate)
        node = node.operand if isinstance(node, ast.Negate) else node.expr
    if isinstance(node, ast.IntLit | ast.DecLit) and not isinstance(node, bool):
        return -node.value if negate else node.value
    if negate:
        return _NO_LITERAL
    if isinstance(node, ast.StrLit | ast.BoolLit):
        return node.value
    return _NO_LITERAL


def is_literal(node: ast.Expr) -> bool:
    return literal_value(node) is not _NO_LITERAL


def check_call(call: ast.Call, arg_types: list[str], plan: CallPlan, ctx: CallContext
               ) -> str | None:
    """Run the checks of one call; returns a result type override (for ``date``)."""
    name = plan.function.name
    hook = _HOOKS.get(name)
    result = hook(call, arg_types, plan, ctx) if hook else None
    if name in CONVERSIONS:
        _conversion(call, plan, ctx)
    if name in LISTOBJECT_REF:
        _listobject_ref(call, arg_types, ctx)
    if name in KEYED and len(call.args) > KEYED[name]:
        _key_coercion(call, plan, ctx)
    return result


def _conversion(call: ast.Call, plan: CallPlan, ctx: CallContext) -> None:
    values = [literal_value(a) for a in call.args]
    if plan.dynamic or any(v is _NO_LITERAL or v is None for v in values):
        return
    sig = plan.candidates[0]
    args = [float(v) if p == "decimal" and type(v) is int else v
            for p, v in zip(sig.params, values, strict=True)]
    try:
        converted = sig.impl(*args)
    except EvalFault:
        return  # reported by the zone check
    if converted is None:
        shown = ", ".join(ctx.source.text[a.span.start:a.span.end] for a in call.args)
        ctx.report(error("E-VALUE-CONVERSION", f"{plan.function.name}({shown}) cannot be "
                         "converted", call.span, _conversion_hint(plan.function.name)))


def _conversion_hint(name: str) -> str:
    return {
        "toInteger": "integer text is [+-]digits, e.g. \"42\"",
        "toDecimal": "decimal text looks like \"4.5\" or \"1e3\"",
        "toDuration": "durations use Java's ISO form, e.g. \"PT15M\" or \"P2D\" (no months)",
        "toDateOnly": "dates look like \"2023-08-18\" and must exist",
    }.get(name, "date-times look like \"2023-08-18T10:00:00Z\"")


def _zone_arg(call: ast.Call, index: int, ctx: CallContext, constant_rule: bool) -> None:
    arg = call.args[index]
    value = literal_value(arg)
    if isinstance(value, str):
        if temporal.zone(value) is None:
            ctx.report(error("E-VALUE-ZONE", f"invalid time zone '{value}'", arg.span,
                             "use an IANA id such as Europe/Paris, or Z, UTC, +02:00"))
    elif constant_rule:
        ctx.report(warning("W-AJO-CONSTANT-ARG", "AJO wants a constant time zone here",
                           arg.span, "write the zone as a string literal"))


def _to_date_time(call: ast.Call, types: list[str], plan: CallPlan, ctx: CallContext
                  ) -> str | None:
    if len(call.args) != 2:
        return None
    if types[0] == "dateTimeOnly" or (plan.candidates[0].params == ("dateTimeOnly", "string")
                                      and not plan.dynamic):
        a, b = call.args
        text = ctx.source.text
        swapped = (f"toDateTime({text[b.span.start:b.span.end]}, "
                   f"{text[a.span.start:a.span.end]})")
        ctx.report(warning("W-AJO-LEGACY-SIGNATURE", "toDateTime(dateTimeOnly, zone) is the "
                           "legacy argument order", call.span, "put the zone first",
                           Fix(call.span, swapped)))
        _zone_arg(call, 1, ctx, True)
    else:
        _zone_arg(call, 0, ctx, True)
    return None


def _now(call: ast.Call, types: list[str], plan: CallPlan, ctx: CallContext) -> str | None:
    if call.args:
        _zone_arg(call, 0, ctx, False)
    return None


def _update_time_zone(call: ast.Call, types: list[str], plan: CallPlan, ctx: CallContext
                      ) -> str | None:
    _zone_arg(call, 1, ctx, False)
    return None


def _now_with_delta(call: ast.Call, types: list[str], plan: CallPlan, ctx: CallContext
                    ) -> str | None:
    part = literal_value(call.args[1])
    if isinstance(part, str) and not dates.valid_date_part(part):
        ctx.report(error("E-VALUE-DATEPART", f"invalid date part '{part}'", call.args[1].span,
                         "use years, months, weeks, days, hours, minutes or seconds"))
    if len(call.args) == 3:
        _zone_arg(call, 2, ctx, True)
    return None


def _range(check: Callable[[int], bool], what: str) -> Callable[..., str | None]:
    def hook(call: ast.Call, types: list[str], plan: CallPlan, ctx: CallContext
             ) -> str | None:
        value = literal_value(call.args[1])
        if type(value) is int and not check(value):
            ctx.report(error("E-VALUE-RANGE", f"{call.name}: {value} is outside {what}",
                             call.args[1].span))
        return None
    return hook


def _regex(pattern_index: int, replacement: bool) -> Callable[..., str | None]:
    def hook(call: ast.Call, types: list[str], plan: CallPlan, ctx: CallContext
             ) -> str | None:
        pattern = literal_value(call.args[pattern_index])
        if not isinstance(pattern, str):
            return None
        problem = javaregex.literal_pattern_error(pattern)
        if problem:
            ctx.report(error("E-VALUE-REGEX", f"invalid regular expression: {problem}",
                             call.args[pattern_index].span))
            return None
        repl = literal_value(call.args[2]) if replacement else None
        if isinstance(repl, str):
            problem = javaregex.literal_replacement_error(pattern, repl)
            if problem:
                ctx.report(error("E-VALUE-REGEX", f"invalid replacement: {problem}",
                                 call.args[2].span, "write a literal $ as \\$"))
        return None
    return hook


def _date(call: ast.Call, types: list[str], plan: CallPlan, ctx: CallContext) -> str | None:
    arg = call.args[0]
    while isinstance(arg, ast.Paren):
        arg = arg.expr
    if not isinstance(arg, ast.StrLit):
        ctx.report(error("E-ARG-LITERAL", "date() takes a string literal", call.args[0].span,
                         "use toDateOnly, toDateTimeOnly or toDateTime for computed text"))
        return "any"
    value = dates.date_literal(arg.value)
    if value is None:
        ctx.report(error("E-VALUE-CONVERSION", f"date(\"{arg.value}\") is not a valid date, "
                         "local date-time or offset date-time", arg.span,
                         "write 2021-02-19, 2021-02-19T10:00:00 or 2021-02-19T10:00:00Z"))
        return "any"
    from jexpr.values import kind
    return kind(value)


def _in_audience(call: ast.Call, types: list[str], plan: CallPlan, ctx: CallContext
                 ) -> str | None:
    if not isinstance(literal_value(call.args[0]), str):
        ctx.report(warning("W-AJO-CONSTANT-ARG", "AJO wants a constant audience name",
                           call.args[0].span, "write the audience name as a string literal"))
    return None


def _listobject_ref(call: ast.Call, types: list[str], ctx: CallContext) -> None:
    if not call.args or types[0] != "listObject":
        return
    if not isinstance(call.args[0], ast.Reference | ast.LoopRef):
        ctx.report(warning("W-AJO-LISTOBJECT-REF", f"AJO requires the list of objects given "
                           f"to {call.name} to be a field reference", call.args[0].span))


def _key_coercion(call: ast.Call, plan: CallPlan, ctx: CallContext) -> None:
    path = ctx.paths.get(call.args[0])
    key = literal_value(call.args[1])
    if path is None or not isinstance(key, str):
        return
    declared = ctx.decls.lookup((*path, key))
    if declared and declared != "any":
        plan.extra["coerce"] = declared


_HOOKS: dict[str, Callable[..., str | None]] = {
    "toDateTime": _to_date_time,
    "now": _now,
    "updateTimeZone": _update_time_zone,
    "nowWithDelta": _now_with_delta,
    "setHours": _range(dates.hour_in_range, "0–23"),
    "setDays": _range(dates.day_in_range, "1–31"),
    "matchRegExp": _regex(1, False),
    "split": _regex(1, False),
    "replace": _regex(1, True),
    "replaceAll": _regex(1, True),
    "date": _date,
    "inAudience": _in_audience,
}
