"""The JSON encoding of typed values (spec §17) and the conformance comparison table.

:func:`to_json` turns a runtime value into plain JSON data: temporal values become one-key tagged
objects (``{"dateTime": "2019-06-03T06:30Z"}``) holding the §11 text, and a payload object whose
only key is a tag name is escaped as ``{"object": {…}}``. :func:`from_json` is the inverse.
:func:`values_match` compares an expected encoding with an actual runtime value by the rules of
``shared/conformance/README.md`` (integers must be ints, decimals floats with a 1e-9 relative
tolerance, dateTimes the same instant *and* offset, durations the same amount …).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["TAGS", "from_json", "parse_tagged", "to_json", "values_match"]

TEMPORAL_TAGS = ("dateTime", "dateTimeOnly", "dateOnly", "duration")
#: Keys that make a one-key JSON object a tagged value rather than a payload object.
#: ``timeZone`` is reserved and unused (spec §17), but still escaped so it can never be misread.
TAGS = frozenset((*TEMPORAL_TAGS, "object", "error", "timeZone"))

_REL_TOL = 1e-9


# ---------------------------------------------------------------------------------------------
# Encoding


def to_json(value: Any) -> Any:
    """Encode a runtime value as JSON data (spec §17); ``TypeError`` for a non-jexpr value."""
    return _walk(value, _encode_temporal, _encode_object)


def to_plain_json(value: Any) -> Any:
    """A runtime value as plain JSON data, temporal values as their §11 text (the encoding of
    HTTP bodies and stored profile values: journey spec §4.6)."""
    from jexpr.runtime.render import render_value

    return _walk(value, render_value,
                 lambda obj: {str(k): to_plain_json(v) for k, v in obj.items()})


def _walk(value: Any, temporal: Callable[[Any], Any],
          mapping: Callable[[Mapping[Any, Any]], Any]) -> Any:
    """The walk both encodings share; they differ in temporal values and objects only."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a decimal must be finite, got {value!r}")
        return value
    if isinstance(value, dt.date | dt.timedelta):
        return temporal(value)
    if isinstance(value, list | tuple):
        return [_walk(item, temporal, mapping) for item in value]
    if isinstance(value, Mapping):
        return mapping(value)
    raise TypeError(f"not a jexpr value: {type(value).__name__}")


def _encode_temporal(value: dt.date | dt.timedelta) -> dict[str, str]:
    from jexpr.runtime import render

    if isinstance(value, dt.timedelta):
        return {"duration": render.render_duration(value)}
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            return {"dateTimeOnly": render.render_local_datetime(value)}
        return {"dateTime": render.render_offset_datetime(value)}
    return {"dateOnly": render.render_date(value)}


def _encode_object(value: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"object keys must be strings, got {type(key).__name__}")
        out[key] = to_json(item)
    return {"object": out} if _looks_tagged(out) else out


def _looks_tagged(obj: Mapping[str, Any]) -> bool:
    return len(obj) == 1 and next(iter(obj)) in TAGS


# ---------------------------------------------------------------------------------------------
# Decoding


def from_json(obj: Any) -> Any:
    """Decode JSON data (spec §17) to a runtime value; ``ValueError`` on a malformed tag."""
    if isinstance(obj, list):
        return [from_json(item) for item in obj]
    if isinstance(obj, dict):
        if _looks_tagged(obj):
            tag, body = next(iter(obj.items()))
            return _decode_tagged(tag, body)
        return _decode_object(obj)
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    raise ValueError(f"not JSON data: {type(obj).__name__}")


