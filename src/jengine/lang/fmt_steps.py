"""The formatter's step layouts (see :mod:`jengine.lang.fmt` for the rules)."""

from __future__ import annotations

from typing import Any

from jengine.lang import ast as A
from jengine.lang.fmt_writer import Writer, block, expression, inline, joined, wrap
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
        text = head + _simple(w, body, len(head))
        w.line(joined(w, wrap(w, text, _tails(w, _tail_of(body)))), s)


def _tail_of(body: A.Body) -> A.Tail:
    return getattr(body, "tail", ())


def _tails(w: Writer, tail: A.Tail) -> list[str]:
    parts = []
    for t in tail:
        word = "->" if isinstance(t, A.Goto) else "on error ->"
        parts.append(f"{word} {w.src(t.target)}")
    return parts


def _tail(w: Writer, tail: A.Tail) -> str:
    return "".join(" " + t for t in _tails(w, tail))


def _simple(w: Writer, body: A.Body, used: int) -> str:
    if isinstance(body, A.WaitFor):
        return f"wait {w.src(body.duration)}"
    if isinstance(body, A.WaitUntil):
        return f"wait until {expression(w, body.expr, used + 11)}"
    if isinstance(body, A.Jump):
        return f"jump {w.src(body.journey)}"
    return "end"


def _entries_head(w: Writer, body: A.Channel | A.Custom | A.UpdateProfile) -> str:
    if isinstance(body, A.Channel):
        return body.kind
    if isinstance(body, A.Custom):
        return f"action {w.src(body.action)}"
    return "update profile"


def _entry(w: Writer, item: A.Param | A.Update, wrap_at: bool = False) -> str:
    if isinstance(item, A.Param):
        name = w.src(item.name)
    else:
        name = ".".join(w.src(n) for n in (item.group, *item.path))
    value = expression(w, item.value, len(name) + 2) if wrap_at else w.src(item.value)
    return f"{name}: {value}"


def _entries(w: Writer, s: A.Step, header: str,
             body: A.Channel | A.Custom | A.UpdateProfile) -> None:
    items: tuple[A.Param | A.Update, ...] = (body.params if not isinstance(body, A.UpdateProfile)
                                             else body.updates)
    tail_start = body.tail[0].span.start if body.tail else s.span.end
    extra = sum(len(w.text[t.span.start:t.span.end]) + 1 for t in body.tail)
    if inline(w, s, header, items, tail_start, extra):
        inner = ", ".join(_entry(w, i) for i in items)
        braces = "{ " + inner + " }" if items else "{}"
        w.line(f"{header} {braces}{_tail(w, body.tail)}", s)
        return

    block(w, header, s, items, lambda w, i: w.line(_entry(w, i, True), i),
           suffix=_tail_text(w, body.tail), limit=tail_start)


def _tail_text(w: Writer, tail: A.Tail) -> str:
    return _tail(w, tail)


def _branch(w: Writer, item: A.Node) -> None:
    head = _branch_head(w, item)
    target = f"-> {w.src(item.target)}"  # type: ignore[attr-defined]
    w.line(joined(w, wrap(w, head, [target])), item)


def _branch_head(w: Writer, item: A.Node) -> str:
    if isinstance(item, A.Case):
        label = f"{w.src(item.label)}: "
        return label + _test(w, item.test, len(label))
    if isinstance(item, A.ElseBranch):
        return "else"
    if isinstance(item, A.OnError):
        return "on error"
    if isinstance(item, A.Branch):
        return f"{w.src(item.label)}: {w.src(item.weight)}%"
    return _trigger(w, item)


def _trigger(w: Writer, item: A.Node) -> str:
    if isinstance(item, A.Reaction):
        return f"{item.kind} {w.src(item.step)}"
    if isinstance(item, A.EventTrigger):
        head = f"event {w.src(item.event)}"
        if item.when is None:
            return head
        return f"{head} when {expression(w, item.when, len(head) + 6)}"
    if isinstance(item, A.AfterTrigger):
        return f"after {w.src(item.duration)}"
    assert isinstance(item, A.UntilTrigger)
    return f"until {w.src(item.expr)}"


def _test(w: Writer, test: X.Expr | A.Test, used: int) -> str:
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
    return expression(w, test, used)
