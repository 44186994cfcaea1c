"""Conformance-vector runner (``shared/conformance/README.md``).

A vector is one JSON line: ``expr``, ``expect`` (encoded as spec §17, or ``{"error": true}``) and
optionally ``context``, ``now``, ``usage`` and ``diagnostics``. :func:`run_vector` follows the
README's runner sketch: ``fieldTypes``/``schema`` go to ``jexpr.compile``, the other context keys
to ``Program.evaluate``; a data source with a ``{"$byParams": […]}`` field group becomes a
resolver callable. Any unexpected Python exception escaping jexpr is a failure with its text,
never a crash of the runner.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import jexpr
from jexpr.diagnostics import EvaluationError, JexprError
from jexpr.runtime.jsonenc import from_json, to_json, values_match

__all__ = [
    "STATIC_KEYS",
    "Vector",
    "VectorResult",
    "evaluation_context",
    "load_vectors",
    "parse_now",
    "resolver_for",
    "run_file",
    "run_vector",
]

#: Context keys that feed the checker rather than the evaluation.
STATIC_KEYS = ("fieldTypes", "schema")

Resolver = Callable[[str, str, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Vector:
    """One conformance line; ``line`` is its 1-based line number in ``path``."""

    line: int
    expr: str
    expect: Any
    context: dict[str, Any] = field(default_factory=dict)
    now: str | None = None
    usage: str = "value"
    diagnostics: list[str] = field(default_factory=list)
    source: str = ""
    note: str = ""
    path: str = ""

    @property
    def expects_error(self) -> bool:
        return bool(self.expect == {"error": True})


@dataclass(frozen=True)
class VectorResult:
    """The outcome of one vector: ``got`` is the encoded value (None after an error)."""

    vector: Vector
    ok: bool
    got: Any = None
    codes: list[str] = field(default_factory=list)
    reason: str = ""


# ---------------------------------------------------------------------------------------------
# Loading


def load_vectors(path: str | Path) -> list[Vector]:
    """Every vector of a JSONL file (blank lines skipped); ``ValueError`` names a bad line."""
    text = Path(path).read_text(encoding="utf-8")
    vectors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            vectors.append(_parse_line(line, number, str(path)))
    return vectors


def _parse_line(line: str, number: int, path: str) -> Vector:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"line {number}: invalid JSON: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("expr"), str) or "expect" not in data:
        raise ValueError(f"line {number}: a vector must be an object with 'expr' and 'expect'")
    return Vector(
        line=number,
        expr=data["expr"],
        expect=data["expect"],
        context=dict(data.get("context") or {}),
        now=data.get("now"),
        usage=data.get("usage", "value"),
        diagnostics=list(data.get("diagnostics") or []),
        source=data.get("source", ""),
        note=data.get("note", ""),
        path=path,
    )


# ---------------------------------------------------------------------------------------------
# Context


def parse_now(text: str) -> dt.datetime:
    """An ISO offset date-time (``2023-06-03T06:30:00Z``) as an aware datetime."""
    from jexpr.runtime import temporal

    value = temporal.parse_offset_datetime(text)
    if value is None:
        raise ValueError(f"not an ISO offset date-time: {text!r}")
    return value


def resolver_for(data_sources: Mapping[str, Any]) -> Mapping[str, Any] | Resolver:
    """The mapping itself, or a resolver when some field group is a ``$byParams`` table."""
    if not any(_is_by_params(fg) for groups in _groups(data_sources) for fg in groups.values()):
        return data_sources

    def resolve(ds: str, fg: str, params: Mapping[str, Any]) -> Any:
        groups = data_sources.get(ds)
        group = groups.get(fg) if isinstance(groups, Mapping) else None
        if not _is_by_params(group):
            return group
        encoded = to_json(dict(params or {}))
        return next(
            (entry.get("payload") for entry in group["$byParams"]
             if _params_equal(entry.get("params", {}), encoded)),
            None,
        )

    return resolve


def _groups(data_sources: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [g for g in data_sources.values() if isinstance(g, Mapping)]


def _is_by_params(group: Any) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(group, Mapping) and list(group) == ["$byParams"]


def _params_equal(expected: Any, encoded: Any) -> bool:
    """Entry params equal the encoded params by the comparison table (``1`` is not ``1.0``)."""
    try:
        return values_match(expected, from_json(encoded))
    except ValueError:
        return False


def evaluation_context(
    context: Mapping[str, Any], now: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a conformance ``context`` into (static compile options, evaluation context)."""
    ctx = dict(context)
    static = {key: ctx.pop(key) for key in STATIC_KEYS if key in ctx}
    if "dataSources" in ctx:
        ctx["dataSources"] = resolver_for(ctx["dataSources"])
    in_context = ctx.pop("now", None)
    now = now if now is not None else in_context
    if now is not None:
        ctx["now"] = parse_now(now) if isinstance(now, str) else now
    return static, ctx


