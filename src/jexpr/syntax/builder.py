"""Building the AST: the reductions of the LALR parser turned into :mod:`jexpr.syntax.ast` nodes.

One job: :class:`AstBuilder` — one method per grammar alias, reporting literal, step and option
errors as it builds — run either on a parse tree (:meth:`AstBuilder.build`, the path with
error recovery, and the one hosts such as ``.journey`` files merge into theirs) or inside the
parser's own reductions (:data:`INLINE`, the happy path of :func:`jexpr.syntax.parse.parse`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, cast

from lark import Token, Transformer, Tree, v_args

from jexpr.diagnostics import Diagnostic, error
from jexpr.source import Source, Span
from jexpr.syntax import ast
from jexpr.syntax.literals import decode_string, number_value
from jexpr.syntax.parse_errors import KEYWORDS, base_type, keyword_case

INT_MAX = 2**63 - 1


def _span_of(source: Source, meta: Any) -> Span:
    return source.span(meta.start_pos, meta.end_pos)


def _with_meta(fn: Callable[..., Any]) -> Any:
    return v_args(meta=True, inline=True)(fn)


class AstBuilder(Transformer[Token, Any]):
    """Builds :mod:`jexpr.syntax.ast` nodes bottom-up, reporting literal and step errors."""

    def __init__(self, source: Source) -> None:
        super().__init__(visit_tokens=False)
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.big_ints: list[ast.IntLit] = []  # literals beyond 64 bits (E-SYN-INT-RANGE)

    def build(self, tree: Any) -> Any:
        """Transform a tree bottom-up by direct dispatch to this builder's methods (what
        ``transform`` does, without Lark's per-node visitor machinery: parsing is on the
        compile path). Hosts that merge this builder into theirs use ``transform``."""
        if not isinstance(tree, Tree):
            return tree
        children = [self.build(c) for c in tree.children]
        meta = _Meta(children)
        if tree.data not in _KEEP_TOKENS:  # the punctuation Lark would have filtered out
            children = [c for c in children if not (type(c) is Token and c.type in _ANONYMOUS)]
        entry = _DISPATCH.get(tree.data)
        if entry is None:
            return Tree(tree.data, children, meta)  # type: ignore[arg-type]
        function, with_meta = entry
        if with_meta:
            return function(self, meta, *children)
        return function(self, children)

    def _span(self, meta: Any) -> Span:
        return _span_of(self.source, meta)

    def _tok_span(self, tok: Token) -> Span:
        return self.source.span(tok.start_pos or 0, tok.end_pos or 0)

    def _err(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

    # -- literals

    @_with_meta
    def number(self, meta: Any, tok: Token) -> ast.Expr:
        span = self._tok_span(tok)
        value, problem = number_value(str(tok))
        if problem:
            self._err("E-SYN-NUMBER", problem, span,
                      "write integers as 123 and decimals as 1.5 or 1.5E3")
        if isinstance(value, int):
            lit = ast.IntLit(span, value)
            if value > INT_MAX:
                self.big_ints.append(lit)
            return lit
        return ast.DecLit(span, value)

    @_with_meta
    def string(self, meta: Any, tok: Token) -> ast.StrLit:
        return ast.StrLit(self._tok_span(tok), self._decode(tok))

    def _decode(self, tok: Token) -> str:
        value, problems = decode_string(str(tok))
        start = tok.start_pos or 0
        for offset, length, message in problems:
            self._err("E-SYN-ESCAPE", message, self.source.span(start + offset,
                                                                start + offset + length),
                      "write \\u followed by exactly 4 hex digits; pair surrogates")
        return value

    @_with_meta
    def true_lit(self, meta: Any) -> ast.BoolLit:
        return ast.BoolLit(self._span(meta), True)

    @_with_meta
    def false_lit(self, meta: Any) -> ast.BoolLit:
        return ast.BoolLit(self._span(meta), False)

    @_with_meta
    def null_lit(self, meta: Any) -> ast.NullLit:
        return ast.NullLit(self._span(meta))

    @_with_meta
    def list_lit(self, meta: Any, *items: ast.Expr | None) -> ast.ListLit:
        return ast.ListLit(self._span(meta), tuple(i for i in items if i is not None))

    # -- operators

    @_with_meta
    def paren(self, meta: Any, inner: ast.Expr) -> ast.Paren:
        return ast.Paren(self._span(meta), inner)

    @_with_meta
    def negate(self, meta: Any, minus: Token, operand: ast.Expr) -> ast.Expr:
        span = self._span(meta)
        if isinstance(operand, ast.IntLit) and operand.value == INT_MAX + 1:
            if operand in self.big_ints:
                self.big_ints.remove(operand)
            return ast.IntLit(span, -operand.value)  # spec §2.6: the one foldable literal
        return ast.Negate(span, operand)

    @_with_meta
    def not_op(self, meta: Any, operand: ast.Expr) -> ast.Not:
        return ast.Not(self._span(meta), operand)

    @_with_meta
    def and_op(self, meta: Any, left: ast.Expr, right: ast.Expr) -> ast.Logical:
        return ast.Logical(self._span(meta), "and", left, right)

    @_with_meta
    def or_op(self, meta: Any, left: ast.Expr, right: ast.Expr) -> ast.Logical:
        return ast.Logical(self._span(meta), "or", left, right)

    @_with_meta
    def compare(self, meta: Any, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Compare:
        return ast.Compare(self._span(meta), str(op), left, right, self._tok_span(op))

    @_with_meta
    def arith(self, meta: Any, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Arith:
        return ast.Arith(self._span(meta), str(op), left, right, self._tok_span(op))

    @_with_meta
    def is_null(self, meta: Any, operand: ast.Expr) -> ast.IsNull:
        return ast.IsNull(self._span(meta), operand, False)

    @_with_meta
    def is_not_null(self, meta: Any, operand: ast.Expr) -> ast.IsNull:
        return ast.IsNull(self._span(meta), operand, True)

    @_with_meta
    def has_null(self, meta: Any, operand: ast.Expr) -> ast.HasNull:
        return ast.HasNull(self._span(meta), operand)

    @_with_meta
    def is_type(self, meta: Any, operand: ast.Expr, kind: Tree[Token]) -> ast.IsType:
        word = str(kind.children[0])
        return ast.IsType(self._span(meta), operand, word)  # type: ignore[arg-type]

    @_with_meta
    def if_expr(self, meta: Any, cond: ast.Expr, then: ast.Expr, orelse: ast.Expr) -> ast.If:
        return ast.If(self._span(meta), cond, then, orelse)

    @_with_meta
    def call(self, meta: Any, fname: Token, *args: ast.Expr | None) -> ast.Call:
        name_span = self._tok_span(fname)
        self._check_keyword_case(str(fname), name_span)
        return ast.Call(self._span(meta), str(fname), tuple(a for a in args if a is not None),
                        name_span)

    @_with_meta
    def ident(self, meta: Any, fname: Token) -> ast.Ident:
        span = self._tok_span(fname)
        self._check_keyword_case(str(fname), span)
        return ast.Ident(span, str(fname))

    def fname(self, children: list[Token]) -> Token:
        return children[0]

    def _check_keyword_case(self, name: str, span: Span) -> None:
        if name.lower() in KEYWORDS and name != name.lower():
            self.diagnostics.append(keyword_case(name, span))

    # -- references

    def segment(self, children: list[Any]) -> tuple[str, Span]:
        item = children[0]
        tok = cast(Token, item.children[0] if isinstance(item, Tree) else item)
        if base_type(tok.type) == "STRING":
            return self._decode(tok), self._tok_span(tok)
        return str(tok), self._tok_span(tok)

    loop_segment = segment

    def root(self, children: list[Any]) -> tuple[str, Span]:
        return children[0]  # type: ignore[no-any-return]

    def step_name(self, children: list[Token]) -> Token:
        return children[0]

    def step_word(self, children: list[Any]) -> Token:
        item = children[0]
        return cast(Token, item.children[0] if isinstance(item, Tree) else item)

    loop_word = step_word

    @_with_meta
    def field_step(self, meta: Any, segment: tuple[str, Span]) -> ast.FieldStep:
        return ast.FieldStep(self._span(meta), segment[0])

    @_with_meta
    def call_step(self, meta: Any, word: Token, *args: ast.Expr | None) -> ast.Step:
        return self._collection_step(self._span(meta), str(word),
                                     [a for a in args if a is not None])

    def _collection_step(self, span: Span, name: str, args: list[ast.Expr]) -> ast.Step:
        arity = {"all": (0, 1), "first": (0, 1), "last": (0, 1), "at": (1, 1),
                 "entry": (1, 1), "keys": (0, 0), "firstEntryKey": (0, 0)}
        if name not in arity:
            self._err("E-SYN-STEP", f"unknown collection step '{name}'", span,
                      "steps are all(), first(), last(), at(i), entry(k), keys(), "
                      "firstEntryKey(); quote a field name followed by '('")
            return ast.FieldStep(span, name)
        low, high = arity[name]
        if not low <= len(args) <= high:
            want = "no argument" if high == 0 else "one argument" if low == 1 else \
                "zero or one argument"
            self._err("E-SYN-STEP", f"step '{name}' takes {want}, got {len(args)}", span)
            return ast.FieldStep(span, name)
        if name in ("all", "first", "last"):
            return ast.FilterStep(span, name, args[0] if args else None)  # type: ignore[arg-type]
        if name == "at":
            return ast.AtStep(span, args[0])
        if name == "entry":
            return ast.EntryStep(span, args[0])
        return ast.KeysStep(span, name == "firstEntryKey")

    def path(self, children: list[ast.Step]) -> tuple[ast.Step, ...]:
        return tuple(children)

    def options(self, children: list[Any]) -> list[Any]:
        return list(children)

    @_with_meta
    def expr_option(self, meta: Any, name: Token, value: ast.Expr) -> tuple[str, Any, Span]:
        return (str(name), value, self._span(meta))

    @_with_meta
    def params_option(self, meta: Any, name: Token, *params: Any) -> tuple[str, Any, Span]:
        return (str(name), tuple(p for p in params if p is not None), self._span(meta))

    @_with_meta
    def param(self, meta: Any, name: Token, value: ast.Expr) -> ast.Param:
        text = self._decode(name) if base_type(name.type) == "STRING" else str(name)
        return ast.Param(self._span(meta), text, value)

    def _reference(self, meta: Any, kind: ast.RefKind, root: tuple[str, Span],
                   group: str | None, steps: tuple[ast.Step, ...],
                   options: list[Any]) -> ast.Reference:
        default, params = self._options(kind, options)
        return ast.Reference(self._span(meta), kind, root[0], group, steps, default, params,
                             root[1])

    def _options(self, kind: ast.RefKind, options: list[Any]
                 ) -> tuple[ast.Expr | None, tuple[ast.Param, ...] | None]:
        default: ast.Expr | None = None
        params: tuple[ast.Param, ...] | None = None
        seen: set[str] = set()
        for name, value, span in options:
            problem = _option_problem(kind, name, value, seen)
            seen.add(name)
            if problem:
                self._err("E-REF-OPTION", problem, span,
                          "options are 'defaultValue: expr' and, on #{…}, 'params: {name: expr}'")
            elif name == "defaultValue":
                default = value
            else:
                params = value
        return default, params

    @_with_meta
    def event_ref(self, meta: Any, _open: Token, root: Any, path: Any, opts: Any) -> Any:
        return self._reference(meta, "event", root, None, path, opts)

    @_with_meta
    def legacy_ref(self, meta: Any, _open: Token, root: Any, path: Any, opts: Any) -> Any:
        return self._reference(meta, "legacy", root, None, path, opts)

    @_with_meta
    def action_ref(self, meta: Any, _open: Token, root: Any, path: Any, opts: Any) -> Any:
        return self._reference(meta, "action", root, None, path, opts)

    @_with_meta
    def lookup_ref(self, meta: Any, _open: Token, root: Any, path: Any, opts: Any) -> Any:
        return self._reference(meta, "lookup", root, None, path, opts)

    @_with_meta
    def data_ref(self, meta: Any, _open: Token, root: Any, group: Any, path: Any,
                 opts: Any) -> Any:
        return self._reference(meta, "data", root, group[0], path, opts)

    @_with_meta
    def journey_ref(self, meta: Any, _open: Token, prop: Any, opts: Any) -> Any:
        return self._reference(meta, "journey", prop, None, (), opts)

    @_with_meta
    def loop_ref(self, meta: Any, var: Tree[Token], *steps: ast.Step) -> ast.LoopRef:
        return ast.LoopRef(self._span(meta), str(var.children[0]), tuple(steps))


def _option_problem(kind: ast.RefKind, name: str, value: Any, seen: set[str]) -> str | None:
    if name in seen:
        return f"option '{name}' is given twice"
    if name == "defaultValue":
        return None if not isinstance(value, tuple) else "defaultValue takes an expression"
    if name == "params":
        if kind != "data":
            return "params is only allowed in data-source references #{…}"
        return None if isinstance(value, tuple) else "params takes a {name: expr, …} list"
    return f"unknown reference option '{name}' (options are case-sensitive)"


def _dispatch_table() -> dict[str, tuple[Callable[..., Any], bool]]:
    """Rule name → (plain function, takes meta and inline children) for :meth:`AstBuilder.build`."""
    table: dict[str, tuple[Callable[..., Any], bool]] = {}
    for name, member in vars(AstBuilder).items():
        if name.startswith("_") or name == "build":
            continue
        base = getattr(member, "base_func", None)
        if base is not None:
            table[name] = (base, True)
        elif callable(member):
            table[name] = (member, False)
    return table


_DISPATCH = _dispatch_table()

# With keep_all_tokens the tree keeps the anonymous tokens: they give the spans (a paren's
# parentheses, a call's closing ')') and are dropped before the builder methods see children.
_ANONYMOUS = frozenset(("AND", "OR", "NOT", "IS", "NULL", "HAS", "IF", "THEN", "ELSE", "TRUE",
                        "FALSE", "LPAR", "RPAR", "LSQB", "RSQB", "LBRACE", "RBRACE", "COMMA",
                        "DOT", "COLON"))
_KEEP_TOKENS = frozenset(("step_word", "step_name", "loop_var", "type_test", "keyword_name"))


class _Meta:
    """The extent of a node from its first and last positioned child (Lark's ``meta`` shape)."""

    __slots__ = ("end_pos", "start_pos")

    def __init__(self, children: list[Any]) -> None:
        start: int | None = None
        for child in children:
            start = _edge(child, True)
            if start is not None:
                break
        self.start_pos = start or 0
        end: int | None = None
        for child in reversed(children):
            end = _edge(child, False)
            if end is not None:
                break
        self.end_pos = self.start_pos if end is None else end


def _edge(child: Any, start: bool) -> int | None:
    """Start or end offset of a built child: token, AST node, (name, span) pair, list, tree."""
    if child is None:
        return None
    if type(child) is Token:
        return child.start_pos if start else child.end_pos
    if isinstance(child, ast.Node):
        return child.span.start if start else child.span.end
    if isinstance(child, Span):
        return child.start if start else child.end
    if isinstance(child, tuple | list):
        items = child if start else list(reversed(child))
        return next((p for c in items if (p := _edge(c, start)) is not None), None)
    if isinstance(child, Tree):
        return getattr(child.meta, "start_pos" if start else "end_pos", None)
    return None


CURRENT: ContextVar[AstBuilder] = ContextVar("jexpr_ast_builder")


def _inline_callback(rule: str, function: Callable[..., Any], with_meta: bool
                     ) -> Callable[..., Any]:
    keep = rule in _KEEP_TOKENS

    def callback(self: Any, children: list[Any]) -> Any:
        meta = _Meta(children)
        if not keep:
            children = [c for c in children if not (type(c) is Token and c.type in _ANONYMOUS)]
        builder = CURRENT.get()
        return function(builder, meta, *children) if with_meta else function(builder, children)
    return callback


class _InlineBuilder(Transformer[Token, Any]):
    """The transformer the parser applies at each reduction: :class:`AstBuilder`'s methods,
    run on the builder of the current parse (a context variable: parsers are shared)."""


def _tree_callback(rule: str) -> Callable[..., Any]:
    """A rule the builder takes as a tree (``loop_var`` …): the tree, with its extent."""
    def callback(self: Any, children: list[Any]) -> Any:
        return Tree(rule, children, _Meta(children))  # type: ignore[arg-type]
    return callback


for _rule, (_function, _takes_meta) in _DISPATCH.items():
    setattr(_InlineBuilder, _rule, _inline_callback(_rule, _function, _takes_meta))
for _rule in _KEEP_TOKENS - set(_DISPATCH):
    setattr(_InlineBuilder, _rule, _tree_callback(_rule))
INLINE = _InlineBuilder(visit_tokens=False)
