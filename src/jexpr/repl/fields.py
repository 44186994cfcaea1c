"""The field paths a session knows about, as trees per reference kind (for completion).

Paths come from two places: the sample payloads of the loaded context (``events``,
``dataSources``, ``actions``, ``datasetLookups``; arrays are transparent, as in schema paths,
spec §4.9) and the declared schema paths (``fieldTypes`` and ``schema``). A declared root that
also names a payload belongs to that payload's reference kind; any other declared root is offered
for every kind. ``@journey{…}`` offers the journey properties of spec §4.8.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jexpr.checker.check import JOURNEY_PROPERTIES
from jexpr.repl.scan import unquote

__all__ = ["FieldIndex", "FieldNode", "split_path"]

_PAYLOAD_KINDS = {"events": "event", "dataSources": "data", "actions": "action",
                  "datasetLookups": "lookup"}
_KINDS = ("event", "data", "action", "lookup")
_PATH_PART = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^.]+""")
_MAX_DEPTH = 12
_PREVIEW = 32


@dataclass
class FieldNode:
    """One path segment: its children and a short description (declared type or sample)."""

    children: dict[str, FieldNode] = field(default_factory=dict)
    meta: str = ""

    def child(self, name: str) -> FieldNode:
        return self.children.setdefault(name, FieldNode())

    def find(self, path: list[str]) -> FieldNode | None:
        node: FieldNode | None = self
        for segment in path:
            node = node.children.get(segment) if node else None
        return node


def split_path(path: str) -> list[str]:
    """A schema path's segments, quoted segments unquoted (``a.'b.c'`` → ``a``, ``b.c``)."""
    return [unquote(part.strip()) for part in _PATH_PART.findall(path)]


@dataclass
class FieldIndex:
    """The root node of each reference kind (``event``, ``data``, ``action``, ``lookup``,
    ``journey``); ``legacy`` (``@{…}``) shares ``event``."""

    roots: dict[str, FieldNode]

    @classmethod
    def build(cls, context: Mapping[str, Any], declarations: Mapping[str, str]) -> FieldIndex:
        roots = {kind: FieldNode() for kind in _KINDS}
        for key, kind in _PAYLOAD_KINDS.items():
            payloads = context.get(key)
            if isinstance(payloads, Mapping):
                for name, payload in payloads.items():
                    _add_sample(roots[kind].child(name), payload, 0)
        _add_declarations(roots, declarations)
        roots["journey"] = FieldNode({p: FieldNode(meta=t) for p, t in JOURNEY_PROPERTIES.items()})
        return cls(roots)

    def node(self, kind: str, path: list[str]) -> FieldNode | None:
        """The node of a path under a reference kind, or None when unknown."""
        root = self.roots.get("event" if kind == "legacy" else kind)
        return root.find(path) if root else None


def _add_sample(node: FieldNode, value: Any, depth: int) -> None:
    """Add a sample payload value under ``node`` (lists are transparent)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, Mapping) and list(value) == ["$byParams"]:  # conformance form
        for entry in value["$byParams"] or []:
            _add_sample(node, entry.get("payload") if isinstance(entry, Mapping) else None,
                        depth + 1)
    elif isinstance(value, list):
        node.meta = node.meta or f"[…] {len(value)} item{'s' * (len(value) != 1)}"
        for item in value:
            _add_sample(node, item, depth + 1)
    elif isinstance(value, Mapping):
        node.meta = node.meta or "{…}"
        for key, item in value.items():
            _add_sample(node.child(str(key)), item, depth + 1)
    elif not node.meta:
        node.meta = _preview(value)


def _preview(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…"


def _add_declarations(roots: dict[str, FieldNode], declarations: Mapping[str, str]) -> None:
    for path, type_name in declarations.items():
        segments = split_path(path)
        segments = segments[: segments.index("*")] if "*" in segments else segments
        if not segments:
            continue
        owners = [k for k in _KINDS if segments[0] in roots[k].children] or list(_KINDS)
        for kind in owners:
            node = roots[kind]
            for segment in segments:
                node = node.child(segment)
            node.meta = type_name
