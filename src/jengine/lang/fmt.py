"""The formatter: a canonical layout for ``.journey`` files that keeps every comment.

Layout: two-space indentation; one blank line between top-level declarations; inside blocks,
one clause, field, setting, step or branch per line, and a blank line kept (at most one) where
the source had one. Step parameter blocks and ``update profile`` stay on one line when it fits in
:data:`WIDTH` columns and holds no comment; otherwise one entry per line, without commas.
Object types are written inline (``{ a: string, b: integer }``).

What is copied verbatim: names, literals and embedded expressions (their exact source text,
including comments inside them). Expressions have no layout rules of their own in this version;
copying them is what makes formatting idempotent and ``parse(fmt(x)) == parse(x)`` by
construction.

Comments: each comment is emitted once, in order. A comment before a construct goes on its own
line above it; comments between the tokens of one output line, and a comment that follows it on
the same source line, go to the end of that line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from jengine.lang import ast as A
from jengine.lang.fmt_channels import channel_decl, rules_decl
from jengine.lang.fmt_steps import step
from jengine.lang.fmt_writer import INDENT, WIDTH, Writer, block, expression, inline
from jengine.lang.parse import parse
from jexpr.diagnostics import Diagnostic
from jexpr.source import Source
from jexpr.syntax import ast as X


class FormatError(Exception):
    """The text has syntax errors and cannot be formatted."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__(f"{len(self.diagnostics)} syntax error(s)")


def format_text(text: str, name: str = "<journey>") -> str:
    """The canonical layout of a file; raises :class:`FormatError` on syntax errors."""
    result = parse(text, name)
    errors = [d for d in result.diagnostics if d.is_error]
    if errors or result.broken:
        raise FormatError(errors)
    out = Writer(Source(text, name), result.file.comments)
    for i, decl in enumerate(result.file.declarations):
        if i:
            out.blank()
        _DECLS[type(decl)](out, decl)
    out.leading(len(text))
    lines = out.finish()
    return "\n".join(lines).rstrip("\n") + "\n" if lines else ""


# ---- types and fields


def _type(w: Writer, t: A.TypeExpr) -> str:
    if isinstance(t, A.ScalarType):
        return t.name
    if isinstance(t, A.ListType | A.MapType):
        word = "list" if isinstance(t, A.ListType) else "map"
        return f"{word}<{_type(w, t.item)}>"
    if not t.fields:
        return "{}"
    return "{ " + ", ".join(_field_text(w, f) for f in t.fields) + " }"


def _field_text(w: Writer, f: A.Field) -> str:
    return f"{w.src(f.name)}: {_type(w, f.type)}"


def _field_lines(w: Writer, f: A.Field, depth: int) -> str:
    """A field on its own line; an object type that does not fit is written one field per
    line (``list<{`` … ``}>``)."""
    text = _field_text(w, f)
    if len(INDENT * depth) + len(text) <= WIDTH:
        return text
    return f"{w.src(f.name)}: {_type_lines(w, f.type, depth)}"


def _type_lines(w: Writer, t: A.TypeExpr, depth: int) -> str:
    if isinstance(t, A.ListType | A.MapType):
        word = "list" if isinstance(t, A.ListType) else "map"
        return f"{word}<{_type_lines(w, t.item, depth)}>"
    if isinstance(t, A.ScalarType) or not t.fields:
        return _type(w, t)
    inner = INDENT * (depth + 1)
    lines = [inner + _field_lines(w, f, depth + 1) for f in t.fields]
    return "{\n" + "\n".join(lines) + "\n" + INDENT * depth + "}"


def _fields(w: Writer, clause: A.Fields) -> None:
    if inline(w, clause, clause.keyword, clause.fields, clause.span.end):
        inner = ", ".join(_field_text(w, f) for f in clause.fields)
        w.line(f"{clause.keyword} {{ {inner} }}" if inner else f"{clause.keyword} {{}}", clause)
        return
    block(w, clause.keyword, clause, clause.fields,
          lambda w, f: w.line(_field_lines(w, f, w.depth), f))


# ---- declarations


def _clause(w: Writer, c: A.Node) -> None:
    if isinstance(c, A.Fields):
        _fields(w, c)
    elif isinstance(c, A.FieldGroup):
        block(w, f"fieldgroup {w.src(c.name)}", c, c.clauses, _clause)
    elif isinstance(c, A.Headers):
        if inline(w, c, c.keyword, c.headers, c.span.end):
            inner = ", ".join(_header_text(w, h) for h in c.headers)
            w.line(f"{c.keyword} {{ {inner} }}" if inner else f"{c.keyword} {{}}", c)
        else:
            block(w, c.keyword, c, c.headers, lambda w, h: w.line(_header_text(w, h), h))
    elif isinstance(c, A.CustomAuth):
        block(w, "auth custom", c, c.items, _auth_item)
    elif isinstance(c, A.AuthBody):
        block(w, c.kind, c, c.params, _auth_param)
    else:
        w.line(_clause_text(w, c), c)


