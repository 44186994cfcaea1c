"""Parsing: expression text → AST plus syntax diagnostics (spec §2–3).

Lark's LALR parser does the grammar work; this module turns its tree into :mod:`jexpr.ast` nodes
and its exceptions into diagnostics. Errors are classified from the offending token's *text* and
from the parser's context (the openers still on its value stack), never from the token type
alone, because the contextual lexer may report ``AND`` as a ``SEGMENT``. Recovery skips the
offending input and keeps going, so one parse reports several independent errors; errors that
follow directly from an earlier one (same parser state) are dropped.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from typing import Any, cast

from lark import Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from jexpr import ast
from jexpr._grammar import expression_parser, on_repair
from jexpr.diagnostics import Diagnostic, Fix, error, sort_diagnostics
from jexpr.parse_literals import decode_string, number_value
from jexpr.source import Source, Span

NAMESPACE = "jexpr__"  # the prefix of jexpr's rules and terminals inside journey.lark
KEYWORDS = frozenset(["and", "or", "not", "is", "null", "has", "if", "then", "else", "true", "false"])
INT_MAX = 2**63 - 1
_OPENERS = {"EVENT_OPEN", "LEGACY_OPEN", "ACTION_OPEN", "LOOKUP_OPEN", "DATA_OPEN",
            "JOURNEY_OPEN"}
_COMPARISON = {"==", "!=", "<", "<=", ">", ">=", "is", "has"}
_TOKEN_NAMES = {
    "RPAR": "')'", "LPAR": "'('", "RSQB": "']'", "LSQB": "'['", "RBRACE": "'}'",
    "LBRACE": "'{'", "COMMA": "','", "DOT": "'.'", "COLON": "':'", "NUMBER": "a number",
    "STRING": "a string", "NAME": "a name", "SEGMENT": "a field name", "$END": "end of input",
    "EQ_OP": "'=='", "REL_OP": "a comparison", "PLUS": "'+'", "MINUS": "'-'", "MUL_OP": "'*'",
}
_CHAR_HINTS = {
    "=": "use '==' to compare", "!": "use 'not' or '!='", "&": "use 'and'", "|": "use 'or'",
}
# mistyped operators: (text, the token type of the intended operator, its text)
_MISTYPED = {"&&": ("&&", "AND", "and"), "||": ("||", "OR", "or"), "&": ("&", "AND", "and"),
             "|": ("|", "OR", "or"), "=>": ("=>", "REL_OP", ">="), "=<": ("=<", "REL_OP", "<="),
             "=": ("=", "EQ_OP", "=="), "!": ("!", "NOT", "not")}
_LOOP_VARS = {v.lower(): v for v in ("currentEventField", "currentDataPackField",
                                     "currentActionField", "currentDatasetLookupField")}
_REF_HINT = ("references start with @event{, @{, #{, @action{, @datasetLookup{ or @journey{ "
             "(case-sensitive, no space before '{')")


def base_type(name: str) -> str:
    """A terminal name without the ``jexpr__`` namespace a host grammar's import gives it."""
    return name[len(NAMESPACE):] if name.startswith(NAMESPACE) else name


def parse(text: str, name: str = "<expr>") -> tuple[ast.Expr | None, list[Diagnostic]]:
    """Parse an expression; returns the AST (None when it cannot be built) and diagnostics."""
    source = Source(text, name)
    lark_text = " " + text[1:] if text.startswith("\ufeff") else text
    errors = ErrorCollector(source)
    tree: Any = None
    token = on_repair.set(lambda tok: errors.diagnostics.append(keyword_case(
        str(tok.value), source.span(tok.start_pos or 0, tok.end_pos or 0))))
    try:
        tree = expression_parser().parse(lark_text, on_error=errors.on_error)
    except UnexpectedInput as exc:
        errors.record(exc)
    finally:
        on_repair.reset(token)
    if tree is None:
        return None, sort_diagnostics(errors.diagnostics)
    builder = AstBuilder(source)
    try:
        node = builder.build(tree)
    except Exception:  # a builder bug must not hide the syntax errors already found
        if errors.diagnostics:
            return None, sort_diagnostics(errors.diagnostics)
        raise
    diags = errors.diagnostics + builder.diagnostics + check_int_ranges(node, source)
    return node, sort_diagnostics(diags)


def check_int_ranges(node: ast.Node, source: Source) -> list[Diagnostic]:
    """E-SYN-INT-RANGE for integer literals outside 64 bits (after the negative fold)."""
    return [
        error("E-SYN-INT-RANGE", f"integer literal {n.value} is outside the 64-bit range",
              n.span, "integers range from -9223372036854775808 to 9223372036854775807; "
              "use a decimal (with a '.') for larger numbers")
        for n in ast.walk(node) if isinstance(n, ast.IntLit) and not -INT_MAX - 1 <= n.value <= INT_MAX
    ]


