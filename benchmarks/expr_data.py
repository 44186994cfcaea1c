"""The data of the evaluation benchmark: seeded contexts and the helpers hand-written code needs.

Two context sets, generated from one seed so every run sees the same data:

* **varied** — what a journey really receives: optional fields missing or null, integers where
  decimals are declared, empty lists, unparsable strings (``"4x"`` as a score). Hand-written
  functions and jexpr (typed and untyped) are timed over these.
* **complete** — every field present, every value of its declared JSON type (decimals as
  floats): the peers are timed over these, because most of them have no null-safe navigation
  and no integer/decimal mixing; jexpr is timed over them too, for the peer ratios.

The ``h_*`` helpers are what a competent engineer writes once and reuses in hand-written rules:
Java's ``Math.round``, AJO's integer and decimal conversions, Java's ``trim``, the rendering
of dates and the calendar arithmetic of the date windows.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from typing import Any

NOW = dt.datetime(2024, 3, 15, 9, 30, tzinfo=dt.UTC)
CONTEXTS = 200
SEED = 20240315

FIELD_TYPES_TYPED: dict[str, str] = {
    "E.orderId": "string", "E.amount": "decimal", "E.quantity": "integer",
    "E.price": "decimal", "E.currency": "string", "E.channel": "string", "E.name": "string",
    "E.code": "string", "E.score": "string", "E.discount": "string", "E.coupon": "string",
    "E.ts": "dateTime", "E.shipBy": "string", "E.tags": "listString",
    "E.customer": "object", "E.customer.country": "string", "E.customer.age": "integer",
    "E.customer.tier": "string", "E.customer.email": "string", "E.customer.name": "string",
    "E.customer.nickname": "string", "E.customer.newsletter": "boolean",
    "E.customer.phone": "string", "E.customer.zip": "string",
    "E.customer.birthDate": "string", "E.customer.since": "dateTime",
    "E.items": "listObject", "E.items.sku": "string", "E.items.price": "decimal",
    "E.items.quantity": "integer", "E.items.category": "string",
    "CRM.profile.loyaltyPoints": "integer", "CRM.profile.segment": "string",
    "CRM.profile.lastOrder": "dateTime", "CRM.profile.churnRisk": "decimal",
}
# an embedding service often declares only the date fields
FIELD_TYPES_UNTYPED: dict[str, str] = {
    k: v for k, v in FIELD_TYPES_TYPED.items() if v == "dateTime"}

_CATEGORIES = ["shoes", "shirts", "bags", "hats", "socks"]
_OFFSETS = ["Z", "+01:00", "-05:00", "+05:30", "+02:00"]
_FIRST = ["Jane", "John", "Ana", "Li", "Omar", "Eva", "Bob", "Zoé"]
_LAST = ["Doe", "Smith", "Martin", "Nguyen", "Rossi", "Müller"]


def _iso(r: random.Random, base: dt.datetime, spread_hours: int, offset: str) -> str:
    moment = base + dt.timedelta(hours=r.uniform(-spread_hours, spread_hours))
    moment = moment.replace(microsecond=0)
    if offset == "Z":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    local = moment + sign * dt.timedelta(hours=hours, minutes=minutes)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + offset


def _money(r: random.Random, low: float, high: float, varied: bool) -> float | int:
    value = round(r.uniform(low, high), 2)
    return int(value) if varied and r.random() < 0.3 else value  # an integer where a decimal is declared


def _item(r: random.Random, varied: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sku": f"SKU-{r.randint(0, 30):03d}", "price": _money(r, 4, 120, varied),
        "quantity": r.randint(1, 4), "category": r.choice(_CATEGORIES)}
    if varied and r.random() < 0.05:
        item["price"] = None
    if varied and r.random() < 0.05:
        del item["quantity"]
    return item


def _customer(r: random.Random, varied: bool) -> dict[str, Any]:
    first, last = r.choice(_FIRST), r.choice(_LAST)
    domain = r.choice(["Example.com", "mail.org", "shop.fr", "example.COM"])
    email = f"{first}.{last}@{domain}" if r.random() < 0.9 else f"{first}{last}.{domain}"
    return {
        "country": r.choice(["FR", "DE", "IT", "US", "ES", "GB"]), "age": r.randint(12, 80),
        "tier": r.choice(["gold", "silver", "bronze", "gold"]), "email": email,
        "name": r.choice(["", " ", "  "]) + f"{first} {last}" + r.choice(["", " ", "\t"]),
        "nickname": r.choice([None, first[:2].upper(), None]) if varied else first[:2].upper(),
        "newsletter": r.random() < 0.5,
        "phone": f"+33 6 {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} "
                 f"{r.randint(10, 99)}",
        "zip": f"{r.randint(1000, 99999):05d}" if r.random() < 0.8 else f"{r.randint(100, 999)}A1",
        "birthDate": f"{r.randint(1950, 2010)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
        "since": _iso(r, NOW, 24 * 400, r.choice(_OFFSETS)),
    }


_OPTIONAL = {  # fields a varied context may lack or hold null in
    "E": ["amount", "quantity", "price", "currency", "channel", "name", "code", "score",
          "discount", "coupon", "ts", "shipBy", "tags", "items"],
    "customer": ["country", "age", "tier", "email", "name", "newsletter", "phone", "zip",
                 "birthDate", "since"],
    "profile": ["loyaltyPoints", "segment", "lastOrder", "churnRisk"],
}


def _vary(r: random.Random, payload: dict[str, Any], which: str) -> None:
    for name in _OPTIONAL[which]:
        roll = r.random()
        if roll < 0.06:
            payload.pop(name, None)
        elif roll < 0.10:
            payload[name] = None


def make_context(r: random.Random, varied: bool) -> dict[str, Any]:
    items = [_item(r, varied) for _ in range(r.randint(0 if varied else 1, 20))]
    event: dict[str, Any] = {
        "orderId": f"O-{r.randint(10000, 99999)}", "amount": _money(r, 10, 900, varied),
        "quantity": r.randint(1, 12), "price": _money(r, 2, 60, varied),
        "currency": r.choice(["EUR", "USD", "GBP"]),
        "channel": r.choice(["web", "app", "email", "store"]),
        "name": r.choice(["Summer SALE Newsletter", "Winter newsletter", "Flash sale",
                          "summer picks", "Welcome"]),
        "code": f"{r.choice(['ABC', 'XYZ', 'promo', 'QR'])}-{r.randint(1, 9999)}-"
                f"{r.choice(['X', 'Y', ''])}",
        "score": str(r.randint(0, 200)) if r.random() < 0.9 or not varied else "4x",
        "discount": r.choice(["12.5", "5", "0.75", "20"]) if r.random() < 0.9 or not varied
        else "n/a",
        "coupon": r.choice(["", "SAVE10", "", "WELCOME"]),
        "ts": _iso(r, NOW, 24 * 12, r.choice(_OFFSETS)),
        "shipBy": _iso(r, NOW + dt.timedelta(days=2), 24 * 3, r.choice(_OFFSETS))
        if r.random() < 0.95 or not varied else "soon",
        "tags": r.sample(["vip", "new", "promo", "b2b", "loyal"], r.randint(0, 3)),
        "customer": _customer(r, varied), "items": items,
    }
    profile: dict[str, Any] = {
        "loyaltyPoints": r.randint(0, 5000), "segment": r.choice(["vip", "regular", "new"]),
        "lastOrder": _iso(r, NOW, 24 * 40, r.choice(_OFFSETS)),
        "churnRisk": round(r.random(), 3)}
    if varied:
        _vary(r, event, "E")
        _vary(r, event["customer"], "customer")
        _vary(r, profile, "profile")
    return {"events": {"E": event}, "dataSources": {"CRM": {"profile": profile}}, "now": NOW}


def contexts(varied: bool, n: int = CONTEXTS) -> list[dict[str, Any]]:
    r = random.Random(SEED + (1 if varied else 2))
    return [make_context(r, varied) for _ in range(n)]


# ---- helpers for hand-written functions ---------------------------------------------------

_INT = re.compile(r"[+-]?[0-9]+")
_DEC = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_JAVA_WS = "".join(map(chr, range(33)))
_MS = dt.timedelta(milliseconds=1)


def h_to_int(s: Any) -> int | None:
    """AJO ``toInteger(string)``: ``[+-]?[0-9]+`` within 64 bits, else null."""
    if s is None or not _INT.fullmatch(s):
        return None
    n = int(s)
    return n if -(2**63) <= n < 2**63 else None


def h_to_dec(s: Any) -> float | None:
    """AJO ``toDecimal(string)``: trimmed, Java's decimal syntax, finite, else null."""
    if s is None:
        return None
    s = s.strip(_JAVA_WS)
    if not _DEC.fullmatch(s):
        return None
    x = float(s)
    return x if math.isfinite(x) else None


