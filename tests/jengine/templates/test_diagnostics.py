"""Every template error is a coded diagnostic at its position (``diagnostics.jsonl``).

The first line holds the schema; each further line a template and its diagnostics as
``line:col-line:col severity code`` (1-based, end exclusive). Each diagnostic must also carry
a message and, for errors, a hint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jengine.templates import prepare

LINES = [json.loads(line) for line in
         (Path(__file__).parent / "diagnostics.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]
SCHEMA, CASES = LINES[0]["schema"], LINES[1:]


@pytest.mark.parametrize("case", CASES, ids=[c["template"][:40] for c in CASES])
def test_diagnostics(case: dict[str, Any]) -> None:
    checked = prepare(case["template"], SCHEMA, "t.html")
    got = [f"{d.span.start_line + 1}:{d.span.start_column + 1}-{d.span.end_line + 1}:"
           f"{d.span.end_column + 1} {d.severity} {d.code}" for d in checked.diagnostics]
    assert got == case["diagnostics"]
    for d in checked.diagnostics:
        assert d.message and (d.hint or not d.is_error), d


def test_a_clean_template_has_no_diagnostics() -> None:
    text = ("Hi {{profile.person.firstName}}! {{#each profile.orders as |o|}}{{@index}}: "
            "{{o.sku}} {%= formatNumber(o.price, \"en_US\") %}{{/each}} "
            "{%= formatDate(profile.person.birthDate, \"MMMM d\") %}")
    assert prepare(text, SCHEMA).diagnostics == []
