"""JSON Schema files (``schema "…"``) → declared field nodes (spec §2.5).

Drafts: a file's ``$schema`` is honoured; without one it is read as draft 2019-09 (which has
both ``$defs`` and ``definitions``-style pointers and array ``items``).

A declaration may take its fields from a JSON Schema file: its top-level ``properties`` become
fields, converted to the declared types of :mod:`jengine.lang.declared`. References are resolved
with the ``referencing`` library: ``$ref`` to ``#/definitions/…``, ``#/$defs/…``, any JSON
pointer, an ``$anchor``, or another schema file *in the same folder tree* (files elsewhere are
never read). ``allOf`` merges its parts, ``anyOf``/``oneOf`` and ``enum``/``const`` give the one
type their alternatives share, ``type: [T, "null"]`` is T.

Nothing is guessed silently: a construct the conversion does not understand (alternatives of
different types, tuple ``items``, ``patternProperties``, a recursive ``$ref``, a property with
no type at all) becomes the type ``any`` with a ``J-SCHEMA`` warning naming its JSON pointer.
Unreadable files, invalid JSON, unresolvable references, files over ``MAX_SCHEMA_BYTES`` and
schemas nesting deeper than ``MAX_SCHEMA_DEPTH`` are ``J-SCHEMA`` errors. Every diagnostic is
placed on the ``schema "…"`` clause (the file itself has no journey positions).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT201909

from jengine.lang import ast as A
from jengine.lang.confine import OutsideFolder, read_confined
from jexpr.diagnostics import Diagnostic, error, warning
from jexpr.source import Span

MAX_SCHEMA_BYTES = 5_000_000
MAX_SCHEMA_DEPTH = 32
_SCALARS = {"integer": "integer", "number": "decimal", "boolean": "boolean", "string": "string"}
_FORMATS = {"date-time": "dateTime", "date": "dateOnly", "duration": "duration"}


def load_json_schema(path: Path, span: Span, roots: Sequence[Path] = ()
                     ) -> tuple[tuple[A.Field, ...], list[Diagnostic]]:
    """The fields of a JSON Schema file (its top-level ``properties``), as field nodes whose
    spans are the ``schema "…"`` clause, and the problems found converting it. The file must
    be a regular file inside one of ``roots`` (default: its own folder; see
    :mod:`jengine.lang.confine`)."""
    doc, problem = _read(path, span, roots or (path.parent,))
    if problem is not None:
        return (), [problem]
    if not isinstance(doc, dict):
        return (), [error("J-SCHEMA", f"JSON Schema '{path.name}' is not an object", span)]
    converter = _Converter(path, span, doc)
    try:
        root = converter.resolve_all(doc, "", 0)
        if not isinstance(root.get("properties"), dict):
            return (), [*converter.diags, error(
                "J-SCHEMA", f"JSON Schema '{path.name}' has no object 'properties'", span)]
        fields = converter.properties(root["properties"], "/properties", 1)
    except RecursionError:
        return (), [error("J-SCHEMA", f"JSON Schema '{path.name}' nests too deeply", span)]
    return fields, converter.diags


def _read(path: Path, span: Span, roots: Sequence[Path]) -> tuple[Any, Diagnostic | None]:
    hint = "the path is relative to the .journey file (or the schemas folder of journeys.toml)"
    try:
        return json.loads(read_confined(path, roots, MAX_SCHEMA_BYTES).decode("utf-8")), None
    except OutsideFolder as exc:
        return None, error("J-SCHEMA", f"JSON Schema '{path.name}' cannot be read: {exc}",
                           span, "a schema file must be a regular file inside the workspace "
                           "folder (or the schemas folder of journeys.toml)")
    except OSError as exc:
        return None, error("J-SCHEMA", f"cannot read JSON Schema '{path.name}': "
                           f"{exc.strerror or exc}", span, hint)
    except RecursionError:
        return None, error("J-SCHEMA", f"JSON Schema '{path.name}' nests too deeply", span)
    except (ValueError, UnicodeDecodeError) as exc:
        return None, error("J-SCHEMA", f"cannot read JSON Schema '{path.name}': {exc}", span,
                           hint)


class _Converter:
    """One file's conversion: the registry of its references and the diagnostics."""

    def __init__(self, path: Path, span: Span, doc: dict[str, Any]) -> None:
        self.path = path
        self.folder = path.resolve().parent
        self.span = span
        self.diags: list[Diagnostic] = []
        uri = path.resolve().as_uri()
        resource = Resource.from_contents(doc, default_specification=DRAFT201909)
        registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        self.resolver = registry.with_resource(uri, resource).resolver(uri)
        self.stack: list[str] = []

    def _retrieve(self, uri: str) -> Resource[Any]:
        """Another schema file, only inside the folder tree of this one."""
        if not uri.startswith("file://"):
            raise Unresolvable(uri)
        target = Path(uri[len("file://"):]).resolve()
        if not target.is_relative_to(self.folder) or not target.is_file():
            raise Unresolvable(uri)
        doc, problem = _read(target, self.span, (self.folder,))
        if problem is not None:
            raise Unresolvable(uri)
        return Resource.from_contents(doc, default_specification=DRAFT201909)

    def note(self, where: str, message: str) -> A.ScalarType:
        self.diags.append(warning("J-SCHEMA", f"JSON Schema '{self.path.name}' at "
                                  f"'{where or '/'}': {message}; taken as any", self.span,
                                  "declare the field in a fields { … } clause for a precise "
                                  "type"))
        return A.ScalarType(self.span, "any")

    # -- references and allOf

    def resolve_all(self, doc: dict[str, Any], where: str, depth: int) -> dict[str, Any]:
        """``doc`` with its ``$ref`` followed and its ``allOf`` merged (one level)."""
        seen = 0
        while isinstance(doc.get("$ref"), str) and seen < MAX_SCHEMA_DEPTH:
            ref = doc["$ref"]
            if ref in self.stack:
                return {"$recursive": ref}
            try:
                resolved = self.resolver.lookup(ref)
                self.resolver = resolved.resolver  # later refs are relative to the target
            except (Unresolvable, AttributeError, TypeError, ValueError):  # malformed too
                self.diags.append(error("J-SCHEMA", f"JSON Schema '{self.path.name}' at "
                                        f"'{where or '/'}': cannot resolve $ref '{ref}'",
                                        self.span, "refer to #/definitions/…, #/$defs/… or a "
                                        "schema file next to this one"))
                return {"$unresolved": ref}
            rest = {k: v for k, v in doc.items() if k != "$ref"}
            doc = {**resolved.contents, **rest} if isinstance(resolved.contents, dict) else {}
            seen += 1
        if isinstance(doc.get("allOf"), list):
            doc = self.merge(doc, where, depth)
        return doc

    def merge(self, doc: dict[str, Any], where: str, depth: int) -> dict[str, Any]:
        merged = {k: v for k, v in doc.items() if k != "allOf"}
        props: dict[str, Any] = dict(merged.get("properties") or {})
        for i, part in enumerate(doc["allOf"]):
            if not isinstance(part, dict):
                continue
            part = self.resolve_all(part, f"{where}/allOf/{i}", depth + 1)
            props.update(part.get("properties") or {})
            for key, value in part.items():
                if key != "properties":
                    merged.setdefault(key, value)
        if props:
            merged["properties"] = props
            merged.setdefault("type", "object")
        return merged

    # -- types

    def properties(self, props: dict[str, Any], where: str, depth: int) -> tuple[A.Field, ...]:
        out = []
        for name, sub in props.items():
            type_ = self.type_of(sub if isinstance(sub, dict) else {}, f"{where}/{name}",
                                 depth + 1)
            out.append(A.Field(self.span, A.Name(self.span, name), True, type_))
        return tuple(out)

    def type_of(self, doc: dict[str, Any], where: str, depth: int) -> A.TypeExpr:
        if depth > MAX_SCHEMA_DEPTH:
            self.diags.append(error("J-SCHEMA", f"JSON Schema '{self.path.name}' nests deeper "
                                    f"than {MAX_SCHEMA_DEPTH} levels at '{where}'", self.span))
            return A.ScalarType(self.span, "any")
        refs = [doc["$ref"]] if isinstance(doc.get("$ref"), str) else []
        outer = self.resolver
        try:
            doc = self.resolve_all(doc, where, depth)
            if "$unresolved" in doc:
                return A.ScalarType(self.span, "any")  # reported as an error already
            if "$recursive" in doc:
                return self.note(where, f"the $ref '{doc['$recursive']}' is recursive")
            self.stack.extend(refs)
            try:
                return self.kind(doc, where, depth)
            finally:
                del self.stack[len(self.stack) - len(refs):]
        finally:
            self.resolver = outer

    def kind(self, doc: dict[str, Any], where: str, depth: int) -> A.TypeExpr:
        kind = doc.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"]
            if len(kinds) != 1:
                return self.note(where, f"'type' allows {', '.join(map(str, kinds))}")
            kind = kinds[0]
        if kind is None:
            return self.untyped(doc, where, depth)
        if kind == "object":
            return self.object(doc, where, depth)
        if kind == "array":
            return self.array(doc, where, depth)
        if kind in _SCALARS:
            name = _SCALARS[kind]
            fmt = doc.get("format")
            if kind == "string" and isinstance(fmt, str) and fmt in _FORMATS:
                name = _FORMATS[fmt]
            return A.ScalarType(self.span, name)
        return self.note(where, f"unknown type '{kind}'")

    def untyped(self, doc: dict[str, Any], where: str, depth: int) -> A.TypeExpr:
        for word in ("anyOf", "oneOf"):
            if isinstance(doc.get(word), list):
                return self.alternatives(doc[word], f"{where}/{word}", depth)
        values = doc["enum"] if isinstance(doc.get("enum"), list) else (
            [doc["const"]] if "const" in doc else None)
        if values is not None:
            return self.enum(values, where)
        if isinstance(doc.get("properties"), dict):
            return self.object(doc, where, depth)
        if "items" in doc:
            return self.array(doc, where, depth)
        return self.note(where, "no 'type'")

    def alternatives(self, options: list[Any], where: str, depth: int) -> A.TypeExpr:
        types = [self.type_of(o if isinstance(o, dict) else {}, f"{where}/{i}", depth + 1)
                 for i, o in enumerate(options)
                 if not (isinstance(o, dict) and o.get("type") == "null")]
        dumped = {repr(A.dump(t)) for t in types}
        if len(dumped) == 1:
            return types[0]
        return self.note(where, "the alternatives have different types")

    def enum(self, values: list[Any], where: str) -> A.TypeExpr:
        kinds = {_json_kind(v) for v in values if v is not None}
        if kinds == {"integer", "decimal"}:
            kinds = {"decimal"}
        if len(kinds) == 1 and None not in kinds:
            return A.ScalarType(self.span, kinds.pop() or "any")
        return self.note(where, "the enum values have different types")

    def object(self, doc: dict[str, Any], where: str, depth: int) -> A.TypeExpr:
        props = doc.get("properties")
        extra = doc.get("additionalProperties")
        if isinstance(doc.get("patternProperties"), dict) and not isinstance(props, dict):
            return self.note(where, "'patternProperties' has no declared-type equivalent")
        if not isinstance(props, dict) and isinstance(extra, dict):
            return A.MapType(self.span, self.type_of(extra, f"{where}/additionalProperties",
                                                     depth + 1))
        return A.ObjectType(self.span, self.properties(
            props if isinstance(props, dict) else {}, f"{where}/properties", depth))

    def array(self, doc: dict[str, Any], where: str, depth: int) -> A.TypeExpr:
        items = doc.get("items")
        if isinstance(items, list) or "prefixItems" in doc:
            return self.note(where, "tuple 'items' have no declared-type equivalent")
        if not isinstance(items, dict):
            return self.note(f"{where}/items", "no 'items' schema")
        item = self.type_of(items, f"{where}/items", depth + 1)
        if isinstance(item, A.ScalarType) and item.name == "any":
            return item  # a list of unknown items: the list itself is any (noted)
        if isinstance(item, A.ListType):
            return self.note(where, "lists of lists have no expression type")
        return A.ListType(self.span, item)


def _json_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, str):
        return "string"
    return None
