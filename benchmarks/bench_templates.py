#!/usr/bin/env python3
"""Rendering benchmark: message templates per second, against hand-written f-strings.

    .venv/bin/python benchmarks/bench_templates.py [--budget 0.5] [--repeats 7] [--json FILE]

Three templates in AJO's personalization syntax, each rendered for the same profile with
:mod:`jengine.templates` (parsed, checked and compiled once, untimed) and with a hand-written
Python function that produces exactly the same text (an f-string, the same HTML escaping, the
same number and date formatting): the practical limit. The outputs are compared before
anything is timed. Timings are interleaved (every renderer once per round, so load on a shared
machine hits all alike); the figure is the median over the rounds.

* ``subject`` — ``{{profile.person.firstName}}, your {{n}} items`` (a subject line, no escaping);
* ``email`` — an HTML body: escaped outputs, ``{{#if}}``, ``{{#each}}`` over five order lines
  with ``formatCurrency`` and ``@index``, ``formatDate`` of a date-time field, a
  ``{% let %}`` total and the ``?:`` fallback;
* ``sms`` — ``upperCase``, ``?:``, ``{%#if %}`` with a comparison.

Printed: µs per render and renders per second for both, the ratio jengine/f-string, and the
compile time (parse + check + compile) of each template.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jengine.templates import RenderContext, compile_template, prepare  # noqa: E402

SCHEMA = {
    "profile": "object", "profile.person": "object", "profile.person.firstName": "string",
    "profile.person.lastName": "string", "profile.loyalty": "object",
    "profile.loyalty.tier": "string", "profile.loyalty.points": "integer",
    "profile.loyalty.since": "dateTime", "profile.orders": "listObject",
    "profile.orders.sku": "string", "profile.orders.name": "string",
    "profile.orders.price": "decimal", "profile.orders.qty": "integer",
    "params": "object", "params.code": "string",
}
DATA: dict[str, Any] = {
    "profile": {
        "person": {"firstName": "Anna & Co", "lastName": "Schmidt"},
        "loyalty": {"tier": "gold", "points": 1219, "since": "2021-03-14T09:30:00Z"},
        "orders": [{"sku": f"SKU-{i}", "name": f"Item <{i}>", "price": 19.5 + i, "qty": i + 1}
                   for i in range(5)],
    },
    "params": {"code": "SPRING"},
}
TEMPLATES = {
    "subject": ("{{profile.person.firstName}}, your {%= count(profile.orders) %} items", "text"),
    "email": ("""<html><body>
