"""Declared field types by schema path (spec §4.9): lookup, wildcard, completeness.

A schema path is a root (an event, action or lookup name, or ``DS.FG``) followed by field
segments; collection steps are left out and arrays are transparent. ``fieldTypes`` declarations
are partial hints; ``schema`` declarations are complete for every root they mention, which lets
the checker report unknown fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from jexpr.syntax.limits import MAX_DECLARED_SEGMENTS
from jexpr.types import DECLARABLE

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_SEGMENT = re.compile(r"""\s*(?:([A-Za-z_*][A-Za-z0-9_-]*)|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*""")

Path = tuple[str, ...]


def split_path(text: str) -> Path:
    """Split a declared schema path into segments (quoted segments allowed)."""
    segments: list[str] = []
    pos = 0
    while True:
        m = _SEGMENT.match(text, pos)
        if not m:
            raise ValueError(f"invalid schema path {text!r}")
        raw = next(g for g in m.groups() if g is not None)
        segments.append(re.sub(r"\\(.)", r"\1", raw) if m.group(1) is None else raw)
        pos = m.end()
        if pos == len(text):
            return tuple(segments)
        if text[pos] != ".":
            raise ValueError(f"invalid schema path {text!r}")
        pos += 1


def join_path(path: Path) -> str:
    """The written form of a path, quoting segments that need it."""
    return ".".join(s if _PLAIN.fullmatch(s) else "'" + s.replace("'", "\\'") + "'" for s in path)


@dataclass
class Declarations:
    """The merged ``fieldTypes`` and ``schema`` declarations of one compilation."""

    types: dict[Path, str] = field(default_factory=dict)
    prefixes: set[Path] = field(default_factory=set)
    complete_roots: set[str] = field(default_factory=set)
    longest: int = 0  # segments in the longest declared path: no longer path can match one

    @classmethod
    def build(cls, field_types: Mapping[str, str] | None,
              schema: Mapping[str, str] | None) -> Declarations:
        decls = cls()
        for mapping, complete in ((field_types or {}, False), (schema or {}, True)):
            for text, type_name in mapping.items():
                if type_name not in DECLARABLE:
                    raise ValueError(f"unknown type {type_name!r} declared for {text!r}")
                path = split_path(text)
                if len(path) > MAX_DECLARED_SEGMENTS:
                    raise ValueError(f"declared path {text[:60]!r}… has {len(path)} segments, "
                                     f"over the limit of {MAX_DECLARED_SEGMENTS}")
                decls.types[path] = type_name
                decls.prefixes.update(path[:i] for i in range(1, len(path)))
                decls.longest = max(decls.longest, len(path))
                if complete:
                    decls.complete_roots.add(path[0])
        return decls

    def lookup(self, path: Path) -> str | None:
        """Declared type of a path; an explicit segment wins over ``*``."""
        if len(path) > self.longest:  # bounds the work on a long path to the declarations'
            return None
        found = self.types.get(path)
        if found is not None or not self.types:
            return found
        for i in range(len(path) - 1, 0, -1):
            wild = (*path[:i], "*", *path[i + 1:])
            if wild in self.types:
                return self.types[wild]
        return None

    def is_known(self, path: Path) -> bool:
        """Declared, a declared prefix, or below a path declared ``any``."""
        if path in self.types or path in self.prefixes or self.lookup(path) is not None:
            return True
        for i in range(1, min(len(path), self.longest + 1)):
            if self.types.get(path[:i]) == "any":
                return True
        return len(path) <= self.longest and (*path[:-1], "*") in self.prefixes

    def fields_under(self, path: Path) -> list[str]:
        """Field names declared directly below a path (for did-you-mean)."""
        n = len(path)
        names = {p[n] for p in (*self.types, *self.prefixes) if len(p) > n and p[:n] == path}
        return sorted(names - {"*"})

    def roots(self) -> list[str]:
        return sorted({p[0] for p in self.types})
