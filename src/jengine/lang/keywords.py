"""The keywords of the ``.journey`` language, derived from ``grammar/journey.lark`` — the one
place they are defined.

A keyword is a word the journey grammar itself spells: an anonymous string terminal of a rule
(``"maxsize"``) or a named keyword terminal (``INCREMENTAL: "incremental"``). The rules that
list the words allowed *as names* (``label``, ``case_label``, ``param_label`` and the
``_…_word`` lists they include) do not make keywords; the expression grammar's own words
(``and``, ``true``, ``if`` …) count only where another journey rule uses them too (``integer``
as a field type, ``and`` in ``between 09:00 and 17:00``).

Consumers: the language server's completion (:func:`keywords_at`: the words the parser takes
at the cursor, names left out at name positions), and the tests that hold the VS Code TextMate
grammar — static JSON — to this set (``tests/jengine/lsp/test_keywords.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from copy import copy
from functools import cache

from lark import Token
from lark.exceptions import UnexpectedInput
from lark.parsers.lalr_interactive_parser import InteractiveParser

from jengine.lang.parse import journey_parser
from jexpr.syntax.grammar import grammar_dir

__all__ = ["declaration_keywords", "journey_keywords", "keywords_at", "label_words",
           "name_lists"]

_QUOTED = re.compile(r'"([A-Za-z][A-Za-z0-9]*)"')
_COMMENT = re.compile(r"^\s*//[^\n]*$|(?<=\s)//[^\n]*$", re.M)
_RULE = re.compile(r"^(?=[!?]?[A-Za-z_][A-Za-z0-9_]*\s*:)", re.M)
_NAME_LIST = re.compile(r"[!?]?(?:[a-z_]*label|_[a-z_]*_word)\s*:")


@cache
def journey_keywords() -> frozenset[str]:
    """Every keyword of the journey grammar (see the module docstring)."""
    return _words(_grammar_text(), names=False)


@cache
def name_lists() -> tuple[frozenset[str], ...]:
    """For each rule that takes a name or a word (``label``, ``case_label``, ``param_label``),
    the words it takes, the ``_…_word`` lists it includes expanded. Where the parser expects
    all the words of one of these, the position is a name: any word goes there, and completion
    offers only the other words (the keywords that really continue the text)."""
    rules = _RULE.split(_grammar_text())
    lists = {m.group(1): r for r in rules if (m := re.match(r"[!?]?(_[a-z_]*_word)\s*:", r))}
    out = []
    for rule in rules:
        if re.match(r"[!?]?[a-z_]*label\s*:", rule):
            words = set(_QUOTED.findall(rule))
            for name, body in lists.items():
                if re.search(rf"\b{name}\b", rule.split(":", 1)[1]):
                    words.update(_QUOTED.findall(body))
            out.append(frozenset(words & _terminal_words()))
    return tuple(out)


def label_words() -> frozenset[str]:
    """Every word some rule takes as a name (:func:`name_lists`)."""
    return frozenset().union(*name_lists())


def _grammar_text() -> str:
    return _COMMENT.sub("", (grammar_dir() / "journey.lark").read_text(encoding="utf-8"))


@cache
def _terminal_words() -> frozenset[str]:
    return frozenset(str(t.pattern.value) for t in journey_parser().terminals
                     if t.pattern.type == "str")


def _words(text: str, names: bool) -> frozenset[str]:
    rules = [r for r in _RULE.split(text) if bool(_NAME_LIST.match(r)) == names]
    return frozenset(w for r in rules for w in _QUOTED.findall(r) if w in _terminal_words())


@cache
def declaration_keywords() -> tuple[str, ...]:
    """The words that start a top-level declaration, in the order the grammar defines them."""
    found = keywords_at(" ")
    assert found is not None
    text = _grammar_text()
    return tuple(sorted(found[0], key=lambda w: text.find(f'"{w}"')))


# Lark's interactive parser may leave out a word or two of a name list that the contextual
# lexer would read as another terminal at that point ("date" in a field name position).
_SLACK = 3
# What may follow a word: a word that a name can replace is followed by the same ones.
_FOLLOWERS = ("COLON", "LPAR", "DOT", "COMMA", "RBRACE", "LBRACE", "NAME", "STRING", "MINUS")


def keywords_at(text: str) -> tuple[list[str], frozenset[str]] | None:
    """The keywords to offer after ``text`` (a declaration cut at the cursor) and every literal
    word or punctuation the grammar accepts there; None when ``text`` does not parse. At a name
    position (the words of a :func:`name_lists` entry are expected), a word is offered only if
    it does not behave as a name there — if what may follow it differs from what may follow a
    name: ``else`` and ``on`` in a condition (a case label is followed by ``:``, they are not),
    ``secret`` as a channel setting's value (followed by ``(``), not ``wait`` or ``and``."""
    parser = journey_parser()
    try:
        interactive = parser.parse_interactive(text)
        for _ in interactive.iter_parse():
            pass
    except UnexpectedInput:
        return None
    terminals = {t.name: t.pattern for t in parser.terminals}
    accepted = _accepts(interactive, terminals)
    kinds = {str(terminals[n].value): n for n in accepted
             if n in terminals and terminals[n].type == "str"}
    words = {w for w in kinds if w.isalpha()}
    if not any(len(names - words) <= _SLACK for names in name_lists()):
        return sorted(words), frozenset(kinds)
    if "NAME" not in accepted:
        return sorted(words), frozenset(kinds)
    probes = [t for t in _FOLLOWERS if t in terminals]
    as_name = _follow(interactive, Token("NAME", "x"), probes)
    return sorted(w for w in words if _follow(interactive, Token(kinds[w], w), probes)
                  != as_name), frozenset(kinds)


def _follow(interactive: InteractiveParser, token: Token, probes: list[str]) -> frozenset[str]:
    """Which of ``probes`` the parser takes after ``token``: a word behaves as a name at this
    point when it takes the same ones as a name does."""
    out = set()
    for follower in probes:
        probe = _probe(interactive)
        try:
            probe.feed_token(token)
            probe.feed_token(Token(follower, ""))
        except UnexpectedInput:
            continue
        out.add(follower)
    return frozenset(out)


def _probe(interactive: InteractiveParser) -> InteractiveParser:
    """A copy to feed trial tokens to: the parsed values shared, not copied, and no callbacks
    (as Lark's own ``accepts()`` does; a deep copy costs the whole declaration each time)."""
    probe: InteractiveParser = interactive.copy(  # type: ignore[no-untyped-call]
        deepcopy_values=False)
    conf = copy(probe.parser_state.parse_conf)
    conf.callbacks = {}
    probe.parser_state.parse_conf = conf
    return probe


def _accepts(interactive: InteractiveParser, terminals: Mapping[str, object]) -> set[str]:
    """The terminals the parser takes next. Lark's own ``accepts()`` tries upper-case names
    only, which leaves out the imported ones (``jexpr__DATE``, the word ``date``)."""
    out = set()
    for name in interactive.choices():  # type: ignore[no-untyped-call]
        if name in terminals or name == "$END":
            try:
                _probe(interactive).feed_token(Token(name, ""))
            except UnexpectedInput:
                continue
            out.add(name)
    return out
