"""The grammars build under strict=True, and every alias has a handler in the AST builder."""

from __future__ import annotations

import re

from jexpr.syntax.grammar import expression_parser, grammar_dir
from jexpr.syntax.parse import AstBuilder


def test_expression_grammar_builds_strict() -> None:
    parser = expression_parser()
    assert parser.options.strict
    assert parser.parse("1 + 2") is not None


def test_every_alias_is_built() -> None:
    text = (grammar_dir() / "jexpr.lark").read_text(encoding="utf-8")
    code = re.sub(r"//[^\n]*", "", text)
    aliases = set(re.findall(r"->\s*([a-z_]+)", code))
    assert aliases, "the grammar names its alternatives"
    missing = sorted(a for a in aliases if not hasattr(AstBuilder, a))
    assert missing == []


def test_grammar_ships_with_package_or_repository() -> None:
    assert (grammar_dir() / "jexpr.lark").is_file()
