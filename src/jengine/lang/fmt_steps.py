"""The formatter's step layouts (see :mod:`jengine.lang.fmt` for the rules)."""

from __future__ import annotations

from typing import Any

from jengine.lang import ast as A
from jengine.lang.fmt_writer import Writer, block
from jexpr.syntax import ast as X


def step(w: Writer, s: A.Step) -> None:
    head = f"{w.src(s.name)}: "
    body = s.body
    if isinstance(body, A.Channel | A.Custom | A.UpdateProfile):
        _entries(w, s, head + _entries_head(w, body), body)
    elif isinstance(body, A.Condition | A.Split | A.Await):

        items: Any = body.branches if isinstance(body, A.Split) else body.items
        block(w, head + type(body).__name__.lower(), s, items, _branch)
    else:
        w.line(head + _simple(w, body) + _tail(w, _tail_of(body)), s)


def _tail_of(body: A.Body) -> A.Tail:
    return getattr(body, "tail", ())


def _tail(w: Writer, tail: A.Tail) -> str:
    parts = []
    for t in tail:
        word = "->" if isinstance(t, A.Goto) else "on error ->"
        parts.append(f" {word} {w.src(t.target)}")
    return "".join(parts)


def _simple(w: Writer, body: A.Body) -> str:
    if isinstance(body, A.WaitFor):
        return f"wait {w.src(body.duration)}"
    if isinstance(body, A.WaitUntil):
        return f"wait until {w.src(body.expr)}"
    if isinstance(body, A.Jump):
        return f"jump {w.src(body.journey)}"
    return "end"


def _entries_head(w: Writer, body: A.Channel | A.Custom | A.UpdateProfile) -> str:
    if isinstance(body, A.Channel):
        return body.kind
    if isinstance(body, A.Custom):
        return f"action {w.src(body.action)}"
    return "update profile"


def _entry(w: Writer, item: A.Param | A.Update) -> str:
    if isinstance(item, A.Param):
        return f"{w.src(item.name)}: {w.src(item.value)}"
    path = ".".join(w.src(n) for n in (item.group, *item.path))
    return f"{path}: {w.src(item.value)}"


def _entries(w: Writer, s: A.Step, header: str,
             body: A.Channel | A.Custom | A.UpdateProfile) -> None:
    items: tuple[A.Param | A.Update, ...] = (body.params if not isinstance(body, A.UpdateProfile)
                                             else body.updates)
    tail_start = body.tail[0].span.start if body.tail else s.span.end
    if _fits_inline(w, s, header, items, tail_start):
        inner = ", ".join(_entry(w, i) for i in items)
        braces = "{ " + inner + " }" if items else "{}"
        w.line(f"{header} {braces}{_tail(w, body.tail)}", s)
        return

    block(w, header, s, items, lambda w, i: w.line(_entry(w, i), i),
           suffix=_tail_text(w, body.tail), limit=tail_start)


def _tail_text(w: Writer, tail: A.Tail) -> str:
    return _tail(w, tail)


def _fits_inline(w: Writer, s: A.Step, header: str, items: tuple[A.Param | A.Update, ...],
                 tail_start: int) -> bool:
    if w.has_comments(s.span.start, tail_start):
        return False
    texts = [w.text[i.span.start:i.span.end] for i in items]
    if any("\n" in t or "\r" in t for t in texts):
        return False
    length = len("  " * w.depth) + len(header) + 4 + sum(len(t) + 2 for t in texts)
    length += sum(len(w.text[t.span.start:t.span.end]) + 1 for t in _tail_nodes(s))
    return length <= 100


def _tail_nodes(s: A.Step) -> A.Tail:
    return _tail_of(s.body)


def _branch(w: Writer, item: A.Node) -> None:
    w.line(_branch_text(w, item), item)


def _branch_text(w: Writer, item: A.Node) -> str:
    if isinstance(item, A.Case):
        return f"{w.src(item.label)}: {_test(w, item.test)} -> {w.src(item.target)}"
    if isinstance(item, A.ElseBranch):
        return f"else -> {w.src(item.target)}"
    if isinstance(item, A.OnError):
        return f"on error -> {w.src(item.target)}"
    if isinstance(item, A.Branch):
        return f"{w.src(item.label)}: {w.src(item.weight)}% -> {w.src(item.target)}"
    return _trigger(w, item) + f" -> {w.src(item.target)}"  # type: ignore[attr-defined]


def _trigger(w: Writer, item: A.Node) -> str:
    if isinstance(item, A.Reaction):
        return f"{item.kind} {w.src(item.step)}"
    if isinstance(item, A.EventTrigger):
        when = f" when {w.src(item.when)}" if item.when is not None else ""
        return f"event {w.src(item.event)}{when}"
    if isinstance(item, A.AfterTrigger):
        return f"after {w.src(item.duration)}"
    assert isinstance(item, A.UntilTrigger)
    return f"until {w.src(item.expr)}"


def _test(w: Writer, test: X.Expr | A.Test) -> str:
    if isinstance(test, A.TimeCase):
        text = "time"
        if test.days:
            text += " on " + ", ".join(d.text for d in test.days)
        if test.start and test.end:
            text += f" between {w.src(test.start)} and {w.src(test.end)}"
        return text
    if isinstance(test, A.DateCase):
        return f"date between {w.src(test.start)} and {w.src(test.end)}"
    if isinstance(test, A.CapCase):
        return f"cap {w.src(test.count)}"
    return w.src(test)
