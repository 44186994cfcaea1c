"""Code actions as plain functions: checker fixes, step-target fixes and "add else"."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from nav_helpers import TextAnalysis, apply, codes, examples, inline, path_of

from jengine.lsp.features.actions import code_actions
from jengine.lsp.features.types import CodeAction
from jexpr.source import Source, Span

HEAD = '''event Ev { namespace email  key @event{Ev.email}
  fields { email: string, "prénom": string, total: decimal } }
audience Fans
'''
MAIN = Path("main.journey")


def journey(steps: str, entry: str = "entry on event Ev") -> TextAnalysis:
    return inline(main=f"{HEAD}journey j \"Parcours 🎉\" {{\n  {entry}\n{steps}}}\n")


def everywhere(ws: TextAnalysis) -> Span:
    text = ws.texts[MAIN]
    return Source(text).span(0, len(text))


def fixes(ws: TextAnalysis) -> list[CodeAction]:
    diags = [d.diagnostic for d in ws.workspace.diagnostics]
    return [a for a in code_actions(ws, MAIN, everywhere(ws), diags) if a.diagnostic]


def fixed(ws: TextAnalysis, action: CodeAction) -> TextAnalysis:
    return TextAnalysis(apply(ws.texts, action.edits))


@pytest.mark.parametrize(("code", "steps", "entry", "title", "written"), [
    ("W-DEPRECATED-ALIAS", "  s: email { x: inSegment('Fans') }\n", "entry on event Ev",
     "Rename to inAudience", "inAudience('Fans')"),
    ("E-NAME-FUNCTION", '  s: email { x: lenght("é🎉") }\n', "entry on event Ev",
     "Change to 'length'", 'length("é🎉")'),
    ("E-SYN-KEYWORD-CASE", "  s: email { x: (TRUE) }\n", "entry on event Ev",
     "Write 'true'", "x: (true)"),
    ("E-FIELD-UNKNOWN", '  s: email { x: "é" + @event{Ev.emial} }\n', "entry on event Ev",
     "Change to 'email'", "@event{Ev.email}"),
    ("W-AJO-LEGACY-REF", "  s: email { x: @{Ev.email} }\n", "entry on event Ev",
     "Write @event{…}", "@event{Ev.email}"),
    ("W-AJO-PLUS-PARENS", '  s: email { x: "🎉" + upper("a") }\n', "entry on event Ev",
     "Wrap the call in ( )", '"🎉" + (upper("a"))'),
    ("E-NAME-JOURNEY", "  s: email { x: @journey{journeyUid} }\n", "entry on event Ev",
     "Change to 'journeyUID'", "@journey{journeyUID}"),
    ("J-NAME-UNKNOWN", "  s: email { x: 1 }\n", "entry on event Evv", "Change to 'Ev'",
     "entry on event Ev\n"),
])
def test_checker_fixes(code: str, steps: str, entry: str, title: str, written: str) -> None:
    ws = journey(steps, entry)
    assert code in codes(ws)
    action = next(a for a in fixes(ws) if a.diagnostic and a.diagnostic.code == code)
    assert (action.title, action.kind, action.preferred) == (title, "quickfix", True)
    after = fixed(ws, action)
    assert written in after.texts[MAIN]
    assert code not in codes(after)


def test_a_diagnostic_without_its_fix_is_matched_to_the_analysis() -> None:
    ws = journey("  s: email { x: inSegment('Fans') }\n")
    bare = [dataclasses.replace(d.diagnostic, fix=None, hint=None)
            for d in ws.workspace.diagnostics]
    actions = code_actions(ws, MAIN, everywhere(ws), bare)
    assert [a.title for a in actions] == ["Change to 'inAudience'"]
    assert "W-DEPRECATED-ALIAS" not in codes(fixed(ws, actions[0]))


def test_unknown_step_target_takes_the_closest_step() -> None:
    ws = journey("  a: email { x: \"é\" } -> thanx\n  b: wait 1d\n  thanks: end\n")
    action = next(a for a in fixes(ws) if a.diagnostic and a.diagnostic.code == "J-NAME-UNKNOWN")
    assert action.title == "Change to 'thanks'"
    assert "-> thanks" in fixed(ws, action).texts[MAIN]
    # far from every name: still the closest step, never the step itself
    ws = journey("  a: email { x: 1 } -> zzzzzz\n  bb: end\n")
    action = next(a for a in fixes(ws) if a.diagnostic and a.diagnostic.code == "J-NAME-UNKNOWN")
    assert action.title == "Change to 'bb'"
    assert codes(fixed(ws, action)) == []


def test_no_fix_no_action() -> None:
    ws = journey("  s: email { x: 1 } -> a\n  a: split { x: 60% -> a }\n")
    assert all(a.diagnostic is None or a.diagnostic.code != "J-SPLIT"
               for a in code_actions(ws, MAIN, everywhere(ws),
                                     [d.diagnostic for d in ws.workspace.diagnostics]))


def _else_actions(ws: TextAnalysis, marker: str) -> list[CodeAction]:
    text = ws.texts[MAIN]
    at = text.index(marker)
    return [a for a in code_actions(ws, MAIN, Source(text).span(at, at), []) if not a.diagnostic]


def test_add_else_after_the_last_case_with_its_indentation() -> None:
    ws = journey('''  c: condition {
    big: @event{Ev.total} > 100 -> vip   // « gros » 🎉
    on error -> bye
  }
  std: email { to: "é" } -> bye
  vip: email { to: "🎉" }
  bye: end
''')
    [action] = _else_actions(ws, "condition")
    assert action.title == "Add 'else -> std' to condition 'c'"
    after = fixed(ws, action)
    assert "-> vip   // « gros » 🎉\n    else -> std\n    on error -> bye" in after.texts[MAIN]
    assert codes(ws) == ["J-UNREACHABLE"] and codes(after) == []  # std is reached now
    assert _else_actions(after, "condition") == []


def test_add_else_inline_and_at_the_end() -> None:
    ws = journey("  bye: end\n  c: condition { big: @event{Ev.total} > 1 -> bye }\n")
    [action] = _else_actions(ws, "big:")
    assert action.title == "Add 'else -> bye' to condition 'c'"
    after = fixed(ws, action)
    assert "condition { big: @event{Ev.total} > 1 -> bye else -> bye }" in after.texts[MAIN]
    assert "J-SYNTAX" not in codes(after)


def test_add_else_creates_an_end_step_when_there_is_none() -> None:
    ws = journey("  c: condition {\n    a: true -> s\n  }\n  s: email { x: 1 } -> c2\n"
                 "  c2: condition { b: false -> s3 }\n  s3: email { x: 2 }\n")
    actions = _else_actions(ws, "c2: condition")
    assert [a.title for a in actions] == ["Add 'else -> s3' to condition 'c2'"]
    ws = journey("  s: email { x: 1 }\n  done: email { x: 2 }\n  c: condition {\n"
                 "    a: true -> s\n  }\n")
    [action] = _else_actions(ws, "a: true")
    assert action.title == "Add 'else -> done2' to condition 'c'"
    after = fixed(ws, action).texts[MAIN]
    assert "    a: true -> s\n    else -> done2\n  }\n  done2: end\n}" in after


def test_examples_workspace_has_no_missing_else(tmp_path: Path) -> None:
    ws = examples(tmp_path)
    path = path_of(ws, "welcome.journey")
    text = ws.texts[path]
    assert code_actions(ws, path, Source(text).span(0, len(text)), []) == []