def _decode_object(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {key: from_json(item) for key, item in obj.items()}


def _decode_tagged(tag: str, body: Any) -> Any:
    if tag == "object":
        if not isinstance(body, dict):
            raise ValueError(f'{{"object": …}} must hold a JSON object, got {body!r}')
        return _decode_object(body)
    if tag in TEMPORAL_TAGS:
        return parse_tagged(tag, body)
    if tag == "error":
        raise ValueError('{"error": …} is an expectation, not a value')
    raise ValueError(f"the tag {tag!r} is reserved and unused")


def _parsers() -> dict[str, Callable[[str], Any]]:
    from jexpr.runtime import temporal

    return {
        "dateTime": temporal.parse_offset_datetime,
        "dateTimeOnly": temporal.parse_local_datetime,
        "dateOnly": temporal.parse_date,
        "duration": temporal.parse_duration,
    }


def parse_tagged(tag: str, text: Any) -> Any:
    """The value of ``{tag: text}`` for a temporal tag; ``ValueError`` when the text is bad."""
    if not isinstance(text, str):
        raise ValueError(f"{{{tag!r}: …}} must hold a string, got {text!r}")
    value = _parsers()[tag](text)
    if value is None:
        raise ValueError(f"{{{tag!r}: {text!r}}}: not a valid {tag} text")
    return value


# ---------------------------------------------------------------------------------------------
# Comparison (shared/conformance/README.md, "expect — encoded values")


def values_match(expected_json: Any, actual_value: Any) -> bool:
    """True when ``actual_value`` is what the encoded ``expected_json`` describes.

    A malformed expectation (bad tag text, ``{"error": true}`` nested in a value) raises
    ``ValueError`` so that a runner can tell a bad vector from a wrong result.
    """
    if isinstance(expected_json, dict):
        return _match_dict(expected_json, actual_value)
    if isinstance(expected_json, list):
        return _match_list(expected_json, actual_value)
    return _match_scalar(expected_json, actual_value)


def _match_scalar(expected: Any, actual: Any) -> bool:
    if expected is None:
        return actual is None
    if isinstance(expected, bool):
        return isinstance(actual, bool) and actual == expected
    if isinstance(expected, int):
        return isinstance(actual, int) and not isinstance(actual, bool) and actual == expected
    if isinstance(expected, float):
        return isinstance(actual, float) and math.isclose(actual, expected, rel_tol=_REL_TOL)
    if isinstance(expected, str):
        return isinstance(actual, str) and actual == expected
    raise ValueError(f"not JSON data: {type(expected).__name__}")


def _match_list(expected: list[Any], actual: Any) -> bool:
    if not isinstance(actual, list | tuple) or len(actual) != len(expected):
        return False
    return all(values_match(e, a) for e, a in zip(expected, actual, strict=True))


def _match_dict(expected: dict[str, Any], actual: Any) -> bool:
    if not _looks_tagged(expected):
        return _match_object(expected, actual)
    tag, body = next(iter(expected.items()))
    if tag == "object":
        if not isinstance(body, dict):
            raise ValueError(f'{{"object": …}} must hold a JSON object, got {body!r}')
        return _match_object(body, actual)
    if tag in TEMPORAL_TAGS:
        return _match_temporal(tag, parse_tagged(tag, body), actual)
    if tag == "error":
        raise ValueError('{"error": true} can only be a whole expectation')
    raise ValueError(f"the tag {tag!r} is reserved and unused")


def _match_object(expected: Mapping[str, Any], actual: Any) -> bool:
    if not isinstance(actual, Mapping) or set(actual) != set(expected):
        return False
    return all(values_match(item, actual[key]) for key, item in expected.items())


def _match_temporal(tag: str, expected: Any, actual: Any) -> bool:
    if tag == "dateTime":
        return (
            isinstance(actual, dt.datetime)
            and actual.utcoffset() is not None
            and actual == expected
            and actual.utcoffset() == expected.utcoffset()
        )
    if tag == "dateTimeOnly":
        return isinstance(actual, dt.datetime) and actual.utcoffset() is None and actual == expected
    if tag == "dateOnly":
        return (
            isinstance(actual, dt.date)
            and not isinstance(actual, dt.datetime)
            and actual == expected
        )
    return isinstance(actual, dt.timedelta) and actual == expected
