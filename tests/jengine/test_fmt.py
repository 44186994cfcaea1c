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
        "event E {\n  namespace email\n  key @event{E.a} // the key\n  fields {\n"
        "    a: string\n    b: { c: integer }\n  }\n}\n\n"
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
