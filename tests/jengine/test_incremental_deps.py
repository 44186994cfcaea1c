"""Incremental analysis follows facts read *through* other declarations.

A journey's checks read more than the declarations it names: ``jump K`` reads journey ``K``'s
entry and the namespace of ``K``'s entry event (``J-JUMP``), which the jumping journey never
names. The memo records every index read of a check (:mod:`jengine.lang.incremental`); these
tests edit such facts in *other files* and compare each incremental load with a fresh one:

* a table of single edits (each one used to leave a stale or missing ``J-JUMP``);
* a Hypothesis property over random edit sequences of a generated multi-file workspace
  (namespaces, entry events, jump targets, business flags, declarations moved between files,
  deleted or duplicated).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_incremental import summary

from jengine import load_texts
from jengine.lang.workspace import Analyzer, text_inputs

EVENT = "event {name} {business}{{ namespace {ns} key @event{{{name}.email}} " \
        "fields {{ email: string }} }}\n"
JOURNEY = "journey {name} {{\n  entry on event {entry}\n  first: {body}\n  last: end\n}}\n"

BASE = {
    "a.journey": EVENT.format(name="A", business="", ns="email")
    + JOURNEY.format(name="ja", entry="A", body="jump jb"),
    "b.journey": JOURNEY.format(name="jb", entry="B", body="wait 1d -> last"),
    "c.journey": EVENT.format(name="B", business="", ns="email")
    + EVENT.format(name="Z", business="", ns="crm"),
}


def _codes(texts: dict[str, str], analyzer: Analyzer) -> tuple[list[str], list[str]]:
    incremental = [d.diagnostic.code for d in analyzer.load(text_inputs(texts)).diagnostics]
    return incremental, [d.diagnostic.code for d in load_texts(texts).diagnostics]


EDITS = {
    # the target journey's entry event changes namespace (in a third file)
    "namespace of the target's entry event": ("c.journey", "namespace email",
                                             "namespace crm", ["J-JUMP"]),
    # the jumping journey's own entry event changes namespace
    "namespace of the own entry event": ("a.journey", "namespace email", "namespace crm",
                                         ["J-JUMP"]),
    # the target journey starts with another event, of another namespace
    "entry event of the target": ("b.journey", "entry on event B", "entry on event Z",
                                  ["J-JUMP"]),
    # the target journey no longer starts with an event
    "entry kind of the target": ("b.journey", "entry on event B",
                                 "entry on audience VIP enters", ["J-NAME-UNKNOWN", "J-JUMP"]),
    # the target's entry event is deleted (jb reports it; ja has no namespace to compare)
    "the target's entry event deleted": ("c.journey", "event B", "// event B",
                                         ["J-NAME-UNKNOWN"]),
}


@pytest.mark.parametrize("what", sorted(EDITS))
def test_an_edit_elsewhere_rechecks_the_journey_that_reads_it(what: str) -> None:
    file, old, new, expected = EDITS[what]
    analyzer = Analyzer()
    assert _codes(BASE, analyzer) == ([], [])
    edited = dict(BASE, **{file: BASE[file].replace(old, new)})
    assert sorted(set(_codes(edited, analyzer)[1])) == sorted(set(expected))
    analyzer = Analyzer()
    analyzer.load(text_inputs(BASE))
    assert summary(analyzer.load(text_inputs(edited))) == summary(load_texts(edited))
    assert summary(analyzer.load(text_inputs(BASE))) == summary(load_texts(BASE))  # and back


def test_the_reverse_edit_clears_the_diagnostic() -> None:
    analyzer = Analyzer()
    crm = dict(BASE, **{"c.journey": BASE["c.journey"].replace("namespace email",
                                                              "namespace crm")})
    assert _codes(crm, analyzer)[0] == ["J-JUMP"]
    assert _codes(BASE, analyzer) == ([], [])
    assert analyzer.memo.checked == 2  # jb names B, ja reads B through jb


# ---- random workspaces and edits

EVENTS = ("A", "B", "C")
JOURNEYS = ("ja", "jb", "jc")
FILES = ("one.journey", "two.journey", "three.journey")


@st.composite
def declarations(draw: st.DrawFn) -> dict[str, tuple[str, str]]:
    """Declaration name -> (file, text)."""
    decls: dict[str, tuple[str, str]] = {}
    for name in EVENTS:
        decls[name] = (draw(st.sampled_from(FILES)), EVENT.format(
            name=name, business=draw(st.sampled_from(["", "business "])),
            ns=draw(st.sampled_from(["email", "crm"]))))
    for name in JOURNEYS:
        decls[name] = (draw(st.sampled_from(FILES)), _journey(draw, name))
    return decls


def _journey(draw: st.DrawFn, name: str) -> str:
    entry = draw(st.sampled_from(EVENTS))
    body = draw(st.sampled_from([f"jump {j}" for j in JOURNEYS] + ["wait 1d -> last"]))
    text = JOURNEY.format(name=name, entry=entry, body=body)
    if draw(st.booleans()):
        text = text.replace(f"entry on event {entry}", "entry on audience VIP enters")
    return text


@st.composite
def edited(draw: st.DrawFn, decls: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    decls = dict(decls)
    name = draw(st.sampled_from(sorted(decls)))
    file, text = decls[name]
    kind = draw(st.sampled_from(["namespace", "business", "journey", "move", "delete"]))
    if kind == "namespace" and "namespace" in text:
        swap = {"namespace email": "namespace crm", "namespace crm": "namespace email"}
        text = next(text.replace(k, v) for k, v in swap.items() if k in text)
    elif kind == "business" and name in EVENTS:
        text = text.replace(" business {", " {") if "business" in text else \
            text.replace(f"event {name} {{", f"event {name} business {{")
    elif kind == "journey" and name in JOURNEYS:
        text = _journey(draw, name)
    elif kind == "move":
        file = draw(st.sampled_from(FILES))
    elif kind == "delete":
        del decls[name]
        return decls
    decls[name] = (file, text)
    return decls


def texts_of(decls: dict[str, tuple[str, str]]) -> dict[str, str]:
    out = {f: "audience VIP { where true }\n" if f == FILES[0] else "" for f in FILES}
    for name in sorted(decls):
        file, text = decls[name]
        out[file] += text
    return out


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, str]]:
    decls = draw(declarations())
    versions = [texts_of(decls)]
    for _ in range(draw(st.integers(1, 6))):
        decls = draw(edited(decls))
        versions.append(texts_of(decls))
    return versions


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_incremental_equals_fresh_after_declaration_edits(versions: list[dict[str, str]]
                                                         ) -> None:
    analyzer = Analyzer()
    for texts in versions:
        assert summary(analyzer.load(text_inputs(texts))) == summary(load_texts(texts))
