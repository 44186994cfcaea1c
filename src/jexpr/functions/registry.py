"""The function registry: every builtin's signatures, docs and implementation (spec §10).

One table serves the checker (overload resolution, result types), the compiler (which Python
callable to call, with which context values and static keyword arguments), and the REPL and
language server (completion and hover). Implementations live in :mod:`jexpr.runtime.lib`; they receive
runtime values already converted to the parameter types and apply the null rules of §9 themselves.

Overloads are tried in the order listed, exact matches before widened ones (§10.1). Generic
parameters ``X``/``listX`` bind to one scalar type. When an argument is statically ``any``, every
signature that could fit is kept and the choice is made at evaluation from the runtime values.
"""

from __future__ import annotations

from collections.abc import Sequence

from jexpr import types as T
from jexpr.diagnostics import Diagnostic, Fix, did_you_mean, error, warning
from jexpr.functions.catalogue import BUILTINS
from jexpr.functions.signatures import CallPlan, Function, Impl, Signature
from jexpr.source import Source
from jexpr.syntax import ast

__all__ = [
    "ALIASES", "REGISTRY", "CallPlan", "Function", "Impl", "Signature", "catalogue", "converts",
    "lookup", "offending_argument", "resolve_call",
]

REGISTRY: dict[str, Function] = dict(BUILTINS)
ALIASES: dict[str, str] = {
    "inSegment": "inAudience",
    "containWithIgnoreCase": "containIgnoreCase",
    "equalWithIgnoreCase": "equalIgnoreCase",
    "notEqualWithIgnoreCase": "notEqualIgnoreCase",
}
REMOVED = frozenset(("toTimeZone", "getBestSendTime"))
REMOVED_HINTS = {
    "toTimeZone": "to express a dateTime in another zone, use updateTimeZone(dateTime, zone), "
                  "e.g. updateTimeZone(now(), \"Europe/Paris\")",
}


def lookup(name: str) -> Function | None:
    """The function a name denotes, following deprecated aliases."""
    return REGISTRY.get(ALIASES.get(name, name))


def catalogue() -> list[Function]:
    """Every function, sorted by name (aliases excluded)."""
    return [REGISTRY[n] for n in sorted(REGISTRY)]


# ---------------------------------------------------------------------------------------------
# overload resolution


def _bind(params: Sequence[str], args: Sequence[str]) -> str | None:
    """The type X binds to for generic parameters ("" when none; None when inconsistent)."""
    found = "null"
    generic = False
    for p, a in zip(params, args, strict=True):
        if p == "X":
            generic, t = True, a
        elif p == "listX":
            generic = True
            if not (T.is_list(a) or a in ("null", "any")):
                return None
            t = T.element(a) if T.is_list(a) else a
        else:
            continue
        merged = T.unify(found, t)
        if merged is None:
            return None
        found = merged
    if not generic:
        return ""
    if found == "null":
        found = "any"
    return found if found in (*T.SCALARS, "any") else None


def _concrete(t: str, x: str) -> str:
    if t == "X":
        return x
    if t == "listX":
        return T.list_of(x)
    return t


def _match(sig: Signature, args: Sequence[str]) -> tuple[str, str] | None:
    """(match quality, binding) when the signature accepts the argument types."""
    if len(sig.params) != len(args):
        return None
    x = _bind(sig.params, args)
    if x is None:
        return None
    quality = "exact"
    for p, a in zip(sig.params, args, strict=True):
        how = T.accepts(_concrete(p, x), a) if _concrete(p, x) != "any" else "exact"
        if how is None:
            return None
        if how == "widen":
            quality = "widen"
    return quality, x


