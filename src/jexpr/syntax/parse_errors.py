"""Syntax errors: Lark's exceptions → diagnostics, with recovery so parsing goes on.

One job: :class:`ErrorCollector` classifies each error from the offending token's *text* and the
parser's context (the openers still on its value stack), reports it with a hint and often a fix,
and repairs the input (mistyped operators, wrongly cased keywords, malformed references) so one
parse reports several independent errors; errors that follow from an earlier one are dropped.
Part of the parse phase, with :mod:`jexpr.syntax.parse`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import Any

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from jexpr.diagnostics import Diagnostic, Fix, error
from jexpr.source import Source, Span

NAMESPACE = "jexpr__"  # the prefix of jexpr's rules and terminals inside journey.lark
KEYWORDS = frozenset(["and", "or", "not", "is", "null", "has", "if", "then", "else", "true", "false"])
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
