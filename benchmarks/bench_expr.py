#!/usr/bin/env python3
"""Evaluation and compile benchmark of jexpr against hand-written Python and peer engines.

    python benchmarks/bench_expr.py            # creates .bench-venv/ on first use, then runs
    python benchmarks/bench_expr.py --install  # (re)install the benchmark environment first
    python benchmarks/bench_expr.py --json out.json --profile

The expressions (:mod:`expr_cases`, 40 of them in ten families) are evaluated over 200 seeded
contexts (:mod:`expr_data`) by a hand-written Python function per expression (the practical
limit), by jexpr compiled **typed** (full ``fieldTypes``) and **untyped** (only the date fields
declared), and by the peers that can express them: cel-python, rule-engine, simpleeval,
json-logic-qubit (pure Python) and zen-engine, datalogic-py, common-expression-language
(native). Peers are installed into ``.bench-venv/`` at the repository root only, never as
project dependencies; this script creates that environment and re-executes itself inside it.

Every engine is an adapter (:mod:`expr_peers`): ``prepare(case)`` parses/compiles once (not
timed), ``evaluate(ctx)`` is timed. Before timing, every engine's result is checked against the
hand-written function on every context it is timed on ("wrong" otherwise; "n/a" when the peer's
language cannot express the expression). Hand and jexpr are timed over the *varied* contexts
(missing fields, nulls, integers where decimals are declared); the peers over the *complete*
contexts (most have no null-safe navigation), and jexpr again over those for the peer ratios.

The compile section times ``jexpr.compile_uncached`` on every expression, on the issue's
200-character expression, and on a series of growing expressions (200 to 5,000 characters).
"""

from __future__ import annotations

import argparse
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from expr_cases import COMPILE_200, EXPRESSIONS
from expr_data import FIELD_TYPES_TYPED, FIELD_TYPES_UNTYPED, contexts
from expr_peers import PEER_PACKAGES, PEERS, Hand, Jexpr, NotExpressible, agree

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".bench-venv"
IN_VENV_FLAG = "JEXPR_BENCH_IN_VENV"
MODES = ("typed", "untyped")
GOALS = {"typed": 1.5, "untyped": 2.0}
WORST_TYPED = 3.0


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


# ---- timing -----------------------------------------------------------------------------------

Fn = Callable[[dict[str, Any]], Any]


def calibrate(fn: Fn, ctxs: list[dict[str, Any]], budget: float) -> tuple[timeit.Timer, int, float]:
    """A timer for one pass of ``fn`` over the contexts, the number of passes that makes one
    sample last about ``budget``, and the time of one pass."""
    def one_pass() -> None:
        for ctx in ctxs:
            fn(ctx)
    timer = timeit.Timer(one_pass, timer=time.process_time)
    once = timer.timeit(1)
    return timer, max(1, int(budget / once)) if once < budget else 1, once


