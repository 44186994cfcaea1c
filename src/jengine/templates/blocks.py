"""The block builder: a flat list of text pieces and parsed tags → the nested template body.

A stack of open blocks pairs each ``#if``/``#unless``/``#each``/``#with`` with its ``else``
branches and its closing ``/name``. It also checks which tag forms each delimiter allows
(AJO's rules): ``{{…}}`` takes paths and the four block helpers; ``{%…%}`` takes ``= expr``,
``#if``/``#unless`` and ``let``; a block opened with one delimiter closes with the same one.
Every problem is a ``T-BLOCK`` (pairing) or ``T-SYNTAX`` (form) diagnostic; the builder
recovers (an unmatched close is dropped, an unclosed block ends at the end of the file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jengine.templates import ast as T
from jengine.templates.scan import Piece
from jexpr.diagnostics import Diagnostic, error
from jexpr.source import Source, Span

__all__ = ["Tag", "build_blocks"]


@dataclass(frozen=True, slots=True)
class Tag:
    """One parsed tag: ``kind`` is the grammar alias (``open_if``, ``else_``, ``close``,
    ``let``, ``print``, ``output`` …), ``form`` the delimiter (``hb``, ``raw``, ``pql``)."""

    kind: str
    form: str
    span: Span
    expr: T.Expr | None = None
    names: tuple[tuple[str, Span], ...] = ()

_OPEN = {"open_if": "if", "open_unless": "unless", "open_each": "each", "open_with": "with"}


@dataclass
class _Open:
    tag: Tag
    name: str
    body: list[Any] = field(default_factory=list)
    branches: list[tuple[T.Expr, tuple[Any, ...]]] = field(default_factory=list)
    condition: T.Expr | None = None
    in_else: bool = False


def build_blocks(source: Source, items: list[Piece | Tag], diags: list[Diagnostic]) -> T.Body:
    """Nest the items; report pairing and form problems into ``diags``."""
    root: list[Any] = []
    stack: list[_Open] = []

    def out() -> list[Any]:
        return stack[-1].body if stack else root

    for item in items:
        if isinstance(item, Piece):
            out().append(T.Text(source.span(item.start, item.end),
                                source.text[item.start:item.end]))
            continue
        if not _form_ok(item, diags):
            continue
        kind = item.kind
        if kind in _OPEN:
            assert item.expr is not None
            stack.append(_Open(item, _OPEN[kind], condition=item.expr))
        elif kind in ("else_", "else_if"):
            _else(item, stack, diags)
        elif kind == "close":
            _close(source, item, stack, diags, out)
        elif kind == "let":
            assert item.expr is not None
            name, span = item.names[0]
            out().append(T.Let(item.span, name, span, item.expr))
        else:
            assert item.expr is not None
            form = "raw" if item.form == "raw" else "pql" if item.kind == "print" else "hb"
            out().append(T.Output(item.span, item.expr, form))  # type: ignore[arg-type]
    while stack:
        block = stack.pop()
        diags.append(error("T-BLOCK", f"'{block.name}' is opened here and never closed",
                           block.tag.span, f"close it with {_closer(block)}"))
        out().append(_finish(source, block, block.tag.span))
    return tuple(root)


def _closer(block: _Open) -> str:
    return f"'{{{{/{block.name}}}}}'" if block.tag.form == "hb" else f"'{{%/{block.name}%}}'"


def _form_ok(tag: Tag, diags: list[Diagnostic]) -> bool:
    """Whether the delimiter allows this tag form (reported when not)."""
    kind, form = tag.kind, tag.form
    problem = hint = None
    if form == "raw" and kind != "output":
        problem, hint = "'{{{…}}}' prints a value; blocks use '{{…}}'", "write {{#if …}}"
    elif form == "hb" and kind == "let":
        problem, hint = "'let' is a PQL tag", "write {% let name = expr %}"
    elif form == "hb" and kind == "print":
        problem, hint = "'=' starts a PQL output", "write {%= expr %} or {{path}}"
    elif form == "pql" and kind in ("open_each", "open_with"):
        word = _OPEN[kind]
        problem, hint = f"'#{word}' is a Handlebars helper", f"write {{{{#{word} …}}}}"
    elif form == "pql" and kind == "output":
        problem, hint = "'{% expr %}' prints nothing", "write {%= expr %} to print the value"
    elif form == "pql" and kind == "close" and tag.names and tag.names[0][0] in ("each", "with"):
        word = tag.names[0][0]
        problem, hint = f"'/{word}' closes a Handlebars block", f"write {{{{/{word}}}}}"
    if problem is None:
        return True
    diags.append(error("T-SYNTAX", problem, tag.span, hint))
    return False


def _else(tag: Tag, stack: list[_Open], diags: list[Diagnostic]) -> None:
    if not stack:
        diags.append(error("T-BLOCK", "'else' outside a block", tag.span,
                           "'else' belongs between a block's opening and its closing"))
        return
    block = stack[-1]
    if block.tag.form != tag.form:
        diags.append(error("T-BLOCK", f"this 'else' uses other delimiters than its '{block.name}'",
                           tag.span, "an '{{…}}' block takes '{{else}}', a '{%…%}' block "
                           "takes '{%else%}'"))
        return
    if block.in_else:
        diags.append(error("T-BLOCK", f"'{block.name}' already has an 'else'", tag.span,
                           "the 'else' branch comes last; use 'else if' before it"))
        return
    if tag.kind == "else_if" and block.name not in ("if", "unless"):
        diags.append(error("T-BLOCK", f"'else if' is not allowed in '{block.name}'", tag.span,
                           "nest an '#if' inside the 'else' branch"))
        return
    assert block.condition is not None
    block.branches.append((block.condition, tuple(block.body)))
    block.body = []
    if tag.kind == "else_if":
        assert tag.expr is not None
        block.condition = tag.expr
    else:
        block.in_else = True


def _close(source: Source, tag: Tag, stack: list[_Open], diags: list[Diagnostic],
           out: Any) -> None:
    name = tag.names[0][0]
    if not stack:
        diags.append(error("T-BLOCK", f"'/{name}' closes nothing", tag.span,
                           f"open the block with '#{name}' first, or remove this tag"))
        return
    block = stack[-1]
    if block.name != name or block.tag.form != tag.form:
        diags.append(error("T-BLOCK", f"'/{name}' does not close the open '{block.name}'",
                           tag.span, f"close '{block.name}' first with {_closer(block)}"))
        if not any(b.name == name and b.tag.form == tag.form for b in stack):
            return
        while stack[-1].name != name or stack[-1].tag.form != tag.form:
            inner = stack.pop()
            out().append(_finish(source, inner, inner.tag.span))
        block = stack[-1]
    stack.pop()
    out().append(_finish(source, block, block.tag.span.cover(tag.span)))


def _finish(source: Source, block: _Open, span: Any) -> Any:
    """The node of a closed block."""
    body = tuple(block.body)
    if block.in_else:
        main, otherwise = block.branches, body
    else:
        assert block.condition is not None
        main, otherwise = [*block.branches, (block.condition, body)], ()
    tag = block.tag
    if block.name in ("if", "unless"):
        return T.If(span, tuple(main), otherwise, block.name == "unless",
                    "pql" if tag.form == "pql" else "hb")
    expr, first_body = main[0]
    names = [n for n, _ in tag.names]
    alias = names[0] if names else None
    if block.name == "each":
        return T.Each(span, expr, alias, names[1] if len(names) > 1 else None, first_body,
                      otherwise)
    return T.With(span, expr, alias, first_body, otherwise)
