"""jexpr: Adobe Journey Optimizer's journey expression language, compiled to fast Python.

The public API (spec §16.3)::

    import jexpr
    diagnostics = jexpr.check(text, fieldTypes=None, schema=None, usage="value")
    program = jexpr.compile(text, fieldTypes=None, schema=None, usage="value")  # JexprError
    program.type, program.diagnostics
    value = program.evaluate(context)                                       # EvaluationError
    jexpr.to_json(value), jexpr.from_json(obj)

Compiled programs are immutable and cached by (text, fieldTypes, schema, usage).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from jexpr.diagnostics import Diagnostic, EvaluationError, Fix, JexprError
from jexpr.program import Program, analyse, compile_program
from jexpr.runtime.jsonenc import from_json, to_json
from jexpr.source import Position, Source, Span

__all__ = [
    "Diagnostic", "EvaluationError", "Fix", "JexprError", "Position", "Program", "Source",
    "Span", "check", "compile", "from_json", "to_json",
]
__version__ = "0.1.0"

CACHE_SIZE = 2048
_Frozen = tuple[tuple[str, str], ...] | None


def _freeze(mapping: Mapping[str, str] | None) -> _Frozen:
    return None if mapping is None else tuple(sorted(mapping.items()))


@lru_cache(maxsize=CACHE_SIZE)
def _compile_cached(text: str, field_types: _Frozen, schema: _Frozen, usage: str) -> Program:
    return compile_program(text, dict(field_types) if field_types is not None else None,
                           dict(schema) if schema is not None else None, usage)


def compile(text: str, fieldTypes: Mapping[str, str] | None = None,
            schema: Mapping[str, str] | None = None, usage: str = "value") -> Program:
    """Compile an expression; raises :class:`JexprError` carrying every diagnostic.

    Results are cached (bounded, least recently used) by text, declarations and usage."""
    return _compile_cached(text, _freeze(fieldTypes), _freeze(schema), usage)


def check(text: str, fieldTypes: Mapping[str, str] | None = None,
          schema: Mapping[str, str] | None = None, usage: str = "value") -> list[Diagnostic]:
    """Every static diagnostic of an expression (errors and warnings), sorted by position."""
    return analyse(text, fieldTypes, schema, usage)[1]


def compile_uncached(text: str, fieldTypes: Mapping[str, str] | None = None,
                     schema: Mapping[str, str] | None = None, usage: str = "value") -> Program:
    """:func:`compile` without the cache (same parameters): a new program every call."""
    return compile_program(text, fieldTypes, schema, usage)


cache_clear = _compile_cached.cache_clear
cache_info = _compile_cached.cache_info
