"""Navigation features as plain functions: definition, references, rename, outline."""

from __future__ import annotations

from pathlib import Path

import pytest
from nav_helpers import TextAnalysis, apply, at, codes, examples, inline, path_of

from jengine.lsp.features.navigation import (
    definition,
    document_symbols,
    prepare_rename,
    references,
    rename,
)
from jengine.lsp.features.types import RenameError


@pytest.fixture
def ws(tmp_path: Path) -> TextAnalysis:
    return examples(tmp_path)


def _def_text(ws: TextAnalysis, file: str, marker: str, shift: int = 0,
              nth: int = 0) -> list[tuple[str, int, str]]:
    path = path_of(ws, file)
    found = definition(ws, path, at(ws.texts[path], marker, nth, shift))
    return [(loc.path.name, loc.span.start_line, ws.texts[loc.path][loc.span.start:loc.span.end])
            for loc in found]


@pytest.mark.parametrize(("file", "marker", "shift", "want"), [
    ("welcome.journey", "-> tips", 3, ("welcome.journey", 46, "tips")),
    ("welcome.journey", "opened reminder", 7, ("welcome.journey", 40, "reminder")),
    ("welcome.journey", "on error -> done", 12, ("welcome.journey", 55, "done")),
    ("welcome.journey", 'inAudience("VIP")', 12, ("common.journey", 56, "VIP")),
    ("welcome.journey", "event PurchaseMade", 6, ("common.journey", 36, "PurchaseMade")),
    ("welcome.journey", "@event{PurchaseMade.total}", 7, ("common.journey", 36, "PurchaseMade")),
    ("welcome.journey", "exit on event Unsubscribed", 14, ("common.journey", 48, "Unsubscribed")),
    ("welcome.journey", "#{ExperiencePlatform.ProfileFieldGroup", 21,
     ("common.journey", 9, "ProfileFieldGroup")),
    ("welcome.journey", "#{ExperiencePlatform", 2, ("common.journey", 8, "ExperiencePlatform")),
    ("abandoned_cart.journey", "action couponService", 7,
     ("abandoned_cart.journey", 25, "couponService")),
    ("abandoned_cart.journey", "@action{coupon.code}", 8, ("abandoned_cart.journey", 60, "coupon")),
    ("jump.journey", "jump goldPerks", 5, ("jump.journey", 42, "goldPerks")),
    ("jump.journey", "ProfileFieldGroup.loyalty.tier:", 0,
     ("common.journey", 9, "ProfileFieldGroup")),
    ("reengagement.journey", "entry on audience Churned", 18,
     ("reengagement.journey", 6, "Churned")),
])
def test_definition(ws: TextAnalysis, file: str, marker: str, shift: int,
                    want: tuple[str, int, str]) -> None:
    assert _def_text(ws, file, marker, shift) == [want]


def test_definition_at_a_declaration_is_itself_and_nothing_elsewhere(ws: TextAnalysis) -> None:
    assert _def_text(ws, "welcome.journey", "tips: email", 0) == [("welcome.journey", 46, "tips")]
    assert _def_text(ws, "welcome.journey", "template", 0) == []
    assert _def_text(ws, "welcome.journey", "// Welcome", 3) == []
    # the built-in Events field group has no declaration to go to … unless the workspace
    # extends it, as common.journey does
    assert _def_text(ws, "welcome.journey", "ExperiencePlatform.Events", 19) == [
        ("common.journey", 21, "Events")]


def test_references_across_files(ws: TextAnalysis) -> None:
    path = path_of(ws, "common.journey")
    pos = at(ws.texts[path], "event PurchaseMade", 0, 6)
    with_decl = references(ws, path, pos, True)
    without = references(ws, path, pos, False)
    assert len(with_decl) == len(without) + 1
    files = {loc.path.name for loc in without}
    assert files == {"common.journey", "welcome.journey", "abandoned_cart.journey",
                     "reengagement.journey"} - {"reengagement.journey"} | _files_naming(
                         ws, "PurchaseMade") - {"common.journey"} | {"common.journey"}
    for loc in with_decl:
        assert ws.texts[loc.path][loc.span.start:loc.span.end] == "PurchaseMade"


