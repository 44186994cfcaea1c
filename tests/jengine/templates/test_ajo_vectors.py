"""The examples of Adobe's personalization pages, rendered (``ajo_vectors.jsonl``).

Each line: ``template``, ``input`` (the data the template reads), ``expected`` output,
optionally ``now`` (the clock, ``…[Zone]`` for a region zone), ``compare`` (``exact``,
``strip``, ``lines-stripped``), ``schema`` (declared types; else inferred from ``input``),
``doc`` (the page anchor), ``status`` (``documented`` …, ``derived``, ``doc-bug`` with the
value this engine gives and why in ``note``). Every template must check without errors against
its schema and render to ``expected`` in an HTML part.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jengine.templates import RenderContext, compile_template, infer_schema, prepare
from jexpr.runtime.temporal import parse_offset_datetime

VECTORS = [json.loads(line) for line in
           (Path(__file__).parent / "ajo_vectors.jsonl").read_text(encoding="utf-8").splitlines()
           if line.strip()]


def _now(text: str | None) -> dt.datetime:
    if not text:
        return dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    m = re.fullmatch(r"(.*?)(?:\[(.*)\])?", text)
    assert m is not None
    value = parse_offset_datetime(m.group(1))
    assert value is not None
    return value.astimezone(ZoneInfo(m.group(2))) if m.group(2) else value


def _normal(text: str, how: str) -> str:
    if how == "strip":
        return text.strip()
    if how == "lines-stripped":
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())
    return text


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector(vector: dict[str, Any]) -> None:
    schema = vector.get("schema") or infer_schema(vector["input"])
    checked = prepare(vector["template"], schema)
    assert [d.message for d in checked.diagnostics if d.is_error] == []
    out = compile_template(checked, "html").render(vector["input"],
                                                    RenderContext(_now(vector.get("now"))))
    how = vector.get("compare", "exact")
    assert _normal(out, how) == _normal(vector["expected"], how)


def test_the_vectors_cover_the_documented_examples() -> None:
    documented = [v for v in VECTORS if v["status"].startswith("documented")]
    assert len(VECTORS) >= 100 and len(documented) >= 80