# ---------------------------------------------------------------------------------------------
# errors


class ErrorCollector:
    """Turns Lark exceptions into diagnostics and decides whether parsing may go on.

    Hosts that import the expression grammar (``journey.lark``) pass ``prefix="jexpr__"`` and
    hand it the errors that happen inside embedded expressions (:meth:`record`)."""

    def __init__(self, source: Source, prefix: str = "",
                 token_names: Mapping[str, str] | None = None) -> None:
        self.source = source
        self.prefix = prefix
        self.token_names = {**_TOKEN_NAMES, **(token_names or {})}
        self.diagnostics: list[Diagnostic] = []
        self._last_state: tuple[int, int] | None = None

    def on_error(self, exc: UnexpectedInput) -> bool:
        return self.record(exc)

    def record(self, exc: UnexpectedInput) -> bool:
        if isinstance(exc, UnexpectedCharacters):
            return self._characters(exc)
        if isinstance(exc, UnexpectedToken):
            return self._token(exc)
        self._add(error("E-SYN-TOKEN", str(exc).splitlines()[0], self.source.span(0, 0)))
        return False

    def _add(self, diag: Diagnostic) -> None:
        if len(self.diagnostics) < 20:
            self.diagnostics.append(diag)

    # -- lexical errors

    def _characters(self, exc: UnexpectedCharacters) -> bool:
        text = self.source.text
        pos = exc.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        stack = _value_stack(exc)
        if char in "\"'":
            self._add(error("E-SYN-STRING", "unterminated string literal",
                            self.source.span(pos, len(text)),
                            f"close the string with a matching {char}"))
            return False
        if char in "@#" or _innermost_opener(stack) in _OPENERS:
            self._reference_char(pos, char, stack)
            if char in "@#":
                _skip_bad_reference(exc, self.source.text, pos, self.prefix)
            return True
        operator = _MISTYPED.get(text[pos:pos + 2]) or _MISTYPED.get(char)
        if operator is not None:
            self._mistyped_operator(exc, pos, operator)
            return True
        self._bad_char(pos, char)
        return True

    def _mistyped_operator(self, exc: UnexpectedCharacters, pos: int,
                           operator: tuple[str, str, str]) -> None:
        """``&&``, ``||``, ``=``, ``!``: report it, then go on as if the intended operator had
        been written, so what follows parses normally (no cascade of errors)."""
        written, token_type, meant = operator
        span = self.source.span(pos, pos + len(written))
        fix = Fix(span, meant + " " if meant == "not" else f" {meant} " if meant.isalpha()
                  else meant)
        self._add(error("E-SYN-CHAR", f"unexpected '{written}': write '{meant}'", span,
                        f"use '{meant}'", fix))
        state = exc.interactive_parser.lexer_thread.state
        if state is None:
            return
        state.line_ctr.feed(written)
        with contextlib.suppress(UnexpectedInput):
            exc.interactive_parser.feed_token(Token(self.prefix + token_type, meant,
                                                    start_pos=pos, end_pos=pos + len(written)))

    def _reference_char(self, pos: int, char: str, stack: list[Any]) -> None:
        text = self.source.text
        if char in "@#":
            m = re.compile(r"[@#]\s*[A-Za-z_]*\s*\{?").match(text, pos)
            end = m.end() if m else pos + 1
            found = text[pos:end]
            msg = f"malformed reference opener '{found}'"
            self._add(error("E-SYN-REF", msg, self.source.span(pos, end), _REF_HINT))
            return
        m = re.compile(r"[^\s.,:{}()]+").match(text, pos)
        end = m.end() if m else pos + 1
        if self._merge(pos, end, "E-SYN-REF"):
            return
        self._add(error("E-SYN-REF", f"unexpected character {_describe(char)} in a reference "
                        "path", self.source.span(pos, end),
                        "a field name with other characters than letters, digits, '_' and '-' "
                        "must be quoted: 'my field'"))

    def _bad_char(self, pos: int, char: str) -> None:
        if self._merge(pos, pos + 1, "E-SYN-CHAR"):
            return
        hint = _CHAR_HINTS.get(char, "remove this character")
        self._add(error("E-SYN-CHAR", f"unexpected character {_describe(char)}",
                        self.source.span(pos, pos + 1), hint))

    def _merge(self, pos: int, end: int, code: str) -> bool:
        """Extend the previous diagnostic when this error directly follows it."""
        if not self.diagnostics:
            return False
        last = self.diagnostics[-1]
        if last.code != code or last.span.end != pos:
            return False
        self.diagnostics[-1] = Diagnostic(last.severity, last.code, last.message,
                                          self.source.span(last.span.start, end), last.hint)
        return True

    # -- grammatical errors

    def _token(self, exc: UnexpectedToken) -> bool:
        token = exc.token
        stack = _value_stack(exc)
        state = (len(stack), _state_top(exc))
        cascade = state == self._last_state
        self._last_state = state
        if token.type == "$END":
            if not cascade:
                self._add(self._end_of_input(exc, stack))
            return False
        if not cascade and not self._follows_char_error(token):
            self._add(self._classify(exc, token, stack))
        _recover(exc, token)
        return True

    def _follows_char_error(self, token: Token) -> bool:
        if not self.diagnostics or self.diagnostics[-1].code not in ("E-SYN-CHAR", "E-SYN-REF"):
            return False
        gap = self.source.text[self.diagnostics[-1].span.end:token.start_pos or 0]
        return not gap.strip()

    def _end_of_input(self, exc: UnexpectedToken, stack: list[Any]) -> Diagnostic:
        end = self.source.span(len(self.source.text), len(self.source.text))
        if _in_if(exc, stack):
            return error("E-SYN-IF", "incomplete if: expected " + _expected(exc, self.token_names), end,
                         "write if (condition) then (value) else (value)")
        opener = _innermost_opener(stack)
        what = {"LPAR": "'('", "LSQB": "'['"}.get(opener or "", "a reference")
        if opener is None:
            return error("E-SYN-EOF", "the expression ends early: expected " + _expected(exc, self.token_names),
                         end, "complete the expression")
        return error("E-SYN-EOF", f"the expression ends before {what} is closed", end,
                     "balance the brackets and braces")

    def _classify(self, exc: UnexpectedToken, token: Token, stack: list[Any]) -> Diagnostic:
        text = str(token.value)
        span = self.source.span(token.start_pos or 0, token.end_pos or 0)
        prev = _last_token(stack)
        if (text.lower() in KEYWORDS and text != text.lower()
                and not (prev is not None and prev.type == "DOT")):
            return keyword_case(text, span)
        if text == "." and prev is not None and str(prev.value).lower() in _LOOP_VARS:
            meant = _LOOP_VARS[str(prev.value).lower()]
            prev_span = self.source.span(prev.start_pos or 0, prev.end_pos or 0)
            return error("E-NAME-IDENT", f"unknown name '{prev.value}'", prev_span,
                         f"did you mean {meant}? (loop variables are case-sensitive)",
                         Fix(prev_span, meant))
        if text in _COMPARISON and "NUMBER" not in {base_type(t) for t in exc.expected}:
            return error("E-SYN-CHAINED", f"'{text}' cannot follow another comparison or test",
                         span, "comparisons do not chain; use parentheses, or 'and'")
        before = self.source.text[max(0, (token.start_pos or 0) - 1):token.start_pos or 0]
        if text in ("/", "*") and before == "/":
            return error("E-SYN-TOKEN", "comments are not allowed in expressions", span,
                         "remove the comment")
        if _in_if(exc, stack):
            return error("E-SYN-IF", f"malformed if: expected {_expected(exc, self.token_names)}, found '{text}'",
                         span, "write if (condition) then (value) else (value)")
        if _innermost_opener(stack) in _OPENERS:
            return self._reference_token(exc, token, span, prev)
        return error("E-SYN-TOKEN", f"expected {_expected(exc, self.token_names)}, found '{text}'", span)

    def _reference_token(self, exc: UnexpectedToken, token: Token, span: Span,
                         prev: Token | None) -> Diagnostic:
        text = str(token.value)
        if (prev is not None and prev.type == "DOT") or _last_is_opener(exc):
            return error("E-SYN-REF", f"'{text}' is not a valid field name here", span,
                         "quote a field name that starts with a digit or has other characters: "
                         f"'{text}'")
        if text == "}":
            return error("E-SYN-REF", "a reference needs a root and at least one field step",
                         span, "write for example @event{MyEvent.field}")
        return error("E-SYN-REF", f"unexpected '{text}' in a reference: expected "
                     f"{_expected(exc, self.token_names)}", span)


