"""Scenario files: a journey run with its inputs and expected outputs (docs/scenarios.md).

A scenario is one JSON file, ``*.scenario.json``: the workspace it runs (a folder, or the
``.journey`` texts inline), a ``start`` instant, the profiles, the input events with times
relative to ``start`` (``"+3d"``, ``"+1d2h30m"``) or absolute, stubbed HTTP endpoints for custom
actions and data sources, ``until``, run options, and the expectations: the outbox deliveries,
the path of every profile through every journey, the dead letters, optionally the HTTP requests
and journal lines. This module reads and validates the file into a :class:`Scenario`
(:func:`load_scenario`; a malformed file raises :class:`ScenarioError` naming the field) and
runs it (:func:`run_scenario`): the inputs are written to a temporary folder, the engine runs
once through :func:`jengine.runtime.runner.run` with a :class:`~jengine.testing.stubhttp.StubTransport`, and
:mod:`jengine.testing.expect` compares the output files with the expectations. Folders of
scenarios, coverage and the ``jengine test`` command are in :mod:`jengine.testing.suite`.

Times: every time in a scenario is either an X§12.2 offset date-time or ``start`` plus or minus a
DURATION of the journey language (``"+0s"``, ``"+3d"``, ``"-1h"``, ``"+1d12h"``); expected
times compare as instants, so ``"+1d"`` matches ``"2026-12-02T10:00Z"`` when ``start`` is
``2026-12-01T10:00:00Z``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jengine.lang.confine import OutsideFolder, check_name, confined, read_confined
from jengine.lang.literals import duration_ms
from jengine.testing.stubhttp import Reply, Stub, StubTransport
from jexpr.runtime.temporal import parse_offset_datetime

__all__ = ["Expectations", "Outputs", "Scenario", "ScenarioError", "ScenarioResult",
           "load_scenario", "parse_duration", "parse_time", "stub_transport"]

Json = dict[str, Any]
_RELATIVE = re.compile(r"^([+-])\s*([0-9a-z]+)$")
SUFFIX = ".scenario.json"
MAX_SCENARIO_BYTES = 10_000_000   # a scenario file, or a profiles file it names


class ScenarioError(ValueError):
    """A scenario file that cannot be read or does not follow the format."""


# ---------------------------------------------------------------------------------------------
# Times


def parse_time(value: Any, start: dt.datetime | None, where: str) -> dt.datetime:
    """An absolute offset date-time, or ``start`` ± a journey DURATION (``"+3d"``)."""
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: a time must be a string, got {json.dumps(value)}")
    match = _RELATIVE.match(value.strip())
    if match is None:
        instant = parse_offset_datetime(value.strip())
        if instant is None:
            raise ScenarioError(f"{where}: not an instant or a relative time: {value!r}")
        return instant
    if start is None:
        raise ScenarioError(f"{where}: a relative time needs `start`")
    delta = parse_duration(match.group(2), where)
    return start - delta if match.group(1) == "-" else start + delta


def parse_duration(value: Any, where: str) -> dt.timedelta:
    """A DURATION of the journey language (``3d``, ``1d12h``, ``250ms``), or zero (``0s``)."""
    text = str(value).strip()
    ms = 0 if re.fullmatch(r"0+(ms|d|h|m|s)", text) else duration_ms(text)
    if ms is None or not re.fullmatch(r"([0-9]+(ms|d|h|m|s))+", text):
        raise ScenarioError(f"{where}: not a duration: {value!r} (write e.g. 3d, 1d12h, 30m)")
    return dt.timedelta(milliseconds=ms)


def render_time(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")


# ---------------------------------------------------------------------------------------------
# The model of a scenario


@dataclass(frozen=True)
class Expectations:
    """What the run must produce; ``None`` means "not checked"."""

    outbox: list[Json] | None = None
    paths: dict[str, dict[str, list[Any]]] | None = None
    ignore_other_paths: bool = False
    dead_letters: list[Json] | None = field(default_factory=list)
    requests: list[Json] | None = None
    journal: list[Json] | None = None


@dataclass(frozen=True)
class Scenario:
    """A scenario file, read and validated; every time already absolute."""

    path: Path
    name: str
    description: str
    workspace: Path | None
    inline: Mapping[str, str]
    start: dt.datetime | None
    profiles: list[Json]
    events: list[str]
    stubs: list[Json]
    env: Mapping[str, str]
    until: dt.datetime | None
    test_mode: bool
    test_wait: dt.timedelta | None
    dry_run: bool
    batch_size: int
    expect: Expectations
    journeys: tuple[str, ...]
    dry_run_datasources: bool = False


@dataclass(frozen=True)
class Outputs:
    """The engine's output files of a run, parsed, and the HTTP requests it made."""

    outbox: list[Json]
    journal: list[Json]
    dead_letters: list[Json]
    requests: list[Json]
    status: int
    messages: list[str]


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    outputs: Outputs | None
    mismatches: list[str]

    @property
    def passed(self) -> bool:
        return not self.mismatches