def resolve_call(call: ast.Call, arg_types: list[str], source: Source
                 ) -> tuple[CallPlan | None, list[Diagnostic]]:
    """Choose the signature(s) of a call and report name, arity and argument errors."""
    diags: list[Diagnostic] = []
    fn = lookup(call.name)
    if fn is None:
        diags.append(_unknown_function(call))
        return None, diags
    if call.name in ALIASES:
        diags.append(warning("W-DEPRECATED-ALIAS", f"{call.name} is deprecated: use {fn.name}",
                             call.name_span, f"rename to {fn.name}",
                             Fix(call.name_span, fn.name)))
    arities = sorted({len(s.params) for s in fn.signatures})
    if len(arg_types) not in arities:
        want = " or ".join(str(n) for n in arities)
        diags.append(error("E-TYPE-ARITY", f"{fn.name} takes {want} argument"
                           f"{'s' if arities != [1] else ''}, got {len(arg_types)}", call.span,
                           fn.signature_text()))
        return None, diags
    plan = _choose(fn, arg_types)
    if plan is None:
        got = "(" + ", ".join(T.display(t) for t in arg_types) + ")"
        want = " | ".join(s.text() for s in fn.signatures if len(s.params) == len(arg_types))
        index = offending_argument(fn, arg_types)
        span, hint = call.span, fn.signature_text()
        if index is not None:
            span = call.args[index].span
            wanted = dict.fromkeys(T.display(s.params[index]) for s in fn.signatures
                                   if len(s.params) == len(arg_types))
            hint = (f"argument {index + 1} is {T.display(arg_types[index])}, want "
                    f"{' or '.join(wanted)}; {hint}")
        diags.append(error("E-TYPE-ARGUMENT", f"{fn.name}: got {got}, want {want}", span, hint))
    return plan, diags


def converts(name: str, t: str) -> bool:
    """Whether the one-argument function ``name`` accepts an argument of static type ``t``."""
    fn = lookup(name)
    return fn is not None and any(_match(s, [t]) is not None for s in fn.signatures)


def offending_argument(fn: Function, arg_types: Sequence[str]) -> int | None:
    """The first argument no signature of that arity accepts at its position, or None when
    every argument fits some signature (only the combination is wrong)."""
    sigs = [s for s in fn.signatures if len(s.params) == len(arg_types)]
    for i, a in enumerate(arg_types):
        if not any(_param_accepts(s.params[i], a) for s in sigs):
            return i
    return None


def _param_accepts(param: str, arg: str) -> bool:
    if arg in ("null", "any") or param == "any":
        return True
    if param == "X":
        return arg in T.SCALARS
    if param == "listX":
        return arg == "listAny" or (T.is_list(arg) and T.element(arg) in T.SCALARS)
    return T.accepts(param, arg) is not None


def _choose(fn: Function, args: list[str]) -> CallPlan | None:
    matches = [(sig, m) for sig in fn.signatures if (m := _match(sig, args)) is not None]
    if not matches:
        return None
    exact = [(s, m) for s, m in matches if m[0] == "exact"]
    ordered = exact + [(s, m) for s, m in matches if m[0] != "exact"]
    # an argument known only at run time keeps every fitting overload, and so does a list
    # whose elements are (``[@event{E.v}]``): its elements decide (§10.4)
    chosen = ordered if "any" in args or "listAny" in args else ordered[:1]
    results = {_concrete(s.result, m[1]) for s, m in chosen}
    result = results.pop() if len(results) == 1 else "any"
    return CallPlan(fn, tuple(s for s, _ in chosen), tuple(m[1] for _, m in chosen), result)


def _unknown_function(call: ast.Call) -> Diagnostic:
    if call.name in REMOVED:
        return error("E-NAME-REMOVED", f"{call.name} was removed from AJO and is not "
                     "supported", call.name_span, REMOVED_HINTS.get(call.name))
    names = [*REGISTRY, *ALIASES]
    guess = did_you_mean(call.name, names)
    if guess in ALIASES:
        guess = ALIASES[guess]
    hint = f"did you mean {guess}?" if guess else "see the function catalogue (jexpr repl :functions)"
    return error("E-NAME-FUNCTION", f"unknown function '{call.name}'", call.name_span, hint,
                 Fix(call.name_span, guess) if guess else None)
