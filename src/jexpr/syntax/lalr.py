"""The lean LALR loop both parsers run: Lark's own parse table, driven without Lark's per-step
layers (rule objects, callbacks looked up at each reduction, the interactive parser state).

A :class:`Table` is derived once per grammar from a Lark LALR parser: for each state and
symbol, *shift* (to a state), *reduce* (by a rule's plan, whatever the caller derives from the
Lark rule: it needs ``size`` and ``origin``), or *pass* (a reduction the caller's plan marks as
leaving the value stack alone: only the state changes). :func:`drive` shifts and reduces a
token stream over that table; what is pushed and built is the caller's: ``shift(token)`` and
``reduce(plan)`` keep the value stacks, this loop keeps the state stack. Both
:mod:`jexpr.syntax.parse` (an expression's AST through Lark's inline transformer callbacks)
and :mod:`jengine.lang.driver` (a ``.journey`` file's AST, with extents and depths) run it;
jengine may import jexpr, never the reverse, so the loop lives here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar

from lark import Lark, Token
from lark.exceptions import UnexpectedToken
from lark.parsers.lalr_analysis import Shift

__all__ = ["PASS", "REDUCE", "SHIFT", "Plan", "Table", "drive", "ended", "passes_through",
           "unexpected"]

SHIFT, REDUCE, PASS = range(3)


class Plan(Protocol):
    """What the loop needs of a rule's plan: how many values it pops, which symbol it makes."""

    @property
    def size(self) -> int: ...

    @property
    def origin(self) -> str: ...


P = TypeVar("P", bound=Plan)


class Table(Generic[P]):
    """The parse table of a Lark LALR parser, with one plan per rule (``plan(rule)``, called
    once per rule; ``passes(plan)`` says whether its reduction only changes the state)."""

    def __init__(self, parser: Lark, plan: Callable[[Any], P],
                 passes: Callable[[P], bool] = lambda _: False) -> None:
        self.parser = parser
        conf = parser.parse_interactive("").parser_state.parse_conf
        self.conf = conf
        self.start_state: Any = conf.start_state
        self.end_state: Any = conf.end_state
        plans: dict[int, P] = {}
        self.rows: dict[Any, dict[str, tuple[int, Any]]] = {}
        for state, actions in conf.states.items():
            row = self.rows[state] = {}
            for symbol, (action, arg) in actions.items():
                if action is Shift:
                    row[symbol] = (SHIFT, arg)
                    continue
                found = plans.get(id(arg))
                if found is None:
                    found = plans[id(arg)] = plan(arg)
                row[symbol] = (PASS if passes(found) else REDUCE, found)
        self.plans = list(plans.values())


def passes_through(rule: Any) -> bool:
    """Whether Lark's tree builder returns a reduction of ``rule`` as its one child, untouched:
    a ``?rule`` (not aliased) of exactly one symbol that its child filter keeps as it is (a
    kept terminal, or a rule that is not an inlined ``_rule``), with no ``[…]`` placeholder
    (``ExpandSingleChild`` after ``maybe_create_child_filter``). Such a reduction only changes
    the state: the precedence chains of both grammars are mostly these."""
    options = rule.options
    if not options.expand1 or rule.alias or len(rule.expansion) != 1:
        return False
    if options.empty_indices and any(options.empty_indices):
        return False
    symbol = rule.expansion[0]
    if symbol.is_term:
        return bool(options.keep_all_tokens or not symbol.filter_out)
    return not symbol.name.startswith("_")


def drive(table: Table[Any], tokens: Iterable[Token], stack: list[Any],
          shift: Callable[[Token], object], reduce: Callable[[Any], object]) -> None:
    """Shift and reduce ``tokens`` (ending with ``$END``, see :func:`ended`) until the end
    state. ``stack`` is the state stack (starting at ``table.start_state``; a contextual lexer
    may read it between tokens); ``shift`` pushes a token's value, ``reduce`` pops a plan's
    ``size`` values and pushes one. Raises Lark's ``UnexpectedToken`` at the first token the
    table has no action for."""
    rows, end_state = table.rows, table.end_state
    tok = None
    for tok in tokens:
        kind = tok.type
        while True:
            entry = rows[stack[-1]].get(kind)
            if entry is None:
                raise unexpected(tok, {s for s in rows[stack[-1]] if s.isupper()})
            action, arg = entry
            if action is SHIFT:
                stack.append(arg)
                shift(tok)
                break
            if action is PASS:
                stack[-1] = rows[stack[-2]][arg.origin][1]
            else:
                reduce(arg)
                size = arg.size
                if size:
                    del stack[-size:]
                stack.append(rows[stack[-1]][arg.origin][1])
            if stack[-1] == end_state:
                return
    if tok is None:
        raise ValueError("no tokens: the stream must end with $END (see ended())")
    raise unexpected(tok, set())  # the stream ended (a shifted $END) before the end state


def ended(tokens: Iterable[Token]) -> Iterator[Token]:
    """The tokens, then the end-of-input token (placed at the last one, as Lark does)."""
    token = None
    for token in tokens:
        yield token
    yield Token.new_borrow_pos("$END", "", token) if token else Token("$END", "", 0, 1, 1)


def unexpected(token: Token, expected: set[str]) -> UnexpectedToken:
    """Lark's syntax error at ``token`` (what its own parser raises there)."""
    return UnexpectedToken(token, expected)  # type: ignore[no-untyped-call]
