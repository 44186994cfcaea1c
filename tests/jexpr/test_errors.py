"""Golden-file test of static diagnostics: source, caret line, message and hint together.

Every ``tests/jexpr/errors/NAME.jexpr`` holds cases (format: ``tests/jexpr/errors/README.md``).
Each case is checked with :func:`jexpr.checker.check` and rendered with
:func:`jexpr.report.format_diagnostic`; the rendering of the whole file must equal
``NAME.golden`` byte for byte. ``pytest --update-goldens`` rewrites the golden files instead of
comparing (review the diff before committing).

Independently of the goldens, every case must report at least one diagnostic, and every range
(and quick-fix range) must lie within the case's source.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import jexpr
from jexpr.diagnostics import Diagnostic
from jexpr.report import format_diagnostic
from jexpr.source import Span

ERRORS_DIR = Path(__file__).parent / "errors"
CASE_FILES = sorted(ERRORS_DIR.glob("*.jexpr"))

SEPARATOR = "---"
HEADER_PREFIX = "#! "
HEADER_KEYS = ("mistake", "fieldTypes", "schema", "usage")
DIAGNOSTICS_MARKER = "=== diagnostics"
MIN_KINDS = 50

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class Case:
    """One expression to check, with the declarations and usage it is checked under."""

    file: str
    number: int  # 1-based position in its file
    line: int  # 1-based line of the case's first line in its file
    headers: list[str] = field(default_factory=list)  # the "#! …" lines, verbatim
    mistake: str = ""
    field_types: dict[str, str] | None = None
    schema: dict[str, str] | None = None
    usage: str = "value"
    text: str = ""

    @property
    def name(self) -> str:
        return f"{self.file}#{self.number}"


def parse_case_file(path: Path) -> list[Case]:
    """The cases of a chunked case file (README.md describes the format)."""
    raw = path.read_text(encoding="utf-8")
    if raw.endswith("\n"):
        raw = raw[:-1]
    chunks: list[tuple[int, list[str]]] = [(1, [])]
    for number, line in enumerate(raw.split("\n"), start=1):
        if line == SEPARATOR:
            chunks.append((number + 1, []))
        else:
            chunks[-1][1].append(line)
    cases = []
    for index, (first_line, lines) in enumerate(chunks, start=1):
        case = Case(path.name, index, first_line)
        body = list(lines)
        while body and body[0] == "":
            body.pop(0)
        while body and body[0].startswith(HEADER_PREFIX):
            _apply_header(case, body.pop(0), path)
        while body and body[0] == "":
            body.pop(0)
        while body and body[-1] == "":
            body.pop()
        case.text = "\n".join(body)
        if not case.text:
            raise ValueError(f"{path.name}:{first_line}: case {index} has no expression text")
        if not case.mistake:
            raise ValueError(f"{path.name}:{first_line}: case {index} has no '#! mistake:' header")
        cases.append(case)
    return cases


def _apply_header(case: Case, line: str, path: Path) -> None:
    key, sep, value = line[len(HEADER_PREFIX):].partition(":")
    key, value = key.strip(), value.strip()
    where = f"{path.name}:{case.line}: case {case.number}"
    if not sep or key not in HEADER_KEYS:
        raise ValueError(f"{where}: bad header {line!r}; keys are {', '.join(HEADER_KEYS)}")
    case.headers.append(line)
    if key == "mistake":
        case.mistake = value
    elif key == "usage":
        case.usage = value
    else:
        decoded: Any = json.loads(value)
        if not isinstance(decoded, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in decoded.items()
        ):
            raise ValueError(f"{where}: {key} must be a JSON object of strings")
        if key == "fieldTypes":
            case.field_types = decoded
        else:
            case.schema = decoded


def check_case(case: Case) -> list[Diagnostic]:
    return jexpr.check(case.text, fieldTypes=case.field_types, schema=case.schema,
                       usage=case.usage)


def _position(span: Span, which: str) -> str:
    line = span.start_line if which == "start" else span.end_line
    column = span.start_column if which == "start" else span.end_column
    return f"{line + 1}:{column + 1}"


def render_diagnostic(diag: Diagnostic, case: Case) -> str:
    """format_diagnostic's block, plus a ``  fix:`` line when there is a quick fix."""
    out = format_diagnostic(diag, case.text, case.name)
    if diag.fix is not None:
        span = diag.fix.span
        out += (f"\n  fix: replace {_position(span, 'start')}-{_position(span, 'end')}"
                f" with {json.dumps(diag.fix.new_text, ensure_ascii=False)}")
    return out


