"""The fast parse: Lark's LALR tables of ``journey.lark`` driven by the lean LALR loop shared
with the expression parser (:mod:`jexpr.syntax.lalr`), building the AST at each reduction,
with every span computed from the tokens.

Lark's usual path builds a parse tree (with ``propagate_positions``, which roughly doubles the
cost), and :mod:`jengine.lang.build` then walks it again. This module runs the same tables and
the same contextual lexer (taken from :func:`jengine.lang.parse.journey_parser`, so what is
accepted cannot differ) but reduces straight into the builders: no tree, no second pass. It
reproduces exactly what Lark would have handed the builders:

* **children**: each rule's filtering is derived from Lark's own rule objects: anonymous
  string tokens are dropped (unless the rule is ``!``-kept), ``_rule`` s are spliced into their
  parent, ``[…]`` leaves ``None`` placeholders (``maybe_placeholders``), and a ``?rule`` with
  one child is that child;
* **positions**: a node spans from its first to its last positioned child *before* filtering
  (so the braces and keywords count), empty children skipped — ``propagate_positions``'
  rule, including for spliced and single-child rules (their extent is what the parent sees);
* rules without a builder method stay a ``Tree`` (``channel_kind`` …) with that extent.

A parse either succeeds with the same AST as the tree path, or raises
:class:`~lark.exceptions.UnexpectedInput` at the first error (the caller then takes the error
path of :mod:`jengine.lang.parse`, which classifies the errors). A test compares both paths on
every ``.journey`` file of the repository and on generated texts.
"""

from __future__ import annotations

import sys
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters

from jengine.lang.build import EXPRESSION, JOURNEY, PREFIX, JourneyBuilder
from jexpr.source import Source, Span
from jexpr.syntax import ast as X
from jexpr.syntax.grammar import build_parser
from jexpr.syntax.lalr import Table, drive, ended
from jexpr.syntax.parse import INT_MAX, AstBuilder

# What a reduction does with its filtered children (see _Plan.kind).
_JOURNEY_META, _JOURNEY_LIST, _EXPR_META, _EXPR_LIST, _TREE, _SPLICE = range(6)
_INT_MIN = -INT_MAX - 1
_FRAMES_ABOVE = 6  # the frames of the replaced builder's entry (the limit is the same)


class Meta:
    """A node's extent, in the shape of Lark's ``meta`` (``start_pos``/``end_pos``; an empty
    node has neither, as in Lark)."""

    __slots__ = ("empty", "end_pos", "start_pos")

    def __init__(self, start: int | None, end: int | None) -> None:
        self.empty = start is None
        if start is not None:
            self.start_pos = start
            self.end_pos = end


@dataclass(frozen=True)
class _Plan:
    """One grammar rule: how many values it pops, which of them it keeps, what it builds."""

    origin: str
    size: int
    include: tuple[tuple[int, bool, int], ...]  # (child index, splice it, Nones before it)
    trailing: int  # Nones after the last kept child
    identity: bool  # the children are kept as they are
    expand1: bool  # a ?rule: one child is returned as is
    kind: int
    name: str
    function: Callable[..., Any] | None

    @property
    def passes(self) -> bool:
        """A ``?rule`` of exactly one kept child: its reduction returns that child."""
        return self.expand1 and self.size == 1 and self.include == ((0, False, 0),) \
            and self.trailing == 0


class Tables(Table[_Plan]):
    """The parse table of a Lark LALR parser (:class:`jexpr.syntax.lalr.Table`: a ``?rule`` of
    one kept child only changes the state) with one :class:`_Plan` per rule, and its lexer."""

    def __init__(self, parser: Lark) -> None:
        super().__init__(parser, _plan, lambda plan: plan.passes)
        self.lexer = Lexer(parser.parse_interactive("").lexer_thread.lexer)


def _plan(rule: Any) -> _Plan:
    """What Lark's parse-tree builder does for ``rule`` (``maybe_create_child_filter``,
    ``ExpandSingleChild`` and the callback lookup of ``ParseTreeBuilder``)."""
    options = rule.options
    expansion = rule.expansion
    empty = list(options.empty_indices or ())
    if empty:
        counts = [len(ones) for ones in "".join(str(int(b)) for b in empty).split("0")]
    else:
        counts = [0] * (len(expansion) + 1)
    include: list[tuple[int, bool, int]] = []
    nones = 0
    for i, sym in enumerate(expansion):
        nones += counts[i]
        if options.keep_all_tokens or not (sym.is_term and sym.filter_out):
            include.append((i, not sym.is_term and sym.name.startswith("_"), nones))
            nones = 0
    trailing = nones + counts[len(expansion)]
    identity = trailing == 0 and len(include) == len(expansion) and not any(
        splice or before for _, splice, before in include)
    name = rule.alias or options.template_source or rule.origin.name
    kind, function = _target(str(name))
    return _Plan(rule.origin.name, len(expansion), tuple(include), trailing, identity,
                 bool(options.expand1 and not rule.alias), kind, str(name), function)