def _clause_text(w: Writer, c: A.Node) -> str:
    if isinstance(c, A.Namespace):
        return f"namespace {w.src(c.value)}"
    if isinstance(c, A.Key | A.Where):
        return f"{type(c).__name__.lower()} {w.src(c.expr)}"
    if isinstance(c, A.Schema):
        return f"schema {w.src(c.path)}"
    if isinstance(c, A.Url):
        return f"url {w.src(c.value)}"
    if isinstance(c, A.Method):
        return f"method {c.value.text}"
    if isinstance(c, A.Timeout | A.Cache):
        return f"{type(c).__name__.lower()} {w.src(c.duration)}"
    if isinstance(c, A.Retries):
        return f"retries {w.src(c.count)}"
    if isinstance(c, A.Limit):
        return f"{c.keyword} {w.src(c.count)} per {w.src(c.per)}"
    if isinstance(c, A.PathParam):
        return "path"
    if isinstance(c, A.MaxSize):
        return f"maxsize {w.src(c.size)}"
    if isinstance(c, A.ApiKeyAuth):
        return f"auth apikey {c.place} {w.src(c.name)} {_value(w, c.value)}"
    if isinstance(c, A.BasicAuth):
        return f"auth basic {_value(w, c.user)} {_value(w, c.password)}"
    if isinstance(c, A.AuthSetting):
        return c.keyword + (f" {w.src(c.value)}" if c.value is not None else "")
    raise TypeError(type(c).__name__)


def _value(w: Writer, v: A.Value) -> str:
    return f"secret({w.src(v.text)})" if v.secret else w.src(v.text)


def _header_text(w: Writer, h: A.Header) -> str:
    if h.type is not None:
        return f"{w.src(h.name)}: {h.type.name}"
    assert h.value is not None
    value = f"secret({w.src(h.value)})" if h.secret else w.src(h.value)
    return f"{w.src(h.name)}: {value}"


def _auth_item(w: Writer, item: A.Node) -> None:
    _clause(w, item)


def _auth_param(w: Writer, p: A.AuthParam) -> None:
    w.line(f"{w.src(p.name)}: {_value(w, p.value)}", p)


def _event(w: Writer, e: A.Event) -> None:
    business = " business" if e.business else ""
    block(w, f"event {w.src(e.name)}{business}", e, e.clauses, _clause)


def _datasource(w: Writer, d: A.Datasource) -> None:
    block(w, f"datasource {w.src(d.name)}", d, d.clauses, _clause)


def _action(w: Writer, a: A.Action) -> None:
    block(w, f"action {w.src(a.name)}", a, a.clauses, _clause)


def _audience(w: Writer, a: A.Audience) -> None:
    text = f"audience {w.src(a.name)}"
    if a.where is not None:
        text += f" {{ where {w.src(a.where)} }}"
    w.line(text, a)


def _journey(w: Writer, j: A.Journey) -> None:
    title = f" {w.src(j.title)}" if j.title else ""
    block(w, f"journey {w.src(j.name)}{title}", j, j.items, _journey_item)


def _journey_item(w: Writer, item: A.Node) -> None:
    if isinstance(item, A.Step):
        step(w, item)
    else:
        w.line(_setting_text(w, item), item)


def _setting_text(w: Writer, s: A.Node) -> str:
    if isinstance(s, A.Version):
        return f"version {w.src(s.value)}"
    if isinstance(s, A.Timezone):
        return f"timezone {'profile ' if s.profile else ''}{w.src(s.zone)}"
    if isinstance(s, A.Reentrance):
        return f"reentrance after {w.src(s.after)}" if s.after else f"reentrance {s.kind}"
    if isinstance(s, A.Timeout):
        return f"timeout {w.src(s.duration)}"
    if isinstance(s, A.Window):
        return f"window {w.src(s.start)} to {w.src(s.end)}"
    if isinstance(s, A.Exit):
        head = f"exit on {s.kind} {w.src(s.name)}"
        return head + _when(w, s.when, len(head))
    return _entry_text(w, s)


def _when(w: Writer, expr: X.Expr | None, used: int) -> str:
    return f" when {expression(w, expr, used + 6)}" if expr is not None else ""


def _rate(w: Writer, rate: A.Rate | None) -> str:
    return f" rate {w.src(rate.count)} per {w.src(rate.per)}" if rate else ""


def _entry_text(w: Writer, e: A.Node) -> str:
    if isinstance(e, A.EntryEvent):
        head = f"entry on event {w.src(e.event)}"
        return head + _when(w, e.when, len(head))
    if isinstance(e, A.EntryAudience):
        return f"entry on audience {w.src(e.audience)} {e.change}"
    if isinstance(e, A.EntryRead):
        text = f"entry read audience {w.src(e.audience)}"
        text += f" at {w.src(e.at)}" if e.at else ""
        text += f" every {w.src(e.every)}" if e.every else ""
        text += f" {e.calendar}" if e.calendar else ""
        text += f" until {w.src(e.until)}" if e.until else ""
        text += " incremental" if e.incremental else ""
        text += " force reentrance" if e.force else ""
        return text + _rate(w, e.rate)
    if isinstance(e, A.EntryBusiness):
        text = f"entry on business event {w.src(e.event)} read audience {w.src(e.audience)}"
        text += _rate(w, e.rate)
        return text + (f" executions {e.executions}" if e.executions else "")
    raise TypeError(type(e).__name__)


_DECLS: dict[type, Callable[[Writer, Any], None]] = {
    A.Event: _event, A.Datasource: _datasource, A.Action: _action, A.Audience: _audience,
    A.Journey: _journey, A.ChannelDecl: channel_decl, A.RulesDecl: rules_decl}