def render_case(case: Case, diags: list[Diagnostic]) -> str:
    parts = [*case.headers, case.text, DIAGNOSTICS_MARKER]
    parts.extend(render_diagnostic(d, case) for d in diags)
    if not diags:
        parts.append("(no diagnostics)")
    return "\n".join(parts)


def render_file(cases: list[Case]) -> str:
    return f"\n{SEPARATOR}\n".join(render_case(c, check_case(c)) for c in cases) + "\n"


def golden_path(case_file: Path) -> Path:
    return case_file.with_suffix(".golden")


def range_problems(span: Span, text: str, what: str) -> list[str]:
    """Why ``span`` is not a valid range of ``text`` (empty when it is)."""
    lines = _LINE_BREAK.split(text)
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    problems = []
    if not 0 <= span.start <= span.end <= len(text):
        problems.append(f"{what}: offsets {span.start}..{span.end} outside 0..{len(text)}")
    for which, line, column, offset in (
        ("start", span.start_line, span.start_column, span.start),
        ("end", span.end_line, span.end_column, span.end),
    ):
        if not 0 <= line < len(lines):
            problems.append(f"{what}: {which} line {line} outside 0..{len(lines) - 1}")
        elif not 0 <= column <= len(lines[line]):
            problems.append(f"{what}: {which} column {column} outside line {line} "
                            f"(length {len(lines[line])})")
        elif starts[line] + column != offset:
            problems.append(f"{what}: {which} {line}:{column} disagrees with offset {offset}")
    if (span.start_line, span.start_column) > (span.end_line, span.end_column):
        problems.append(f"{what}: start after end")
    return problems


ALL_CASES = [case for path in CASE_FILES for case in parse_case_file(path)]


def test_case_files_exist() -> None:
    assert CASE_FILES, f"no case files in {ERRORS_DIR}"


def test_enough_distinct_mistakes() -> None:
    kinds = [c.mistake for c in ALL_CASES]
    duplicates = sorted({k for k in kinds if kinds.count(k) > 1})
    assert not duplicates, f"mistake names must be unique: {duplicates}"
    assert len(set(kinds)) >= MIN_KINDS


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_case_reports_within_source(case: Case) -> None:
    diags = check_case(case)
    assert diags, f"{case.name} ({case.mistake}): no diagnostic for {case.text!r}"
    problems = []
    for d in diags:
        problems += range_problems(d.span, case.text, f"{d.code} range")
        if d.fix is not None:
            problems += range_problems(d.fix.span, case.text, f"{d.code} fix range")
    assert not problems, f"{case.name}: {problems}"


@pytest.mark.parametrize("case_file", CASE_FILES, ids=lambda p: p.name)
def test_golden(case_file: Path, request: pytest.FixtureRequest) -> None:
    actual = render_file(parse_case_file(case_file))
    golden = golden_path(case_file)
    if request.config.getoption("update_goldens"):
        golden.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert golden.exists(), f"{golden.name} is missing; run pytest --update-goldens"
    with golden.open(encoding="utf-8", newline="") as f:
        expected = f.read()
    assert actual == expected, (
        f"{case_file.name}: diagnostics differ from {golden.name}; "
        "if the change is intended, run pytest --update-goldens and review the diff"
    )
