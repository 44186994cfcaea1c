"""Runtime overload selection for calls whose argument types are only known at evaluation.

When an argument is statically ``any``, the checker keeps every signature that could fit; the
:class:`Dispatcher` picks the first whose parameters the runtime values fit (spec §10.1), widens
integers where a decimal is expected, and calls it. Nothing fits: ``E-EVAL-TYPE``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jexpr import types as T
from jexpr.errors import EvalFault
from jexpr.functions.registry import CallPlan, Impl
from jexpr.runtime.ops import expect, fits
from jexpr.runtime.values import kind


@dataclass(frozen=True)
class Candidate:
    params: tuple[str, ...]
    impl: Impl
    needs: tuple[str, ...]
    kwargs: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, eq=False)
class Dispatcher:
    name: str
    candidates: tuple[Candidate, ...]
    needs: tuple[str, ...]

    @classmethod
    def build(cls, name: str, plan: CallPlan) -> Dispatcher:
        cands = tuple(
            Candidate(tuple(concrete(p, x) for p in sig.params), sig.impl, sig.needs,
                      sig.kwargs)
            for sig, x in zip(plan.candidates, plan.bindings, strict=True))
        needs = tuple(dict.fromkeys(n for c in cands for n in c.needs))
        return cls(name, cands, needs)

    def __call__(self, args: Sequence[Any], env: Mapping[str, Any]) -> Any:
        for cand in self.candidates:
            if all(fits(a, p) for a, p in zip(args, cand.params, strict=True)):
                converted = [expect(a, p, self.name) for a, p in
                             zip(args, cand.params, strict=True)]
                return cand.impl(*[env[n] for n in cand.needs], *converted,
                                 **dict(cand.kwargs))
        got = ", ".join("null" if a is None else kind(a) for a in args)
        want = " | ".join("(" + ", ".join(T.display(p) for p in c.params) + ")"
                          for c in self.candidates)
        raise EvalFault("E-EVAL-TYPE", f"{self.name}: got ({got}), want {want}")


def concrete(t: str, x: str) -> str:
    """A parameter type with the generic X replaced by its binding."""
    if t == "X":
        return x or "any"
    if t == "listX":
        return T.list_of(x) if x else "listAny"
    return t
