"""The JSON texts of the state store: :func:`dumps` (the exact text of output lines and of
everything the store's readers compare as text) and the store's own encoding of values it
only ever decodes again, :func:`pack` and :func:`loads` (orjson, with the standard library as
the fallback for what orjson does not take exactly as :mod:`json` would)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["dumps", "loads", "pack"]

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)


def _make_dumps() -> Callable[[Any], str]:
    """Compact JSON text, key order kept, no NaN: ``_ENCODER.encode`` without rebuilding the
    C encoder on every call (``JSONEncoder.iterencode`` does; this is the hot path of the
    store). Same text as ``_ENCODER.encode`` for plain JSON data (no cycle detection: the
    store only ever encodes trees)."""
    if _c_make_encoder is None:  # pragma: no cover - CPython always has the C accelerator
        return _ENCODER.encode
    encode = _c_make_encoder(None, _ENCODER.default, json.encoder.encode_basestring, None,
                             ":", ",", False, False, False)
    join = "".join

    def dumps(obj: Any) -> str:
        return join(encode(obj, 0))

    return dumps


dumps: Callable[[Any], str] = _make_dumps()

_ORJSON_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
                   | orjson.OPT_PASSTHROUGH_SUBCLASS)


def _refuse(obj: Any) -> Any:
    raise TypeError(type(obj).__name__)


def pack(obj: Any) -> str:
    """The store's own JSON text of a value (instance states, timer payloads, profile
    columns, recorded effects): orjson's compact encoding, several times faster than
    :func:`dumps`; anything orjson does not take exactly as :mod:`json` would (an integer
    beyond 64 bits, a non-string key, a ``dict`` or ``str`` subclass, a datetime) goes
    through :func:`dumps`, which encodes or refuses it as before. The text may differ from
    :func:`dumps`'s in the spelling of a float's exponent (``1e16`` for ``1e+16``); it decodes
    to the same value. Output lines keep :func:`dumps`."""
    try:
        return orjson.dumps(obj, default=_refuse, option=_ORJSON_OPTIONS).decode("utf-8")
    except TypeError:
        return dumps(obj)


def loads(text: str) -> Any:
    """The value of a stored JSON text (orjson; :func:`json.loads` for the texts orjson
    refuses and Python's decoder takes: an integer beyond 64 bits, ``NaN``, a lone
    surrogate escape)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