<h1>Hello {{profile.person.firstName}} {{profile.person.lastName}}</h1>
{{#if profile.loyalty.tier}}<p>Member since {%= formatDate(profile.loyalty.since, "MMMM d, yyyy") %} ({{profile.loyalty.tier}})</p>{{/if}}
{% let total = 0 %}<table>
{{#each profile.orders as |o|}}<tr><td>{{@index}}</td><td>{{o.name}}</td><td>{%= formatCurrency(o.price, "en_US") %}</td></tr>{% let total = total + o.price * o.qty %}
{{/each}}</table>
<p>Total {%= formatCurrency(total, "en_US") %}. Code: {%= params.code ?: "NONE" %}</p>
</body></html>""", "html"),
    "sms": ("{%= upperCase(profile.person.firstName) %}: {%#if profile.loyalty.points > 1000 %}"
            "you have {{profile.loyalty.points}} points{%else%}keep shopping{%/if%}. Code "
            "{%= params.code ?: \"NONE\" %}", "text"),
}

_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;",
                       "`": "&#x60;", "=": "&#x3D;"})
_HTML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                            "'": "&#x27;"})


def _money(x: float) -> str:
    return f"${x:,.2f}"


def hand_subject(d: dict[str, Any]) -> str:
    p = d["profile"]
    return f"{p['person']['firstName']}, your {len(p['orders'])} items"


def hand_email(d: dict[str, Any]) -> str:
    p = d["profile"]
    person, loyalty = p["person"], p["loyalty"]
    since = dt.datetime.fromisoformat(loyalty["since"].replace("Z", "+00:00"))
    rows, total = [], 0.0
    for i, o in enumerate(p["orders"]):
        rows.append(f"<tr><td>{i}</td><td>{o['name'].translate(_HTML)}</td>"
                    f"<td>{_money(o['price']).translate(_HTML_TEXT)}</td></tr>\n")
        total += o["price"] * o["qty"]
    member = (f"<p>Member since {since.strftime('%B')} {since.day}, {since.year} "
              f"({loyalty['tier'].translate(_HTML)})</p>") if loyalty["tier"] else ""
    code = d["params"].get("code") or "NONE"
    return (f"<html><body>\n<h1>Hello {person['firstName'].translate(_HTML)} "
            f"{person['lastName'].translate(_HTML)}</h1>\n{member}\n<table>\n{''.join(rows)}"
            f"</table>\n<p>Total {_money(total)}. Code: {code.translate(_HTML_TEXT)}</p>\n"
            "</body></html>")


def hand_sms(d: dict[str, Any]) -> str:
    p = d["profile"]
    points = p["loyalty"]["points"]
    middle = f"you have {points} points" if points > 1000 else "keep shopping"
    return f"{p['person']['firstName'].upper()}: {middle}. Code {d['params'].get('code') or 'NONE'}"


HANDS: dict[str, Callable[[dict[str, Any]], str]] = {
    "subject": hand_subject, "email": hand_email, "sms": hand_sms}


def _rate(fn: Callable[[], object], budget: float) -> float:
    """Seconds per call, over about ``budget`` seconds."""
    n, start = 0, time.perf_counter()
    while True:
        for _ in range(50):
            fn()
        n += 50
        elapsed = time.perf_counter() - start
        if elapsed >= budget:
            return elapsed / n


def measure(budget: float, repeats: int) -> dict[str, Any]:
    ctx = RenderContext(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    figures: dict[str, Any] = {}
    for name, (text, escape) in TEMPLATES.items():
        t0 = time.perf_counter()
        checked = prepare(text, SCHEMA, name)
        assert not checked.diagnostics, checked.diagnostics
        compiled = compile_template(checked, escape, name)
        compile_us = (time.perf_counter() - t0) * 1e6
        ours = compiled.render(DATA, ctx)
        hand = HANDS[name](DATA)
        assert ours == hand, f"{name}: outputs differ\n{ours!r}\n{hand!r}"
        rounds: dict[str, list[float]] = {"jengine": [], "f-string": []}
        for _ in range(repeats):
            rounds["jengine"].append(_rate(lambda c=compiled: c.render(DATA, ctx), budget))
            rounds["f-string"].append(_rate(lambda h=HANDS[name]: h(DATA), budget))
        ours_s = statistics.median(rounds["jengine"])
        hand_s = statistics.median(rounds["f-string"])
        figures[name] = {"jengine_us": ours_s * 1e6, "fstring_us": hand_s * 1e6,
                         "jengine_per_s": 1 / ours_s, "fstring_per_s": 1 / hand_s,
                         "ratio": ours_s / hand_s, "compile_us": compile_us,
                         "chars": len(ours)}
    return figures


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--budget", type=float, default=0.3, help="seconds per timing run")
    p.add_argument("--repeats", type=int, default=5, help="interleaved rounds")
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = p.parse_args()
    figures = measure(args.budget, args.repeats)
    print(f"{'template':10} {'chars':>6} {'jengine µs':>11} {'renders/s':>11} "
          f"{'f-string µs':>12} {'renders/s':>11} {'ratio':>6} {'compile µs':>11}")
    for name, f in figures.items():
        print(f"{name:10} {f['chars']:6d} {f['jengine_us']:11.2f} {f['jengine_per_s']:11,.0f} "
              f"{f['fstring_us']:12.2f} {f['fstring_per_s']:11,.0f} {f['ratio']:6.1f} "
              f"{f['compile_us']:11.0f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
