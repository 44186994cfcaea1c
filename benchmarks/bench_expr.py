#!/usr/bin/env python3
"""Evaluation benchmark of jexpr against hand-written Python and peer expression engines.

    python benchmarks/bench_expr.py            # creates .bench-venv/ on first use, then runs
    python benchmarks/bench_expr.py --install  # (re)install the benchmark environment first
    python benchmarks/bench_expr.py --json out.json --profile

The same six expressions are evaluated over the same context with: a hand-written Python
function (the practical limit), jexpr compiled (``Program.evaluate``), the jexpr reference
interpreter, and the peers that can express them: cel-python, rule-engine, simpleeval,
json-logic-qubit (pure Python) and zen-engine, datalogic-py, common-expression-language
(native). Peers are installed into ``.bench-venv/`` at the repository root only, never as
project dependencies; this script creates that environment and re-executes itself inside it.

Every engine is an adapter: ``prepare(spec)`` parses/compiles once (not timed), ``evaluate(ctx)``
receives the jexpr context as a Python dict and is timed, including whatever conversion the
engine needs (JSON-able values for native engines, CEL values for cel-python). Each adapter's
result is checked against the expected value on two contexts (one true, one false) before it
is timed; a wrong result shows as "wrong", an inexpressible expression as "n/a".
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".bench-venv"
PEER_PACKAGES = ["cel-python", "rule-engine", "simpleeval", "json-logic-qubit", "zen-engine",
                 "datalogic-py", "common-expression-language"]
IN_VENV_FLAG = "JEXPR_BENCH_IN_VENV"


# ---- environment ------------------------------------------------------------------------------


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _pip(args: list[str]) -> subprocess.CompletedProcess[str]:
    cmd = [str(venv_python()), "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


def install() -> None:
    """Create .bench-venv/ and install the project plus the peers into it."""
    print(f"creating {VENV} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    print("installing the project (pip install -e .) ...", flush=True)
    r = _pip(["install", "-q", "-e", str(ROOT)])
    if r.returncode != 0:
        # e.g. hatchling refusing a missing README.md: install the runtime dependencies and
        # put src/ on the path with a .pth file, which is what an editable install amounts to.
        reason = [ln for ln in r.stderr.splitlines() if "Error" in ln or "error" in ln]
        print("  pip install -e . failed" + (f" ({reason[-1].strip()})" if reason else "")
              + "; falling back to dependencies + a .pth file for src/", flush=True)
        import tomllib
        deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
        r = _pip(["install", "-q", *deps])
        if r.returncode != 0:
            sys.exit(f"cannot install the project's dependencies:\n{r.stderr}")
        site = subprocess.run([str(venv_python()), "-c", "import sysconfig;"
                               "print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
        Path(site, "jexpr-src.pth").write_text(str(ROOT / "src") + "\n")
    for package in PEER_PACKAGES:
        print(f"installing {package} ...", flush=True)
        r = _pip(["install", "-q", package])
        if r.returncode != 0:
            tail = "\n".join(r.stderr.strip().splitlines()[-3:])
            print(f"  could not install {package}; its column will say so:\n{tail}", flush=True)


def ensure_venv(force: bool) -> None:
    """Re-execute this script inside .bench-venv/, creating it when needed."""
    if os.environ.get(IN_VENV_FLAG) == "1":
        return
    if force or not venv_python().exists():
        install()
    env = dict(os.environ, **{IN_VENV_FLAG: "1"})
    env.pop("PYTHONPATH", None)
    args = [str(venv_python()), str(Path(__file__).resolve()),
            *[a for a in sys.argv[1:] if a != "--install"]]
    sys.stdout.flush()
    if os.name == "nt":  # pragma: no cover
        sys.exit(subprocess.run(args, env=env).returncode)
    os.execve(args[0], args, env)


# ---- data -------------------------------------------------------------------------------------

NOW = dt.datetime(2024, 3, 15, 9, 30, tzinfo=dt.UTC)


def make_payload(hit: bool) -> dict[str, Any]:
    """The event payload; ``hit`` selects values that make every expression true (or false)."""
    items = [{"sku": f"SKU-{i:03d}", "name": f"Item {i}",
              "price": float(10 * i + 5) if hit else float(i + 1), "quantity": 1 + i % 3}
             for i in range(20)]
    return {
        "amount": 120 if hit else 80,
        "customer": {"country": "FR" if hit else "US", "age": 34, "tier": "gold",
                     "email": "Jane.Doe@Example.com" if hit else "bob@example.com",
                     "newsletter": True},
        "cart": {"id": "c-1029", "total": 152.5, "currency": "EUR"},
        "name": "Summer SALE Newsletter" if hit else "Winter Newsletter",
        "price": 19.5, "quantity": 3 if hit else 2,
        "items": items,
        "ts": "2024-03-14T17:45:00+01:00" if hit else "2024-03-01T08:00:00+01:00",
        "channel": "web",
    }


def make_context(hit: bool) -> dict[str, Any]:
    return {"events": {"E": make_payload(hit)}, "now": NOW}


# ---- hand-written functions (null-safe, same semantics, as a competent engineer writes them) --


def h_field(ctx: dict[str, Any]) -> bool:
    v = ((ctx.get("events") or {}).get("E") or {}).get("amount")
    return v is not None and v > 100


def h_conj(ctx: dict[str, Any]) -> bool:
    e = (ctx.get("events") or {}).get("E") or {}
    c = e.get("customer") or {}
    age = c.get("age")
    total = (e.get("cart") or {}).get("total")
    return (c.get("country") in ("FR", "DE", "IT") and age is not None and age >= 18
            and total is not None and total > 100 and c.get("tier") == "gold")


def h_strings(ctx: dict[str, Any]) -> bool:
    e = (ctx.get("events") or {}).get("E") or {}
    email = (e.get("customer") or {}).get("email")
    name = e.get("name")
    return (email is not None and email.lower().startswith("jane")
            and name is not None and "sale" in name.lower())


def h_arith(ctx: dict[str, Any]) -> bool:
    e = (ctx.get("events") or {}).get("E") or {}
    p, q = e.get("price"), e.get("quantity")
    return p is not None and q is not None and p * q > 50


def h_collection(ctx: dict[str, Any]) -> bool:
    items = ((ctx.get("events") or {}).get("E") or {}).get("items") or ()
    n = 0
    for it in items:
        p = it.get("price")
        if p is not None and p > 50 and it.get("sku") is not None:
            n += 1
    return n > 2


_WEEK = dt.timedelta(days=7)


def h_date(ctx: dict[str, Any]) -> bool:
    ts = ((ctx.get("events") or {}).get("E") or {}).get("ts")
    if ts is None:
        return False
    if type(ts) is str:
        ts = dt.datetime.fromisoformat(ts)
    now = ctx["now"]
    return now - _WEEK <= ts <= now


# ---- the expressions, in every language -------------------------------------------------------

NA = object()  # marker: the peer cannot express it (the reason follows)

EXPRESSIONS: list[dict[str, Any]] = [
    {
        "name": "field comparison",
        "jexpr": "@event{E.amount} > 100",
        "hand": h_field,
        "cel": "E.amount > 100",
        "rule_engine": "E.amount > 100",
        "simpleeval": "E['amount'] > 100",
        "jsonlogic": {">": [{"var": "E.amount"}, 100]},
        "zen": "E.amount > 100",
    },
    {
        "name": "4-way and + in list",
        "jexpr": 'in(@event{E.customer.country}, ["FR", "DE", "IT"]) and @event{E.customer.age} >= 18'
                 ' and @event{E.cart.total} > 100 and @event{E.customer.tier} == "gold"',
        "hand": h_conj,
        "cel": 'E.customer.country in ["FR", "DE", "IT"] && E.customer.age >= 18'
               ' && E.cart.total > 100.0 && E.customer.tier == "gold"',
        "rule_engine": 'E.customer.country in ["FR", "DE", "IT"] and E.customer.age >= 18'
                       ' and E.cart.total > 100 and E.customer.tier == "gold"',
        "simpleeval": "E['customer']['country'] in ('FR', 'DE', 'IT') and E['customer']['age'] >= 18"
                      " and E['cart']['total'] > 100 and E['customer']['tier'] == 'gold'",
        "jsonlogic": {"and": [{"in": [{"var": "E.customer.country"}, ["FR", "DE", "IT"]]},
                              {">=": [{"var": "E.customer.age"}, 18]},
                              {">": [{"var": "E.cart.total"}, 100]},
                              {"==": [{"var": "E.customer.tier"}, "gold"]}]},
        "zen": 'E.customer.country in ["FR", "DE", "IT"] and E.customer.age >= 18'
               ' and E.cart.total > 100 and E.customer.tier == "gold"',
    },
    {
        "name": "string functions",
        "jexpr": 'startWith(lower(@event{E.customer.email}), "jane")'
                 ' and contain(lower(@event{E.name}), "sale")',
        "hand": h_strings,
        # CEL has no lower() in its standard library; lowerAscii() is the cel-go strings
        # extension, registered here as a custom function in both CEL engines.
        "cel": 'E.customer.email.lowerAscii().startsWith("jane")'
               ' && E.name.lowerAscii().contains("sale")',
        "rule_engine": 'E.customer.email.as_lower.starts_with("jane")'
                       ' and "sale" in E.name.as_lower',
        "simpleeval": "E['customer']['email'].lower().startswith('jane')"
                      " and 'sale' in E['name'].lower()",
        # json-logic-qubit has no string functions but a "method" operator calling Python
        # methods; datalogic-py has lower / starts_with and a substring "in".
        "jsonlogic_qubit": {"and": [
            {"method": [{"method": [{"var": "E.customer.email"}, "lower"]}, "startswith",
                        ["jane"]]},
            {"in": ["sale", {"method": [{"var": "E.name"}, "lower"]}]}]},
        "datalogic": {"and": [{"starts_with": [{"lower": {"var": "E.customer.email"}}, "jane"]},
                              {"in": ["sale", {"lower": {"var": "E.name"}}]}]},
        "zen": 'startsWith(lower(E.customer.email), "jane") and contains(lower(E.name), "sale")',
    },
    {
        "name": "arithmetic",
        "jexpr": "@event{E.price} * @event{E.quantity} > 50",
        "hand": h_arith,
        "cel": "E.price * double(E.quantity) > 50.0",  # CEL has no mixed int/double arithmetic
        "rule_engine": "E.price * E.quantity > 50",
        "simpleeval": "E['price'] * E['quantity'] > 50",
        "jsonlogic": {">": [{"*": [{"var": "E.price"}, {"var": "E.quantity"}]}, 50]},
        "zen": "E.price * E.quantity > 50",
    },
    {
        "name": "collection count (20)",
        "jexpr": "count(@event{E.items.all(currentEventField.price > 50).sku}) > 2",
        "hand": h_collection,
        "cel": "E.items.filter(i, i.price > 50.0).map(i, i.sku).size() > 2",
        "rule_engine": "[i.sku for i in E.items if i.price > 50].length > 2",
        "simpleeval": "len([i['sku'] for i in E['items'] if i['price'] > 50]) > 2",
        "jsonlogic_qubit": {">": [{"reduce": [
            {"map": [{"filter": [{"var": "E.items"}, {">": [{"var": "price"}, 50]}]},
                     {"var": "sku"}]},
            {"+": [{"var": "accumulator"}, 1]}, 0]}, 2]},
        "datalogic": {">": [{"length": {"map": [
            {"filter": [{"var": "E.items"}, {">": [{"var": "price"}, 50]}]}, {"var": "sku"}]}},
            2]},
        "zen": "len(map(filter(E.items, #.price > 50), #.sku)) > 2",
    },
    {
        "name": "date window (7 days)",
        "jexpr": "inLastDays(@event{E.ts}, 7)",
        "fieldTypes": {"E.ts": "dateTime"},
        "hand": h_date,
        "cel": 'timestamp(E.ts) >= now - duration("168h") && timestamp(E.ts) <= now',
        "rule_engine": '$parse_datetime(E.ts) >= now - t"P7D" and $parse_datetime(E.ts) <= now',
        "simpleeval": "now - days(7) <= parse(E['ts']) <= now",
        "jsonlogic_qubit": (NA, "no date/time type or operators"),
        "datalogic": {"and": [
            {">=": [{"datetime": {"var": "E.ts"}},
                    {"-": [{"datetime": {"var": "now"}}, {"timestamp": "7d"}]}]},
            {"<=": [{"datetime": {"var": "E.ts"}}, {"datetime": {"var": "now"}}]}]},
        "zen": 'd(E.ts) >= d(now).sub(7, "d") and d(E.ts) <= d(now)',
        "needs_now": True,
    },
]

COMPILE_200 = ('in(@event{E.customer.country}, ["FR", "DE", "IT"]) and @event{E.customer.age} >= 18'
               ' and startWith(lower(@event{E.customer.email}), "jane")'
               ' and @event{E.price} * @event{E.quantity} > 50 or @event{E.ok}')


# ---- adapters ---------------------------------------------------------------------------------


class NotExpressible(Exception):
    pass


class Adapter:
    """prepare(spec) once (untimed); evaluate(ctx) is timed and gets the jexpr context dict."""

    name = "?"
    key = "?"
    native = False

    def source(self, spec: dict[str, Any]) -> Any:
        src = spec.get(self.key, NA)
        if isinstance(src, tuple) and src and src[0] is NA:
            raise NotExpressible(src[1])
        if src is NA:
            raise NotExpressible("not translated")
        return src

    def prepare(self, spec: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        raise NotImplementedError


def _iso(d: dt.datetime) -> str:
    return d.isoformat()


class Hand(Adapter):
    name = "hand"

    def prepare(self, spec: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        return spec["hand"]


class JexprCompiled(Adapter):
    name = "jexpr"

    def prepare(self, spec: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        import jexpr
        program = jexpr.compile(spec["jexpr"], fieldTypes=spec.get("fieldTypes"))
        return program.evaluate


class JexprInterpreter(Adapter):
    name = "interp"

    def prepare(self, spec: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        import jexpr
        from jexpr.compiler.interpret import evaluate
        checked = jexpr.compile(spec["jexpr"], fieldTypes=spec.get("fieldTypes")).checked
        return lambda ctx: evaluate(checked, ctx)


class CelPython(Adapter):
    name, key = "cel-python", "cel"

    def prepare(self, spec: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        import celpy
        from celpy import celtypes
        env = celpy.Environment()
        program = env.program(env.compile(self.source(spec)), functions={
            "lowerAscii": lambda s: celtypes.StringType(s.lower())})
        json_to_cel = celpy.json_to_cel

        def run(ctx: dict[str, Any]) -> Any:
            return program.evaluate({"E": json_to_cel(ctx["events"]["E"]),
                                     "now": celtypes.TimestampType(ctx["now"])})
        return run


class CelRust(Adapter):
    name, key, native = "cel(rust)", "cel", True

    def prepare(self, spec: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        import cel
        program = cel.compile(self.source(spec))
        functions = {"lowerAscii": str.lower}
        context_type = cel.Context
        if "lowerAscii" in self.source(spec):
            def run(ctx: dict[str, Any]) -> Any:
                return program.execute(context_type(
                    {"E": ctx["events"]["E"], "now": ctx["now"]}, functions))
            return run

        def run_plain(ctx: dict[str, Any]) -> Any:
            return program.execute({"E": ctx["events"]["E"], "now": ctx["now"]})
        return run_plain


class RuleEngine(Adapter):
    name, key = "rule-engine", "rule_engine"

    def prepare(self, spec: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        import rule_engine
        rule = rule_engine.Rule(self.source(spec),
                                context=rule_engine.Context(default_value=None))
        evaluate = rule.evaluate
        return lambda ctx: evaluate({"E": ctx["events"]["E"], "now": ctx["now"]})


class SimpleEval(Adapter):
    name, key = "simpleeval", "simpleeval"

    def prepare(self, spec: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        from simpleeval import EvalWithCompoundTypes
        text = self.source(spec)
        funcs = {"len": len, "parse": dt.datetime.fromisoformat,
                 "days": lambda n: dt.timedelta(days=n)}
        evaluator = EvalWithCompoundTypes(functions=funcs)
        parsed = evaluator.parse(text)

        def run(ctx: dict[str, Any]) -> Any:
            evaluator.names = {"E": ctx["events"]["E"], "now": ctx["now"]}
            return evaluator.eval(text, previously_parsed=parsed)
        return run


class JsonLogicQubit(Adapter):
    name, key = "json-logic", "jsonlogic"

    def source(self, spec: dict[str, Any]) -> Any:
        if "jsonlogic_qubit" in spec:
            return super().source({"jsonlogic": spec["jsonlogic_qubit"]})
        return super().source(spec)

    def prepare(self, spec: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        from json_logic import jsonLogic
        rule = self.source(spec)
        return lambda ctx: jsonLogic(rule, {"E": ctx["events"]["E"], "now": _iso(ctx["now"])})


class DataLogic(Adapter):
    name, key, native = "datalogic", "jsonlogic", True

    def source(self, spec: dict[str, Any]) -> Any:
        if "datalogic" in spec:
            return super().source({"jsonlogic": spec["datalogic"]})
        return super().source(spec)

    def prepare(self, spec: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        import datalogic_py
        rule = datalogic_py.Engine().compile(self.source(spec))
        evaluate = rule.evaluate
        if spec.get("needs_now"):
            return lambda ctx: evaluate({"E": ctx["events"]["E"], "now": _iso(ctx["now"])})
        return lambda ctx: evaluate({"E": ctx["events"]["E"]})


class Zen(Adapter):
    name, key, native = "zen", "zen", True

    def prepare(self, spec: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        import zen
        evaluate = zen.compile_expression(self.source(spec)).evaluate
        if spec.get("needs_now"):  # zen rejects datetime objects: give it the ISO string
            return lambda ctx: evaluate({"E": ctx["events"]["E"], "now": _iso(ctx["now"])})
        return lambda ctx: evaluate({"E": ctx["events"]["E"]})


ENGINES: list[tuple[Adapter, str]] = [
    (Hand(), ""), (JexprCompiled(), ""), (JexprInterpreter(), ""),
    (CelPython(), "celpy"), (RuleEngine(), "rule_engine"), (SimpleEval(), "simpleeval"),
    (JsonLogicQubit(), "json_logic"), (Zen(), "zen"), (DataLogic(), "datalogic_py"),
    (CelRust(), "cel"),
]
PEERS = [a.name for a, _ in ENGINES[3:]]


# ---- timing -----------------------------------------------------------------------------------


def calibrate(fn: Callable[[dict[str, Any]], Any], ctx: dict[str, Any],
              budget: float) -> timeit.Timer | Any:
    """A timer for ``fn(ctx)`` and the loop count that makes one run last about ``budget``."""
    timer = timeit.Timer(lambda: fn(ctx))
    number, t = 1, 0.0
    while True:  # like timeit.autorange, aiming at budget / 5
        t = timer.timeit(number)
        if t >= budget / 5:
            break
        number *= 10 if t < budget / 50 else 2
    return timer, max(1, int(number * budget / t))


def measure_all(fns: dict[str, Callable[[dict[str, Any]], Any]], ctx: dict[str, Any],
                budget: float, repeats: int) -> dict[str, tuple[float, float]]:
    """Median and minimum µs per call of each function. The repeats are interleaved (every
    engine once per round) so that load on a shared machine hits all engines alike."""
    timers = {name: calibrate(fn, ctx, budget) for name, fn in fns.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, (timer, number) in timers.items():
            samples[name].append(timer.timeit(number) / number * 1e6)
    return {name: (statistics.median(s), min(s)) for name, s in samples.items()}


def as_plain(value: Any) -> Any:
    """Engine results (CEL wrapper types, numpy-ish bools) as plain Python for comparison."""
    if type(value) is bool or value is None:
        return value
    try:
        return bool(value) if str(type(value).__name__).lower().startswith("bool") else value
    except Exception:  # pragma: no cover
        return value


def run_benchmark(budget: float, repeats: int) -> dict[str, Any]:
    hit, miss = make_context(True), make_context(False)
    results: dict[str, Any] = {"expressions": [], "engines": [a.name for a, _ in ENGINES],
                               "budget_s": budget, "repeats": repeats}
    unavailable: dict[str, str] = {}
    for adapter, module in ENGINES:
        if module:
            try:
                __import__(module)
            except Exception as exc:
                unavailable[adapter.name] = f"not installed ({type(exc).__name__}: {exc})"
    results["unavailable"] = unavailable
    for spec in EXPRESSIONS:
        row: dict[str, Any] = {"name": spec["name"], "jexpr": spec["jexpr"], "cells": {}}
        expected = (spec["hand"](hit), spec["hand"](miss))
        timed: dict[str, Callable[[dict[str, Any]], Any]] = {}
        for adapter, _ in ENGINES:
            cell: dict[str, Any] = {}
            row["cells"][adapter.name] = cell
            if adapter.name in unavailable:
                cell.update(status="n/a", reason=unavailable[adapter.name])
                continue
            try:
                fn = adapter.prepare(spec)
            except NotExpressible as exc:
                cell.update(status="n/a", reason=str(exc))
                continue
            except Exception as exc:
                cell.update(status="error", reason=f"prepare: {type(exc).__name__}: {exc}")
                continue
            try:
                got = (as_plain(fn(hit)), as_plain(fn(miss)))
            except Exception as exc:
                cell.update(status="error", reason=f"evaluate: {type(exc).__name__}: {exc}")
                continue
            if got != expected:
                cell.update(status="wrong", reason=f"got {got!r}, expected {expected!r}")
                continue
            cell.update(status="ok")
            timed[adapter.name] = fn
        for name, (median, low) in measure_all(timed, hit, budget, repeats).items():
            row["cells"][name].update(us=median, min_us=low)
        results["expressions"].append(row)
        print(f"  timed: {spec['name']}", file=sys.stderr, flush=True)
    return results


def compile_times(runs: int) -> list[dict[str, Any]]:
    import jexpr
    out = []
    texts = [(s["name"], s["jexpr"], s.get("fieldTypes")) for s in EXPRESSIONS]
    texts.append((f"{len(COMPILE_200)}-char expression", COMPILE_200, None))
    for name, text, ft in texts:
        for _ in range(5):  # warm the process (lark parser tables, imports, caches)
            jexpr.compile_uncached(text, ft)
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            jexpr.compile_uncached(text, ft)
            samples.append(time.perf_counter() - t0)
        out.append({"name": name, "chars": len(text), "ms": statistics.median(samples) * 1e3,
                    "min_ms": min(samples) * 1e3})
    return out


# ---- report -----------------------------------------------------------------------------------


def fmt_us(us: float) -> str:
    return f"{us:.2f}" if us < 10 else f"{us:.1f}" if us < 1000 else f"{us:,.0f}"


def report(results: dict[str, Any], compiled: list[dict[str, Any]]) -> None:
    rows = results["expressions"]
    heads = ["expression", "hand µs", "jexpr µs", "jexpr/hand", "interp µs"] + [
        f"{p} µs (×jexpr)" for p in PEERS]
    table: list[list[str]] = []
    ratios, speedups = [], []
    for row in rows:
        cells = row["cells"]
        hand, jx = cells["hand"].get("us"), cells["jexpr"].get("us")

        def show(name: str, cells: dict[str, Any] = cells, jx: float | None = jx) -> str:
            c = cells[name]
            if c["status"] != "ok":
                return c["status"]
            text = fmt_us(c["us"])
            if name in PEERS and jx:
                text += f" ({c['us'] / jx:.0f}×)"
            return text
        ratio = jx / hand if hand and jx else None
        if ratio:
            ratios.append(ratio)
        peer_x = [cells[p]["us"] / jx for p in PEERS if cells[p]["status"] == "ok" and jx]
        row["jexpr_over_hand"] = ratio
        row["min_peer_speedup"] = min(peer_x) if peer_x else None
        hand_x = [cells[p]["us"] / hand for p in PEERS if cells[p]["status"] == "ok" and hand]
        row["min_peer_over_hand"] = min(hand_x) if hand_x else None
        if peer_x:
            speedups.append((row["name"], min(peer_x), min(hand_x) if hand_x else float("nan"),
                             min((cells[p]["us"] / jx, p) for p in PEERS
                                 if cells[p]["status"] == "ok")[1]))
        table.append([row["name"], show("hand"), show("jexpr"),
                      f"{ratio:.2f}" if ratio else "-", show("interp"), *[show(p) for p in PEERS]])
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(heads)]
    line = "  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(heads, widths, strict=True)))
    print("\nµs per evaluation (median of repeats); peers: µs (peer time / jexpr time)")
    print(line)
    print("-" * len(line))
    for r in table:
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    geo = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else float("nan")
    results["geomean_jexpr_over_hand"] = geo
    print(f"\ngeometric mean jexpr/hand: {geo:.2f}  (target ≤ 1.5: "
          f"{'PASS' if geo <= 1.5 else 'FAIL'})")
    print("minimum peer speed-up over jexpr per expression (target ≥ 20×); the last column is the"
          " same figure for the hand-written function, the ceiling for pure Python:")
    for name, x, ceiling, who in speedups:
        print(f"  {name:<24} {x:7.1f}×  {'PASS' if x >= 20 else 'FAIL'}  (fastest peer: {who:<11})"
              f"  hand: {ceiling:5.1f}×")
    notes = []
    for row in rows:
        for name, c in row["cells"].items():
            if c["status"] != "ok":
                notes.append(f"  {row['name']} / {name}: {c['status']} — {c.get('reason', '')}")
    if notes:
        print("cells without a figure:")
        print("\n".join(notes))
    print("\njexpr compile time (jexpr.compile_uncached, median, warm process):")
    for c in compiled:
        print(f"  {c['name']:<24} {c['chars']:4d} chars  {c['ms']:7.3f} ms  (min {c['min_ms']:.3f})")
    big = compiled[-1]
    print(f"  {big['chars']}-char expression under 2 ms: {'PASS' if big['ms'] < 2 else 'FAIL'}")
    print(f"\nPython {sys.version.split()[0]} on {sys.platform}; engine versions: {versions()}")


def versions() -> str:
    from importlib import metadata
    out = []
    for dist in ["jexpr", *PEER_PACKAGES]:
        try:
            out.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist} (src)" if dist == "jexpr" else f"{dist} missing")
    return ", ".join(out)


# ---- profile ----------------------------------------------------------------------------------


def profile() -> None:
    """Print each expression's generated Python and a cProfile of its evaluations."""
    import ast
    import cProfile
    import io
    import pstats

    import jexpr
    codegen: Any = None
    with contextlib.suppress(ImportError):  # the generator is internal to jexpr
        from jexpr.compiler.codegen import CodeGen as codegen
    ctx = make_context(True)
    for spec in EXPRESSIONS:
        program = jexpr.compile(spec["jexpr"], fieldTypes=spec.get("fieldTypes"))
        print(f"\n=== {spec['name']}: {spec['jexpr']}")
        if codegen is not None:
            gen = codegen(program.checked)
            module = gen.function()
            print(ast.unparse(module))
            names = {k: getattr(v, "__qualname__", type(v).__name__)
                     for k, v in gen.namespace.items() if k != "__builtins__"}
            print("  bound:", ", ".join(f"{k}={v}" for k, v in names.items()))
        pr = cProfile.Profile()
        fn = program.evaluate
        pr.enable()
        for _ in range(20000):
            fn(ctx)
        pr.disable()
        s = io.StringIO()
        pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(8)
        print("\n".join(ln for ln in s.getvalue().splitlines()[4:] if ln.strip()))


