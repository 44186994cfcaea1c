"""A schema inferred from sample data, for templates checked without declarations.

``jengine render`` of a template outside a workspace, and the conformance vectors, check a
template against the shape of the data it is rendered with: objects declare their fields,
lists of objects the union of their elements' fields, text that reads as an ISO date-time is a
``dateTime`` (so ``formatDate(profile.birthDate, …)`` checks), nulls and empty lists are
``any``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jexpr.runtime.temporal import parse_offset_datetime
from jexpr.types import LIST_OF

__all__ = ["infer_schema"]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, str):
        return "dateTime" if parse_offset_datetime(value) is not None else "string"
    return "any"


def _declare(path: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        out.setdefault(path, "object")
        for key, sub in value.items():
            _declare(f"{path}.{key}", sub, out)
        return
    if isinstance(value, list):
        items = [v for v in value if v is not None]
        if not items:
            out.setdefault(path, "any")
        elif all(isinstance(v, Mapping) for v in items):
            out[path] = "listObject"
            for item in items:
                for key, sub in item.items():
                    _declare(f"{path}.{key}", sub, out)
        else:
            kinds = {_scalar(v) for v in items}
            kind = kinds.pop() if len(kinds) == 1 else "any"
            out[path] = LIST_OF.get(kind, "any") if kind != "any" else "any"
        return
    kind = _scalar(value)
    if out.get(path) in (None, "any"):
        out[path] = kind


def infer_schema(data: Mapping[str, Any]) -> dict[str, str]:
    """Flat schema entries (path → declared type) for every root of ``data``."""
    out: dict[str, str] = {}
    for key, value in data.items():
        _declare(key, value, out)
    return out