# ---------------------------------------------------------------------------------------------
# Loading

_TOP = {"description", "workspace", "start", "profiles", "events", "http", "env", "until",
        "options", "expect", "journeys", "$schema"}
_EXPECT = {"outbox", "paths", "ignoreOtherPaths", "deadLetters", "requests", "journal"}
_OPTIONS = {"test", "testWait", "dryRun", "dryRunDataSources", "batchSize"}


def load_scenario(path: Path, roots: Sequence[Path] | None = None) -> Scenario:
    """Read and validate a scenario file (``ScenarioError`` names the faulty field). Every
    path it names — the file itself, ``workspace``, ``profiles`` — must stay inside one of
    ``roots`` (the folder ``jengine test`` was given; by default the scenario's folder), and
    inline workspace file names inside the workspace folder (:mod:`jengine.lang.confine`)."""
    root = [path.parent] if roots is None else list(roots)
    try:
        data = json.loads(read_confined(path, root, MAX_SCENARIO_BYTES).decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ScenarioError(f"{path}: cannot read: {e}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario is a JSON object")
    try:
        return _scenario(path, data, root)
    except OutsideFolder as e:
        raise ScenarioError(f"{path}: {e}") from None
    except ScenarioError as e:
        raise ScenarioError(f"{path}: {e}") from None


def _keys(obj: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise ScenarioError(f"{where}: unknown field(s) {', '.join(unknown)} "
                            f"(allowed: {', '.join(sorted(allowed))})")


def _scenario(path: Path, data: Json, root: list[Path]) -> Scenario:
    _keys(data, _TOP, "scenario")
    start = parse_time(data["start"], None, "start") if "start" in data else None
    workspace, inline = _workspace(path, data.get("workspace"), root)
    options = _object(data.get("options", {}), "options")
    _keys(options, _OPTIONS, "options")
    expect = _expectations(_object(data.get("expect", {}), "expect"), start)
    return Scenario(
        path=path, name=path.name.removesuffix(SUFFIX), description=str(data.get("description", "")),
        workspace=workspace, inline=inline, start=start,
        profiles=_profiles(path, data.get("profiles", []), root),
        events=[_event_line(e, start, f"events[{i}]")
                for i, e in enumerate(_list(data.get("events", []), "events"))],
        stubs=_list(data.get("http", []), "http"), env=_strings(data.get("env", {}), "env"),
        until=parse_time(data["until"], start, "until") if "until" in data else None,
        test_mode=bool(options.get("test", False)),
        test_wait=(parse_duration(options["testWait"], "options.testWait")
                   if "testWait" in options else None),
        dry_run=bool(options.get("dryRun", False)),
        batch_size=int(options.get("batchSize", 500)), expect=expect,
        journeys=tuple(_list(data.get("journeys", []), "journeys")) or _mentioned(expect),
        dry_run_datasources=bool(options.get("dryRunDataSources", False)))


def _object(value: Any, where: str) -> Json:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: must be an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScenarioError(f"{where}: must be a list")
    return value


def _strings(value: Any, where: str) -> dict[str, str]:
    obj = _object(value, where)
    if not all(isinstance(v, str) for v in obj.values()):
        raise ScenarioError(f"{where}: values must be strings")
    return dict(obj)


def _workspace(path: Path, value: Any, root: list[Path]) -> tuple[Path | None, dict[str, str]]:
    if isinstance(value, dict):
        files = _strings(value, "workspace")
        for name in files:
            check_name(name)
        return None, files
    if isinstance(value, str):
        folder = confined(path.parent / value, root)
        if not folder.is_dir():
            raise ScenarioError(f"workspace: no such folder: {folder}")
        return folder, {}
    if value is not None:
        raise ScenarioError("workspace: a folder path or an object {file name: text}")
    return _nearest_workspace(path), {}


def _nearest_workspace(path: Path) -> Path:
    for folder in path.resolve().parents:
        if any(folder.glob("*.journey")):
            return folder
    raise ScenarioError("no `workspace` given and no folder above holds *.journey files")


def _profiles(path: Path, value: Any, root: list[Path]) -> list[Json]:
    if isinstance(value, str):
        try:
            data = read_confined(path.parent / value, root, MAX_SCENARIO_BYTES)
            lines = data.decode("utf-8").splitlines()
            items = [json.loads(line) for line in lines if line.strip()]
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
            raise ScenarioError(f"profiles: cannot read {value}: {e}") from None
        for i, item in enumerate(items):
            _object(item, f"profiles line {i + 1}")
        return items
    items = _list(value, "profiles")
    for i, item in enumerate(items):
        _object(item, f"profiles[{i}]")
    return items


def _event_line(item: Any, start: dt.datetime | None, where: str) -> str:
    """One input line of the events file (§5.1) from a scenario event item."""
    if isinstance(item, dict) and set(item) == {"raw"} and isinstance(item["raw"], str):
        return item["raw"]
    obj = _object(item, where)
    _keys(obj, {"at", "event", "payload", "reaction", "audience", "comment"}, where)
    line: Json = {}
    event, payload = _kind(obj, where)
    if event is not None:
        line["event"] = event
    if "at" in obj:
        line["time"] = render_time(parse_time(obj["at"], start, f"{where}.at"))
    line["payload"] = payload
    return json.dumps(line, ensure_ascii=False)


def _kind(obj: Json, where: str) -> tuple[str | None, Any]:
    if "reaction" in obj:
        return "@reaction", {"version": 1, **_object(obj["reaction"], f"{where}.reaction")}
    if "audience" in obj:
        return "@audience", _object(obj["audience"], f"{where}.audience")
    return obj.get("event"), obj.get("payload", {})


def _expectations(obj: Json, start: dt.datetime | None) -> Expectations:
    _keys(obj, _EXPECT, "expect")
    return Expectations(
        outbox=_timed(obj.get("outbox"), start, "expect.outbox"),
        paths=_paths(obj.get("paths"), start),
        ignore_other_paths=bool(obj.get("ignoreOtherPaths", False)),
        dead_letters=_timed(obj.get("deadLetters", []), start, "expect.deadLetters"),
        requests=None if obj.get("requests") is None else _list(obj["requests"], "requests"),
        journal=_timed(obj.get("journal"), start, "expect.journal"))


def _timed(value: Any, start: dt.datetime | None, where: str) -> list[Json] | None:
    """Expected lines; an ``at``/``time`` becomes an absolute ``time`` instant (text)."""
    if value is None:
        return None
    items = []
    for i, item in enumerate(_list(value, where)):
        obj = dict(_object(item, f"{where}[{i}]"))
        if "at" in obj:
            obj["time"] = render_time(parse_time(obj.pop("at"), start, f"{where}[{i}].at"))
        elif "time" in obj:
            obj["time"] = render_time(parse_time(obj["time"], start, f"{where}[{i}].time"))
        items.append(obj)
    return items


def _paths(value: Any, start: dt.datetime | None) -> dict[str, dict[str, list[Any]]] | None:
    if value is None:
        return None
    out: dict[str, dict[str, list[Any]]] = {}
    for profile, journeys in _object(value, "expect.paths").items():
        out[profile] = {}
        for journey, tokens in _object(journeys, f"expect.paths.{profile}").items():
            where = f"expect.paths.{profile}.{journey}"
            out[profile][journey] = [_token(t, start, f"{where}[{i}]")
                                     for i, t in enumerate(_list(tokens, where))]
    return out


def _token(token: Any, start: dt.datetime | None, where: str) -> Any:
    """A path token; ``"step@+3d"`` gets its time made absolute (``"step@<instant>"``)."""
    if isinstance(token, dict):
        return _timed([token], start, where)[0]  # type: ignore[index]
    if not isinstance(token, str):
        raise ScenarioError(f"{where}: a path token is a string or an object")
    if "@" not in token:
        return token
    head, _, when = token.rpartition("@")
    return f"{head}@{render_time(parse_time(when, start, where))}"


def _mentioned(expect: Expectations) -> tuple[str, ...]:
    names = {line.get("journey") for line in expect.outbox or []}
    names |= {j for journeys in (expect.paths or {}).values() for j in journeys}
    return tuple(sorted(n for n in names if isinstance(n, str) and n != "-"))


# ---------------------------------------------------------------------------------------------
# Running


def stub_transport(scenario: Scenario) -> StubTransport:
    """The scripted transport of a scenario's ``http`` section."""
    return StubTransport([_stub(s, f"http[{i}]") for i, s in enumerate(scenario.stubs)])


def _stub(obj: Any, where: str) -> Stub:
    obj = _object(obj, where)
    _keys(obj, {"url", "method", "query", "replies", "comment"}, where)
    replies = [_reply(r, f"{where}.replies[{i}]")
               for i, r in enumerate(_list(obj.get("replies", [{}]), f"{where}.replies"))]
    if "url" not in obj or not replies:
        raise ScenarioError(f"{where}: a stub needs `url` and at least one reply")
    return Stub(url=str(obj["url"]), replies=replies, method=obj.get("method"),
                query=_object(obj.get("query", {}), f"{where}.query"))


def _reply(obj: Any, where: str) -> Reply:
    obj = _object(obj, where)
    _keys(obj, {"status", "body", "delay", "error", "headers"}, where)
    delay = parse_duration(obj["delay"], f"{where}.delay") if "delay" in obj else dt.timedelta(0)
    if obj.get("error") not in (None, "network", "timeout"):
        raise ScenarioError(f"{where}.error: \"network\" or \"timeout\"")
    headers = _object(obj.get("headers", {}), f"{where}.headers")
    return Reply(status=int(obj.get("status", 200)), body=obj.get("body"), delay=delay,
                 error=obj.get("error"), headers={str(k): str(v) for k, v in headers.items()})
