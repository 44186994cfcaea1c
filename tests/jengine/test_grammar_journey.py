"""journey.lark builds under strict=True, imports (never copies) jexpr.lark, and every alias has
a builder method."""

from __future__ import annotations

import re
from pathlib import Path

from jengine.lang.build import JourneyBuilder
from jengine.lang.parse import journey_parser, parse
from jexpr.syntax.grammar import grammar_dir

GRAMMAR = grammar_dir() / "journey.lark"


def test_builds_strict() -> None:
    parser = journey_parser()
    assert parser.options.strict and parser.options.parser == "lalr"
    assert parser.options.lexer == "contextual"


def test_expression_grammar_is_imported_not_copied() -> None:
    text = GRAMMAR.read_text(encoding="utf-8")
    assert "%import .jexpr.expr -> jexpr__expr" in text
    assert "or_expr" not in text and "SEGMENT" not in text


def test_every_alias_has_a_builder_method() -> None:
    text = GRAMMAR.read_text(encoding="utf-8")
    aliases = set(re.findall(r"->\s*([a-z_]+)\s*$", text, re.M)) - {"jexpr__expr"}
    assert len(aliases) > 40
    assert {a for a in aliases if not hasattr(JourneyBuilder, a)} == set()


def test_comments_everywhere_and_date_keyword() -> None:
    text = """journey j {
      entry on event E when /* c */ @event{E.a /* in a reference */} == 1 // tail
      c: condition {
        a: 10 // 2 > 1 -> b
          -> d
        b: date between 2026-01-01T00:00:00Z and 2027-01-01T00:00:00Z -> d
        t: date("2026-01-01") == date("2026-01-01") -> d
        w: time on mon, fri between 22:00 and 06:00 -> d
      }
      d: end
    }"""
    result = parse(text)
    assert result.diagnostics == []
    assert len(result.file.comments) == 4


def test_commas_optional() -> None:
    a = parse('event E { namespace n key 1 fields { a: string, b: integer, } }')
    b = parse('event E { namespace n key 1 fields { a: string b: integer } }')
    assert a.diagnostics == b.diagnostics == []
    from jengine.lang.ast import dump
    assert dump(a.file) == dump(b.file)


def test_grammar_file_is_packaged_next_to_jexpr() -> None:
    assert (Path(GRAMMAR).parent / "jexpr.lark").is_file()


def test_every_keyword_is_a_valid_label() -> None:
    """Words of the grammar stay usable as field, parameter and setting names: a keyword added
    for one clause (``token`` of ``auth custom``, ``from`` of ``cache from``) must not break
    ``fields { token: string }`` or ``token: secret("…")`` elsewhere."""
    text = GRAMMAR.read_text(encoding="utf-8")
    words = sorted(set(re.findall(r'"([A-Za-z]+)"', text)) - {"else", "on", "and", "or", "is",
                                                               "has", "not", "null", "true",
                                                               "false", "if", "then"})
    assert len(words) > 100
    fields = ", ".join(f"{w}: string" for w in words)
    params = ", ".join(f"{w}: 1" for w in words)
    settings = ", ".join(f'{w}: "x"' for w in words)
    source = (f"event E {{ namespace email  key @event{{E.{words[0]}}}  fields {{ {fields} }} }}\n"
              f"channel c email {{ {settings} }}\n"
              f"journey j {{\n  entry on event E\n  s: email {{ {params} }}\n}}\n")
    assert [d.message for d in parse(source, "labels.journey").diagnostics] == []
