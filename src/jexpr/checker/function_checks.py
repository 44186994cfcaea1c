"""Static checks of particular functions: literal arguments checked before evaluation.

When an argument is a literal (spec §8: a string, number or boolean written directly, optionally
parenthesised or negated), the check that would fail at evaluation is made at compile time —
conversions (D19), zones, regexes, date parts, hour and day ranges — and reported with its
``E-VALUE-*`` code. The AJO compatibility warnings about arguments live here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jexpr.checker.schema import Declarations, Path
from jexpr.diagnostics import Diagnostic, Fix, did_you_mean, error, warning
from jexpr.errors import EvalFault
from jexpr.functions.registry import CallPlan
from jexpr.runtime import javaregex, temporal
from jexpr.runtime.lib import dates, numbers
from jexpr.source import Source
from jexpr.syntax import ast

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
        name = plan.function.name
        shown = ", ".join(ctx.source.text[a.span.start:a.span.end] for a in call.args)
        why = _conversion_problem(name, values)
        index = why.argument if why.argument is not None else (0 if len(call.args) == 1
                                                                else None)
        span = call.span if index is None else call.args[index].span
        fix = Fix(span, why.replacement) if why.replacement is not None else None
        if name in NULL_ON_MALFORMED and len(call.args) == 1 and isinstance(values[0], str):
            # Adobe's reference: "Malformed strings return null without an error"
            ctx.report(warning("W-VALUE-CONVERSION", f"{name}({shown}) cannot be converted "
                               f"and gives null: {why.reason}", span, why.hint, fix))
            return
        ctx.report(error("E-VALUE-CONVERSION", f"{name}({shown}) cannot be converted: "
                         f"{why.reason}", span, why.hint, fix))


NULL_ON_MALFORMED = frozenset({"toDateTime", "toDateTimeOnly"})
"""Conversions whose malformed literal string is a warning (null at run time), not an error."""


@dataclass(frozen=True)
class _Why:
    """Why a literal conversion fails: the reason (in the message), a hint, the argument at
    fault (None: the whole call) and a replacement text for that argument."""

    reason: str
    hint: str | None
    argument: int | None = None
    replacement: str | None = None


_DURATION_CALENDAR = re.compile(r"[+-]?P[^T]*?[0-9]\s*[YMW]", re.IGNORECASE)
_DURATION_NO_T = re.compile(r"([+-]?P(?:[+-]?[0-9]+D)?)([^T]+)", re.IGNORECASE)
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DURATION_HINT = "durations use Java's ISO form, e.g. \"PT15M\", \"PT1H30M\" or \"P2D\""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _conversion_problem(name: str, values: list[Any]) -> _Why:
    """Why ``name`` fails on these literal values (spec §10.5, §12.2, §12.5)."""
    value = values[0]
    if name == "toInteger":
        return _integer_problem(value)
    if name == "toDecimal":
        text = value.strip(" \t\n\r") if isinstance(value, str) else ""
        if text.lower().lstrip("+-") in ("nan", "infinity", "inf"):
            return _Why("NaN and Infinity are not decimal numbers", "a decimal must be finite")
        if re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", text):
            return _Why("the number is too large for a decimal", "decimals are 64-bit floating "
                        "point numbers, up to about 1.8e308")
        return _Why("the text is not a decimal number",
                    "decimal text looks like \"4.5\", \"-2\" or \"1e3\"")
    if name == "toDuration":
        return _duration_problem(value)
    if name == "toDateTime":
        if isinstance(value, int):
            return _Why("the epoch milliseconds are out of range",
                        "toDateTime(integer) takes milliseconds since 1970-01-01T00:00Z and "
                        "must give a year between 1 and 9999")
        return _date_time_problem(value)
    if name == "toDateTimeOnly":
        if isinstance(value, str) and _DATE_SHAPE.match(value.strip()) and \
                temporal.parse_date(value.strip()[:10]) is None:
            return _Why("the date does not exist", "check the month (01–12) and the day")
        return _Why("the text is not a local date-time",
                    "local date-times look like \"2023-08-18T10:00:00\" (a date alone and an "
                    "offset date-time are accepted too)")
    if len(values) == 3:
        return _ymd_problem(values)
    if isinstance(value, str) and _DATE_SHAPE.match(value) and \
            temporal.parse_date(value[:10]) is None:
        return _Why("the date does not exist", "check the month (01–12) and the day")
    return _Why("the text is not a date", "dates look like \"2023-08-18\" (a date-time is "
                "accepted too: its date part is taken)")


def _integer_problem(value: Any) -> _Why:
    if isinstance(value, float):
        return _Why("the value is outside the 64-bit integer range", None)
    if not isinstance(value, str):
        return _Why("the value cannot be converted", None)
    hint = "integer text is [+-]digits, e.g. \"42\""
    stripped = value.strip()
    if stripped != value and numbers.to_integer(stripped) is not None:
        return _Why("the text has spaces around the number", f"remove the spaces: "
                    f"{_quote(stripped)}", 0, _quote(stripped))
    if re.fullmatch(r"[+-]?[0-9]+", stripped):
        return _Why("the number is outside the 64-bit integer range", hint)
    if numbers.to_decimal(value) is not None:
        return _Why("the text is a decimal number", f"toInteger takes whole numbers only; to "
                    f"truncate, convert the decimal first: toInteger(toDecimal({_quote(value)}))")
    return _Why("the text is not an integer", hint)


def _duration_problem(value: Any) -> _Why:
    if not isinstance(value, str):
        return _Why("the value cannot be converted", _DURATION_HINT)
    text = value.strip()
    if text != value and temporal.parse_duration(text) is not None:
        return _Why("the text has spaces around the duration", f"remove the spaces: "
                    f"{_quote(text)}", 0, _quote(text))
    calendar = _DURATION_CALENDAR.match(text)
    if calendar:
        return _calendar_duration_problem(text, calendar)
    m = _DURATION_NO_T.fullmatch(text)
    if m and "T" not in text.upper():
        fixed = f"{m.group(1)}T{m.group(2)}"
        if temporal.parse_duration(fixed) is not None:
            return _Why("hours, minutes and seconds must come after a 'T'",
                        f"write {_quote(fixed)}", 0, _quote(fixed))
    return _Why("the text is not an ISO-8601 duration", _DURATION_HINT)


def _calendar_duration_problem(text: str, calendar: re.Match[str]) -> _Why:
    """A duration written with years, months or weeks (Java's Duration has none of them)."""
    unit = calendar.group(0)[-1].upper()
    amount = re.search(r"[0-9]+(?=\s*[YMWymw])", calendar.group(0))
    n = int(amount.group(0)) if amount else 1
    if unit == "W":
        days = _replace_unit(text, "W", lambda k: f"{7 * k}D")
        if days is not None and temporal.parse_duration(days) is not None:
            return _Why("weeks are not supported in durations", f"write days: {_quote(days)}",
                        0, _quote(days))
        return _Why("weeks are not supported in durations", f"write days, e.g. \"P{7 * n}D\"")
    word, part = ("years", "years") if unit == "Y" else ("months", "months")
    hint = (f"a duration has no {word} (their length varies): write days, e.g. "
            f"\"P{30 * n if unit == 'M' else 365 * n}D\", or shift the date with "
            f"nowWithDelta({n}, \"{part}\")")
    if unit == "M" and "T" not in text.upper():
        minutes = _replace_unit(text, "M", lambda k: f"T{k}M")
        if minutes is not None and temporal.parse_duration(minutes) is not None:
            hint = f"for minutes, write {_quote(minutes)}; " + hint
    return _Why(f"{word} are not supported in durations", hint)


def _replace_unit(text: str, unit: str, new: Callable[[int], str]) -> str | None:
    """``text`` with its one ``<digits><unit>`` part rewritten, or None when there is not
    exactly one."""
    pattern = re.compile(rf"([0-9]+){unit}", re.IGNORECASE)
    if len(pattern.findall(text)) != 1:
        return None
    return pattern.sub(lambda m: new(int(m.group(1))), text)


def _date_time_problem(value: Any) -> _Why:
    if not isinstance(value, str):
        return _Why("the value cannot be converted", None)
    text = value.strip()
    if temporal.parse_local_datetime(text) is not None:
        return _Why("the date-time has no offset",
                    f"add an offset such as Z or +02:00: {_quote(text + 'Z')}; or use "
                    f"toDateTimeOnly({_quote(value)}) for a date-time without offset",
                    0, _quote(text + "Z"))
    if temporal.parse_date(text) is not None:
        return _Why("the text is a date without a time",
                    f"write a time and an offset: {_quote(text + 'T00:00:00Z')}; or use "
                    f"toDateOnly({_quote(value)}) for a date", 0, _quote(text + "T00:00:00Z"))
    if _DATE_SHAPE.match(text) and temporal.parse_date(text[:10]) is None:
        return _Why("the date does not exist", "check the month (01–12) and the day")
    return _Why("the text is not an ISO-8601 date-time with an offset",
                "date-times look like \"2023-08-18T10:00:00Z\" or "
                "\"2023-08-18T10:00:00+02:00\"")


def _ymd_problem(values: list[Any]) -> _Why:
    y, m, d = values
    if not all(isinstance(v, int) for v in values):
        return _Why("the value cannot be converted", None)
    if not 1 <= y <= 9999:
        return _Why(f"year {y} is outside 1–9999", None, 0)
    if not 1 <= m <= 12:
        return _Why(f"month {m} is outside 1–12", None, 1)
    return _Why(f"{y:04}-{m:02}-{d:02} does not exist",
                "the day must exist in that month (February has 28 days, 29 in leap years)", 2)


def _zone_arg(call: ast.Call, index: int, ctx: CallContext, constant_rule: bool) -> None:
    arg = call.args[index]
    value = literal_value(arg)
    if isinstance(value, str):
        if temporal.zone(value) is None:
            hint, replacement = zone_hint(value)
            ctx.report(error("E-VALUE-ZONE", f"invalid time zone '{value}'", arg.span, hint,
                             Fix(arg.span, _quote(replacement)) if replacement else None))
    elif constant_rule:
        ctx.report(warning("W-AJO-CONSTANT-ARG", "AJO wants a constant time zone here",
                           arg.span, "write the zone as a string literal"))


_ABBREVIATIONS = {
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
    "MDT": "America/Denver", "CDT": "America/Chicago", "EDT": "America/New_York",
    "AKST": "America/Anchorage", "AKDT": "America/Anchorage",
    "BST": "Europe/London", "IST": "Asia/Kolkata", "CEST": "Europe/Paris",
    "EEST": "Europe/Athens", "WEST": "Europe/Lisbon", "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul", "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
    "SGT": "Asia/Singapore", "HKT": "Asia/Hong_Kong", "BRT": "America/Sao_Paulo",
}
_OFFSET_LIKE = re.compile(r"(?:UTC|GMT)?\s*([+-])\s*([0-9]{1,2})(?::?([0-9]{2}))?",
                          re.IGNORECASE)
_ZONE_HINT = "use an IANA id such as Europe/Paris, or Z, UTC, +02:00"


def zone_hint(value: str) -> tuple[str, str | None]:
    """A hint for an invalid zone id, and the valid id to replace it with when one is clear."""
    stripped = value.strip()
    if stripped != value and temporal.zone(stripped) is not None:
        return f"remove the spaces around the zone id: \"{stripped}\"", stripped
    upper = stripped.upper()
    if upper in _ABBREVIATIONS:
        region = _ABBREVIATIONS[upper]
        return (f"abbreviations are not zone ids: use a region such as {region}, which follows "
                "daylight saving time", None)
    m = _OFFSET_LIKE.fullmatch(stripped)
    if m:
        offset = f"{m.group(1)}{int(m.group(2)):02}:{m.group(3) or '00'}"
        if temporal.zone(offset) is not None:
            return f"write offsets as ±HH:MM: \"{offset}\"", offset
    if len(stripped) >= 4:
        regions = sorted(temporal.region_ids())
        guess = did_you_mean(stripped, regions)
        if guess is None and "/" not in stripped:
            cities = {r.rsplit("/", 1)[-1]: r for r in regions if "/" in r}
            city = did_you_mean(stripped.replace(" ", "_"), cities)
            guess = cities[city] if city else None
        if guess is not None:
            return f"did you mean {guess}?", guess
    return _ZONE_HINT, None


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
            ctx.report(error("E-VALUE-REGEX", _prefixed("invalid regular expression", problem),
                             call.args[pattern_index].span))
            return None
        repl = literal_value(call.args[2]) if replacement else None
        if isinstance(repl, str):
            problem = javaregex.literal_replacement_error(pattern, repl)
            if problem:
                ctx.report(error("E-VALUE-REGEX", _prefixed("invalid replacement", problem),
                                 call.args[2].span, "write a literal $ as \\$"))
        return None
    return hook


def _prefixed(prefix: str, problem: str) -> str:
    """``prefix: problem``, without repeating a prefix the problem already starts with."""
    return problem if problem.startswith(prefix) else f"{prefix}: {problem}"


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
    from jexpr.runtime.values import kind
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
