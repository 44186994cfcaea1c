"""Declared field types → expression schema entries (spec §2.5).

A declaration's fields become ``schema`` entries of jexpr (X§4.9) keyed by schema path: objects
declare ``object`` and their fields below; ``list<scalar>`` is ``listT``; lists of objects or maps
are ``listObject`` with element fields below the list's path (arrays are transparent);
``map<T>`` is ``object`` with ``path.*`` declared as T; ``list<list<…>>`` has no expression type
(``J-TYPE``). JSON Schema files (``schema "…"``) are converted to the same field nodes first.
"""

from __future__ import annotations

import json
from pathlib import Path

from jengine.lang import ast as A
from jexpr.checker.schema import join_path
from jexpr.diagnostics import Diagnostic, error
from jexpr.source import Span
from jexpr.types import LIST_OF

Schema = dict[str, str]


def usage_type(type_: A.TypeExpr) -> str | None:
    """The X type of a declared type (``action:<type>`` usages), None for list<list<…>>."""
    if isinstance(type_, A.ScalarType):
        return type_.name
    if isinstance(type_, A.ObjectType | A.MapType):
        return "object"
    item = type_.item
    if isinstance(item, A.ScalarType):
        return LIST_OF[item.name]
    if isinstance(item, A.ListType):
        return None
    return "listObject"


def declare_fields(root: tuple[str, ...], fields: tuple[A.Field, ...], out: Schema,
                   diags: list[Diagnostic]) -> None:
    """Add the schema entries of ``fields`` below ``root``."""
    for f in fields:
        declare((*root, f.name.text), f.type, out, diags)


def declare(path: tuple[str, ...], type_: A.TypeExpr, out: Schema,
            diags: list[Diagnostic]) -> None:
    """Add the schema entries of one declared type at ``path``."""
    kind = usage_type(type_)
    if kind is None:
        diags.append(error("J-TYPE", "list<list<…>> has no expression type", type_.span,
                           "use a list of objects: list<{ items: list<…> }>"))
        return
    out[join_path(path)] = kind
    if isinstance(type_, A.ObjectType):
        declare_fields(path, type_.fields, out, diags)
    elif isinstance(type_, A.MapType):
        declare((*path, "*"), type_.item, out, diags)
    elif isinstance(type_, A.ListType) and isinstance(type_.item, A.ObjectType):
        declare_fields(path, type_.item.fields, out, diags)
    elif isinstance(type_, A.ListType) and isinstance(type_.item, A.MapType):
        declare((*path, "*"), type_.item.item, out, diags)


# ---- JSON Schema files ----


def load_json_schema(path: Path, span: Span) -> tuple[tuple[A.Field, ...], list[Diagnostic]]:
    """The fields of a JSON Schema file (its top-level ``properties``), as field nodes whose
    spans are the ``schema "…"`` clause."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        return (), [error("J-SCHEMA", f"cannot read JSON Schema '{path.name}': {reason}", span,
                          "the path is relative to the .journey file")]
    if not isinstance(doc, dict) or not isinstance(doc.get("properties"), dict):
        return (), [error("J-SCHEMA", f"JSON Schema '{path.name}' has no object 'properties'",
                          span)]
    return _properties(doc["properties"], span), []


def _properties(props: dict[str, object], span: Span) -> tuple[A.Field, ...]:
    out = []
    for name, sub in props.items():
        type_ = _json_type(sub if isinstance(sub, dict) else {}, span)
        out.append(A.Field(span, A.Name(span, name), True, type_))
    return tuple(out)


def _json_type(doc: dict[str, object], span: Span) -> A.TypeExpr:
    kind = doc.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object":
        props = doc.get("properties")
        extra = doc.get("additionalProperties")
        if not isinstance(props, dict) and isinstance(extra, dict):
            return A.MapType(span, _json_type(extra, span))
        return A.ObjectType(span, _properties(props if isinstance(props, dict) else {}, span))
    if kind == "array":
        items = doc.get("items")
        return A.ListType(span, _json_type(items if isinstance(items, dict) else {}, span))
    return A.ScalarType(span, _json_scalar(str(kind), doc.get("format")))


def _json_scalar(kind: str, fmt: object) -> str:
    if kind == "string":
        return {"date-time": "dateTime", "date": "dateOnly", "duration": "duration"}.get(
            str(fmt), "string")
    return {"integer": "integer", "number": "decimal", "boolean": "boolean"}.get(kind, "string")