# ---- main -------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--install", action="store_true", help="(re)create .bench-venv/ first")
    ap.add_argument("--no-venv", action="store_true",
                    help="run in the current interpreter (peers that are missing show n/a)")
    ap.add_argument("--json", metavar="FILE", help="write the raw figures as JSON")
    ap.add_argument("--budget", type=float, default=0.03,
                    help="seconds per timing run (default 0.03)")
    ap.add_argument("--repeats", type=int, default=9, help="timing runs per cell (default 9)")
    ap.add_argument("--compile-runs", type=int, default=200,
                    help="compile_uncached samples per expression (default 200)")
    ap.add_argument("--profile", action="store_true",
                    help="also print the generated code and a cProfile of each expression")
    args = ap.parse_args()
    if not args.no_venv:
        ensure_venv(args.install)
    sys.path.insert(0, str(ROOT / "src"))  # harmless when jexpr is installed
    print(f"jexpr evaluation benchmark — {len(EXPRESSIONS)} expressions, "
          f"{args.repeats} repeats × ~{args.budget * 1e3:.0f} ms per cell", flush=True)
    started = time.perf_counter()
    results = run_benchmark(args.budget, args.repeats)
    compiled = compile_times(args.compile_runs)
    report(results, compiled)
    results["compile"] = compiled
    results["versions"] = versions()
    results["elapsed_s"] = time.perf_counter() - started
    print(f"total {results['elapsed_s']:.0f} s")
    if args.json:
        for row in results["expressions"]:
            row.pop("hand", None)
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        print(f"raw figures written to {args.json}")
    if args.profile:
        profile()


if __name__ == "__main__":
    main()
