"""What the ``jexpr`` command line and the REPL share: reading context and declaration files,
checking ``--usage`` names, and describing values as ``<type> <value>`` for people.

Every problem with an argument or an input file is a :class:`UsageError` (one line, exit 2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jexpr.checker.schema import Declarations
from jexpr.runtime.jsonenc import to_json

__all__ = [
    "UsageError", "check_declarations", "describe", "install_hint", "load_context",
    "read_declarations",
    "read_json_object", "read_text", "reason", "type_name", "usage_arg",
]

_SCALAR_TYPES = (
    "string", "integer", "decimal", "boolean", "dateTime", "dateTimeOnly", "dateOnly", "duration",
)
_ACTION_TYPES = frozenset(
    [*_SCALAR_TYPES, "object", "listObject"]
    + ["list" + t[0].upper() + t[1:] for t in _SCALAR_TYPES]
)
_USAGES = frozenset({"value", "condition", "wait", "path", "datasetLookupKey"})

#: Context-file keys and the JSON types they accept (spec §16.2, §17; conformance ``context``).
_CONTEXT_KEYS: dict[str, tuple[type, ...]] = {
    "events": (dict,),
    "dataSources": (dict,),
    "actions": (dict,),
    "datasetLookups": (dict,),
    "audiences": (dict, list),
    "journey": (dict,),
    "timezone": (str,),
    "now": (str,),
    "regexTimeout": (int, float),
    "fieldTypes": (dict,),
    "schema": (dict,),
}


class UsageError(Exception):
    """Bad arguments or an unreadable input: reported as one line, exit status 2."""


def usage_arg(text: str) -> str:
    """argparse ``type`` for ``--usage``: a usage context of spec §14."""
    kind, _, arg = text.partition(":")
    if text in _USAGES or (kind == "action" and arg in _ACTION_TYPES):
        return text
    raise argparse.ArgumentTypeError(
        f"invalid usage {text!r}: want value, condition, wait, path, datasetLookupKey "
        "or action:<type>"
    )


MAX_INPUT_BYTES = 16 * 1024 * 1024
"""The most a context, declarations or expression file may hold (``/dev/zero`` never ends)."""


def read_text(path: str, what: str, limit: int = MAX_INPUT_BYTES) -> str:
    """A UTF-8 text file (``-``: standard input) of at most ``limit`` bytes, newlines
    translated as by ``open``; :class:`UsageError` otherwise."""
    try:
        data = _read_bytes(path, limit + 1)
        if len(data) > limit:
            raise UsageError(f"cannot read {what} {path!r}: over the limit of {limit:,} bytes "
                             "(E-INPUT-SIZE)")
        return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {what} {path!r}: {reason(e)}") from None


def _read_bytes(path: str, size: int) -> bytes:
    if path != "-":
        with open(path, "rb") as f:
            return f.read(size)
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return bytes(buffer.read(size))
    return sys.stdin.read(size).encode("utf-8", "surrogatepass")


def reason(e: Exception) -> str:
    return e.strerror if isinstance(e, OSError) and e.strerror else str(e)


def read_json_object(path: str, what: str) -> dict[str, Any]:
    text = read_text(path, what)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"cannot read {what} {path!r}: invalid JSON: {e}") from None
    except RecursionError:
        raise UsageError(f"cannot read {what} {path!r}: the JSON nests too deeply "
                         "(E-INPUT-DEPTH)") from None
    except ValueError as e:  # an integer of more than 4,300 digits
        raise UsageError(f"cannot read {what} {path!r}: a number is too long ({str(e)[:60]}…) "
                         "(E-INPUT-NUMBER)") from None
    if not isinstance(data, dict):
        raise UsageError(f"cannot read {what} {path!r}: want a JSON object")
    return data


def read_declarations(path: str | None, what: str) -> dict[str, str] | None:
    """A ``fieldTypes``/``schema`` file: a JSON object from schema path to type name."""
    if path is None:
        return None
    data = read_json_object(path, what)
    check_declarations(data, f"{what} {path!r}")
    return data


def check_declarations(data: Mapping[str, Any], where: str) -> None:
    bad = next((k for k, v in data.items() if not isinstance(v, str)), None)
    if bad is not None:
        raise UsageError(f"{where}: the type of {bad!r} must be a string")
    try:  # unknown type names, malformed or over-long paths
        Declarations.build(data, None)
    except ValueError as e:
        raise UsageError(f"{where}: {e}") from None


def load_context(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    data = read_json_object(path, "context file")
    where = f"context file {path!r}"
    for key, value in data.items():
        if key not in _CONTEXT_KEYS:
            raise UsageError(f"{where}: unknown key {key!r} (want one of {', '.join(_CONTEXT_KEYS)})")
        if not isinstance(value, _CONTEXT_KEYS[key]) or isinstance(value, bool):
            raise UsageError(f"{where}: {key!r} has the wrong JSON type")
    for key in ("fieldTypes", "schema"):
        check_declarations(data.get(key, {}), f"{where}: {key!r}")
    return data


def describe(value: Any, static_type: str | None = None) -> str:
    """``type value`` for people: ``integer 24``, ``string "a"``, ``listString ["a"]``."""
    if value is None:
        return "null"
    return f"{type_name(value, static_type)} {_human_text(value)}"


def _human_text(value: Any) -> str:
    from jexpr.runtime import render

    if isinstance(value, str | list | tuple | Mapping):
        return json.dumps(to_json(value), ensure_ascii=False)
    text = render.render_value(value)
    return "null" if text is None else text


def type_name(value: Any, static_type: str | None = None) -> str:
    """The jexpr type of a runtime value; a list uses the static type when it is a list type."""
    if isinstance(value, list | tuple):
        if static_type and static_type.startswith("list"):
            return static_type
        return _list_type(value)
    return _scalar_type(value)


def _scalar_type(value: Any) -> str:
    checks: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "boolean"), (int, "integer"), (float, "decimal"), (str, "string"),
        (dt.datetime, "dateTime"), (dt.date, "dateOnly"), (dt.timedelta, "duration"),
        (Mapping, "object"),
    ]
    if value is None:
        return "null"
    if isinstance(value, dt.datetime) and value.utcoffset() is None:
        return "dateTimeOnly"
    return next((name for kind, name in checks if isinstance(value, kind)), "any")


def _list_type(items: Sequence[Any]) -> str:
    kinds = {_scalar_type(v) for v in items if v is not None}
    if len(kinds) != 1:
        return "list"
    kind = kinds.pop()
    return "list" + kind[0].upper() + kind[1:]


def install_hint(extra: str) -> str:
    """A command that installs an optional extra (``repl``, ``lsp``) into this interpreter and
    works as printed: from the repository checkout the package runs from (an editable install),
    else the extra's own packages by name (the project itself is not on PyPI)."""
    root = Path(__file__).resolve().parents[2]
    python = sys.executable or "python3"
    if (root / "pyproject.toml").is_file():
        return f"{python} -m pip install -e '{root}[{extra}]'"
    try:
        from importlib.metadata import requires

        wanted = [r.split(";")[0].strip() for r in requires("jexpr") or []
                  if re.search(rf"""extra\s*==\s*["']{extra}["']""", r)]
    except Exception:  # not installed as a distribution at all
        wanted = []
    if not wanted:
        wanted = {"repl": ["prompt_toolkit", "pygments"], "lsp": ["pygls", "lsprotocol"]}.get(
            extra, [])
    return f"{python} -m pip install " + " ".join(f"'{w}'" for w in wanted)
