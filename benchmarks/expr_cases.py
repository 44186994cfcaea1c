"""The expressions of the evaluation benchmark, each with its hand-written Python function and
its translation into every peer language that can express it.

Families (issue 11): field comparisons and boolean logic, arithmetic with conversions, string
functions, regex functions, dates from ISO strings, projections with aggregates, first/last
filters, nested ``if``, null handling, data-source references. Every hand-written function is
null-safe over the varied contexts of :mod:`expr_data` and returns what jexpr returns; the
benchmark checks that on every context before timing anything.

Peer keys: ``cel`` (cel-python and cel(rust)), ``rule_engine``, ``simpleeval``, ``jsonlogic``
(json-logic-qubit, and datalogic-py unless ``datalogic`` is given), ``jsonlogic_qubit``,
``datalogic``, ``zen``. ``(NA, reason)`` marks what a peer cannot express with its own
language and standard functions (the reason is printed under the table).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from expr_data import (
    h_java_div,
    h_java_rem,
    h_java_round,
    h_millis,
    h_minus_months,
    h_parse_dt,
    h_render_dt,
    h_to_dec,
    h_to_int,
    h_trim,
)

NA = object()
Ctx = dict[str, Any]


def _e(ctx: Ctx) -> dict[str, Any]:
    return (ctx.get("events") or {}).get("E") or {}


def _c(ctx: Ctx) -> dict[str, Any]:
    return _e(ctx).get("customer") or {}


def _p(ctx: Ctx) -> dict[str, Any]:
    return ((ctx.get("dataSources") or {}).get("CRM") or {}).get("profile") or {}


_EU3 = frozenset(("FR", "DE", "IT"))
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}", re.ASCII)
_NOT_PHONE = re.compile(r"[^0-9+]", re.ASCII)
_CODE = re.compile(r"^([A-Za-z]+)-([0-9]+)", re.ASCII)
_ZIP = re.compile(r"[0-9]{5}", re.ASCII)
_DAY = dt.timedelta(days=1)
_NO_DATES = (NA, "no date/time type or functions")
_NO_REGEX = (NA, "no regular expressions")
_NO_NULL_DEFAULT = (NA, "no null default in the standard library")


def _items(ctx: Ctx) -> list[dict[str, Any]]:
    return _e(ctx).get("items") or []


# ---- hand-written functions ----------------------------------------------------------------


def h_field(ctx: Ctx) -> bool:
    v = _e(ctx).get("amount")
    return v is not None and v > 100


def h_conj(ctx: Ctx) -> bool:
    e = _e(ctx)
    c = e.get("customer") or {}
    age, amount = c.get("age"), e.get("amount")
    return (c.get("country") in _EU3 and age is not None and age >= 18
            and amount is not None and amount > 100 and c.get("tier") == "gold")


def h_logic(ctx: Ctx) -> bool:
    e = _e(ctx)
    c = e.get("customer") or {}
    return (c.get("newsletter") is True or e.get("channel") == "email") and \
        c.get("tier") != "bronze"


def h_range(ctx: Ctx) -> bool:
    e = _e(ctx)
    q = e.get("quantity")
    return q is not None and 2 <= q <= 10 and e.get("currency") != "USD"


def h_arith(ctx: Ctx) -> bool:
    e = _e(ctx)
    p, q = e.get("price"), e.get("quantity")
    return p is not None and q is not None and p * q > 50


def h_to_integer(ctx: Ctx) -> int | None:
    e = _e(ctx)
    n, q = h_to_int(e.get("score")), e.get("quantity")
    return None if n is None or q is None else n + q * 2


def h_to_decimal(ctx: Ctx) -> float | None:
    e = _e(ctx)
    d, a = h_to_dec(e.get("discount")), e.get("amount")
    return None if d is None or a is None else d / 100.0 * a


def h_round(ctx: Ctx) -> int | None:
    a = _e(ctx).get("amount")
    return None if a is None else h_java_rem(h_java_round(a * 1.2), 7)


def h_ds_plus(ctx: Ctx) -> int | None:
    points, n = _p(ctx).get("loyaltyPoints"), h_to_int(_e(ctx).get("score"))
    return None if points is None or n is None else points + n


def h_strings(ctx: Ctx) -> bool:
    e = _e(ctx)
    email, name = (e.get("customer") or {}).get("email"), e.get("name")
    return (email is not None and email.lower().startswith("jane")
            and name is not None and "sale" in name.lower())


def h_substr(ctx: Ctx) -> str | None:
    e = _e(ctx)
    code, name = e.get("code"), (e.get("customer") or {}).get("name")
    if code is None or name is None:
        return None
    return code[:3].upper() + "-" + str(len(name))


def h_trim_concat(ctx: Ctx) -> str | None:
    c = _c(ctx)
    name, email = c.get("name"), c.get("email")
    if name is None or email is None:
        return None
    return h_trim(name) + " <" + email.lower() + ">"


def h_ignore_case(ctx: Ctx) -> bool:
    e = _e(ctx)
    name, email = e.get("name"), (e.get("customer") or {}).get("email")
    return (name is not None and "summer" in name.lower()) or (
        email is not None and email.lower().endswith(".com"))


def h_index_of(ctx: Ctx) -> bool:
    c = _c(ctx)
    email, name = c.get("email"), c.get("name")
    return email is not None and email.find("@") > 0 and name is not None and name != ""


def h_email(ctx: Ctx) -> bool:
    email = _c(ctx).get("email")
    return email is not None and _EMAIL.fullmatch(email) is not None


def h_phone(ctx: Ctx) -> str | None:
    phone = _c(ctx).get("phone")
    return None if phone is None else _NOT_PHONE.sub("", phone)


def h_replace_groups(ctx: Ctx) -> str | None:
    code = _e(ctx).get("code")
    return None if code is None else _CODE.sub(r"\2/\1", code, count=1)


def h_split(ctx: Ctx) -> str | None:
    code = _e(ctx).get("code")
    if code is None:
        return None
    parts = code.split("-")
    while parts and parts[-1] == "":
        parts.pop()
    return parts[1] if len(parts) > 1 else None


def h_zip(ctx: Ctx) -> bool:
    z = _c(ctx).get("zip")
    return z is not None and _ZIP.fullmatch(z) is not None


def h_last_days(ctx: Ctx) -> bool:
    ts = h_parse_dt(_e(ctx).get("ts"))
    now = ctx["now"]
    return ts is not None and now - 7 * _DAY <= ts <= now


def h_next_days(ctx: Ctx) -> bool:
    v = h_parse_dt(_e(ctx).get("shipBy"))
    now = ctx["now"]
    return v is not None and now <= v <= now + 3 * _DAY


def h_age_days(ctx: Ctx) -> bool:
    born = _c(ctx).get("birthDate")
    return born is not None and (ctx["now"].date() - dt.date.fromisoformat(born)).days >= 6570


def h_render(ctx: Ctx) -> str | None:
    ts = h_parse_dt(_e(ctx).get("ts"))
    return None if ts is None else ts.date().isoformat() + " at " + h_render_dt(ts)


def h_hours_between(ctx: Ctx) -> int | None:
    e = _e(ctx)
    a, b = h_parse_dt(e.get("shipBy")), h_parse_dt(e.get("ts"))
    return None if a is None or b is None else h_java_div(h_millis(a - b), 3_600_000)


def h_last_months(ctx: Ctx) -> bool:
    v = h_parse_dt(_c(ctx).get("since"))
    if v is None:
        return False
    now = ctx["now"]
    return h_minus_months(now.astimezone(v.tzinfo), 6) <= v <= now


def h_sum(ctx: Ctx) -> bool:
    total = 0
    for it in _items(ctx):
        p = it.get("price")
        if p is not None:
            total += p
    return total > 100


def h_avg(ctx: Ctx) -> float | None:
    qs = [q for it in _items(ctx) if (q := it.get("quantity")) is not None]
    return sum(qs) / len(qs) if qs else None


def h_spread(ctx: Ctx) -> float | None:
    ps = [p for it in _items(ctx) if (p := it.get("price")) is not None]
    return max(ps) - min(ps) if ps else None


def h_count(ctx: Ctx) -> bool:
    n = 0
    for it in _items(ctx):
        p = it.get("price")
        if p is not None and p > 50 and it.get("sku") is not None:
            n += 1
    return n > 2


def h_distinct(ctx: Ctx) -> bool:
    return len({c for it in _items(ctx) if (c := it.get("category")) is not None}) >= 3


def h_in_projection(ctx: Ctx) -> bool:
    return any(it.get("sku") == "SKU-003" for it in _items(ctx))


def h_tags(ctx: Ctx) -> bool:
    tags = _e(ctx).get("tags")
    return bool(tags) and "vip" in tags


def h_first(ctx: Ctx) -> float:
    for it in _items(ctx):
        if it.get("category") == "shoes":
            p = it.get("price")
            return 0.0 if p is None else p
    return 0.0


def h_last(ctx: Ctx) -> str:
    for it in reversed(_items(ctx)):
        q = it.get("quantity")
        if q is not None and q > 1:
            s = it.get("sku")
            return "none" if s is None else s
    return "none"


def h_if_strings(ctx: Ctx) -> str:
    a = _e(ctx).get("amount")
    if a is not None and a > 500:
        return "platinum"
    return "gold" if a is not None and a > 100 else "standard"


def h_if_numbers(ctx: Ctx) -> float | None:
    e = _e(ctx)
    tier, a = (e.get("customer") or {}).get("tier"), e.get("amount")
    if tier == "gold":
        return None if a is None else a * 0.9
    if tier == "silver":
        return None if a is None else a * 0.95
    return a


def h_null_or_empty(ctx: Ctx) -> bool:
    coupon = _e(ctx).get("coupon")
    return coupon is None or coupon == ""


def h_defaults(ctx: Ctx) -> str:
    c = _c(ctx)
    nick = c.get("nickname")
    if nick is not None:
        return nick  # type: ignore[no-any-return]
    name = c.get("name")
    return "friend" if name is None else name


def h_guarded(ctx: Ctx) -> bool:
    phone = _c(ctx).get("phone")
    return phone is not None and len(phone) > 8


def h_ds_condition(ctx: Ctx) -> bool:
    p = _p(ctx)
    points = p.get("loyaltyPoints")
    return p.get("segment") == "vip" and points is not None and points > 1000


def h_ds_window(ctx: Ctx) -> bool:
    v = h_parse_dt(_p(ctx).get("lastOrder"))
    now = ctx["now"]
    return v is not None and now - 30 * _DAY <= v <= now


def h_ds_risk(ctx: Ctx) -> bool:
    p = _p(ctx)
    risk, points = p.get("churnRisk"), p.get("loyaltyPoints")
    return (risk is not None and risk * 100.0 > 50.0) or (points is not None and points < 100)


# ---- the expressions -----------------------------------------------------------------------

Case = dict[str, Any]
EXPRESSIONS: list[Case] = [
    # -- field comparisons and boolean logic
    {"name": "field comparison", "family": "logic", "hand": h_field,
     "jexpr": "@event{E.amount} > 100",
     "cel": "E.amount > 100.0", "rule_engine": "E.amount > 100",
     "simpleeval": "E['amount'] > 100", "jsonlogic": {">": [{"var": "E.amount"}, 100]},
     "zen": "E.amount > 100"},
    {"name": "4-way and + in list", "family": "logic", "hand": h_conj,
     "jexpr": 'in(@event{E.customer.country}, ["FR", "DE", "IT"]) and @event{E.customer.age} >= 18'
              ' and @event{E.amount} > 100 and @event{E.customer.tier} == "gold"',
     "cel": 'E.customer.country in ["FR", "DE", "IT"] && E.customer.age >= 18'
            ' && E.amount > 100.0 && E.customer.tier == "gold"',
     "rule_engine": 'E.customer.country in ["FR", "DE", "IT"] and E.customer.age >= 18'
                    ' and E.amount > 100 and E.customer.tier == "gold"',
     "simpleeval": "E['customer']['country'] in ('FR', 'DE', 'IT') and E['customer']['age'] >= 18"
                   " and E['amount'] > 100 and E['customer']['tier'] == 'gold'",
     "jsonlogic": {"and": [{"in": [{"var": "E.customer.country"}, ["FR", "DE", "IT"]]},
                           {">=": [{"var": "E.customer.age"}, 18]},
                           {">": [{"var": "E.amount"}, 100]},
                           {"==": [{"var": "E.customer.tier"}, "gold"]}]},
     "zen": 'E.customer.country in ["FR", "DE", "IT"] and E.customer.age >= 18'
            ' and E.amount > 100 and E.customer.tier == "gold"'},
    {"name": "or / not logic", "family": "logic", "hand": h_logic,
     "jexpr": '(@event{E.customer.newsletter} or @event{E.channel} == "email")'
              ' and not (@event{E.customer.tier} == "bronze")',
     "cel": '(E.customer.newsletter || E.channel == "email") && !(E.customer.tier == "bronze")',
     "rule_engine": '(E.customer.newsletter or E.channel == "email")'
                    ' and not (E.customer.tier == "bronze")',
     "simpleeval": "(E['customer']['newsletter'] or E['channel'] == 'email')"
                   " and not (E['customer']['tier'] == 'bronze')",
     "jsonlogic": {"and": [{"or": [{"var": "E.customer.newsletter"},
                                   {"==": [{"var": "E.channel"}, "email"]}]},
                           {"!": {"==": [{"var": "E.customer.tier"}, "bronze"]}}]},
     "zen": '(E.customer.newsletter or E.channel == "email") and not (E.customer.tier == "bronze")'},
    {"name": "range and inequality", "family": "logic", "hand": h_range,
     "jexpr": '@event{E.quantity} >= 2 and @event{E.quantity} <= 10 and @event{E.currency} != "USD"',
     "cel": 'E.quantity >= 2 && E.quantity <= 10 && E.currency != "USD"',
     "rule_engine": 'E.quantity >= 2 and E.quantity <= 10 and E.currency != "USD"',
     "simpleeval": "2 <= E['quantity'] <= 10 and E['currency'] != 'USD'",
     "jsonlogic": {"and": [{"<=": [2, {"var": "E.quantity"}, 10]},
                           {"!=": [{"var": "E.currency"}, "USD"]}]},
     "datalogic": {"and": [{">=": [{"var": "E.quantity"}, 2]}, {"<=": [{"var": "E.quantity"}, 10]},
                           {"!=": [{"var": "E.currency"}, "USD"]}]},
     "zen": 'E.quantity >= 2 and E.quantity <= 10 and E.currency != "USD"'},
    # -- arithmetic with conversions
    {"name": "arithmetic", "family": "arithmetic", "hand": h_arith,
     "jexpr": "@event{E.price} * @event{E.quantity} > 50",
     "cel": "E.price * double(E.quantity) > 50.0", "rule_engine": "E.price * E.quantity > 50",
     "simpleeval": "E['price'] * E['quantity'] > 50",
     "jsonlogic": {">": [{"*": [{"var": "E.price"}, {"var": "E.quantity"}]}, 50]},
     "zen": "E.price * E.quantity > 50"},
    {"name": "toInteger + arithmetic", "family": "arithmetic", "hand": h_to_integer,
     "jexpr": "toInteger(@event{E.score}) + @event{E.quantity} * 2",
     "cel": "int(E.score) + E.quantity * 2", "rule_engine": "$parse_float(E.score) + E.quantity * 2",
     "simpleeval": "int(E['score']) + E['quantity'] * 2",
     "jsonlogic": {"+": [{"var": "E.score"}, {"*": [{"var": "E.quantity"}, 2]}]},
     "zen": "number(E.score) + E.quantity * 2"},
    {"name": "toDecimal percentage", "family": "arithmetic", "hand": h_to_decimal,
     "jexpr": "toDecimal(@event{E.discount}) / 100.0 * @event{E.amount}",
     "cel": "double(E.discount) / 100.0 * E.amount",
     "rule_engine": "$parse_float(E.discount) / 100 * E.amount",
     "simpleeval": "float(E['discount']) / 100.0 * E['amount']",
     "jsonlogic": {"*": [{"/": [{"var": "E.discount"}, 100]}, {"var": "E.amount"}]},
     "zen": "number(E.discount) / 100 * E.amount"},
    {"name": "round and remainder", "family": "arithmetic", "hand": h_round,
     "jexpr": "round(@event{E.amount} * 1.2) % 7",
     "cel": (NA, "no round function"),
     "rule_engine": "(E.amount * 1.2 + 0.5).floor % 7",
     "simpleeval": "floor(E['amount'] * 1.2 + 0.5) % 7",
     "jsonlogic_qubit": (NA, "no round function"),
     "datalogic": {"%": [{"floor": {"+": [{"*": [{"var": "E.amount"}, 1.2]}, 0.5]}}, 7]},
     "zen": "floor(E.amount * 1.2 + 0.5) % 7"},
    {"name": "data source + toInteger", "family": "data source", "hand": h_ds_plus,
     "jexpr": "#{CRM.profile.loyaltyPoints} + toInteger(@event{E.score})",
     "cel": "CRM.profile.loyaltyPoints + int(E.score)",
     "rule_engine": "CRM.profile.loyaltyPoints + $parse_float(E.score)",
     "simpleeval": "CRM['profile']['loyaltyPoints'] + int(E['score'])",
     "jsonlogic": {"+": [{"var": "CRM.profile.loyaltyPoints"}, {"var": "E.score"}]},
     "zen": "CRM.profile.loyaltyPoints + number(E.score)"},
    # -- string functions
    {"name": "string functions", "family": "strings", "hand": h_strings,
     "jexpr": 'startWith(lower(@event{E.customer.email}), "jane")'
              ' and contain(lower(@event{E.name}), "sale")',
     "cel": 'E.customer.email.lowerAscii().startsWith("jane")'
            ' && E.name.lowerAscii().contains("sale")',
     "rule_engine": 'E.customer.email.as_lower.starts_with("jane") and "sale" in E.name.as_lower',
     "simpleeval": "E['customer']['email'].lower().startswith('jane')"
                   " and 'sale' in E['name'].lower()",
     "jsonlogic_qubit": {"and": [
         {"method": [{"method": [{"var": "E.customer.email"}, "lower"]}, "startswith", ["jane"]]},
         {"in": ["sale", {"method": [{"var": "E.name"}, "lower"]}]}]},
     "datalogic": {"and": [{"starts_with": [{"lower": {"var": "E.customer.email"}}, "jane"]},
                           {"in": ["sale", {"lower": {"var": "E.name"}}]}]},
     "zen": 'startsWith(lower(E.customer.email), "jane") and contains(lower(E.name), "sale")'},
    {"name": "substr + concatenation", "family": "strings", "hand": h_substr,
     "jexpr": 'upper(substr(@event{E.code}, 0, 3)) + "-" + toString(length(@event{E.customer.name}))',
     "cel": 'E.code.substring(0, 3).upperAscii() + "-" + string(size(E.customer.name))',
     "rule_engine": 'E.code[0:3].as_upper + "-" + E.customer.name.length.to_str',
     "simpleeval": "E['code'][0:3].upper() + '-' + str(len(E['customer']['name']))",
     "jsonlogic_qubit": {"cat": [{"method": [{"substr": [{"var": "E.code"}, 0, 3]}, "upper"]}, "-",
                                 {"method": [{"var": "E.customer.name"}, "__len__"]}]},
     "datalogic": {"cat": [{"upper": {"substr": [{"var": "E.code"}, 0, 3]}}, "-",
                           {"length": {"var": "E.customer.name"}}]},
     "zen": 'upper(E.code[0:2]) + "-" + string(len(E.customer.name))'},
    {"name": "trim + concat", "family": "strings", "hand": h_trim_concat,
     "jexpr": 'concat(trim(@event{E.customer.name}), " <" + lower(@event{E.customer.email}) + ">")',
     "cel": 'E.customer.name.trim() + " <" + E.customer.email.lowerAscii() + ">"',
     "rule_engine": (NA, "no trim function"),
     "simpleeval": "E['customer']['name'].strip() + ' <' + E['customer']['email'].lower() + '>'",
     "jsonlogic_qubit": {"cat": [{"method": [{"var": "E.customer.name"}, "strip"]}, " <",
                                 {"method": [{"var": "E.customer.email"}, "lower"]}, ">"]},
     "datalogic": {"cat": [{"trim": {"var": "E.customer.name"}}, " <",
                           {"lower": {"var": "E.customer.email"}}, ">"]},
     "zen": 'trim(E.customer.name) + " <" + lower(E.customer.email) + ">"'},
    {"name": "ignore-case tests", "family": "strings", "hand": h_ignore_case,
     "jexpr": 'containIgnoreCase(@event{E.name}, "summer")'
              ' or endWithIgnoreCase(@event{E.customer.email}, ".COM")',
     "cel": 'E.name.lowerAscii().contains("summer")'
            ' || E.customer.email.lowerAscii().endsWith(".com")',
     "rule_engine": '"summer" in E.name.as_lower or E.customer.email.as_lower.ends_with(".com")',
     "simpleeval": "'summer' in E['name'].lower() or E['customer']['email'].lower().endswith('.com')",
     "jsonlogic_qubit": {"or": [
         {"in": ["summer", {"method": [{"var": "E.name"}, "lower"]}]},
         {"method": [{"method": [{"var": "E.customer.email"}, "lower"]}, "endswith", [".com"]]}]},
     "datalogic": {"or": [{"in": ["summer", {"lower": {"var": "E.name"}}]},
                          {"ends_with": [{"lower": {"var": "E.customer.email"}}, ".com"]}]},
     "zen": 'contains(lower(E.name), "summer") or endsWith(lower(E.customer.email), ".com")'},
    {"name": "indexOf + isNotEmpty", "family": "strings", "hand": h_index_of,
     "jexpr": 'indexOf(@event{E.customer.email}, "@") > 0 and isNotEmpty(@event{E.customer.name})',
     "cel": 'E.customer.email.indexOf("@") > 0 && size(E.customer.name) > 0',
     "rule_engine": (NA, "no indexOf function"),
     "simpleeval": "E['customer']['email'].find('@') > 0 and E['customer']['name'] != ''",
     "jsonlogic_qubit": {"and": [{">": [{"method": [{"var": "E.customer.email"}, "find", ["@"]]}, 0]},
                                 {"!=": [{"var": "E.customer.name"}, ""]}]},
     "datalogic": (NA, "no indexOf operator"),
     "zen": (NA, "no indexOf function")},
    # -- regular expressions
    {"name": "matchRegExp email", "family": "regex", "hand": h_email,
     "jexpr": r'matchRegExp(@event{E.customer.email}, "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[a-z]{2,}")',
     "cel": r'E.customer.email.matches("^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[a-z]{2,}$")',
     "rule_engine": r'E.customer.email =~ "^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[a-z]{2,}$"',
     "simpleeval": r"fullmatch(r'[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}', E['customer']['email'])",
     "jsonlogic": _NO_REGEX,
     "zen": 'matches(E.customer.email, "^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][a-z]{2,}$")'},
    {"name": "replaceAll non-digits", "family": "regex", "hand": h_phone,
     "jexpr": 'replaceAll(@event{E.customer.phone}, "[^0-9+]", "")',
     "cel": (NA, "no regex replacement"), "rule_engine": (NA, "no regex replacement"),
     "simpleeval": "sub(r'[^0-9+]', '', E['customer']['phone'])",
     "jsonlogic": _NO_REGEX, "zen": (NA, "no regex replacement")},
    {"name": "replace with groups", "family": "regex", "hand": h_replace_groups,
     "jexpr": 'replace(@event{E.code}, "^([A-Za-z]+)-([0-9]+)", "$2/$1")',
     "cel": (NA, "no regex replacement"), "rule_engine": (NA, "no regex replacement"),
     "simpleeval": "sub(r'^([A-Za-z]+)-([0-9]+)', r'\\2/\\1', E['code'], 1)",
     "jsonlogic": _NO_REGEX, "zen": (NA, "no regex replacement")},
    {"name": "split + getListItem", "family": "regex", "hand": h_split,
     "jexpr": 'getListItem(split(@event{E.code}, "-"), 1)',
     "cel": 'E.code.split("-")[1]',
     "rule_engine": '$split(E.code, "-")[1]',
     "simpleeval": "E['code'].split('-')[1]",
     "jsonlogic_qubit": {"method": [{"method": [{"var": "E.code"}, "split", ["-"]]},
                                    "__getitem__", [1]]},
     "datalogic": (NA, "no index into an array result"),
     "zen": 'split(E.code, "-")[1]'},
    {"name": "matchRegExp zip code", "family": "regex", "hand": h_zip,
     "jexpr": r'matchRegExp(@event{E.customer.zip}, "\\d{5}")',
     "cel": r'E.customer.zip.matches("^[0-9]{5}$")',
     "rule_engine": r'E.customer.zip =~ "^[0-9]{5}$"',
     "simpleeval": "fullmatch(r'[0-9]{5}', E['customer']['zip'])",
     "jsonlogic": _NO_REGEX, "zen": r'matches(E.customer.zip, "^[0-9]{5}$")'},
    # -- dates from ISO strings
    {"name": "date window (7 days)", "family": "dates", "hand": h_last_days,
     "jexpr": "inLastDays(@event{E.ts}, 7)",
     "cel": 'timestamp(E.ts) >= now - duration("168h") && timestamp(E.ts) <= now',
     "rule_engine": '$parse_datetime(E.ts) >= now - t"P7D" and $parse_datetime(E.ts) <= now',
     "simpleeval": "now - days(7) <= parse(E['ts']) <= now",
     "jsonlogic_qubit": _NO_DATES,
     "datalogic": {"and": [
         {">=": [{"datetime": {"var": "E.ts"}},
                 {"-": [{"datetime": {"var": "now"}}, {"timestamp": "7d"}]}]},
         {"<=": [{"datetime": {"var": "E.ts"}}, {"datetime": {"var": "now"}}]}]},
     "zen": 'd(E.ts) >= d(now).sub(7, "d") and d(E.ts) <= d(now)', "needs_now": True},
    {"name": "toDateTime + inNextDays", "family": "dates", "hand": h_next_days,
     "jexpr": "inNextDays(toDateTime(@event{E.shipBy}), 3)",
     "cel": 'timestamp(E.shipBy) >= now && timestamp(E.shipBy) <= now + duration("72h")',
     "rule_engine": '$parse_datetime(E.shipBy) >= now and $parse_datetime(E.shipBy) <= now + t"P3D"',
     "simpleeval": "now <= parse(E['shipBy']) <= now + days(3)",
     "jsonlogic_qubit": _NO_DATES,
     "datalogic": {"and": [
         {">=": [{"datetime": {"var": "E.shipBy"}}, {"datetime": {"var": "now"}}]},
         {"<=": [{"datetime": {"var": "E.shipBy"}},
                 {"+": [{"datetime": {"var": "now"}}, {"timestamp": "3d"}]}]}]},
     "zen": 'd(E.shipBy) >= d(now) and d(E.shipBy) <= d(now).add(3, "d")', "needs_now": True},
    {"name": "dateDiff of dates (age)", "family": "dates", "hand": h_age_days,
     "jexpr": "dateDiff(toDateOnly(now()), toDateOnly(@event{E.customer.birthDate})) >= 6570",
     "cel": (NA, "no calendar date type"),
     "rule_engine": '(now.date - $parse_datetime(E.customer.birthDate + "T00:00:00Z")).days'
                    ' >= 6570',
     "simpleeval": "(now.date() - date(E['customer']['birthDate'])).days >= 6570",
     "jsonlogic_qubit": _NO_DATES,
     "datalogic": (NA, "no calendar date type"),
     "zen": (NA, "no calendar date type"), "needs_now": True},
    {"name": "toString of dates", "family": "dates", "hand": h_render,
     "jexpr": 'toString(toDateOnly(@event{E.ts})) + " at " + toString(@event{E.ts})',
     "cel": (NA, "no Java date rendering"), "rule_engine": (NA, "no Java date rendering"),
     "simpleeval": (NA, "no Java date rendering"), "jsonlogic": _NO_DATES,
     "zen": (NA, "no Java date rendering")},
    {"name": "dateDiff of instants (hours)", "family": "dates", "hand": h_hours_between,
     "jexpr": "dateDiff(toDateTime(@event{E.shipBy}), @event{E.ts}) / 3600000",
     "cel": "(timestamp(E.shipBy) - timestamp(E.ts)).getHours()",
     "rule_engine": (NA, "no integer division of durations"),
     "simpleeval": "int((parse(E['shipBy']) - parse(E['ts'])) / hours(1))",
     "jsonlogic_qubit": _NO_DATES,
     "datalogic": {"date_diff": [{"datetime": {"var": "E.shipBy"}},
                                 {"datetime": {"var": "E.ts"}}, "hours"]},
     "zen": 'd(E.shipBy).diff(d(E.ts), "hour")'},
    {"name": "inLastMonths", "family": "dates", "hand": h_last_months,
     "jexpr": "inLastMonths(@event{E.customer.since}, 6)",
     "cel": (NA, "no calendar months"), "rule_engine": (NA, "no calendar months"),
     "simpleeval": (NA, "no calendar months"), "jsonlogic": _NO_DATES,
     "datalogic": (NA, "no calendar months"),
     "zen": 'd(E.customer.since) >= d(now).sub(6, "M") and d(E.customer.since) <= d(now)',
     "needs_now": True},
    # -- projections with aggregates
    {"name": "sum of projection", "family": "aggregates", "hand": h_sum,
     "jexpr": "sum(@event{E.items.price}) > 100",
     "cel": (NA, "no sum function"),
     "rule_engine": "$sum([i.price for i in E.items]) > 100",
     "simpleeval": "sum([i['price'] for i in E['items']]) > 100",
     "jsonlogic": {">": [{"reduce": [{"map": [{"var": "E.items"}, {"var": "price"}]},
                                     {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]},
                         100]},
     "zen": "sum(map(E.items, #.price)) > 100"},
    {"name": "avg of projection", "family": "aggregates", "hand": h_avg,
     "jexpr": "avg(@event{E.items.quantity})",
     "cel": (NA, "no sum function"),
     "rule_engine": "$sum([i.quantity for i in E.items]) / E.items.length",
     "simpleeval": "sum([i['quantity'] for i in E['items']]) / len(E['items'])",
     "jsonlogic": {"/": [{"reduce": [{"map": [{"var": "E.items"}, {"var": "quantity"}]},
                                     {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]},
                         {"reduce": [{"var": "E.items"},
                                     {"+": [1, {"var": "accumulator"}]}, 0]}]},
     "datalogic": {"/": [{"reduce": [{"map": [{"var": "E.items"}, {"var": "quantity"}]},
                                     {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]},
                         {"length": {"var": "E.items"}}]},
     "zen": "avg(map(E.items, #.quantity))"},
    {"name": "max - min of projection", "family": "aggregates", "hand": h_spread,
     "jexpr": "max(@event{E.items.price}) - min(@event{E.items.price})",
     "cel": (NA, "no max/min functions"),
     "rule_engine": "$max([i.price for i in E.items]) - $min([i.price for i in E.items])",
     "simpleeval": "max([i['price'] for i in E['items']]) - min([i['price'] for i in E['items']])",
     "jsonlogic_qubit": (NA, "max/min take arguments, not an array"),
     "datalogic": {"-": [{"max": {"map": [{"var": "E.items"}, {"var": "price"}]}},
                         {"min": {"map": [{"var": "E.items"}, {"var": "price"}]}}]},
     "zen": "max(map(E.items, #.price)) - min(map(E.items, #.price))"},
    {"name": "collection count (filter)", "family": "aggregates", "hand": h_count,
     "jexpr": "count(@event{E.items.all(currentEventField.price > 50).sku}) > 2",
     "cel": "E.items.filter(i, i.price > 50.0).map(i, i.sku).size() > 2",
     "rule_engine": "[i.sku for i in E.items if i.price > 50].length > 2",
     "simpleeval": "len([i['sku'] for i in E['items'] if i['price'] > 50]) > 2",
     "jsonlogic_qubit": {">": [{"reduce": [
         {"map": [{"filter": [{"var": "E.items"}, {">": [{"var": "price"}, 50]}]},
                  {"var": "sku"}]},
         {"+": [{"var": "accumulator"}, 1]}, 0]}, 2]},
     "datalogic": {">": [{"length": {"map": [
         {"filter": [{"var": "E.items"}, {">": [{"var": "price"}, 50]}]}, {"var": "sku"}]}}, 2]},
     "zen": "len(map(filter(E.items, #.price > 50), #.sku)) > 2"},
    {"name": "distinctCount of projection", "family": "aggregates", "hand": h_distinct,
     "jexpr": "distinctCount(@event{E.items.category}) >= 3",
     "cel": (NA, "no distinct function"),
     "rule_engine": "[i.category for i in E.items].to_set.length >= 3",
     "simpleeval": "len(set([i['category'] for i in E['items']])) >= 3",
     "jsonlogic": (NA, "no distinct operator"), "zen": (NA, "no distinct function")},
    {"name": "in projection", "family": "aggregates", "hand": h_in_projection,
     "jexpr": 'in("SKU-003", @event{E.items.sku})',
     "cel": 'E.items.exists(i, i.sku == "SKU-003")',
     "rule_engine": '"SKU-003" in [i.sku for i in E.items]',
     "simpleeval": "'SKU-003' in [i['sku'] for i in E['items']]",
     "jsonlogic": {"in": ["SKU-003", {"map": [{"var": "E.items"}, {"var": "sku"}]}]},
     "zen": '"SKU-003" in map(E.items, #.sku)'},
    {"name": "listSize + in list field", "family": "aggregates", "hand": h_tags,
     "jexpr": 'listSize(@event{E.tags}) > 0 and in("vip", @event{E.tags})',
     "cel": 'size(E.tags) > 0 && "vip" in E.tags',
     "rule_engine": 'E.tags.length > 0 and "vip" in E.tags',
     "simpleeval": "len(E['tags']) > 0 and 'vip' in E['tags']",
     "jsonlogic_qubit": {"and": [{">": [{"method": [{"var": "E.tags"}, "__len__"]}, 0]},
                                 {"in": ["vip", {"var": "E.tags"}]}]},
     "datalogic": {"and": [{">": [{"length": {"var": "E.tags"}}, 0]},
                           {"in": ["vip", {"var": "E.tags"}]}]},
     "zen": 'len(E.tags) > 0 and "vip" in E.tags'},
    # -- first / last filters
    {"name": "first(filter).field", "family": "filters", "hand": h_first,
     "jexpr": '@event{E.items.first(currentEventField.category == "shoes").price, defaultValue: 0.0}',
     "cel": 'E.items.exists(i, i.category == "shoes")'
            ' ? E.items.filter(i, i.category == "shoes")[0].price : 0.0',
     "rule_engine": '[i.price for i in E.items if i.category == "shoes"]&[0] ?? 0.0',
     "simpleeval": "([i['price'] for i in E['items'] if i['category'] == 'shoes'] or [0.0])[0]",
     "jsonlogic_qubit": _NO_NULL_DEFAULT,
     "datalogic": (NA, "no element of a filtered array"),
     "zen": 'filter(E.items, #.category == "shoes")[0].price ?? 0'},
    {"name": "last(filter).field", "family": "filters", "hand": h_last,
     "jexpr": '@event{E.items.last(currentEventField.quantity > 1).sku, defaultValue: "none"}',
     "cel": 'E.items.exists(i, i.quantity > 1)'
            ' ? E.items.filter(i, i.quantity > 1)[size(E.items.filter(i, i.quantity > 1)) - 1].sku'
            ' : "none"',
     "rule_engine": '[i.sku for i in E.items if i.quantity > 1]&[-1] ?? "none"',
     "simpleeval": "([i['sku'] for i in E['items'] if i['quantity'] > 1] or ['none'])[-1]",
     "jsonlogic_qubit": _NO_NULL_DEFAULT,
     "datalogic": (NA, "no last element of a filtered array"),
     "zen": (NA, "no last element of a filtered array")},
    # -- nested if
    {"name": "nested if (strings)", "family": "if", "hand": h_if_strings,
     "jexpr": 'if (@event{E.amount} > 500) then ("platinum")'
              ' else (if (@event{E.amount} > 100) then ("gold") else ("standard"))',
     "cel": 'E.amount > 500.0 ? "platinum" : (E.amount > 100.0 ? "gold" : "standard")',
     "rule_engine": 'E.amount > 500 ? "platinum" : (E.amount > 100 ? "gold" : "standard")',
     "simpleeval": "'platinum' if E['amount'] > 500 else ('gold' if E['amount'] > 100"
                   " else 'standard')",
     "jsonlogic": {"if": [{">": [{"var": "E.amount"}, 500]}, "platinum",
                          {">": [{"var": "E.amount"}, 100]}, "gold", "standard"]},
     "zen": 'E.amount > 500 ? "platinum" : (E.amount > 100 ? "gold" : "standard")'},
    {"name": "nested if (numbers)", "family": "if", "hand": h_if_numbers,
     "jexpr": 'if (@event{E.customer.tier} == "gold") then (@event{E.amount} * 0.9)'
              ' else (if (@event{E.customer.tier} == "silver") then (@event{E.amount} * 0.95)'
              ' else (@event{E.amount}))',
     "cel": 'E.customer.tier == "gold" ? E.amount * 0.9'
            ' : (E.customer.tier == "silver" ? E.amount * 0.95 : E.amount)',
     "rule_engine": 'E.customer.tier == "gold" ? E.amount * 0.9'
                    ' : (E.customer.tier == "silver" ? E.amount * 0.95 : E.amount)',
     "simpleeval": "E['amount'] * 0.9 if E['customer']['tier'] == 'gold' else"
                   " (E['amount'] * 0.95 if E['customer']['tier'] == 'silver' else E['amount'])",
     "jsonlogic": {"if": [{"==": [{"var": "E.customer.tier"}, "gold"]},
                          {"*": [{"var": "E.amount"}, 0.9]},
                          {"==": [{"var": "E.customer.tier"}, "silver"]},
                          {"*": [{"var": "E.amount"}, 0.95]}, {"var": "E.amount"}]},
     "zen": 'E.customer.tier == "gold" ? E.amount * 0.9'
            ' : (E.customer.tier == "silver" ? E.amount * 0.95 : E.amount)'},
    # -- null handling
    {"name": "is null or empty", "family": "nulls", "hand": h_null_or_empty,
     "jexpr": '@event{E.coupon} is null or @event{E.coupon} == ""',
     "cel": '!has(E.coupon) || E.coupon == null || E.coupon == ""',
     "rule_engine": 'E.coupon == null or E.coupon == ""',
     "simpleeval": "E.get('coupon') is None or E['coupon'] == ''",
     "jsonlogic": {"or": [{"==": [{"var": "E.coupon"}, None]}, {"==": [{"var": "E.coupon"}, ""]}]},
     "zen": 'E.coupon == null or E.coupon == ""'},
    {"name": "defaultValue chain", "family": "nulls", "hand": h_defaults,
     "jexpr": '@event{E.customer.nickname, defaultValue: @event{E.customer.name,'
              ' defaultValue: "friend"}}',
     "cel": 'has(E.customer.nickname) && E.customer.nickname != null ? E.customer.nickname'
            ' : (has(E.customer.name) && E.customer.name != null ? E.customer.name : "friend")',
     "rule_engine": 'E.customer.nickname ?? E.customer.name ?? "friend"',
     "simpleeval": "E['customer'].get('nickname') or E['customer'].get('name') or 'friend'",
     "jsonlogic_qubit": _NO_NULL_DEFAULT,
     "datalogic": {"??": [{"var": "E.customer.nickname"}, {"var": "E.customer.name"}, "friend"]},
     "zen": 'E.customer.nickname ?? E.customer.name ?? "friend"'},
    {"name": "null-guarded length", "family": "nulls", "hand": h_guarded,
     "jexpr": "@event{E.customer.phone} is not null and length(@event{E.customer.phone}) > 8",
     "cel": "has(E.customer.phone) && E.customer.phone != null && size(E.customer.phone) > 8",
     "rule_engine": "E.customer.phone != null and E.customer.phone.length > 8",
     "simpleeval": "E['customer'].get('phone') is not None and len(E['customer']['phone']) > 8",
     "jsonlogic_qubit": {"and": [{"!=": [{"var": "E.customer.phone"}, None]},
                                 {">": [{"method": [{"var": "E.customer.phone"}, "__len__"]}, 8]}]},
     "datalogic": {"and": [{"!=": [{"var": "E.customer.phone"}, None]},
                           {">": [{"length": {"var": "E.customer.phone"}}, 8]}]},
     "zen": "E.customer.phone != null and len(E.customer.phone) > 8"},
    # -- data sources
    {"name": "data source condition", "family": "data source", "hand": h_ds_condition,
     "jexpr": '#{CRM.profile.segment} == "vip" and #{CRM.profile.loyaltyPoints} > 1000',
     "cel": 'CRM.profile.segment == "vip" && CRM.profile.loyaltyPoints > 1000',
     "rule_engine": 'CRM.profile.segment == "vip" and CRM.profile.loyaltyPoints > 1000',
     "simpleeval": "CRM['profile']['segment'] == 'vip' and CRM['profile']['loyaltyPoints'] > 1000",
     "jsonlogic": {"and": [{"==": [{"var": "CRM.profile.segment"}, "vip"]},
                           {">": [{"var": "CRM.profile.loyaltyPoints"}, 1000]}]},
     "zen": 'CRM.profile.segment == "vip" and CRM.profile.loyaltyPoints > 1000'},
    {"name": "data source date window", "family": "data source", "hand": h_ds_window,
     "jexpr": "inLastDays(#{CRM.profile.lastOrder}, 30)",
     "cel": 'timestamp(CRM.profile.lastOrder) >= now - duration("720h")'
            ' && timestamp(CRM.profile.lastOrder) <= now',
     "rule_engine": '$parse_datetime(CRM.profile.lastOrder) >= now - t"P30D"'
                    ' and $parse_datetime(CRM.profile.lastOrder) <= now',
     "simpleeval": "now - days(30) <= parse(CRM['profile']['lastOrder']) <= now",
     "jsonlogic_qubit": _NO_DATES,
     "datalogic": {"and": [
         {">=": [{"datetime": {"var": "CRM.profile.lastOrder"}},
                 {"-": [{"datetime": {"var": "now"}}, {"timestamp": "30d"}]}]},
         {"<=": [{"datetime": {"var": "CRM.profile.lastOrder"}}, {"datetime": {"var": "now"}}]}]},
     "zen": 'd(CRM.profile.lastOrder) >= d(now).sub(30, "d") and d(CRM.profile.lastOrder) <= d(now)',
     "needs_now": True},
    {"name": "data source arithmetic", "family": "data source", "hand": h_ds_risk,
     "jexpr": "#{CRM.profile.churnRisk} * 100.0 > 50.0 or #{CRM.profile.loyaltyPoints} < 100",
     "cel": "CRM.profile.churnRisk * 100.0 > 50.0 || CRM.profile.loyaltyPoints < 100",
     "rule_engine": "CRM.profile.churnRisk * 100 > 50 or CRM.profile.loyaltyPoints < 100",
     "simpleeval": "CRM['profile']['churnRisk'] * 100.0 > 50.0 or"
                   " CRM['profile']['loyaltyPoints'] < 100",
     "jsonlogic": {"or": [{">": [{"*": [{"var": "CRM.profile.churnRisk"}, 100]}, 50]},
                          {"<": [{"var": "CRM.profile.loyaltyPoints"}, 100]}]},
     "zen": "CRM.profile.churnRisk * 100 > 50 or CRM.profile.loyaltyPoints < 100"},
]

# the expression of the issue's 200-character compile goal
COMPILE_200 = ('in(@event{E.customer.country}, ["FR", "DE", "IT"]) and @event{E.customer.age} >= 18'
               ' and startWith(lower(@event{E.customer.email}), "jane")'
               ' and @event{E.price} * @event{E.quantity} > 50 or @event{E.ok}')

HandFn = Callable[[Ctx], Any]