def measure_all(fns: dict[str, Fn], ctxs: list[dict[str, Any]], budget: float,
                repeats: int) -> dict[str, tuple[float, float]]:
    """Median and minimum µs per evaluation of each function, in CPU time of this process
    (``time.process_time``: time spent waiting for a core on a shared machine is not counted).
    Repeats are interleaved (every engine once per round) so that what load remains hits all
    engines alike; an engine whose single pass takes over 5 budgets is sampled 3 times only."""
    timers = {name: calibrate(fn, ctxs, budget) for name, fn in fns.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for round_ in range(repeats):
        for name, (timer, number, once) in timers.items():
            if once > 5 * budget and round_ >= 3:
                continue
            samples[name].append(timer.timeit(number) / number / len(ctxs) * 1e6)
    return {name: (statistics.median(s), min(s)) for name, s in samples.items()}


def checked(adapter: Any, case: dict[str, Any], ctxs: list[dict[str, Any]],
            expected: list[Any], cell: dict[str, Any]) -> Fn | None:
    """The adapter's evaluator when it agrees with the hand-written function everywhere."""
    try:
        fn = adapter.prepare(case)
    except NotExpressible as exc:
        cell.update(status="n/a", reason=str(exc))
        return None
    except Exception as exc:
        cell.update(status="error", reason=f"prepare: {type(exc).__name__}: {exc}")
        return None
    for i, (ctx, want) in enumerate(zip(ctxs, expected, strict=True)):
        try:
            got = fn(ctx)
        except Exception as exc:
            cell.update(status="error", reason=f"context {i}: {type(exc).__name__}: "
                        f"{str(exc)[:120]}")
            return None
        if not agree(got, want):
            cell.update(status="wrong", reason=f"context {i}: got {got!r}, want {want!r}")
            return None
    cell.update(status="ok")
    return fn


def run_case(case: dict[str, Any], varied: list[dict[str, Any]],
             complete: list[dict[str, Any]], budget: float, repeats: int,
             unavailable: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {"name": case["name"], "family": case["family"],
                           "jexpr": case["jexpr"], "varied": {}, "complete": {}}
    groups = (("varied", varied, [Hand(), Jexpr(True), Jexpr(False)]),
              ("complete", complete, [Jexpr(True), Jexpr(False), *PEERS]))
    for group, ctxs, adapters in groups:
        expected = [case["hand"](c) for c in ctxs]
        timed: dict[str, Fn] = {}
        for adapter in adapters:
            cell: dict[str, Any] = {}
            row[group][adapter.name] = cell
            if adapter.name in unavailable:
                cell.update(status="n/a", reason=unavailable[adapter.name])
                continue
            fn = checked(adapter, case, ctxs, expected, cell)
            if fn is not None:
                timed[adapter.name] = fn
        for name, (median, low) in measure_all(timed, ctxs, budget, repeats).items():
            row[group][name].update(us=median, min_us=low)
    return row


def run_benchmark(budget: float, repeats: int, only: str | None) -> dict[str, Any]:
    varied, complete = contexts(True), contexts(False)
    unavailable: dict[str, str] = {}
    for peer in PEERS:
        try:
            __import__(peer.module)
        except Exception as exc:
            unavailable[peer.name] = f"not installed ({type(exc).__name__}: {exc})"
    results: dict[str, Any] = {"expressions": [], "budget_s": budget, "repeats": repeats,
                               "contexts": len(varied), "unavailable": unavailable}
    for case in EXPRESSIONS:
        if only and only.lower() not in case["name"].lower():
            continue
        results["expressions"].append(
            run_case(case, varied, complete, budget, repeats, unavailable))
        print(f"  timed: {case['name']}", file=sys.stderr, flush=True)
    return results


# ---- compile times ----------------------------------------------------------------------------


def _median_ms(text: str, field_types: dict[str, str] | None, runs: int) -> tuple[float, float]:
    import jexpr
    for _ in range(3):  # warm the process (parser tables, imports, caches)
        jexpr.compile_uncached(text, field_types)
    samples = []
    for _ in range(runs):  # CPU time, as for evaluation
        t0 = time.process_time()
        jexpr.compile_uncached(text, field_types)
        samples.append(time.process_time() - t0)
    return statistics.median(samples) * 1e3, min(samples) * 1e3


def growth_texts(targets: tuple[int, ...] = (200, 500, 1000, 2000, 5000)) -> list[str]:
    """Expressions of about the target lengths: the benchmark's boolean expressions, each in
    parentheses, joined by ``and`` (the shape of a long journey condition)."""
    import jexpr
    clauses = [c["jexpr"] for c in EXPRESSIONS
               if jexpr.compile(c["jexpr"], fieldTypes=FIELD_TYPES_TYPED).type == "boolean"]
    out = []
    for target in targets:
        parts: list[str] = []
        i = 0
        while len(" and ".join(parts)) < target:
            parts.append(f"({clauses[i % len(clauses)]})")
            i += 1
        out.append(" and ".join(parts))
    return out


def compile_times(runs: int) -> dict[str, Any]:
    per_expression = [
        {"name": c["name"], "chars": len(c["jexpr"]),
         "ms": _median_ms(c["jexpr"], FIELD_TYPES_TYPED, runs)[0]} for c in EXPRESSIONS]
    ms, low = _median_ms(COMPILE_200, None, runs * 2)
    growth = []
    for text in growth_texts():
        g_ms, g_low = _median_ms(text, FIELD_TYPES_TYPED, max(5, runs // max(1, len(text) // 500)))
        growth.append({"chars": len(text), "ms": g_ms, "min_ms": g_low})
    return {"expressions": per_expression,
            "compile_200": {"chars": len(COMPILE_200), "ms": ms, "min_ms": low},
            "growth": growth}


# ---- report -----------------------------------------------------------------------------------


def fmt_us(us: float) -> str:
    return f"{us:.2f}" if us < 10 else f"{us:.1f}" if us < 1000 else f"{us:,.0f}"


def fmt_x(x: float) -> str:
    return f"{x:.1f}×" if x < 10 else f"{x:,.0f}×"


def _cell(c: dict[str, Any]) -> str:
    return fmt_us(c["us"]) if c.get("status") == "ok" else c.get("status", "-")


def mode_table(results: dict[str, Any], mode: str) -> tuple[list[str], dict[str, Any]]:
    """The markdown table of one mode and its summary figures."""
    jx_name = f"jexpr {mode}"
    peers = [p.name for p in PEERS]
    lines = ["| expression | hand µs | jexpr µs | jexpr/hand | "
             + " | ".join(f"{p} µs (×jexpr)" for p in peers) + " |",
             "|---|" + "---:|" * (3 + len(peers))]
    ratios: list[float] = []
    worst: tuple[float, str] = (0.0, "")
    slower: list[str] = []
    lowest: tuple[float, str] = (math.inf, "")
    for row in results["expressions"]:
        v, c = row["varied"], row["complete"]
        hand, jx = v["hand"], v[jx_name]
        ratio = jx["us"] / hand["us"] if hand.get("us") and jx.get("us") else None
        if ratio is not None:
            ratios.append(ratio)
            worst = max(worst, (ratio, row["name"]))
        cells = []
        base = c[jx_name].get("us")
        for p in peers:
            pc = c[p]
            if pc.get("status") != "ok" or not base:
                cells.append(pc.get("status", "-"))
                continue
            x = pc["us"] / base
            lowest = min(lowest, (x, f"{row['name']} / {p}"))
            if x < 1:
                slower.append(f"{row['name']} / {p} ({x:.2f}×)")
            cells.append(f"{fmt_us(pc['us'])} ({fmt_x(x)})")
        lines.append(f"| {row['name']} | {_cell(hand)} | {_cell(jx)} | "
                     f"{f'{ratio:.2f}' if ratio else '-'} | " + " | ".join(cells) + " |")
    geo = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else math.nan
    return lines, {"geomean": geo, "worst": worst, "peers_faster": slower, "closest_peer": lowest}


def report(results: dict[str, Any], compiled: dict[str, Any] | None) -> None:
    n = results["contexts"]
    print(f"\nµs per evaluation, median of interleaved repeats; hand and jexpr over {n} varied "
          f"contexts, peers over {n} complete contexts, where (×jexpr) is the peer's time over "
          "jexpr's time on those same complete contexts.")
    summary = {}
    for mode in MODES:
        lines, figures = mode_table(results, mode)
        summary[mode] = figures
        print(f"\n### {mode} ({'full fieldTypes' if mode == 'typed' else 'only date fields declared'})\n")
        print("\n".join(lines))
    results["summary"] = summary
    print()
    for mode in MODES:
        f = summary[mode]
        goal = GOALS[mode]
        print(f"geometric mean jexpr/hand, {mode}: {f['geomean']:.2f} (goal ≤ {goal}: "
              f"{'PASS' if f['geomean'] <= goal else 'FAIL'}); highest: {f['worst'][0]:.2f} "
              f"({f['worst'][1]})" + (f" (goal ≤ {WORST_TYPED}: "
              f"{'PASS' if f['worst'][0] <= WORST_TYPED else 'FAIL'})" if mode == "typed" else ""))
        closest = f["closest_peer"]
        print(f"  peers faster than jexpr {mode}: "
              f"{', '.join(f['peers_faster']) if f['peers_faster'] else 'none (PASS)'}; "
              f"closest peer: {closest[1]} at {closest[0]:.2f}× jexpr's time")
    print("\n### summary (the README's table)\n")
    print("\n".join(summary_table(results)))
    not_timed: dict[str, list[str]] = {}
    for row in results["expressions"]:
        for group in ("varied", "complete"):
            for name, c in row[group].items():
                if c.get("status") not in ("ok", None):
                    key = f"{name}: {c['status']} — {c.get('reason', '')}"
                    not_timed.setdefault(key, []).append(row["name"])
    if not_timed:
        print("\ncells without a figure:")
        for key, names in sorted(not_timed.items()):
            print(f"  {key}: {', '.join(dict.fromkeys(names))}")
    if compiled:
        report_compile(compiled)
    print(f"\nPython {sys.version.split()[0]} on {sys.platform}; {versions()}")


def summary_table(results: dict[str, Any]) -> list[str]:
    """One row per expression: hand, jexpr typed and untyped with their ratios, and the
    fastest peer (its time over jexpr untyped's, on the complete contexts)."""
    lines = ["| expression | hand µs | jexpr typed µs | ×hand | jexpr untyped µs | ×hand |"
             " fastest peer (×jexpr untyped) |", "|---|---:|---:|---:|---:|---:|---|"]
    for row in results["expressions"]:
        v, c = row["varied"], row["complete"]
        hand = v["hand"].get("us")
        cells = [row["name"], _cell(v["hand"])]
        for mode in MODES:
            jx = v[f"jexpr {mode}"].get("us")
            cells += [_cell(v[f"jexpr {mode}"]), f"{jx / hand:.2f}" if jx and hand else "-"]
        base = c["jexpr untyped"].get("us")
        peers = [(c[p.name]["us"], p.name) for p in PEERS if c[p.name].get("status") == "ok"]
        if peers and base:
            us, name = min(peers)
            cells.append(f"{name} ({fmt_x(us / base)})")
        else:
            cells.append("none can express it")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def report_compile(compiled: dict[str, Any]) -> None:
    exprs = compiled["expressions"]
    times = [e["ms"] for e in exprs]
    print(f"\njexpr compile time (jexpr.compile_uncached, CPU time, median, warm process): "
          f"{len(exprs)} benchmark expressions, median {statistics.median(times):.3f} ms, "
          f"slowest {max(times):.3f} ms ({max(exprs, key=lambda e: e['ms'])['name']})")
    c200 = compiled["compile_200"]
    print(f"  {c200['chars']}-char expression: {c200['ms']:.3f} ms (min {c200['min_ms']:.3f}) "
          f"(goal < 2 ms: {'PASS' if c200['ms'] < 2 else 'FAIL'}; moonshot < 1 ms: "
          f"{'PASS' if c200['ms'] < 1 else 'no'})")
    print("  growth:  chars      ms   µs/char")
    for g in compiled["growth"]:
        print(f"         {g['chars']:6d} {g['ms']:7.2f}  {g['ms'] * 1e3 / g['chars']:6.2f}")
    big, small = compiled["growth"][-1], compiled["growth"][1]
    per_char = (big["ms"] / big["chars"]) / (small["ms"] / small["chars"])
    print(f"  {big['chars']} chars under 40 ms: {'PASS' if big['ms'] < 40 else 'FAIL'}; "
          f"µs/char at {big['chars']} over µs/char at {small['chars']}: {per_char:.2f} "
          f"(linear ≤ 1.3: {'PASS' if per_char <= 1.3 else 'FAIL'})")


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


def profile(only: str | None) -> None:
    """Print each expression's generated Python (typed and untyped) and a cProfile."""
    import cProfile
    import io
    import pstats

    import jexpr
    from jexpr.compiler.codegen import python_source
    ctxs = contexts(True)
    for case in EXPRESSIONS:
        if only and only.lower() not in case["name"].lower():
            continue
        for mode, types in (("typed", FIELD_TYPES_TYPED), ("untyped", FIELD_TYPES_UNTYPED)):
            program = jexpr.compile(case["jexpr"], fieldTypes=types)
            print(f"\n=== {case['name']} ({mode}): {case['jexpr']}")
            print(python_source(program.checked))
            pr = cProfile.Profile()
            fn = program.evaluate
            pr.enable()
            for _ in range(50):
                for ctx in ctxs:
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
    ap.add_argument("--budget", type=float, default=0.02,
                    help="seconds per timing sample (default 0.02)")
    ap.add_argument("--repeats", type=int, default=7, help="samples per cell (default 7)")
    ap.add_argument("--compile-runs", type=int, default=100,
                    help="compile_uncached samples per expression (default 100)")
    ap.add_argument("--only", metavar="TEXT", help="only the expressions whose name has TEXT")
    ap.add_argument("--no-compile", action="store_true", help="skip the compile section")
    ap.add_argument("--profile", action="store_true",
                    help="also print the generated code and a cProfile of each expression")
    args = ap.parse_args()
    if not args.no_venv:
        ensure_venv(args.install)
    sys.path.insert(0, str(ROOT / "src"))  # harmless when jexpr is installed
    print(f"jexpr benchmark — {len(EXPRESSIONS)} expressions, typed and untyped, "
          f"{args.repeats} repeats × ~{args.budget * 1e3:.0f} ms per cell", flush=True)
    started = time.perf_counter()
    results = run_benchmark(args.budget, args.repeats, args.only)
    compiled = None if args.no_compile else compile_times(args.compile_runs)
    report(results, compiled)
    results["compile"] = compiled
    results["versions"] = versions()
    results["elapsed_s"] = time.perf_counter() - started
    print(f"total {results['elapsed_s']:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        print(f"raw figures written to {args.json}")
    if args.profile:
        profile(args.only)


if __name__ == "__main__":
    main()
