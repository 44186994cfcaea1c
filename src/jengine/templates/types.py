"""Template types and the schema of what a template may read.

A :class:`Type` is a scalar kind (``string``, ``integer``, ``decimal``, ``boolean``,
``dateTime``, ``dateTimeOnly``, ``dateOnly``, ``duration``), ``object`` (its fields are the
schema entries below ``base``), ``list`` (of ``item``), ``null`` or ``any``. A :class:`Schema`
is a flat map of dotted paths to jexpr's declared type names (``string``, ``listObject``,
``object`` …, the form :mod:`jengine.lang.declared` produces), with lists transparent: the
fields of a list of objects sit below the list's own path, and ``path.*`` declares a map's
values. Reading a field through a list projects it (``orders.price`` is a list of prices).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from jexpr.types import ELEMENT_OF, SCALARS

__all__ = ["ANY", "BOOLEAN", "DATETIME", "DECIMAL", "INTEGER", "NULL", "STRING", "Schema",
           "Type", "list_of", "scalar"]


@dataclass(frozen=True, slots=True)
class Type:
    kind: str
    item: Type | None = None
    base: str | None = None

    def __str__(self) -> str:
        if self.kind == "list":
            return f"list<{self.item}>" if self.item is not None else "list"
        return self.kind

    @property
    def is_list(self) -> bool:
        return self.kind == "list"

    @property
    def is_number(self) -> bool:
        return self.kind in ("integer", "decimal")

    @property
    def known(self) -> bool:
        return self.kind not in ("any", "null")


ANY, NULL = Type("any"), Type("null")
STRING, INTEGER, DECIMAL = Type("string"), Type("integer"), Type("decimal")
BOOLEAN, DATETIME = Type("boolean"), Type("dateTime")


def scalar(kind: str) -> Type:
    return Type(kind)


def list_of(item: Type) -> Type:
    return Type("list", item)


class Schema:
    """What a template may read: declared types by dotted path (see the module docstring)."""

    def __init__(self, entries: Mapping[str, str]) -> None:
        self.entries = dict(entries)
        self._children: dict[str, list[str]] = {}
        for path in self.entries:
            parent, _, name = path.rpartition(".")
            self._children.setdefault(parent, []).append(name)

    def roots(self) -> list[str]:
        return [n for n in self._children.get("", []) if n != "*"]

    def root(self, name: str) -> Type | None:
        return self._at(name)

    def _at(self, path: str) -> Type | None:
        declared = self.entries.get(path)
        if declared is None:
            return None
        return self.decode(declared, path)

    @staticmethod
    def decode(declared: str, path: str) -> Type:
        if declared in ("object", "map"):
            return Type("object", base=path)
        if declared == "listObject":
            return Type("list", Type("object", base=path))
        if declared in SCALARS:
            return Type(declared)
        element = ELEMENT_OF.get(declared)
        if element is not None:
            return list_of(Type(element))
        return ANY

    def field(self, owner: Type, name: str) -> Type | None:
        """The type of ``owner.name``: None when ``owner`` has no such field; a list owner
        projects (each element's field, as a list)."""
        if owner.kind == "list":
            inner = self.field(owner.item or ANY, name)
            if inner is None:
                return None
            return inner if inner.kind == "list" else list_of(inner)
        if owner.kind in ("any", "null"):
            return ANY
        if owner.kind != "object":
            return None
        if owner.base is None:
            return ANY
        found = self._at(f"{owner.base}.{name}")
        if found is None:
            found = self._at(f"{owner.base}.*")
        return found

    def fields(self, owner: Type) -> Iterator[str]:
        """The declared field names of an object (or of a list's elements), for hints."""
        while owner.kind == "list" and owner.item is not None:
            owner = owner.item
        if owner.kind == "object" and owner.base is not None:
            yield from (n for n in self._children.get(owner.base, []) if n != "*")