def _files_naming(ws: TextAnalysis, name: str) -> set[str]:
    return {p.name for p, t in ws.texts.items() if name in t}


def test_step_references_stay_in_their_journey(ws: TextAnalysis) -> None:
    path = path_of(ws, "welcome.journey")
    found = references(ws, path, at(ws.texts[path], "done: end"), True)
    assert {loc.path.name for loc in found} == {"welcome.journey"}
    assert [loc.span.start_line for loc in found] == [38, 43, 49, 54, 55]


def test_rename_event_everywhere_and_the_workspace_stays_clean(ws: TextAnalysis) -> None:
    path = path_of(ws, "common.journey")
    edits = rename(ws, path, at(ws.texts[path], "event PurchaseMade", 0, 8), "Purchase")
    assert not isinstance(edits, RenameError)
    after = TextAnalysis(apply(ws.texts, edits))
    assert codes(after) == []
    assert "@event{Purchase.total} > 50.0" in after.texts[path_of(ws, "welcome.journey")]
    assert "event Purchase -> thanks" in after.texts[path_of(ws, "abandoned_cart.journey")]
    assert "PurchaseMade" not in "".join(after.texts.values())


@pytest.mark.parametrize(("file", "marker", "shift", "new", "gone"), [
    ("welcome.journey", "-> tips", 3, "tipsMail", "-> tips\n"),
    ("common.journey", "audience VIP {", 9, "Gold", '"VIP"'),
    ("common.journey", "fieldgroup ProfileFieldGroup", 11, "Profile", "ProfileFieldGroup"),
    ("abandoned_cart.journey", "@action{coupon.code}", 8, "couponCall", "@action{coupon."),
    ("abandoned_cart.journey", "action couponService {", 7, "coupons", "couponService"),
    ("jump.journey", "jump goldPerks", 5, "gold", "jump goldPerks"),
    ("rampup.journey", "audience Newsletter", 9, "Letter", "Newsletter"),
])
def test_rename_keeps_the_workspace_clean(ws: TextAnalysis, file: str, marker: str, shift: int,
                                          new: str, gone: str) -> None:
    path = path_of(ws, file)
    pos = at(ws.texts[path], marker, 0, shift)
    span = prepare_rename(ws, path, pos)
    assert span is not None
    edits = rename(ws, path, pos, new)
    assert not isinstance(edits, RenameError)
    after = TextAnalysis(apply(ws.texts, edits))
    assert codes(after) == []
    assert gone not in "".join(after.texts.values())


@pytest.mark.parametrize(("file", "marker", "shift", "new", "why"), [
    ("welcome.journey", "-> tips", 3, "1tips", "not a valid name"),
    ("welcome.journey", "-> tips", 3, "tips mail", "not a valid name"),
    ("welcome.journey", "-> tips", 3, "end", "reserved word"),
    ("welcome.journey", "-> tips", 3, "done", "a step of journey 'welcome'"),
    ("common.journey", "event PurchaseMade", 6, "VIP", "the audience 'VIP'"),
    ("common.journey", "event PurchaseMade", 6, "welcome", "the journey 'welcome'"),
    ("common.journey", "event PurchaseMade", 6, "coupon", "custom-action step"),
    ("abandoned_cart.journey", "coupon: action", 0, "PurchaseMade", "the event 'PurchaseMade'"),
    ("common.journey", "fieldgroup ProfileFieldGroup", 11, "Events", "a field group"),
    ("common.journey", "datasource ExperiencePlatform", 11, "Profile", "built-in"),
])
def test_rename_refused(ws: TextAnalysis, file: str, marker: str, shift: int, new: str,
                        why: str) -> None:
    path = path_of(ws, file)
    result = rename(ws, path, at(ws.texts[path], marker, 0, shift), new)
    assert isinstance(result, RenameError)
    assert why in result.message


