"""The core's inputs and effects as plain JSON, for Temporal payloads (signals, activities,
continue-as-new arguments).

An input is ``{"type": <class name>, **fields}``; every input class of
:data:`jengine.core.state.Input` is known by name, so an input type added to the core needs no
change here as long as its fields are JSON data. HTTP parameters (jexpr runtime values) use the
tagged JSON encoding of ``jexpr.to_json``. An output record — a line of the outbox, the journal
or the dead letters — carries its effect id, the key that de-duplicates it in the shared store.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any

from jengine.core import state as S
from jexpr import from_json, to_json

__all__ = ["INPUT_TYPES", "OutputRecord", "decode_input", "decode_params", "encode_input",
           "encode_params"]

Json = dict[str, Any]

INPUT_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in typing.get_args(S.Input)}


def encode_input(inp: S.Input) -> Json:
    """An input as JSON (its payloads are JSON data already)."""
    return {"type": type(inp).__name__, **dataclasses.asdict(inp)}


def decode_input(obj: Json) -> S.Input:
    """The input encoded by :func:`encode_input` (``KeyError`` for an unknown type)."""
    fields = dict(obj)
    cls = INPUT_TYPES[fields.pop("type")]
    known = {f.name for f in dataclasses.fields(cls)}
    result: S.Input = cls(**{k: v for k, v in fields.items() if k in known})
    return result


def encode_params(params: typing.Mapping[str, Any]) -> Json:
    """HTTP parameters (jexpr runtime values) as tagged JSON."""
    return {k: to_json(v) for k, v in params.items()}


def decode_params(obj: typing.Mapping[str, Any]) -> Json:
    return {k: from_json(v) for k, v in obj.items()}


@dataclass(frozen=True)
class OutputRecord:
    """One output line with its effect id; ``stream`` is outbox, journal or deadletter."""

    id: str
    stream: str
    line: Json

    def to_json(self) -> Json:
        return {"id": self.id, "stream": self.stream, "line": self.line}

    @staticmethod
    def from_json(obj: Json) -> OutputRecord:
        return OutputRecord(obj["id"], obj["stream"], obj["line"])