# ---------------------------------------------------------------------------------------------
# Running


@dataclass
class _Outcome:
    failed: bool = False
    got: Any = None
    codes: list[str] = field(default_factory=list)
    error: str = ""


Evaluator = Callable[[jexpr.Program, dict[str, Any]], Any]


def _compiled(program: jexpr.Program, ctx: dict[str, Any]) -> Any:
    return program.evaluate(ctx)


def run_vector(vector: Vector, evaluator: Evaluator = _compiled) -> VectorResult:
    """Run one vector; never raises (internal errors become failures with their text).

    ``evaluator`` runs a compiled program on a context: the program itself by default, or the
    reference interpreter (tests run every vector through both)."""
    try:
        static, ctx = evaluation_context(vector.context, vector.now)
    except (ValueError, TypeError, AttributeError) as e:
        return VectorResult(vector, False, reason=f"bad vector context: {e}")
    try:
        outcome = _execute(vector, static, ctx, evaluator)
    except Exception as e:  # an unexpected exception escaping jexpr
        return VectorResult(vector, False, reason=f"internal error: {type(e).__name__}: {e}")
    return _judge(vector, outcome)


def _execute(vector: Vector, static: dict[str, Any], ctx: dict[str, Any],
             evaluator: Evaluator) -> _Outcome:
    out = _Outcome()
    try:
        prog = jexpr.compile(vector.expr, usage=vector.usage, **static)
        out.codes += [d.code for d in prog.diagnostics]
        out.got = evaluator(prog, ctx)
    except JexprError as e:
        out.failed = True
        out.codes += [d.code for d in e.diagnostics]
        first = next((d for d in e.diagnostics if d.is_error), None)
        out.error = f"{first.code} {first.message}" if first else str(e)
    except EvaluationError as e:
        out.failed = True
        out.codes.append(e.diagnostic.code)
        out.error = f"{e.diagnostic.code} {e.diagnostic.message}"
    return out


def _judge(vector: Vector, out: _Outcome) -> VectorResult:
    got = None if out.failed else _encode_got(out.got)
    reason = _value_problem(vector, out, got) or _missing_codes(vector, out.codes)
    return VectorResult(vector, not reason, got, out.codes, reason)


def _value_problem(vector: Vector, out: _Outcome, got: Any) -> str:
    if vector.expects_error:
        return "" if out.failed else f"expected an error, got {_show(got)}"
    if out.failed:
        return f"expected {_show(vector.expect)}, got error {out.error}"
    try:
        same = values_match(vector.expect, out.got)
    except ValueError as e:
        return f"bad vector expectation: {e}"
    return "" if same else f"expected {_show(vector.expect)}, got {_show(got)}"


def _missing_codes(vector: Vector, codes: list[str]) -> str:
    missing = [c for c in vector.diagnostics if c not in codes]
    if not missing:
        return ""
    return f"missing diagnostics {', '.join(missing)}; reported [{', '.join(codes)}]"


def _encode_got(value: Any) -> Any:
    try:
        return to_json(value)
    except (TypeError, ValueError) as e:
        return f"<unencodable {type(value).__name__}: {e}>"


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def run_file(path: str | Path) -> tuple[int, int, list[VectorResult]]:
    """Run every vector of a file: (passed, failed, results in file order)."""
    results = [run_vector(v) for v in load_vectors(path)]
    passed = sum(1 for r in results if r.ok)
    return passed, len(results) - passed, results
