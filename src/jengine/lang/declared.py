"""Declared field types → expression schema entries (spec §2.5).

A declaration's fields become ``schema`` entries of jexpr (X§4.9) keyed by schema path: objects
declare ``object`` and their fields below; ``list<scalar>`` is ``listT``; lists of objects or maps
are ``listObject`` with element fields below the list's path (arrays are transparent);
``map<T>`` is ``object`` with ``path.*`` declared as T; ``list<list<…>>`` has no expression type
(``J-TYPE``), nor does a type nesting deeper than ``MAX_TYPE_DEPTH``. JSON Schema files
(``schema "…"``) are converted to the same field nodes first (:mod:`jengine.lang.schemafile`).
"""

from __future__ import annotations

from jengine.lang import ast as A
from jexpr.checker.schema import join_path
from jexpr.diagnostics import Diagnostic, error
from jexpr.types import LIST_OF

Schema = dict[str, str]
MAX_TYPE_DEPTH = 32


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
    """Add the schema entries of one declared type at ``path`` (at most ``MAX_TYPE_DEPTH``
    levels of objects, lists and maps: deeper is ``J-TYPE`` at the first type too deep)."""
    if len(path) > MAX_TYPE_DEPTH:
        diags.append(error("J-TYPE", f"field types nest deeper than {MAX_TYPE_DEPTH} levels",
                           type_.span, "flatten the type; no AJO payload nests this deep"))
        return
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
