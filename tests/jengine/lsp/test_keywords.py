"""The keywords of ``grammar/journey.lark`` are the ones the editor knows — they cannot drift.

The grammar is the one place keywords are defined (:mod:`jengine.lang.keywords`). Held to it:

* the corpus ``vscode-extension/test/keywords/keywords.journey`` spells every keyword where the
  grammar takes it as a keyword (found by Lark's own lexer, not by a text search);
* the golden ``keywords.json`` beside it lists those occurrences; the extension's test
  (``keywords.test.cjs``, run by ``vscode-extension/ci.sh``) tokenizes the corpus with the
  TextMate grammar and requires a keyword scope at each of them — so a new keyword fails
  here until the corpus and golden have it (``pytest --update-goldens``), then fails the
  extension's test until the TextMate grammar highlights it;
* completion offers each keyword at each of its occurrences (the text before it), and at a name
  position only the words that are not names there.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from lark import Token

from jengine.lang.keywords import declaration_keywords, journey_keywords
from jengine.lang.parse import journey_parser
from jengine.lsp.analysis import AnalysisCache
from jengine.lsp.features import completion

CORPUS = Path(__file__).parents[3] / "vscode-extension" / "test" / "keywords" / "keywords.journey"
GOLDEN = CORPUS.with_suffix(".json")


def keyword_tokens(text: str) -> list[Token]:
    """The tokens of ``text`` that the parser read as journey keywords, names left out (a
    word before ``:``, after ``.`` or after ``namespace``)."""
    parser = journey_parser()
    patterns = {t.name: t.pattern for t in parser.terminals}
    interactive = parser.parse_interactive(text)
    tokens = list(interactive.iter_parse())
    out = []
    for i, tok in enumerate(tokens):
        pattern = patterns.get(tok.type)
        if pattern is None or pattern.type != "str" or str(tok) not in journey_keywords():
            continue
        after = text[tok.end_pos:].lstrip()
        before = text[:tok.start_pos].rstrip()
        if after.startswith(":") or before.endswith(".") or (
                i and str(tokens[i - 1]) == "namespace"):
            continue
        out.append(tok)
    return out


def occurrences() -> list[list[object]]:
    """``[line, column, word]`` (0-based) of every keyword of the corpus."""
    return [[t.line - 1, t.column - 1, str(t)]
            for t in keyword_tokens(CORPUS.read_text(encoding="utf-8"))]


def test_the_corpus_spells_every_keyword() -> None:
    assert "maxsize" in journey_keywords() and "executions" in journey_keywords()
    assert "true" not in journey_keywords()  # expression words are the jexpr grammar's
    missing = journey_keywords() - {str(w) for _, _, w in occurrences()}
    assert not missing, f"add {sorted(missing)} to {CORPUS.name} where the grammar takes them"


def test_the_golden_lists_the_corpus_keywords(request: pytest.FixtureRequest) -> None:
    actual = {"keywords": sorted(journey_keywords()), "occurrences": occurrences()}
    if request.config.getoption("update_goldens"):
        GOLDEN.write_text(json.dumps(actual, indent=1) + "\n", encoding="utf-8")
        return
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert actual == expected, (f"{GOLDEN.name} is not what the grammar reads in {CORPUS.name}:"
                                " run pytest --update-goldens, then bash vscode-extension/ci.sh")


def test_the_textmate_grammar_names_every_keyword() -> None:
    """A quick static check beside the extension's tokenizing test: every keyword is spelled
    in some ``match`` or ``begin`` rule of the TextMate grammar."""
    grammar = (CORPUS.parents[2] / "syntaxes" / "journey.tmLanguage.json").read_text("utf-8")
    rules: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            rules.extend(v for k, v in node.items() if k in ("match", "begin"))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(grammar))
    spelled = {w for r in rules for w in re.findall(r"[A-Za-z]+", r)}
    assert journey_keywords() - spelled == set()


@pytest.fixture(scope="module")
def corpus_analysis(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, str]:
    root = tmp_path_factory.mktemp("keywords")
    shutil.copy(CORPUS, root / CORPUS.name)
    return AnalysisCache(root).get({}), CORPUS.read_text(encoding="utf-8")


def test_completion_offers_each_keyword_where_the_grammar_takes_it(
        corpus_analysis: tuple[object, str]) -> None:
    analysis, text = corpus_analysis
    starts = [0, *(m.end() for m in re.finditer(r"\n", text))]
    missing = []
    for line, column, word in occurrences():
        offset = starts[int(str(line))] + int(str(column))
        items = completion.complete(analysis, text, offset).items  # type: ignore[arg-type]
        offered = {i.label for i in items if i.kind == completion.K.Keyword}
        if word not in offered:
            missing.append(f"{line + 1}:{column + 1} {word}")
    assert not missing, f"completion does not offer: {missing}"


def test_completion_offers_no_name_words_at_a_name_position(
        corpus_analysis: tuple[object, str]) -> None:
    analysis, _ = corpus_analysis
    for text, expected in (("event E { fields { ", []),
                           ("journey j {\n  entry on event E\n  c: condition {\n    ",
                            ["else", "on"]),
                           ("journey j {\n  entry on event E\n  c: email { ", []),
                           ("action a { auth custom { ", ["bearer", "cache", "endpoint", "form",
                                                         "header", "headers", "json",
                                                         "method", "query", "token"])):
        items = completion.complete(analysis, text, len(text)).items  # type: ignore[arg-type]
        assert sorted(i.label for i in items if i.kind == completion.K.Keyword) == expected
    items = completion.complete(analysis, "", 0).items  # type: ignore[arg-type]
    assert tuple(i.label for i in items) == declaration_keywords()
