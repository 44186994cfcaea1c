"""What a helper function is: its parameter kinds, its result type and its implementation.

Parameters are written as a string of kind letters, one per parameter: ``s`` string,
``i`` integer, ``n`` number, ``b`` boolean, ``d`` date-time (any temporal), ``l`` list, ``m``
object or map, ``a`` anything; a ``?`` after a letter makes that parameter and the following
ones optional, a ``*`` repeats the last kind (zero or more). The result is a kind letter or
``item`` (an element of the first argument), ``same`` (the first argument's type), ``list``
(a list of the first argument's elements). An implementation receives the argument values
(plus the :class:`RenderContext` first when ``context``); unless ``nulls``, a null argument
gives null (false for a boolean result) without calling it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jengine.templates.types import ANY, BOOLEAN, DATETIME, DECIMAL, INTEGER, STRING, Type, list_of

__all__ = ["KIND_TYPES", "Fn", "RenderContext", "RenderError", "accepts", "fn"]

KIND_TYPES: dict[str, Type] = {"s": STRING, "i": INTEGER, "n": DECIMAL, "b": BOOLEAN,
                               "d": DATETIME, "l": list_of(ANY), "m": Type("object"), "a": ANY}
_KIND_NAMES = {"s": "a string", "i": "an integer", "n": "a number", "b": "a boolean",
               "d": "a date-time", "l": "a list", "m": "an object", "a": "a value"}
_TEMPORAL = frozenset(("dateTime", "dateTimeOnly", "dateOnly"))


class RenderError(Exception):
    """A helper failed at render time (bad regex, bad argument): code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class RenderContext:
    """What helpers may read besides their arguments: the clock and limits."""

    now: dt.datetime
    regex_timeout: float = 0.25
    random: Any = None


@dataclass(frozen=True)
class Fn:
    name: str
    kinds: str                    # one letter per parameter
    optional_from: int            # index of the first optional parameter
    variadic: bool
    returns: str
    impl: Callable[..., Any] = field(repr=False)
    context: bool = False
    nulls: bool = False
    field_arg: int | None = None  # a bare field name evaluated per element (topN's ``value``)

    @property
    def min_args(self) -> int:
        return self.optional_from

    @property
    def max_args(self) -> int | None:
        return None if self.variadic else len(self.kinds)

    def kind_at(self, i: int) -> str:
        return self.kinds[min(i, len(self.kinds) - 1)]

    def result(self, args: list[Type]) -> Type:
        first = args[0] if args else ANY
        if self.returns == "item":
            return first.item or ANY if first.is_list else ANY
        if self.returns == "same":
            return first
        if self.returns == "list":
            return first if first.is_list else list_of(ANY)
        return KIND_TYPES[self.returns]

    def describe(self) -> str:
        names = [_KIND_NAMES[k] for k in self.kinds]
        text = ", ".join(f"[{n}]" if i >= self.optional_from else n
                         for i, n in enumerate(names))
        return f"{self.name}({text}{', …' if self.variadic else ''})"


def fn(name: str, params: str, returns: str, impl: Callable[..., Any], *,
       context: bool = False, nulls: bool = False, field_arg: int | None = None) -> Fn:
    """A function from its compact parameter string (see the module docstring)."""
    kinds, optional_from, variadic = "", None, False
    for ch in params.replace(" ", ""):
        if ch == "?":
            optional_from = len(kinds) - 1 if optional_from is None else optional_from
        elif ch == "*":
            variadic = True
            optional_from = len(kinds) - 1 if optional_from is None else optional_from
        else:
            kinds += ch
    return Fn(name, kinds, len(kinds) if optional_from is None else optional_from, variadic,
              returns, impl, context, nulls, field_arg)


def accepts(kind: str, arg: Type) -> bool:
    """Whether an argument of type ``arg`` fits a parameter of kind ``kind``."""
    if not arg.known or kind == "a":
        return True
    t = arg.kind
    return {"s": t == "string", "i": t == "integer", "n": t in ("integer", "decimal"),
            "b": t == "boolean", "d": t in _TEMPORAL, "l": t == "list",
            "m": t == "object"}.get(kind, True)


def kind_name(kind: str) -> str:
    return _KIND_NAMES[kind]