def test_nothing_to_rename(ws: TextAnalysis) -> None:
    path = path_of(ws, "welcome.journey")
    pos = at(ws.texts[path], "template")
    assert prepare_rename(ws, path, pos) is None
    assert isinstance(rename(ws, path, pos, "x"), RenameError)
    pos = at(ws.texts[path], "#{ExperiencePlatform", 0, 4)
    assert prepare_rename(ws, path, pos) is None


QUOTED = '''// Événements « quotés » 🎉
event Ev { namespace email  key @event{Ev.email}
  fields { email: string, "prénom": string } }
audience Fans
journey j "Parcours: été 🎉" {
  entry on event Ev when "é🎉" != @event{'Ev'."prénom"} and inAudience('Fans')
  hi: email { to: "🎉" + @{"Ev".email} } -> bye
  bye: end
}
'''


def test_rename_preserves_quotes_and_code_point_columns() -> None:
    ws = inline(main=QUOTED)
    path = Path("main.journey")
    text = ws.texts[path]
    pos = at(text, "'Ev'", 0, 1)
    span = prepare_rename(ws, path, pos)
    assert span is not None and text[span.start:span.end] == "Ev"
    assert span.start_column == text.splitlines()[5].index("'Ev'") + 1  # code points
    edits = rename(ws, path, pos, "Evenement")
    assert not isinstance(edits, RenameError)
    after = apply(ws.texts, edits)[path]
    assert "@event{'Evenement'.\"prénom\"}" in after
    assert '@{"Evenement".email}' in after and "entry on event Evenement " in after
    assert "key @event{Evenement.email}" in after
    assert codes(TextAnalysis({path: after})) == codes(ws)


def test_audience_string_literal_is_a_reference() -> None:
    ws = inline(main=QUOTED)
    path = Path("main.journey")
    text = ws.texts[path]
    found = definition(ws, path, at(text, "'Fans'", 0, 2))
    assert [(loc.span.start_line, text[loc.span.start:loc.span.end]) for loc in found] == [
        (3, "Fans")]
    edits = rename(ws, path, at(text, "audience Fans", 0, 9), "Amis")
    assert not isinstance(edits, RenameError)
    assert "inAudience('Amis')" in apply(ws.texts, edits)[path]


def test_duplicate_declarations_both_are_definitions() -> None:
    ws = inline(a="audience A\n", b="audience A\njourney j { entry on audience A enters\n"
                "s: end }\n")
    path = Path("b.journey")
    found = definition(ws, path, at(ws.texts[path], "on audience A", 0, 12))
    assert sorted(loc.path.name for loc in found) == ["a.journey", "b.journey"]


def test_document_symbols(ws: TextAnalysis) -> None:
    common = document_symbols(ws, path_of(ws, "common.journey"))
    assert [(s.name, s.kind) for s in common] == [
        ("ExperiencePlatform", "datasource"), ("PurchaseMade", "event"),
        ("Unsubscribed", "event"), ("VIP", "audience"), ("mail", "channel"),
        ("marketing", "rules")]
    assert [c.name for c in common[0].children] == ["ProfileFieldGroup", "Events"]
    assert common[3].detail == "rule audience"
    welcome = document_symbols(ws, path_of(ws, "welcome.journey"))
    journey = welcome[1]
    assert (journey.name, journey.detail) == ("welcome", "Welcome new subscribers")
    assert [(c.name, c.detail) for c in journey.children][:4] == [
        ("hello", "email"), ("pause", "wait"), ("engaged", "condition"), ("reminder", "push")]
    text = ws.texts[path_of(ws, "welcome.journey")]
    step = journey.children[0]
    assert text[step.selection.start:step.selection.end] == "hello"
    assert text[step.span.start:step.span.end].startswith("hello: email {")
    cart = document_symbols(ws, path_of(ws, "abandoned_cart.journey"))
    assert "action couponService" in [c.detail for c in cart[2].children]
    assert document_symbols(ws, Path("nowhere.journey")) == []


def test_unknown_file_and_offsets() -> None:
    ws = inline(main=QUOTED)
    assert definition(ws, "other.journey", 0) == []
    text = ws.texts[Path("main.journey")]
    offset = text.index("-> bye") + 4
    assert [loc.span.start_line for loc in definition(ws, "main.journey", offset)] == [7]
