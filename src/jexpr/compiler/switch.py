"""Type switches: run-time overload selection decided at code generation where it can be.

One job: for a call whose overload depends on ``any`` arguments, compute — from the candidate
list and with the :class:`~jexpr.compiler.dispatch.Dispatcher`'s own rules (spec §10.1: the
first candidate whose parameters the values fit, integers widened to decimals) — which
candidate every combination of exact Python types of those arguments selects. The generated
code then looks the types up in a dict and calls the chosen implementation directly; the
dispatcher stays the fallback for every value the table does not decide (datetimes, whose kind
depends on the offset; lists, whose fit depends on the elements; subclasses) and for the
values a type alone does not vouch for (integers outside 64 bits, non-finite decimals), so the
errors are the dispatcher's.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from jexpr import types as T
from jexpr.compiler.dispatch import Candidate, Dispatcher
from jexpr.runtime import ops as rt
from jexpr.runtime.values import INT_MAX, INT_MIN, UNSET

Entry = Callable[..., Any]

_NONE = type(None)
# Python types whose jexpr kind (§5.4) the type alone decides (int and float up to a range check)
_KINDS: dict[type, str] = {
    _NONE: "null", bool: "boolean", str: "string", int: "integer", float: "decimal",
    date: "dateOnly", timedelta: "duration", dict: "object"}
_SWITCHED = (*_KINDS, list, tuple)
MAX_DYNAMIC = 2  # argument positions switched on (the table has 10 ** n rows)


def _fits(pytype: type, param: str) -> bool | None:
    """Whether every value of ``pytype`` fits ``param`` (True), none does (False), or it
    depends on the value (None)."""
    if param == "any" or pytype is _NONE:
        return True
    if pytype is list or pytype is tuple:
        if param == "listAny":
            return True
        return None if T.is_list(param) else False
    return rt.fits_kind(_KINDS[pytype], param)


def _choose(candidates: Sequence[Candidate], positions: Sequence[int],
            combo: Sequence[type]) -> Candidate | None:
    """The candidate the dispatcher picks for any values of these types, if the types decide."""
    for cand in candidates:
        verdicts = [_fits(t, cand.params[i]) for i, t in zip(positions, combo, strict=True)]
        if False in verdicts:
            continue
        return cand if None not in verdicts else None
    return None


def _converter(have: str, param: str) -> Callable[[Any], Any] | None:
    """The widening applied to an argument of static or runtime kind ``have`` (§10.1)."""
    if param == "decimal" and have == "integer":
        return rt.to_float
    if param == "listDecimal" and have in ("listInteger", "listAny", "any"):
        return rt.list_to_float
    return None


def _entry(cand: Candidate, needs: tuple[str, ...], kinds: Sequence[str],
           guards: Sequence[tuple[int, type]], fallback: Entry) -> Entry:
    """The callable a table row holds: ``entry(*needs, *args)`` → the candidate's result."""
    converters = [(i, c) for i, (k, p) in enumerate(zip(kinds, cand.params, strict=True))
                  if (c := _converter(k, p)) is not None]
    kwargs = dict(cand.kwargs)
    impl = cand.impl
    if not converters and not kwargs and not guards and cand.needs == needs:
        return impl
    picks = [needs.index(n) for n in cand.needs]
    skip = len(needs)
    checks = [(skip + i, _GUARDS[t]) for i, t in guards]

    def entry(*values: Any) -> Any:
        for i, ok in checks:
            if not ok(values[i]):
                return fallback(*values)
        args = list(values[skip:])
        for i, convert in converters:
            args[i] = convert(args[i])
        return impl(*[values[j] for j in picks], *args, **kwargs)
    return entry


def _in_range(v: int) -> bool:
    return INT_MIN <= v <= INT_MAX


def _finite(v: float) -> bool:
    return v - v == 0.0


_GUARDS: dict[type, Callable[[Any], bool]] = {int: _in_range, float: _finite}


def build_switch(dispatcher: Dispatcher, static_kinds: tuple[str, ...],
                 on_list: Entry | None = None) -> tuple[tuple[int, ...], dict[Any, Entry]]:
    """The switched argument positions and the table (keys: the type of the one switched
    argument, or the tuple of their types); empty when there are too many to switch on.
    ``on_list`` (the function's element-driven implementation, see
    :class:`~jexpr.functions.signatures.Function`) takes the list rows of a one-argument
    call that the types alone leave open."""
    return _switch(dispatcher.name, dispatcher.candidates, dispatcher.needs, static_kinds,
                   on_list)


def _list_entry(on_list: Entry, fallback: Entry) -> Entry:
    def entry(value: Any) -> Any:
        result = on_list(value)
        return fallback(value) if result is UNSET else result
    return entry


@lru_cache(maxsize=1024)
def _switch(name: str, candidates: tuple[Candidate, ...], needs: tuple[str, ...],
            static_kinds: tuple[str, ...], on_list: Entry | None
            ) -> tuple[tuple[int, ...], dict[Any, Entry]]:
    positions = tuple(i for i, k in enumerate(static_kinds) if k == "any")
    if not positions or len(positions) > MAX_DYNAMIC:
        return positions, {}
    dispatcher = Dispatcher(name, candidates, needs)
    skip = len(needs)

    def fallback(*values: Any) -> Any:
        return dispatcher(values[skip:], dict(zip(needs, values[:skip], strict=True)))

    table: dict[Any, Entry] = {}
    for combo in itertools.product(_SWITCHED, repeat=len(positions)):
        cand = _choose(candidates, positions, combo)
        if cand is None:
            if on_list is not None and combo[0] in (list, tuple) and not needs and \
                    len(static_kinds) == 1:
                table[combo[0]] = _list_entry(on_list, fallback)
            continue
        kinds = list(static_kinds)
        for i, t in zip(positions, combo, strict=True):
            kinds[i] = "list" if t in (list, tuple) else _KINDS[t]
        guards = [(i, t) for i, t in zip(positions, combo, strict=True) if t in _GUARDS]
        key: Any = combo[0] if len(positions) == 1 else combo
        table[key] = _entry(cand, needs, kinds, guards, fallback)
    return positions, table
