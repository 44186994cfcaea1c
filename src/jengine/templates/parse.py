"""Template text → :class:`~jengine.templates.ast.Template`: scan, parse each tag, build blocks.

The scanner (:mod:`jengine.templates.scan`) cuts the text; each tag body is parsed with the
Lark grammar ``grammar/template.lark`` (start ``tag``) into a :class:`Tag`, whose expression
spans are positions in the whole file; :mod:`jengine.templates.blocks` pairs the block tags.
A Handlebars output that is a bare path with hyphens (``{{profile.my-field}}``, allowed by AJO
in ``{{…}}`` only) is read without the grammar, whose ``-`` is a minus. Syntax errors are
``T-SYNTAX`` diagnostics with the position of the offending token; the tag is then skipped and
parsing goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lark import Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from jengine.templates import ast as T
from jengine.templates.blocks import Tag, build_blocks
from jengine.templates.scan import Piece, scan
from jexpr.diagnostics import Diagnostic, error
from jexpr.source import Source, Span
from jexpr.syntax.grammar import build_parser

__all__ = ["ParsedTemplate", "parse_template"]

_OPENER = re.compile(r"\s*#(if|unless|each|with)\b")
_HYPHEN_PATH = re.compile(r"\s*([A-Za-z_$@][\w$-]*(?:\.(?:[\w$-]+|`[^`]+`))*)\s*\Z")


@dataclass(frozen=True)
class ParsedTemplate:
    source: Source
    template: T.Template
    diagnostics: list[Diagnostic]

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def parse_template(text: str, name: str = "<template>") -> ParsedTemplate:
    """Parse a template; never raises (problems are diagnostics)."""
    source = Source(text, name)
    pieces, diags = scan(source)
    items: list[Piece | Tag] = []
    for piece in pieces:
        if piece.kind == "text":
            items.append(piece)
        elif piece.kind != "comment":
            tag = _parse_tag(source, piece, diags)
            if tag is not None:
                items.append(tag)
    body = build_blocks(source, items, diags)
    return ParsedTemplate(source, T.Template(source.span(0, len(text)), body), diags)


def _parse_tag(source: Source, piece: Piece, diags: list[Diagnostic]) -> Tag | None:
    body = piece.body(source.text)
    span = source.span(piece.start, piece.end)
    if piece.kind == "hb":
        path = _hyphen_path(source, piece, body)
        if path is not None:
            return Tag("output", "hb", span, path)
    if not body.strip():
        diags.append(error("T-SYNTAX", "empty tag", span, "write an expression between the "
                           "delimiters, or remove the tag"))
        return None
    try:
        tree = build_parser("template.lark", start="tag").parse(body)
    except UnexpectedInput as exc:
        diags.append(_syntax_error(source, piece, body, exc))
        opener = _OPENER.match(body)
        if opener is None:
            return None
        # a block opening that does not parse still opens its block, so that its closing
        # pairs with it (one diagnostic, not a cascade)
        return Tag(f"open_{opener.group(1)}", piece.kind, span, T.Literal(span, None, "null"))
    result: Tag = _Builder(source, piece.body_start, piece.kind, span).transform(tree)
    return result


def _hyphen_path(source: Source, piece: Piece, body: str) -> T.Expr | None:
    m = _HYPHEN_PATH.match(body)
    if m is None or "-" not in m.group(1):
        return None
    start = piece.body_start + m.start(1)
    expr: T.Expr | None = None
    pos = start
    for part in re.findall(r"`[^`]+`|[^.]+", m.group(1)):
        span = source.span(pos, pos + len(part))
        name = part[1:-1] if part.startswith("`") else part
        expr = T.Name(span, name) if expr is None else T.Member(
            source.span(start, pos + len(part)), expr, name, span)
        pos += len(part) + 1
    return expr


def _syntax_error(source: Source, piece: Piece, body: str, exc: UnexpectedInput) -> Diagnostic:
    offset = piece.body_start + (exc.pos_in_stream or 0)
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken)
                                          and exc.token.type == "$END"):
        offset = piece.body_end
        found = "the end of the tag"
    elif isinstance(exc, UnexpectedToken):
        found = f"'{exc.token}'"
    elif isinstance(exc, UnexpectedCharacters):
        found = f"'{body[exc.pos_in_stream or 0]}'"
    else:
        found = "this"
    end = min(max(offset + 1, offset), piece.end)
    return error("T-SYNTAX", f"unexpected {found} in {_what(piece.kind)}",
                 source.span(offset, end), _hint(piece.kind, body))


def _what(kind: str) -> str:
    return {"hb": "'{{…}}'", "raw": "'{{{…}}}'", "pql": "'{%…%}'"}[kind]


def _hint(kind: str, body: str) -> str:
    stripped = body.strip()
    word = stripped.split(None, 1)[0] if stripped else ""
    if kind == "pql" and word in ("if", "elseif", "endif", "unless", "each"):
        return ("block tags start with '#' and close with '/': {%#if cond %}…{%else if cond%}"
                "…{%else%}…{%/if%}")
    if kind == "hb" and word in ("if", "each", "unless", "with"):
        return f"open the block with '{{{{#{word} …}}}}' and close it with '{{{{/{word}}}}}'"
    if "==" in body:
        return "equality is written '=' (PQL has no '==')"
    return ("expressions use paths (profile.person.name), literals (\"text\", 42, true), "
            "operators (= != < > and or not + - * / ?:) and calls f(x, y)")


def _meta(fn: Any) -> Any:
    return v_args(meta=True, inline=True)(fn)


class _Builder(Transformer[Token, Any]):
    """Lark tree of one tag body → :class:`Tag` (spans shifted to file offsets)."""

    def __init__(self, source: Source, offset: int, form: str, span: Span) -> None:
        super().__init__(visit_tokens=False)
        self.source, self.offset, self.form, self.tag_span = source, offset, form, span

    def _span(self, meta: Any) -> Span:
        return self.source.span(self.offset + meta.start_pos, self.offset + meta.end_pos)

    def _tspan(self, tok: Token) -> Span:
        return self.source.span(self.offset + (tok.start_pos or 0),
                                self.offset + (tok.end_pos or 0))

    def _tag(self, kind: str, expr: T.Expr | None = None,
             names: tuple[tuple[str, Span], ...] = ()) -> Tag:
        return Tag(kind, self.form, self.tag_span, expr, names)

    # -- tags

    def open_if(self, c: list[Any]) -> Tag:
        return self._tag("open_if", c[0])

    def open_unless(self, c: list[Any]) -> Tag:
        return self._tag("open_unless", c[0])

    def open_each(self, c: list[Any]) -> Tag:
        return self._tag("open_each", c[0], c[1] or ())

    def open_with(self, c: list[Any]) -> Tag:
        return self._tag("open_with", c[0], c[1] or ())

    def else_if(self, c: list[Any]) -> Tag:
        return self._tag("else_if", c[0])

    def else_(self, c: list[Any]) -> Tag:
        return self._tag("else_")

    def close(self, c: list[Any]) -> Tag:
        return self._tag("close", None, c[0])

    def block_name(self, c: list[Token]) -> tuple[tuple[str, Span], ...]:
        return ((str(c[0]), self._tspan(c[0])),)

    def as_clause(self, c: list[Token | None]) -> tuple[tuple[str, Span], ...]:
        return tuple((str(t), self._tspan(t)) for t in c if t is not None)

    def let(self, c: list[Any]) -> Tag:
        return self._tag("let", c[1], ((str(c[0]), self._tspan(c[0])),))

    def print(self, c: list[Any]) -> Tag:
        return self._tag("print", c[0])

    def output(self, c: list[Any]) -> Tag:
        return self._tag("output", c[0])

    # -- expressions

    @_meta
    def fallback(self, meta: Any, left: T.Expr, right: T.Expr) -> T.Expr:
        return T.Fallback(self._span(meta), left, right)

    @_meta
    def or_(self, meta: Any, left: T.Expr, right: T.Expr) -> T.Expr:
        return T.Binary(self._span(meta), "or", left, right)

    @_meta
    def and_(self, meta: Any, left: T.Expr, right: T.Expr) -> T.Expr:
        return T.Binary(self._span(meta), "and", left, right)

    @_meta
    def not_(self, meta: Any, operand: T.Expr) -> T.Expr:
        return T.Not(self._span(meta), operand)

    @_meta
    def compare(self, meta: Any, left: T.Expr, op: Token, right: T.Expr) -> T.Expr:
        return T.Binary(self._span(meta), str(op), left, right)

    binary = compare

    @_meta
    def neg(self, meta: Any, operand: T.Expr) -> T.Expr:
        return T.Neg(self._span(meta), operand)

    @_meta
    def member(self, meta: Any, target: T.Expr, seg: Any) -> T.Expr:
        tok = seg.children[0] if not isinstance(seg, Token) else seg
        text = str(tok)
        name = text[1:-1] if tok.type == "QUOTED_NAME" else text
        return T.Member(self._span(meta), target, name, self._tspan(tok))

    @_meta
    def method(self, meta: Any, target: T.Expr, name: Token, args: list[T.Expr] | None) -> T.Expr:
        return T.Call(self._span(meta), str(name), self._tspan(name),
                      (target, *(args or ())), True)

    @_meta
    def call(self, meta: Any, name: Token, args: list[T.Expr] | None) -> T.Expr:
        return T.Call(self._span(meta), str(name), self._tspan(name), tuple(args or ()))

    def args(self, c: list[T.Expr]) -> list[T.Expr]:
        return list(c)

    @_meta
    def name(self, meta: Any, tok: Token) -> T.Expr:
        return T.Name(self._span(meta), str(tok))

    @_meta
    def at_name(self, meta: Any, tok: Token) -> T.Expr:
        return T.AtName(self._span(meta), str(tok))

    @_meta
    def string(self, meta: Any, tok: Token) -> T.Expr:
        return T.Literal(self._span(meta), _decode(str(tok)), "string")

    @_meta
    def number(self, meta: Any, tok: Token) -> T.Expr:
        text = str(tok).rstrip("L")
        if "." in text:
            return T.Literal(self._span(meta), float(text), "decimal")
        return T.Literal(self._span(meta), int(text), "integer")

    @_meta
    def true(self, meta: Any) -> T.Expr:
        return T.Literal(self._span(meta), True, "boolean")

    @_meta
    def false(self, meta: Any) -> T.Expr:
        return T.Literal(self._span(meta), False, "boolean")

    @_meta
    def null(self, meta: Any) -> T.Expr:
        return T.Literal(self._span(meta), None, "null")

    @_meta
    def array(self, meta: Any, items: list[T.Expr] | None) -> T.Expr:
        return T.Array(self._span(meta), tuple(items or ()))


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def _decode(text: str) -> str:
    """A string literal's value: ``\\x`` is ``x`` (``\\n``, ``\\t``, ``\\r`` are controls)."""
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)
