"""Hints of type errors: which conversion or rewrite would make an expression check.

One job: the hint texts the checker attaches to operand, condition and usage errors, and the
small text helpers they share.
"""

from __future__ import annotations

from jexpr import types as T
from jexpr.functions.registry import converts
from jexpr.runtime import temporal
from jexpr.syntax import ast

_DATE_CONVERSION = {"dateTime": "toDateTime", "dateTimeOnly": "toDateTimeOnly",
                    "dateOnly": "toDateOnly"}
_TYPE_CONVERSION = {"string": "toString", "integer": "toInteger", "decimal": "toDecimal",
                    "boolean": "toBool", "duration": "toDuration", **_DATE_CONVERSION}


def _strip_parens(node: ast.Expr) -> ast.Expr:
    while isinstance(node, ast.Paren):
        node = node.expr
    return node


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'



def _date_text_for(t: str, text: str) -> str | None:
    """``text`` completed into the text form ``t``'s conversion accepts, or None."""
    text = text.strip()
    if t == "dateOnly":
        if temporal.parse_date(text) is not None:
            return text
        return text[:10] if temporal.parse_date(text[:10]) is not None else None
    if t == "dateTimeOnly":
        if temporal.parse_local_datetime(text) is not None:
            return text
        return f"{text}T00:00:00" if temporal.parse_date(text) is not None else None
    if temporal.parse_offset_datetime(text) is not None:
        return text
    if temporal.parse_local_datetime(text) is not None:
        return f"{text}Z"
    return f"{text}T00:00:00Z" if temporal.parse_date(text) is not None else None


def _boolean_hint(t: str) -> str | None:
    if t in T.NUMBERS:
        return "compare the number to make a boolean, e.g. x > 0"
    if t == "string":
        return 'compare the string, e.g. x == "yes", or convert it with toBool(…)'
    return None


def _arith_hint(op: str, left: str, right: str) -> str | None:
    dates = ("dateTime", "dateTimeOnly", "dateOnly")
    if op == "-" and (left in dates or right in dates):
        return "to move a date back, add a negated duration: date + -(duration); to get the " \
            "time between two dates, use dateDiff"
    if op == "+" and left in dates and right in dates:
        return "two dates cannot be added: add a duration to a date, e.g. " \
            "(now()) + (toDuration(\"PT1H\"))"
    if op == "+" and left == "duration" and right in dates[:2]:
        return "write the date first: date + duration"
    if op == "+" and "dateOnly" in (left, right) and "duration" in (left, right):
        return "durations are added to a dateTime or dateTimeOnly, not to a dateOnly"
    if op == "+" and (T.is_list(left) or T.is_list(right)):
        return "lists cannot be added or concatenated with '+'"
    return None



def _result_hint(usage: str, t: str, text: str) -> str | None:
    """How to make an expression of type ``t`` fit a usage context."""
    shown = text if len(text) <= 30 and "\n" not in text else "…"
    if usage == "condition":
        if t == "string":
            return f'a condition must be boolean: compare the value, e.g. {shown} == "…"'
        if t in T.NUMBERS:
            return f"a condition must be boolean: compare the value, e.g. {shown} > 0"
        if T.is_list(t):
            return "a condition must be boolean: test the list, e.g. listSize(…) > 0 or in(…)"
        return f"a condition must be boolean: compare the value, e.g. {shown} == …"
    if usage == "wait":
        if t in ("string", "dateOnly"):
            return "a wait time is a dateTimeOnly: convert with toDateTimeOnly(…)"
        return ("a wait time is a dateTimeOnly (a date and a time), e.g. "
                "toDateTimeOnly(nowWithDelta(1, \"days\"))")
    target = "string" if usage in ("path", "datasetLookupKey") else usage[7:]
    what = {"path": "a custom-action path is a string",
            "datasetLookupKey": "a dataset lookup key is a string or a list of strings"}.get(
        usage, f"the parameter is declared {target}")
    conv = _TYPE_CONVERSION.get(target)
    if conv is not None and converts(conv, t):
        return f"{what}: convert with {conv}(…)"
    return what
