"""Hostile ``.journey`` texts against ``jengine check`` and ``jengine fmt``: never a traceback.

Hypothesis builds texts three ways — token soups over the journey vocabulary, the bundled
examples with random cuts, insertions and deletions, and raw text (any code points, NUL,
lone surrogates escaped) — and runs the real command line in-process on a temporary
workspace. ``check`` must end with status 0 (clean or warnings) or 1 (errors) and print
``file:line:col: severity code message`` lines whose positions lie inside the text; ``fmt``
must either refuse with status 1 or produce text that re-parses to the same AST and is a fixed
point. The same three generators feed the front-end's linear-time benchmark
(``benchmarks/bench_frontend.py``).
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jengine.cli import main
from jengine.lang.ast import dump
from jengine.lang.fmt import FormatError, format_text
from jengine.lang.parse import parse
from textgen import mutants, soups

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "workspace")
                  .glob("*.journey"))
EXAMPLE_TEXTS = [p.read_text(encoding="utf-8") for p in EXAMPLES]
WORDS = [
    "event", "journey", "action", "datasource", "audience", "entry", "on", "exit", "when",
    "email", "sms", "push", "wait", "until", "condition", "split", "await", "after", "jump",
    "end", "else", "error", "->", "{", "}", "(", ")", "[", "]", ":", ",", ".", "%", "<", ">",
    "namespace", "key", "fields", "string", "list", "map", "url", "method", "POST", "headers",
    "secret", "timezone", "reentrance", "reentrence", "timeout", "version", "window", "to",
    "fieldgroup", "params", "update", "profile", "time", "date", "between", "cap", "opened",
    "@event{", "#{", "@action{", '"s"', "'q'", "1d", "3h", "09:00", "2026-01-01T00:00:00Z",
    "12", "1.5", "true", "null", "and", "or", "not", "//c\n", "/*", "*/", "\n", "  ", "x",
    "E", "a.b", "\\", "\u00a0", "\ufeff", "\x00",
]
_LINE = re.compile(r"^(.+?):(\d+):(\d+): (error|warning) ([JEW]-[A-Z0-9-]+) ", re.M)


def raw() -> st.SearchStrategy[str]:
    return st.text(st.characters(exclude_categories=("Cs",)), max_size=300)


TEXTS = st.one_of(soups(WORDS, 120), mutants(EXAMPLE_TEXTS, WORDS, edits=4, max_delete=40),
                  raw())


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


UNCLOSED_COMMENT = "/*" + "// an example line\n" * 60  # once 2**60 steps in the lexer


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
@example(UNCLOSED_COMMENT)
def test_check_never_crashes(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.journey"
        path.write_text(text, encoding="utf-8")
        status, out, err = _run("check", tmp)
    assert status in (0, 1), err
    assert "Traceback" not in out + err and "internal error" not in err
    lines = text.splitlines() or [""]
    for m in _LINE.finditer(out):
        line, col = int(m.group(2)), int(m.group(3))
        assert 1 <= line <= len(lines) + 1 and col >= 1, m.group(0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
@example(UNCLOSED_COMMENT)
def test_fmt_refuses_or_round_trips(text: str) -> None:
    try:
        once = format_text(text)
    except FormatError:
        return
    assert format_text(once) == once
    assert dump(parse(once).file) == dump(parse(text).file)


def test_an_unclosed_block_comment_is_reported_at_its_start() -> None:
    result = parse("event E { namespace email }\n" + UNCLOSED_COMMENT)
    assert [(d.code, d.message, d.span.start_line) for d in result.diagnostics] == [
        ("J-SYNTAX", "this '/*' comment is never closed", 1)]