def h_java_round(x: float) -> int:
    """Java ``Math.round``: ties toward positive infinity, exact."""
    f = math.floor(x)
    return int(f) + 1 if x - f >= 0.5 else int(f)


def h_java_rem(a: int, b: int) -> int:
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def h_trim(s: str) -> str:
    return s.strip(_JAVA_WS)


def h_parse_dt(s: Any) -> dt.datetime | None:
    """An ISO offset date-time string, or None when it is not one."""
    if s is None:
        return None
    try:
        v = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    return v if v.tzinfo is not None else None


def h_render_dt(v: dt.datetime) -> str:
    """Java ``OffsetDateTime.toString``."""
    text = v.strftime("%Y-%m-%dT%H:%M")
    if v.second or v.microsecond:
        text += f":{v.second:02d}"
        if v.microsecond:
            text += f".{v.microsecond // 1000:03d}" if v.microsecond % 1000 == 0 \
                else f".{v.microsecond:06d}"
    off = v.utcoffset() or dt.timedelta()
    if not off:
        return text + "Z"
    sign, off = ("-", -off) if off < dt.timedelta() else ("+", off)
    hours, rest = divmod(int(off.total_seconds()), 3600)
    return f"{text}{sign}{hours:02d}:{rest // 60:02d}"


def h_millis(delta: dt.timedelta) -> int:
    """Whole milliseconds of a duration, truncated toward zero."""
    us = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    q = abs(us) // 1000
    return -q if us < 0 else q


def h_java_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return -q if (a < 0) != (b < 0) else q


def h_minus_months(v: dt.datetime, months: int) -> dt.datetime:
    """Calendar months back, the day clamped to the month's length."""
    total = v.year * 12 + v.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return v.replace(year=year, month=month, day=min(v.day, last))
