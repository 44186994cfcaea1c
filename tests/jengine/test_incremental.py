"""Incremental analysis equals a fresh analysis of the same texts.

An :class:`~jengine.lang.workspace.Analyzer` keeps parses and journey checks between loads; the
property drives one analyzer through random edit sequences on the example workspace (renaming
names, deleting and duplicating lines, inserting declarations or garbage, removing and adding
files) and compares every load with :func:`jengine.load_texts` of the same texts: diagnostics,
declarations, journeys with their resolved steps, and every expression site.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jengine import load_texts
from jengine.lang import ast as A
from jengine.lang.workspace import Analyzer, Workspace, text_inputs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "workspace"
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.journey"))}
WORDS = sorted({w for t in TEXTS.values() for w in re.findall(r"\b[A-Za-z_]\w*\b", t)
                if len(w) > 2})
SNIPPETS = [
    "\nevent Extra { namespace email key @event{Extra.email} fields { email: string } }\n",
    "\njourney extra {\n  entry on event Extra\n  a: email { template: \"x\" }\n}\n",
    "\naction crmSync { url \"https://x\" body { id: string } }\n",
    "\n}{ garbage ( \n",
    "\nevent PurchaseMade { namespace email key @event{PurchaseMade.email} }\n",
    "\naudience VIP { where true }\n",
]


def summary(ws: Workspace) -> dict[str, Any]:
    """Everything a load produces, in comparable (identity-free) form."""
    model = ws.model
    diags = [(str(d.path), d.diagnostic.severity, d.diagnostic.code, d.diagnostic.message,
              d.diagnostic.span, d.diagnostic.hint) for d in ws.diagnostics]
    journeys = {name: (j.version, j.timezone, j.first, j.timeout_ms, j.node.span,
                       [(s.name, s.kind, s.next, s.on_error, s.branches, s.node.span)
                        for s in j.steps.values()])
                for name, j in model.journeys.items()}
    sites = sorted((s.checked.source.name if s.checked else "", e.span.start, e.span.end,
                    s.usage, None if s.checked is None else (s.checked.type,
                                                              s.checked.has_errors))
                   for e, s in model.sites.items())
    return {"diagnostics": diags, "journeys": journeys, "sites": sites,
            "events": {n: dict(e.schema) for n, e in model.events.items()},
            "actions": {n: (dict(a.body), dict(a.response)) for n, a in model.actions.items()},
            "datasources": sorted(model.datasources), "audiences": sorted(model.audiences),
            "files": sorted(str(p) for p in ws.files)}


@st.composite
def edit(draw: st.DrawFn, texts: dict[str, str]) -> dict[str, str]:
    texts = dict(texts)
    kind = draw(st.sampled_from(["rename", "rename", "delete-line", "duplicate-line",
                                 "insert", "remove-file", "add-file"]))
    if kind == "add-file" or not texts:
        texts[f"new{len(texts)}.journey"] = draw(st.sampled_from(SNIPPETS))
        return texts
    name = draw(st.sampled_from(sorted(texts)))
    text = texts[name]
    lines = text.split("\n")
    if kind == "remove-file":
        del texts[name]
    elif kind == "rename":
        words = sorted(set(re.findall(r"\b[A-Za-z_]\w*\b", text))) or ["x"]
        old, new = draw(st.sampled_from(words)), draw(st.sampled_from(WORDS))
        texts[name] = re.sub(rf"\b{old}\b", new, text, count=draw(st.integers(1, 3)))
    elif kind == "delete-line":
        del lines[draw(st.integers(0, len(lines) - 1))]
        texts[name] = "\n".join(lines)
    elif kind == "duplicate-line":
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(i, lines[i])
        texts[name] = "\n".join(lines)
    else:
        at = draw(st.integers(0, len(text)))
        texts[name] = text[:at] + draw(st.sampled_from(SNIPPETS)) + text[at:]
    return texts


@st.composite
def edit_sequences(draw: st.DrawFn) -> list[dict[str, str]]:
    versions, texts = [], TEXTS
    for _ in range(draw(st.integers(1, 4))):
        texts = draw(edit(texts))
        versions.append(texts)
    return versions


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edit_sequences())
def test_incremental_equals_fresh(versions: list[dict[str, str]]) -> None:
    analyzer = Analyzer()
    analyzer.load(text_inputs(TEXTS))
    for texts in versions:
        assert summary(analyzer.load(text_inputs(texts))) == summary(load_texts(texts))


def test_an_edit_rechecks_only_the_edited_journey() -> None:
    analyzer = Analyzer()
    analyzer.load(text_inputs(TEXTS))
    edited = dict(TEXTS, **{"welcome.journey": TEXTS["welcome.journey"].replace(
        "pause: wait 3d", "pause: wait 2d")})
    first = analyzer.parses.files["common.journey"]
    ws = analyzer.load(text_inputs(edited))
    assert analyzer.memo.checked == 1 and analyzer.memo.reused == len(ws.model.journeys) - 1
    assert analyzer.parses.files["common.journey"] is first  # not parsed again
    assert summary(ws) == summary(load_texts(edited))


def test_a_declaration_edit_rechecks_the_journeys_naming_it() -> None:
    analyzer = Analyzer()
    analyzer.load(text_inputs(TEXTS))
    edited = dict(TEXTS, **{"common.journey": TEXTS["common.journey"].replace(
        "reason: string", "reason: integer")})
    ws = analyzer.load(text_inputs(edited))
    naming = [decl for path, file in ws.files.items() for decl in file.declarations
              if isinstance(decl, A.Journey) and "Unsubscribed" in
              ws.sources[path].text[decl.span.start:decl.span.end]]
    assert 0 < analyzer.memo.checked == len(naming) < len(ws.model.journeys)
    assert summary(ws) == summary(load_texts(edited))
