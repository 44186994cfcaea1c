"""One reference page per builtin function, generated from the function registry.

Each page gives the function's category, what it does (the registry's text), every signature
with its parameter and result types, the deprecated aliases that lead to it, what it reads from
the evaluation context, and examples. Examples are conformance vectors: first the curated ones of
``docs/expressions/examples.jsonl`` (shown for the functions their note names as ``[fn:name]``,
else for every function they call), then the project's conformance and spec vectors that call
the function and succeed (the shortest, preferring ones that need no context), up to
:data:`MAX_EXAMPLES`. Every example is evaluated when the page is generated — the result shown
is what ``jexpr eval`` prints — and the test suite runs the same selection
(``tests/docs/test_docs.py``), so a page never shows an example that does not hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jexpr
from jexpr import types as T
from jexpr.conformance import Vector, evaluation_context, load_vectors, run_vector
from jexpr.console import describe
from jexpr.functions.registry import ALIASES, REGISTRY, catalogue
from jexpr.functions.signatures import Function
from jexpr.syntax import ast
from jexpr.syntax.parse import parse

__all__ = ["MAX_EXAMPLES", "Example", "examples_for", "pages", "vector_files"]

ROOT = Path(__file__).resolve().parents[3]
CURATED = ROOT / "docs" / "expressions" / "examples.jsonl"
MAX_EXAMPLES = 4
_NEEDS = {"now": "the evaluation instant (`now` in the context)",
          "rng": "the random source (`random` in the context)",
          "timeout": "the regular-expression time bound (`regexTimeout`)",
          "audiences": "the profile's audience memberships (`audiences`)"}
_GENERIC = ("`X` stands for one scalar type (`string`, `integer`, `decimal`, `boolean`, "
            "`dateTime`, `dateTimeOnly`, `dateOnly`, `duration`) and `listX` for the list of "
            "it; an `integer` is accepted where a `decimal` is expected.")


def vector_files() -> list[Path]:
    """Where examples come from, in order of preference."""
    conformance = ROOT / "tests" / "conformance"
    return [CURATED, conformance / "expressions.jsonl", conformance / "spec-examples.jsonl"]


@dataclass(frozen=True)
class Example:
    """A vector shown on a page, with the line ``jexpr eval`` prints for it."""

    vector: Vector
    shown: str
    curated: bool


def _calls(node: ast.Node) -> set[str]:
    return {ALIASES.get(n.name, n.name) for n in ast.walk(node) if isinstance(n, ast.Call)}


@cache
def _candidates() -> dict[str, list[tuple[Vector, bool]]]:
    """Function name → the succeeding vectors that call it (curated first)."""
    found: dict[str, list[tuple[Vector, bool]]] = {}
    for path in vector_files():
        if not path.exists():
            continue
        for v in load_vectors(path):
            if v.expects_error or "\n" in v.expr or len(v.expr) > 110:
                continue
            tree, _ = parse(v.expr)
            if tree is None:
                continue
            tagged = set(re.findall(r"\[fn:(\w+)\]", v.note))
            for name in tagged or _calls(tree):
                found.setdefault(name, []).append((v, path == CURATED))
    return found


def _shown(v: Vector) -> str | None:
    """What ``jexpr eval`` prints for the vector, or None when the vector does not hold."""
    if not run_vector(v).ok:
        return None
    static, ctx = evaluation_context(v.context, v.now)
    program = jexpr.compile(v.expr, usage=v.usage, **static)
    return describe(program.evaluate(ctx), program.type)


def _trivial(shown: str) -> bool:
    """A result that says little about the function (null, zero, empty)."""
    return shown in ("null", "integer 0", "decimal 0.0", 'string ""') or shown.endswith(" []")


def examples_for(fn: Function) -> list[Example]:
    """The examples of one function (see the module docstring): the curated ones, then
    vectors without context before those with one (at most one of those), telling results
    before null, zero and empty ones, the AJO documentation's vectors before the spec's, shorter
    before longer."""
    pool = _candidates().get(fn.name, [])
    out = [Example(v, shown, True) for v, c in pool if c and (shown := _shown(v)) is not None]
    ranked = []
    for rank, (v, c) in enumerate(pool):
        if c or any(e.vector.expr == v.expr for e in out):
            continue
        shown = _shown(v)
        if shown is not None:
            ranked.append(((bool(v.context), _trivial(shown), v.now is not None, rank,
                            len(v.expr)), Example(v, shown, False)))
    seen = {e.vector.expr for e in out}
    with_context = 0
    for _, ex in sorted(ranked, key=lambda r: r[0]):
        if len(out) >= MAX_EXAMPLES:
            break
        if ex.vector.expr in seen or (ex.vector.context and with_context):
            continue
        seen.add(ex.vector.expr)
        with_context += bool(ex.vector.context)
        out.append(ex)
    return out


def _note(v: Vector) -> str:
    text = re.sub(r"^(\[[^\]]*\]\s*)+", "", v.note).strip()
    return text.rstrip(".")


def _example_md(ex: Example) -> Iterator[str]:
    v = ex.vector
    yield "```jexpr"
    yield v.expr
    yield "```"
    yield ""
    settings = []
    if v.now:
        settings.append(f"`now` = `{v.now}`")
    if v.usage != "value":
        settings.append(f"usage `{v.usage}`")
    context = {k: val for k, val in v.context.items() if k != "now"}
    lead = f"With {', '.join(settings)}: " if settings else ""
    note = _note(v)
    yield f"{lead}→ `{ex.shown}`" + (f" — {note[:1].lower() + note[1:]}" if note else "")
    if context:
        yield ""
        yield "Context:"
        yield ""
        yield "```json"
        yield json.dumps(context, ensure_ascii=False)
        yield "```"
    yield ""


def page(fn: Function) -> str:
    """The Markdown page of one function."""
    aliases = sorted(a for a, target in ALIASES.items() if target == fn.name)
    lines = [f"# `{fn.name}`", "", f"*{fn.category}* function. {fn.doc}", ""]
    lines += ["## Signatures", "", "| Call | Result |", "|---|---|"]
    for sig in fn.signatures:
        params = ", ".join(T.display(p) for p in sig.params)
        lines.append(f"| `{fn.name}({params})` | `{T.display(sig.result)}` |")
    lines.append("")
    if any(p in ("X", "listX") for s in fn.signatures for p in s.params):
        lines += [_GENERIC, ""]
    needs = sorted({n for s in fn.signatures for n in s.needs})
    if needs:
        lines += ["Reads " + "; ".join(_NEEDS.get(n, f"`{n}`") for n in needs) + ".", ""]
    elif not fn.pure:
        lines += ["Not constant-folded: its result depends on more than its arguments.", ""]
    if aliases:
        names = ", ".join(f"`{a}`" for a in aliases)
        lines += [f"Deprecated alias{'es' if len(aliases) > 1 else ''}: {names} (same "
                  "signatures; each use is warned about with `W-DEPRECATED-ALIAS` and a quick "
                  "fix).", ""]
    lines += ["## Examples", ""]
    for ex in examples_for(fn):
        lines += list(_example_md(ex))
    lines += ["See the [function conventions](index.md) (null arguments, overloads) and the "
              "[specification](../../spec/expression-language.md) §10.", ""]
    return "\n".join(lines)


def index() -> str:
    """The functions index: a table per category, and the toctree of the pages."""
    by_category: dict[str, list[Function]] = {}
    for fn in catalogue():
        by_category.setdefault(fn.category, []).append(fn)
    lines = ["# Functions", "",
             "Every builtin function of the expression language, generated from the function "
             "registry (`jexpr.functions.registry`); the examples on each page are evaluated "
             "when the site is built and by the test suite.", "",
             "Conventions: names are case-sensitive and arguments positional; the signatures of "
             "a function are tried in order (exact matches before widened ones: an `integer` "
             "argument fits a `decimal` parameter); a `null` argument follows the null rules "
             "unless the page says otherwise; with an argument whose type is only known at run "
             "time, the signature is chosen at evaluation.", ""]
    for category in sorted(by_category):
        lines += [f"## {category}", "", "| Function | Signatures | |", "|---|---|---|"]
        for fn in by_category[category]:
            sigs = "<br>".join(f"`({', '.join(T.display(p) for p in s.params)}) → "
                               f"{T.display(s.result)}`" for s in fn.signatures)
            lines.append(f"| [`{fn.name}`]({fn.name}.md) | {sigs} | {fn.doc} |")
        lines.append("")
    removed = "`toTimeZone`, `getBestSendTime`"
    lines += ["## Deprecated and removed", "",
              "Deprecated aliases (each use is a `W-DEPRECATED-ALIAS` warning with a quick fix): "
              + ", ".join(f"`{a}` → `{t}`" for a, t in sorted(ALIASES.items())) + ".", "",
              f"Removed from AJO and refused with `E-NAME-REMOVED`: {removed}.", "",
              "```{toctree}", ":hidden:", ""]
    lines += [fn.name for fn in catalogue()]
    lines += ["```", ""]
    return "\n".join(lines)


def pages() -> dict[str, str]:
    """Relative path under ``docs/`` → Markdown, for the index and every function."""
    out = {"expressions/functions/index.md": index()}
    for name in sorted(REGISTRY):
        out[f"expressions/functions/{name}.md"] = page(REGISTRY[name])
    return out