def _target(name: str) -> tuple[int, Callable[..., Any] | None]:
    if name.startswith("_"):
        return _SPLICE, None
    if name.startswith(PREFIX):
        entry = EXPRESSION.get(name[len(PREFIX):])
        meta_kind, list_kind = _EXPR_META, _EXPR_LIST
    else:
        entry = JOURNEY.get(name)
        meta_kind, list_kind = _JOURNEY_META, _JOURNEY_LIST
    if entry is None:
        return _TREE, None
    function, with_meta = entry
    return (meta_kind if with_meta else list_kind), function


@cache
def journey_tables() -> Tables:
    """The tables of :func:`jengine.lang.parse.journey_parser` (the same cached Lark object;
    built once per process)."""
    return Tables(build_parser("journey.lark"))


class SpanSource(Source):
    """A :class:`Source` whose spans are computed with one bisect per offset and no
    intermediate objects (the same values as :meth:`Source.span`)."""

    def span(self, start: int, end: int) -> Span:
        index = self.index
        starts = index.line_starts
        length = index.length
        a = start if 0 <= start <= length else max(0, min(start, length))
        b = end if 0 <= end <= length else max(0, min(end, length))
        la = bisect_right(starts, a) - 1
        lb = la if starts[la] <= b and (la + 1 == len(starts) or b < starts[la + 1]) \
            else bisect_right(starts, b) - 1
        return Span(start, end, la, a - starts[la], lb, b - starts[lb])


def run(text: str, source: Source, offset: int = 0,
        tables: Tables | None = None) -> tuple[list[Any], list[Any], bool]:
    """Parse ``text`` (a whole file, or one declaration of it starting at ``offset`` in
    ``source``) and build its declarations. Returns the declarations, the expression builder's
    diagnostics, and whether an integer literal outside 64 bits was built (only then is the
    range check worth a walk). Raises :class:`~lark.exceptions.UnexpectedInput` on a syntax
    error and ``RecursionError`` for a tree deeper than :func:`max_depth`."""
    tables = tables or journey_tables()
    spans = source if isinstance(source, SpanSource) else SpanSource(source.text, source.name)
    run = _Run(tables, JourneyBuilder(spans), AstBuilder(spans), offset, max_depth())
    stack = [tables.start_state]
    drive(tables, ended(tables.lexer.tokens(text, stack)), stack,
          run.shift if offset else run.shift_at_zero, run.reduce)
    return list(run.values[-1]), [*run.expr.diagnostics, *run.journey.diagnostics], run.wide


class Lexer:
    """Lark's contextual lexer, run without its per-token layers: in each parser state the
    same regular expressions (those of the state's own ``BasicLexer``, built by Lark), the
    same ignored terminals and the same keyword callbacks (a name that spells a keyword of
    the state becomes that keyword). Tokens carry offsets, not lines and columns (spans come
    from :class:`SpanSource`). Any character no terminal of the state matches is an
    ``UnexpectedCharacters``; the error path then lexes with Lark itself."""

    def __init__(self, contextual: Any) -> None:
        self.lexers: dict[Any, Any] = contextual.lexers
        self.scanners: dict[Any, tuple[tuple[Any, ...], frozenset[str], dict[str, Any]]] = {}

    def scanner(self, state: Any) -> tuple[tuple[Any, ...], frozenset[str], dict[str, Any]]:
        found = self.scanners.get(state)
        if found is None:
            basic = self.lexers[state]
            scanner = basic.scanner  # built by Lark on first use; sets basic.callback
            found = self.scanners[state] = (tuple(scanner._mres), frozenset(basic.ignore_types),
                                            dict(basic.callback))
        return found

    def tokens(self, text: str, stack: list[Any]) -> Iterator[Token]:
        """The tokens of ``text``; ``stack`` is the parser's state stack (read at each token,
        as the contextual lexer does)."""
        pos, end = 0, len(text)
        scanners, new = self.scanners, Token
        while pos < end:
            found = scanners.get(stack[-1]) or self.scanner(stack[-1])
            mres, ignore, callbacks = found
            for mre in mres:
                m = mre.match(text, pos, end)
                if m is not None:
                    break
            else:
                raise UnexpectedCharacters(text, pos, 0, 0)  # type: ignore[no-untyped-call]
            kind = m.lastgroup
            start, pos = pos, m.end()
            if kind in ignore:
                continue
            token = new(kind, m.group(), start, None, None, None, None, pos)
            callback = callbacks.get(kind)
            yield callback(token) if callback is not None else token


