"""Rejecting, on input, a payload whose declared field has the wrong type (``payload_type``).

An event's ``fields``/``schema`` declare the type of each payload field. A value of the wrong
type (``"one"`` where an ``integer`` is declared) used to pass qualification and fail later,
at whichever step first read it (``E-EVAL-PAYLOAD`` in the journal). :class:`PayloadTypes`
checks every declared field present in a payload against its type with the same coercion the
expressions use (:func:`jexpr.runtime.coerce.coerce`: an integer is a decimal, an ISO text is a
date-time, ``null`` is always allowed) and returns the first mismatch as a dead letter with
reason ``payload_type`` naming the field, its declared type and the value. Fields that are not
declared are not checked; maps (``map<T>``) and lists of objects are checked element by element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from jengine.runtime.io import DeadLetter, InputEvent
from jexpr.errors import EvalFault
from jexpr.runtime.coerce import coerce

__all__ = ["PAYLOAD_TYPE", "PayloadTypes"]

PAYLOAD_TYPE: Final = "payload_type"
_SEGMENT = re.compile(r"'(?:[^'\\]|\\.)*'|[^.]+")


@dataclass
class _Node:
    type: str | None = None
    children: dict[str, _Node] = field(default_factory=dict)


def _segments(path: str) -> list[str]:
    out = []
    for m in _SEGMENT.finditer(path):
        s = m.group()
        out.append(s[1:-1].replace("\\'", "'") if s.startswith("'") else s)
    return out


def _tree(schema: Mapping[str, str]) -> _Node:
    root = _Node()
    for path, type_name in schema.items():
        node = root
        for seg in _segments(path)[1:]:  # the first segment is the event name
            node = node.children.setdefault(seg, _Node())
        node.type = type_name
    return root


class _Mismatch(Exception):
    def __init__(self, where: str, type_name: str, value: Any) -> None:
        super().__init__(where)
        self.where, self.type_name, self.value = where, type_name, value


def _walk(value: Any, node: _Node, where: str) -> None:
    if node.type is not None and value is not None:
        try:
            coerce(value, node.type)
        except EvalFault:
            raise _Mismatch(where, node.type, value) from None
    if not node.children:
        return
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        at = f"{where}[{i}]" if isinstance(value, list) else where
        for key, child_value in item.items():
            child = node.children.get(key) or node.children.get("*")
            if child is not None:
                _walk(child_value, child, f"{at}.{key}")


class PayloadTypes:
    """The declared field types of a model's events, checked against input payloads."""

    def __init__(self, events: Mapping[str, Any]) -> None:
        self.trees = {name: _tree(decl.schema) for name, decl in events.items()}

    def check(self, ev: InputEvent) -> DeadLetter | None:
        """A ``payload_type`` dead letter for the first ill-typed declared field, or None."""
        tree = self.trees.get(ev.event) if ev.event is not None else None
        if tree is None:
            return None
        try:
            _walk(ev.payload, tree, "payload")
        except _Mismatch as m:
            shown = json.dumps(m.value, ensure_ascii=False)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            return DeadLetter(ev.line, PAYLOAD_TYPE,
                              f"`{m.where}` is declared {m.type_name} in event {ev.event}, "
                              f"got {shown}", ev.text,
                              {"field": m.where, "declared": m.type_name, "event": ev.event})
        return None
