"""Formatting: idempotent, comment-preserving, and parse(fmt(x)) == parse(x) (spans aside),
over every example, corpus and test file that parses."""

from __future__ import annotations

from pathlib import Path

import pytest

from jengine.lang.ast import dump
from jengine.lang.fmt import FormatError, format_text
from jengine.lang.parse import parse

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([*(ROOT / "examples").rglob("*.journey"), *Path(__file__).parent.rglob("*.journey")])
FORMATTABLE = [p for p in FILES if not parse(p.read_text(encoding="utf-8"), p.name).diagnostics
               or not any(d.code.startswith(("J-SYNTAX", "E-SYN", "J-NAME-RESERVED"))
                          for d in parse(p.read_text(encoding="utf-8"), p.name).diagnostics)]


def _ids(paths: list[Path]) -> list[str]:
    return [p.relative_to(ROOT).as_posix() for p in paths]


@pytest.mark.parametrize("path", FORMATTABLE, ids=_ids(FORMATTABLE))
def test_round_trip(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    once = format_text(text, path.name)
    assert format_text(once, path.name) == once, "formatting is not idempotent"
    assert dump(parse(once).file) == dump(parse(text).file)
    assert [c.text for c in parse(once).file.comments] == [c.text for c in
                                                           parse(text).file.comments]


def test_canonical_layout() -> None:
    text = ('event E { namespace email key @event{E.a} // the key\n fields { a: string, '
            'b: { c: integer } } }\njourney j "T" { entry on event E\n'
            's: email { to: @event{E.a} /* who */ } -> t  t: end }\n')
    assert format_text(text) == (
        "event E {\n  namespace email\n  key @event{E.a} // the key\n"
        "  fields { a: string, b: { c: integer } }\n}\n\n"
        'journey j "T" {\n  entry on event E\n  s: email {\n    to: @event{E.a} /* who */\n'
        "  } -> t\n  t: end\n}\n")


def test_comments_inside_blocks_and_expressions_survive() -> None:
    text = ("journey j {\n  entry on event E // entry\n\n  // before a\n  a: condition {\n"
            "    c: 10 // not 2 > 1\n      -> b\n    else -> b // fallback\n  }\n"
            "  b: end\n  /* last */\n}\n")
    out = format_text(text)
    assert format_text(out) == out
    for comment in ("// entry", "// before a", "// not 2 > 1", "// fallback", "/* last */"):
        assert comment in out


def test_syntax_errors_refuse_formatting() -> None:
    with pytest.raises(FormatError):
        format_text("journey j { a: emial {} }")


def test_examples_are_formatted() -> None:
    for path in sorted((ROOT / "examples" / "workspace").glob("*.journey")):
        text = path.read_text(encoding="utf-8")
        assert format_text(text, path.name) == text, f"{path.name}: run jengine fmt --write"
        assert all(len(line) <= 100 for line in text.splitlines()), path.name


def test_aligned_trailing_comments_stay_aligned() -> None:
    text = ("action a {\n  url \"https:x\"\n  method POST\n"
            "    retries 2         // first\n    capping 10 per 1h // second\n"
            "  throttle 2 per 1s    // third\n  headers { \"A\": \"b\" }\n  timeout 5s  // alone\n}\n")
    out = format_text(text)
    lines = out.splitlines()
    assert {line.index("//") for line in lines[3:6]} == {23}  # the widest source column
    assert lines[6:8] == ['  headers { "A": "b" }', "  timeout 5s  // alone"]  # padded alone: its column is kept
    assert format_text(out) == out


def test_a_single_space_before_a_comment_stays_single() -> None:
    out = format_text("journey j {\n  entry on event E // entry\n  a: end // done\n}\n")
    assert "  entry on event E // entry\n  a: end // done\n" in out


def test_inline_lists_that_fit_stay_inline_and_expanded_ones_stay_expanded() -> None:
    text = ("event E {\n  namespace email\n  key @event{E.a}\n  fields { a: string, b: integer }\n"
            "}\njourney j {\n  entry on event E\n  s: email {\n    template: \"t\"\n  }\n"
            "  t: email { template: \"u\" }\n}\n")
    out = format_text(text)
    assert "  fields { a: string, b: integer }\n" in out
    assert "  s: email {\n    template: \"t\"\n  }\n" in out
    assert '  t: email { template: "u" }\n' in out


def test_what_does_not_fit_is_wrapped() -> None:
    long_field = ", ".join(f"field{i}: string" for i in range(8))
    cond = " and ".join(f"@event{{E.a}} != \"value{i}\"" for i in range(5))
    text = (f"event E {{\n  namespace email\n  key @event{{E.a}}\n"
            f"  fields {{\n    a: string\n    items: list<{{ {long_field} }}>\n  }}\n}}\n"
            f"journey j {{\n  entry on event E when {cond}\n"
            f"  s: wait until toDateTime(\"2026-01-01T00:00:00Z\") + toDuration(\"PT1H\")"
            f" + toDuration(\"PT2H\") on error -> t\n  t: end\n}}\n")
    out = format_text(text)
    assert all(len(line) <= 100 for line in out.splitlines()), out
    assert "    items: list<{\n      field0: string\n" in out
    assert "\n      and @event{E.a}" in out
    assert "\n    on error -> t\n" in out
    assert format_text(out) == out
    assert dump(parse(out).file) == dump(parse(text).file)


def test_formatting_is_linear_in_the_number_of_comments() -> None:
    """Many comments format (the speed itself is benchmarks/bench_frontend.py's figure)."""
    body = "".join(f"  s{i}: end // step {i}\n" for i in range(2000))
    out = format_text("journey j {\n  entry on event E\n" + body + "}\n")
    assert out.count("//") == 2000