class _Run:
    """One parse's value stacks (values, and each value's extent and depth) and builders; the
    state stack is :func:`jexpr.syntax.lalr.drive`'s."""

    def __init__(self, tables: Tables, journey: JourneyBuilder, expr: AstBuilder,
                 offset: int, limit: int) -> None:
        self.journey, self.expr = journey, expr
        self.offset = offset
        self.values: list[Any] = []
        self.starts: list[int | None] = []
        self.ends: list[int | None] = []
        self.depths: list[int] = []
        self.limit = limit
        self.wide = False

    def shift_at_zero(self, tok: Token) -> None:
        """Push a token of a whole file (its offsets are the file's)."""
        self.values.append(tok)
        self.starts.append(tok.start_pos)
        self.ends.append(tok.end_pos)
        self.depths.append(0)

    def shift(self, tok: Token) -> None:
        """Push a token of a declaration parsed alone (moved to its offset in the file)."""
        offset = self.offset
        tok.start_pos = (tok.start_pos or 0) + offset
        tok.end_pos = (tok.end_pos or 0) + offset
        self.shift_at_zero(tok)

    def reduce(self, plan: _Plan) -> None:
        """Pop the rule's values, build its node, push it (with its extent and depth)."""
        values, starts, ends, depths = self.values, self.starts, self.ends, self.depths
        size = plan.size
        if size:
            raw = values[-size:]
            first = starts[-size:]
            last = ends[-size:]
            depth = max(depths[-size:])
            del values[-size:], starts[-size:], ends[-size:], depths[-size:]
            start = first[0]
            if start is None:
                start = next((p for p in first if p is not None), None)
            end = last[-1]
            if end is None:
                end = next((p for p in reversed(last) if p is not None), None)
        else:
            raw, start, end, depth = [], None, None, 0
        children = raw if plan.identity else _filter(plan, raw)
        if plan.expand1 and len(children) == 1:
            value = children[0]
        elif plan.kind == _SPLICE:
            value = children
        else:
            depth += 1
            if depth > self.limit:
                raise RecursionError(f"the parse tree is deeper than {self.limit} levels")
            value = _build(plan, children, start, end, self.journey, self.expr)
            if plan.kind == _EXPR_META and type(value) is X.IntLit and \
                    not _INT_MIN <= value.value <= INT_MAX:
                self.wide = True
        values.append(value)
        starts.append(start)
        ends.append(end)
        depths.append(depth)


def max_depth() -> int:
    """The deepest parse tree accepted: what a recursive walk of the tree (two frames a level,
    as the tree builder this module replaced used) can reach from here. The later stages (the
    checker, the formatter, the editor's features) walk the AST recursively, so a deeper file
    is ``J-TOO-DEEP`` (:func:`jengine.lang.incremental.parse_file`) instead of failing there."""
    frames = 0
    frame = sys._getframe()
    while frame is not None:
        frames += 1
        frame = frame.f_back  # type: ignore[assignment]
    return (sys.getrecursionlimit() - frames - _FRAMES_ABOVE) // 2


def _filter(plan: _Plan, raw: list[Any]) -> list[Any]:
    """Lark's child filter: kept children, spliced ``_rule`` s, ``None`` placeholders."""
    children: list[Any] = []
    for i, splice, before in plan.include:
        if before:
            children += [None] * before
        if splice:
            if children:
                children += raw[i]
            else:  # left recursion (``x*``): grow the child's list in place
                children = raw[i]
        else:
            children.append(raw[i])
    if plan.trailing:
        children += [None] * plan.trailing
    return children


def _build(plan: _Plan, children: list[Any], start: int | None, end: int | None,
           journey: JourneyBuilder, expr: AstBuilder) -> Any:
    """The builder method of a rule (or a ``Tree`` for a rule without one)."""
    kind = plan.kind
    if kind == _JOURNEY_META:
        return plan.function(journey, Meta(start, end), *children)  # type: ignore[misc]
    if kind == _EXPR_META:
        return plan.function(expr, Meta(start, end), *children)  # type: ignore[misc]
    if kind == _JOURNEY_LIST:
        return plan.function(journey, children)  # type: ignore[misc]
    if kind == _EXPR_LIST:
        return plan.function(expr, children)  # type: ignore[misc]
    return Tree(plan.name, children, Meta(start, end))  # type: ignore[arg-type]
