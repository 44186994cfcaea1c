"""Math and number-formatting helpers (functions/math.md, ``formatCurrency``, ``toString``).

``formatNumber`` prints up to three fraction digits with the locale's separators (Java's
``NumberFormat.getInstance``); ``formatCurrency`` prints two digits and the locale's symbol;
``toPercentage`` multiplies by 100 and rounds to a whole percent; ``toPrecision(x, n)`` keeps
``n`` fraction digits. Rounding is half-even, as Java's formats do.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from jengine.templates.functions.locales import Locale, locale
from jengine.templates.functions.signature import Fn, RenderContext, fn

__all__ = ["FUNCTIONS", "format_number"]


def format_number(x: float, loc: Locale, min_digits: int, max_digits: int) -> str:
    """``x`` with grouping and between ``min_digits`` and ``max_digits`` fraction digits."""
    q = Decimal(repr(float(x))) if isinstance(x, float) else Decimal(x)
    q = q.quantize(Decimal(1).scaleb(-max_digits), rounding=ROUND_HALF_EVEN)
    sign = "-" if q < 0 else ""
    whole, _, fraction = f"{abs(q):f}".partition(".")
    fraction = fraction.rstrip("0").ljust(min_digits, "0")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = loc.group.join(groups)
    return sign + text + (loc.decimal + fraction if fraction else "")


def _format_number(x: Any, loc: str | None = None) -> str:
    return format_number(x, locale(loc), 0, 3)


def _format_currency(x: Any, loc_name: str | None = None) -> str:
    loc = locale(loc_name)
    amount = format_number(abs(x), loc, 2, 2)
    sign = "-" if x < 0 else ""
    if loc.currency_after:
        return f"{sign}{amount}\u00a0{loc.currency}"
    return f"{sign}{loc.currency}{amount}"


def _round(x: float, digits: int) -> Decimal:
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)


def _to_string(value: Any) -> str:
    from jengine.templates.values import text_of
    return text_of(value)


def _to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value.strip()))
        except ValueError:
            return None
    return None


def _random(ctx: RenderContext) -> float:
    rng = ctx.random
    return float(rng.random()) if rng is not None else 0.5


FUNCTIONS: list[Fn] = [
    fn("absolute", "n", "same", abs),
    fn("formatNumber", "n s?", "s", _format_number),
    fn("formatCurrency", "n s?", "s", _format_currency),
    fn("random", "", "n", _random, context=True),
    fn("roundDown", "n", "n", lambda x: float(math.floor(x))),
    fn("roundUp", "n", "n", lambda x: float(math.ceil(x))),
    fn("round", "n", "i", lambda x: int(_round(x, 0))),
    fn("toHexString", "n", "s", lambda x: format(int(x) & 0xFFFFFFFF if x < 0 else int(x), "x")),
    fn("toInt", "a", "i", _to_int),
    fn("toPercentage", "n", "s", lambda x: f"{_round(x * 100, 0):f}%"),
    fn("toPrecision", "n i", "s", lambda x, n: f"{_round(x, n):f}"),
    fn("toString", "a", "s", _to_string, nulls=True),
]
