"""Parsing: ``.journey`` text → journey AST plus syntax diagnostics (spec §1).

``grammar/journey.lark`` imports the expression grammar, so one LALR parser reads the whole
file. The AST is built as the parser reduces (:mod:`jengine.lang.driver`, with spans from the
tokens): journey rules by :class:`~jengine.lang.build.JourneyBuilder`, the ``jexpr__*`` rules
by jexpr's own :class:`~jexpr.syntax.parse.AstBuilder`, whose spans are positions in the whole
file. Comments are collected by a scan of the text for the formatter.

Errors. A file that parses cleanly takes the fast path. Otherwise the file is split into its
top-level declarations (a brace-matching scan that respects strings and comments) and each one
is parsed alone, its positions shifted by its offset in the file: a syntax error costs its own
declaration, never its neighbours, and every declaration reports its errors. A declaration
that parses cleanly is built like a clean file; the others are parsed again with Lark's error
handling (:func:`journey_parser`), which classifies each error. Inside a declaration:

* an error *inside an embedded expression* goes to jexpr's :class:`~jexpr.syntax.parse.ErrorCollector`
  (the ``E-SYN-*`` codes, with jexpr's recovery);
* a reserved word where a name is expected is ``J-NAME-RESERVED``, and parsing goes on as if it
  were a name (``event where {``, ``timeout: wait 1d``);
* anything else is ``J-SYNTAX`` ("expected …, found …") and ends that declaration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from jengine.lang import ast as A
from jengine.lang.driver import SpanSource, run
from jengine.lang.recovery import SCAN, keyword_hint, split_declarations, unclosed_brace
from jexpr.diagnostics import Diagnostic, Fix, error, sort_diagnostics
from jexpr.source import Source
from jexpr.syntax.grammar import build_parser
from jexpr.syntax.parse import KEYWORDS, ErrorCollector, check_int_ranges

#: The reserved words of journey-language §1.2, as the spec lists them: every keyword of both
#: languages at the time the list was fixed. Deliberately not derived from the grammar
#: (``jengine.lang.keywords`` does that for completion and highlighting): words the grammar
#: gained later for AJO options (``auth``, ``query``, ``path``, ``daily``, ``incremental`` …)
#: stay usable as names, so older workspaces keep parsing.
RESERVED = frozenset(["and", "or", "not", "is", "null", "has", "if", "then", "else", "true", "false", "numeric", "integer", "decimal", "event", "business", "namespace", "key", "where", "fields", "schema", "string", "boolean", "dateTime", "dateTimeOnly", "dateOnly", "duration", "list", "map", "datasource", "url", "method", "cache", "timeout", "fieldgroup", "params", "action", "headers", "body", "response", "retries", "capping", "throttle", "per", "secret", "GET", "POST", "PUT", "audience", "journey", "version", "timezone", "profile", "reentrance", "never", "always", "after", "window", "to", "exit", "on", "entry", "enters", "exits", "read", "at", "every", "rate", "when", "email", "sms", "push", "inapp", "update", "wait", "until", "jump", "condition", "split", "await", "end", "error", "time", "date", "between", "cap", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "opened", "clicked", "delivered", "failed"])
_DESCRIBE = {
    "NAME": "a name", "INT": "an integer", "STRING": "a string",
    "DURATION": "a duration such as 3d or 1h30m", "INSTANT": "an instant such as "
    "2026-01-01T00:00:00Z", "CLOCK": "a time of day such as 09:00", "$END": "end of file",
    "LBRACE": "'{'", "RBRACE": "'}'", "COLON": "':'", "COMMA": "','", "DOT": "'.'",
    "LPAR": "'('", "RPAR": "')'", "LESSTHAN": "'<'", "MORETHAN": "'>'", "PERCENT": "'%'",
}
_PUNCT = {"LPAR", "LSQB", "COMMA", "DOT", "COLON", "LBRACE"}
_EXPR_TERMINALS = {
    "AND", "OR", "NOT", "IS", "HAS", "NULL", "TRUE", "FALSE", "IF", "THEN", "ELSE", "NUMERIC",
    "INTEGER", "DECIMAL", "LPAR", "RPAR", "LSQB", "RSQB", "COMMA", "DOT", "COLON", "LBRACE",
    "RBRACE", "ALL", "FIRST", "LAST", "AT", "ENTRY", "KEYS", "FIRSTENTRYKEY", "CURRENTEVENTFIELD",
    "CURRENTDATAPACKFIELD", "CURRENTACTIONFIELD", "CURRENTDATASETLOOKUPFIELD", "$END"}
_EXPR_KEYWORDS = frozenset(KEYWORDS)
_EXPR_ONLY = {"AND", "OR", "NOT", "IS", "HAS", "NULL", "TRUE", "FALSE", "IF", "THEN", "ELSE",
              "NUMERIC", "RSQB"}


@dataclass
class ParseResult:
    """A parsed file: the AST (declarations that failed to parse are left out), the names of
    those failed declarations, and every syntax diagnostic."""

    file: A.File
    diagnostics: list[Diagnostic]
    broken: list[tuple[str, str]] = field(default_factory=list)


def journey_parser() -> Lark:
    """The cached strict LALR parser of ``journey.lark`` (its tables and lexer also drive the
    fast parse, :func:`jengine.lang.driver.journey_tables`, which builds the same cached
    object; its own tree building, with positions, serves the error path)."""
    return build_parser("journey.lark")


def parse(text: str, name: str = "<journey>") -> ParseResult:
    """Parse one ``.journey`` file."""
    source = Source(text, name)
    lark_text = " " + text[1:] if text.startswith("\ufeff") else text
    spans = SpanSource(text, name)
    try:
        decls, diags = _build(lark_text, spans)
    except UnexpectedInput:
        return _parse_chunks(source, lark_text, spans)
    return ParseResult(A.File(source.span(0, len(text)), tuple(decls), scan_comments(source)),
                       sort_diagnostics(diags))


def scan_comments(source: Source) -> tuple[A.Comment, ...]:
    """Every comment of a file, found by a scan that skips string literals and quoted segments
    (the only places where ``//`` and ``/*`` are not comments, spec §1)."""
    return tuple(A.Comment(source.span(m.start(), m.end()), m.group())
                 for m in SCAN.finditer(source.text) if m.group()[:2] in ("//", "/*"))


def _build(text: str, source: SpanSource, offset: int = 0
           ) -> tuple[list[A.Declaration], list[Diagnostic]]:
    """The declarations of ``text`` (all of the file, or one declaration of it at ``offset``)
    and their expression diagnostics; raises ``UnexpectedInput`` on a syntax error."""
    decls, found, wide = run(text, source, offset)
    diags = list(found)
    if wide:  # an integer literal outside 64 bits was built: find the ones left after folding
        for decl in decls:
            for node in _expressions(decl):
                diags.extend(check_int_ranges(node, source))
    return decls, diags


def _expressions(node: Any) -> list[Any]:
    from jengine.lang.walk import expressions

    return [expr for expr, _ in expressions(node)]


# ---------------------------------------------------------------------------------------------
# error path: one declaration at a time


def _parse_chunks(source: Source, lark_text: str, spans: SpanSource) -> ParseResult:
    decls: list[A.Declaration] = []
    diags: list[Diagnostic] = []
    broken: list[tuple[str, str]] = []
    for start, end in split_declarations(lark_text):
        chunk = lark_text[start:end]
        try:
            built, more = _build(chunk, spans, start)
        except UnexpectedInput:
            found = _chunk_errors(Source(chunk, source.name), chunk, lark_text[end:end + 40])
            diags.extend(_relocate(d, start, source) for d in _brace_first(found, chunk))
            broken.extend(_declared_name(lark_text, start))
            continue
        decls.extend(built)
        diags.extend(more)
    file = A.File(source.span(0, len(source.text)), tuple(decls), scan_comments(source))
    return ParseResult(file, sort_diagnostics(diags), broken)


def _chunk_errors(source: Source, chunk: str, after: str) -> list[Diagnostic]:
    """The syntax errors of one declaration that does not parse, classified (module
    docstring)."""
    errors = _Errors(source, after)
    try:
        journey_parser().parse(chunk, on_error=errors.on_error)
    except UnexpectedInput as exc:
        errors.final(exc)
    return errors.all()  # never empty: the first error of a parse is always reported


def _brace_first(found: list[Diagnostic], chunk: str) -> list[Diagnostic]:
    """A declaration whose braces do not balance: the error is reported at the ``{`` that is
    never closed (errors before it stay; the ones after it are consequences)."""
    brace = unclosed_brace(chunk)
    if brace is None:
        return found
    kept = [d for d in found if d.span.start < brace]
    span = Source(chunk).span(brace, brace + 1)
    line = Source(chunk).line_text(span.start_line).strip()
    kept.append(error("J-SYNTAX", "this '{' is never closed", span,
                      f"add the '}}' that ends the block opened by '{line[:60]}'"))
    return kept


def _relocate(d: Diagnostic, offset: int, source: Source) -> Diagnostic:
    """A diagnostic of one declaration's text, placed in the whole file."""
    fix = d.fix
    if fix is not None:
        fix = replace(fix, span=source.span(fix.span.start + offset, fix.span.end + offset))
    return replace(d, span=source.span(d.span.start + offset, d.span.end + offset), fix=fix)


def _declared_name(text: str, start: int) -> list[tuple[str, str]]:
    m = re.compile(r"\s*(event|datasource|action|audience|journey)\s+([A-Za-z_][A-Za-z0-9_]*)"
                   ).match(text, start)
    return [(m.group(1), m.group(2))] if m else []


class _Errors:
    """Classifies the errors of one declaration (module docstring). ``after`` is the text that
    follows the declaration (what "found" names when the declaration ends early)."""

    def __init__(self, source: Source, after: str = "") -> None:
        self.source = source
        self.after = after
        self.diagnostics: list[Diagnostic] = []
        self.expr = ErrorCollector(source, prefix="jexpr__", token_names=_token_names())
        self.fatal = False

    def all(self) -> list[Diagnostic]:
        return self.diagnostics + self.expr.diagnostics

    def on_error(self, exc: UnexpectedInput) -> bool:
        if self.fatal:
            return False
        if _in_expression(exc) and not _ends_expression(exc):
            return self.expr.record(exc)
        if isinstance(exc, UnexpectedToken) and self._reserved(exc):
            return True
        self.fatal = True
        if not self._follows_expression_error(exc):
            self.diagnostics.append(self._syntax(exc))
        return False

    def _follows_expression_error(self, exc: UnexpectedInput) -> bool:
        """A token right after a character error jexpr reported is part of that error."""
        if not isinstance(exc, UnexpectedToken) or not self.expr.diagnostics:
            return False
        last = self.expr.diagnostics[-1]
        if last.code not in ("E-SYN-CHAR", "E-SYN-REF"):
            return False
        gap = self.source.text[last.span.end:exc.token.start_pos or 0]
        return not gap.strip()

    def final(self, exc: UnexpectedInput) -> None:
        """The exception that ended parsing (unless it was already reported)."""
        if not self.fatal and not self.diagnostics and not self.expr.diagnostics:
            self.diagnostics.append(self._syntax(exc))
        self.fatal = True

    def _reserved(self, exc: UnexpectedToken) -> bool:
        token = exc.token
        parser = exc.interactive_parser
        if str(token) in RESERVED and "NAME" in exc.expected:
            self._report_reserved(token)
            return _feed(parser, [_as_name(token)])
        stack = parser.parser_state.value_stack
        top = stack[-1] if stack else None
        if (token.type == "COLON" and isinstance(top, Token) and str(top) in RESERVED
                and "NAME" not in exc.expected):
            self._report_reserved(top)
            parser.parser_state.state_stack.pop()
            stack.pop()
            return _feed(parser, [_as_name(top), token])
        return False

    def _report_reserved(self, token: Token) -> None:
        span = self.source.span(token.start_pos or 0, token.end_pos or 0)
        self.diagnostics.append(error(
            "J-NAME-RESERVED", f"'{token}' is a reserved word and cannot be used as a name",
            span, f"rename it, for example '{token}_'"))

    def _syntax(self, exc: UnexpectedInput) -> Diagnostic:
        pos = (exc.token.start_pos if isinstance(exc, UnexpectedToken) else exc.pos_in_stream)
        if pos is not None and self.source.text.startswith("/*", pos):
            return error("J-SYNTAX", "this '/*' comment is never closed",
                         self.source.span(pos, pos + 2), "end the comment with '*/'")
        if isinstance(exc, UnexpectedToken):
            if exc.token.type == "$END":
                return self._early_end(exc)
            tok = exc.token
            span = self.source.span(tok.start_pos or 0, tok.end_pos or 0)
            typo = self._typo(exc)
            if typo is not None:
                return typo
            return error("J-SYNTAX", f"expected {_expected(exc.expected)}, found '{tok}'", span,
                         _hint(str(tok), exc.expected))
        assert isinstance(exc, UnexpectedCharacters)
        pos = exc.pos_in_stream or 0
        m = re.compile(r"[^\s{}(),]+").match(self.source.text, pos)
        end = m.end() if m else pos + 1
        found = self.source.text[pos:end]
        return error("J-SYNTAX", f"expected {_expected(exc.allowed or set())}, found '{found}'",
                     self.source.span(pos, end), _hint(found, exc.allowed or set()))

    def _early_end(self, exc: UnexpectedToken) -> Diagnostic:
        end = len(self.source.text)
        nxt = self.after.split()[0] if self.after.split() else ""
        if not nxt:
            return error("J-SYNTAX", f"the file ends early: expected {_expected(exc.expected)}",
                         self.source.span(end, end), "close every '{' with a '}'")
        return error("J-SYNTAX", f"expected {_expected(exc.expected)}, found '{nxt}'",
                     self.source.span(end, end), "the declaration ends early")

    def _typo(self, exc: UnexpectedToken) -> Diagnostic | None:
        """A name where a keyword was meant (``reentrence after 7d``): the parser took the word
        for a step name and fails on the next token; report the word, with the keyword."""
        stack = exc.interactive_parser.parser_state.value_stack
        top = stack[-1] if stack else None
        if not isinstance(top, Token) or top.type != "NAME" or "NAME" in exc.expected:
            return None
        guess = keyword_hint(str(top), _keywords())
        if guess is None:
            return None
        return error("J-SYNTAX", f"unknown keyword '{top}'",
                     self.source.span(top.start_pos or 0, top.end_pos or 0),
                     f"did you mean '{guess}'?",
                     Fix(self.source.span(top.start_pos or 0, top.end_pos or 0), guess))


@cache
def _keywords() -> frozenset[str]:
    """Every word of the journey grammar."""
    return frozenset(str(t.pattern.value) for t in journey_parser().terminals
                     if t.pattern.type == "str" and str(t.pattern.value).isalpha())


def _hint(found: str, expected: Any) -> str | None:
    """``did you mean 'email'?`` when the word found is a typo of a keyword expected there."""
    patterns = {t.name: t.pattern for t in journey_parser().terminals}
    words = [str(patterns[n].value) for n in expected if n in patterns
             and patterns[n].type == "str"]
    guess = keyword_hint(found, words)
    return f"did you mean '{guess}'?" if guess else None


def _as_name(token: Token) -> Token:
    return Token("NAME", str(token), start_pos=token.start_pos, end_pos=token.end_pos,
                 line=token.line, column=token.column, end_line=token.end_line,
                 end_column=token.end_column)


def _feed(parser: Any, tokens: list[Token]) -> bool:
    try:
        for tok in tokens:
            parser.feed_token(tok)
    except UnexpectedInput:
        return False
    return True


def _in_expression(exc: UnexpectedInput) -> bool:
    """Whether the error happens inside an embedded expression (decided from the parser's
    value stack, skipping punctuation both grammars share)."""
    parser = getattr(exc, "interactive_parser", None)
    if isinstance(exc, UnexpectedCharacters):
        allowed = exc.allowed or set()
        if any(t.startswith("jexpr__") for t in allowed):
            return True
    if parser is None:
        return False
    for value in reversed(parser.parser_state.value_stack):
        if isinstance(value, Tree):
            return str(value.data).startswith("jexpr__")
        if not isinstance(value, Token):
            return False
        if value.type.startswith("jexpr__") or value.type in _EXPR_ONLY:
            return True
        if value.type not in _PUNCT:
            return False
    return False


def _ends_expression(exc: UnexpectedInput) -> bool:
    """A journey token where a finished expression could end (``c: 10 }``): a journey error."""
    if not isinstance(exc, UnexpectedToken):
        return False
    kind = exc.token.type
    text = str(exc.token)
    if text.lower() in _EXPR_KEYWORDS and text != text.lower():
        return False  # a wrongly cased keyword: jexpr's E-SYN-KEYWORD-CASE
    if kind.startswith("jexpr__") or kind in _EXPR_ONLY or kind in ("LPAR", "LSQB", "DOT"):
        return False
    return any(not _is_expr_terminal(t) for t in exc.expected)


def _is_expr_terminal(name: str) -> bool:
    return name.startswith("jexpr__") or name in _EXPR_TERMINALS


@cache
def _token_names() -> dict[str, str]:
    """How jexpr's error messages name the journey terminals."""
    names = {t.name: f"'{t.pattern.value}'" for t in journey_parser().terminals
             if t.pattern.type == "str"}
    return {**names, **_DESCRIBE}


def _expected(names: Any) -> str:
    parser = journey_parser()
    patterns = {t.name: t.pattern for t in parser.terminals}
    words: set[str] = set()
    for name in names:
        if name.startswith("jexpr__") or name in _EXPR_ONLY - {"ELSE"}:
            words.add("an expression")
        elif name in _DESCRIBE:
            words.add(_DESCRIBE[name])
        elif name in patterns and patterns[name].type == "str":
            words.add(f"'{patterns[name].value}'")
        elif name not in ("COMMENT", "JEXPR_WS"):
            words.add(name.lower())
    ordered = sorted(words)
    if len(ordered) > 8:
        ordered = [*ordered[:8], "…"]
    return " or ".join(ordered) if ordered else "something else"
