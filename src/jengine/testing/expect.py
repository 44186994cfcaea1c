"""Comparing a scenario run's outputs with its expectations (docs/scenarios.md, "expect").

Matching is by *subset*: an expected object matches an actual one when every key it gives
matches (recursively for objects, element by element for lists, by value for scalars, with
``true`` never equal to ``1``); times (``time``, ``eventTime``) compare as instants. Lists of
expected lines (outbox, dead letters, requests) must match the actual lines one to one, in
order; ``journal`` lines must appear in order, others may come between them. Paths compare
exactly, token by token (:func:`path_tokens` renders the journal of one profile in one journey).

Every mismatch is one message saying where (``outbox[3].step``), what was expected and what was
got; a mismatching outbox or path section also lists what the run actually produced, in the
scenario's own notation, so a failing scenario can be fixed by reading its report.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from jengine.lang.literals import format_duration
from jengine.testing.scenario import Json, Outputs, Scenario
from jexpr.runtime.temporal import parse_offset_datetime

__all__ = ["compare", "line_token", "path_tokens", "paths_of", "relative"]

_TIME_KEYS = frozenset({"time", "eventTime"})
_SHOWN = 5          # index mismatches reported per section before "…"


def compare(scenario: Scenario, out: Outputs) -> list[str]:
    """Every mismatch between the scenario's expectations and the run's outputs."""
    if out.status != 0:
        return [f"the run did not complete (status {out.status}): " + "; ".join(out.messages)]
    expect, start = scenario.expect, scenario.start
    problems: list[str] = []
    if expect.outbox is not None:
        problems += _lines("outbox", expect.outbox, out.outbox, start, _outbox_text)
    if expect.dead_letters is not None:
        problems += _lines("deadLetters", expect.dead_letters, out.dead_letters, start,
                           lambda d, _s: json.dumps(d, ensure_ascii=False))
    if expect.requests is not None:
        problems += _lines("requests", expect.requests, out.requests, start, _request_text)
    if expect.journal is not None:
        problems += _journal(expect.journal, out.journal)
    if expect.paths is not None:
        problems += _paths(expect.paths, paths_of(out.journal), start,
                           expect.ignore_other_paths)
    return problems


# ---------------------------------------------------------------------------------------------
# Subset matching


def diff(expected: Any, actual: Any, where: str, key: str = "") -> list[str]:
    """Where ``actual`` does not match the subset ``expected`` (empty: it matches)."""
    if key in _TIME_KEYS and isinstance(expected, str) and isinstance(actual, str):
        same = _instant(expected) == _instant(actual) and _instant(expected) is not None
        return [] if same else [f"{where}: expected {expected}, got {actual}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {_show(actual)}"]
        return [p for k, v in expected.items()
                for p in (diff(v, actual[k], f"{where}.{k}", k) if k in actual
                          else [f"{where}.{k}: missing (expected {_show(v)})"])]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {_show(expected)}, got {_show(actual)}"]
        return [p for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for p in diff(e, a, f"{where}[{i}]")]
    if type(expected) is bool or type(actual) is bool:
        same = type(expected) is type(actual) and expected == actual
    else:
        same = expected == actual
    return [] if same else [f"{where}: expected {_show(expected)}, got {_show(actual)}"]


def _instant(text: str) -> dt.datetime | None:
    return parse_offset_datetime(text)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def relative(text: Any, start: dt.datetime | None) -> str:
    """A time as the scenario would write it: ``+3d2h`` from ``start`` (else absolute)."""
    t = _instant(text) if isinstance(text, str) else None
    if t is None or start is None:
        return str(text)
    delta = t - start
    sign = "-" if delta < dt.timedelta(0) else "+"
    ms = abs(delta) // dt.timedelta(milliseconds=1)
    return sign + format_duration(ms) if ms else "+0s"


# ---------------------------------------------------------------------------------------------
# Line lists


def _lines(section: str, expected: list[Json], actual: list[Json], start: dt.datetime | None,
           text: Any) -> list[str]:
    problems: list[str] = []
    for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
        problems += diff(e, a, f"{section}[{i}]")
    problems = _trim(problems)
    if len(expected) != len(actual):
        problems.append(_count(section, expected, actual, start, text))
    if problems:
        listing = "\n".join(f"    [{i}] {text(a, start)}" for i, a in enumerate(actual))
        problems.append(f"{section}: the run produced {len(actual)} line(s):\n{listing}"
                        if actual else f"{section}: the run produced no line")
    return problems


def _trim(problems: list[str]) -> list[str]:
    if len(problems) <= _SHOWN:
        return problems
    return [*problems[:_SHOWN], f"… and {len(problems) - _SHOWN} more difference(s)"]


def _count(section: str, expected: list[Json], actual: list[Json], start: dt.datetime | None,
           text: Any) -> str:
    if len(actual) > len(expected):
        extra = "; ".join(text(a, start) for a in actual[len(expected):][:3])
        return f"{section}: expected {len(expected)} line(s), got {len(actual)}; extra: {extra}"
    missing = "; ".join(_show(e) for e in expected[len(actual):][:3])
    return f"{section}: expected {len(expected)} line(s), got {len(actual)}; missing: {missing}"


def _outbox_text(line: Json, start: dt.datetime | None) -> str:
    params = line.get("params") or {}
    shown = ", ".join(f"{k}={_show(v)}" for k, v in params.items())
    return (f"{relative(line.get('time'), start)} {line.get('journey')}/{line.get('step')} "
            f"{line.get('profile')} {line.get('action')} {line.get('status')} {{{shown}}}")


def _request_text(req: Json, _start: dt.datetime | None) -> str:
    query = "&".join(f"{k}={v}" for k, v in (req.get("query") or {}).items())
    return f"{req.get('method')} {req.get('url')}{'?' + query if query else ''} {_show(req.get('body'))}"


def _journal(expected: list[Json], actual: list[Json]) -> list[str]:
    """Each expected line must match an actual line after the previous match."""
    position = 0
    for i, e in enumerate(expected):
        found = next((k for k in range(position, len(actual)) if not diff(e, actual[k], "")),
                     None)
        if found is None:
            return [f"journal[{i}]: no journal line (after line {position}) matches {_show(e)}"]
        position = found + 1
    return []


# ---------------------------------------------------------------------------------------------
# Paths


def line_token(line: Json) -> str:
    """One journal line as a path token: ``step`` when it completed, else
    ``step:outcome[:reason]`` (no ``step`` part when the line has none)."""
    step, outcome, reason = line.get("step"), line.get("outcome"), line.get("reason")
    if outcome == "completed" and step:
        return str(step)
    parts = [str(p) for p in (step, outcome, reason) if p]
    return ":".join(parts)


def paths_of(journal: Iterable[Json]) -> dict[tuple[str, str], list[Json]]:
    """The journal lines per (profile, journey), in order (``-`` for a missing one)."""
    out: dict[tuple[str, str], list[Json]] = {}
    for line in journal:
        key = (str(line.get("profile") or "-"), str(line.get("journey") or "-"))
        out.setdefault(key, []).append(line)
    return out


def path_tokens(lines: Iterable[Json], start: dt.datetime | None = None,
                timed: bool = False) -> list[str]:
    """The tokens of a path; with ``timed``, each with ``@`` and its time."""
    return [line_token(x) + (f"@{relative(x.get('time'), start)}" if timed else "")
            for x in lines]


def _token_diff(expected: Any, line: Json) -> bool:
    """Whether one expected token matches one journal line."""
    if isinstance(expected, dict):
        return not diff(expected, line, "")
    token, _, when = str(expected).partition("@")
    if token != line_token(line):
        return False
    return not when or _instant(when) == _instant(str(line.get("time")))


def _paths(expected: Mapping[str, Mapping[str, list[Any]]],
           actual: dict[tuple[str, str], list[Json]], start: dt.datetime | None,
           ignore_others: bool) -> list[str]:
    problems = []
    for profile, journeys in expected.items():
        for journey, tokens in journeys.items():
            problems += _path(profile, journey, tokens, actual.get((profile, journey), []), start)
    if not ignore_others:
        wanted = {(p, j) for p, js in expected.items() for j in js}
        problems += [f"paths[{p}][{j}]: not expected, got {_show(path_tokens(lines))}"
                     for (p, j), lines in actual.items() if (p, j) not in wanted]
    return problems


def _path(profile: str, journey: str, tokens: list[Any], lines: list[Json],
          start: dt.datetime | None) -> list[str]:
    if len(tokens) == len(lines) and all(_token_diff(t, x) for t, x in zip(tokens, lines,
                                                                           strict=True)):
        return []
    first = next((i for i, (t, x) in enumerate(zip(tokens, lines, strict=False))
                  if not _token_diff(t, x)), min(len(tokens), len(lines)))
    exp = _shown_token(tokens[first], start) if first < len(tokens) else "(end)"
    got = line_token(lines[first]) + f"@{relative(lines[first].get('time'), start)}" \
        if first < len(lines) else "(end)"
    return [f"paths[{profile}][{journey}]: differs at [{first}]: expected {exp}, got {got}\n"
            f"    expected: {_show([_shown_token(t, start) for t in tokens])}\n"
            f"    got:      {_show(path_tokens(lines, start, timed=True))}"]


def _shown_token(token: Any, start: dt.datetime | None) -> str:
    if isinstance(token, dict):
        return _show(token)
    head, sep, when = str(token).partition("@")
    return head + (f"@{relative(when, start)}" if sep else "")
