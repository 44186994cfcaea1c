"""The shape of a builtin: its overload signatures and the call plan the checker resolves.

Plain frozen data shared by the catalogue (which builds the builtins), the registry (which
looks them up and resolves overloads) and the back ends (which call ``Signature.impl``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jexpr import types as T

__all__ = ["CallPlan", "Function", "Impl", "Signature"]

Impl = Callable[..., Any]


@dataclass(frozen=True)
class Signature:
    """One overload. ``needs`` names context values passed before the arguments."""

    params: tuple[str, ...]
    result: str
    impl: Impl
    needs: tuple[str, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    def text(self) -> str:
        return "(" + ", ".join(T.display(p) for p in self.params) + ")"


@dataclass(frozen=True)
class Function:
    name: str
    category: str
    doc: str
    signatures: tuple[Signature, ...]
    pure: bool = True  # same arguments → same result, no context: foldable at compile time
    # for a one-list-argument call resolved at run time: the implementation that decides from
    # the elements (§10.4: an ``any`` list mixing integers and decimals is decimals) in one
    # pass, returning ``UNSET`` to leave the choice to the overload dispatcher
    on_list: Impl | None = None

    def signature_text(self) -> str:
        return " | ".join(f"{self.name}{s.text()} → {T.display(s.result)}"
                          for s in self.signatures)


@dataclass(frozen=True)
class CallPlan:
    """A resolved call: the chosen signature, or several to choose from at evaluation."""

    function: Function
    candidates: tuple[Signature, ...]
    bindings: tuple[str, ...]  # the bound X of each candidate ("" when not generic)
    result: str
    extra: dict[str, Any] = field(default_factory=dict)  # static kwargs added by checks

    @property
    def dynamic(self) -> bool:
        return len(self.candidates) > 1