def _recover(exc: UnexpectedToken, token: Token) -> None:
    """Replace a wrongly cased keyword by the keyword itself, so parsing goes on cleanly."""
    lower = str(token.value).lower()
    if lower in KEYWORDS and lower != token.value:
        with contextlib.suppress(UnexpectedInput):
            exc.interactive_parser.feed_token(Token(lower.upper(), lower, start_pos=token.start_pos,
                                                    end_pos=token.end_pos))


def keyword_case(text: str, span: Span) -> Diagnostic:
    """E-SYN-KEYWORD-CASE with the lowercase quick fix."""
    lower = text.lower()
    return error("E-SYN-KEYWORD-CASE", f"keywords are lowercase: '{text}' should be '{lower}'",
                 span, f"write '{lower}'", Fix(span, lower))


def _skip_bad_reference(exc: UnexpectedCharacters, text: str, pos: int, prefix: str = "") -> None:
    """Skip a malformed reference up to its balanced '}' and stand a placeholder in for it."""
    depth, end = 0, pos
    for end in range(pos, len(text)):
        if text[end] == "{":
            depth += 1
        elif text[end] == "}":
            depth -= 1
            if depth <= 0:
                break
    if depth > 0 or "{" not in text[pos:end + 1]:
        return
    state = exc.interactive_parser.lexer_thread.state
    if state is None:
        return
    state.line_ctr.feed(text[pos:end + 1])
    with contextlib.suppress(UnexpectedInput):
        exc.interactive_parser.feed_token(Token(prefix + "NUMBER", "0", start_pos=pos,
                                                end_pos=end + 1))


def _describe(char: str) -> str:
    if char.isprintable() and not char.isspace():
        return f"'{char}' (U+{ord(char):04X})"
    return f"U+{ord(char):04X}" if char else "end of input"


def _value_stack(exc: UnexpectedInput) -> list[Any]:
    parser = getattr(exc, "interactive_parser", None)
    if parser is None:
        return []
    return list(parser.parser_state.value_stack)


def _state_top(exc: UnexpectedInput) -> int:
    parser = getattr(exc, "interactive_parser", None)
    return int(parser.parser_state.position) if parser is not None else -1


def _innermost_opener(stack: list[Any]) -> str | None:
    """The innermost reference opener, '(' or '[' still open on the stack (closed pairs are
    skipped, so ``@event{a.b} =`` is no longer inside the reference)."""
    closed = 0
    for value in reversed(stack):
        if not isinstance(value, Token):
            continue
        kind = base_type(value.type)
        if value.value in ("}", ")", "]"):
            closed += 1
        elif kind in _OPENERS or value.value in ("(", "[", "{"):
            if closed:
                closed -= 1
            elif value.value != "{":
                return kind if kind in _OPENERS else {"(": "LPAR", "[": "LSQB"}[value.value]
    return None


def _last_is_opener(exc: UnexpectedToken) -> bool:
    stack = _value_stack(exc)
    return bool(stack) and isinstance(stack[-1], Token) and base_type(stack[-1].type) in _OPENERS


def _last_token(stack: list[Any]) -> Token | None:
    if stack and isinstance(stack[-1], Token):
        return stack[-1]
    return None


def _in_if(exc: UnexpectedToken, stack: list[Any]) -> bool:
    expected = set(exc.expected)
    if expected & {"THEN", "ELSE"}:
        return True
    prev = _last_token(stack)
    return prev is not None and prev.value in ("if", "then", "else")


def _expected(exc: UnexpectedToken, token_names: Mapping[str, str] = _TOKEN_NAMES) -> str:
    names = sorted({token_names.get(base_type(t), _terminal_text(base_type(t)))
                    for t in exc.expected})
    if len(names) > 6:
        names = [*names[:6], "…"]
    return " or ".join(names) if names else "something else"


def _terminal_text(name: str) -> str:
    if name.isupper() and name.replace("_", "").isalpha() and len(name) <= 20:
        return f"'{name.lower()}'" if "_" not in name else name.lower().replace("_", " ")
    return name


# ---------------------------------------------------------------------------------------------
# tree → AST


def _span_of(source: Source, meta: Any) -> Span:
    return source.span(meta.start_pos, meta.end_pos)


def _with_meta(fn: Callable[..., Any]) -> Any:
    return v_args(meta=True, inline=True)(fn)


class AstBuilder(Transformer[Token, Any]):
    """Builds :mod:`jexpr.ast` nodes bottom-up, reporting literal and step errors."""

    def __init__(self, source: Source) -> None:
        super().__init__(visit_tokens=False)
        self.source = source
        self.diagnostics: list[Diagnostic] = []

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
            return ast.IntLit(span, value)
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


_ErrorCollector = ErrorCollector  # the former private name, kept for existing imports


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
        self.start_pos = next((p for c in children if (p := _edge(c, True)) is not None), 0)
        self.end_pos = next((p for c in reversed(children)
                             if (p := _edge(c, False)) is not None), self.start_pos)


def _edge(child: Any, start: bool) -> int | None:
    """Start or end offset of a built child: token, AST node, (name, span) pair, list, tree."""
    if child is None:
        return None
    if isinstance(child, Token):
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
