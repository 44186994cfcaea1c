"""Escaping holds for any profile text: an HTML part shows the text (unescaped, it is the
value; escaped, it has no markup characters), a JSON part is valid JSON holding the value, a
text part is the value itself. Property tests (Hypothesis)."""

from __future__ import annotations

import datetime as dt
import html
import json

from hypothesis import given
from hypothesis import strategies as st

from jengine.templates import RenderContext, compile_template, prepare

SCHEMA = {"profile": "object", "profile.a": "string"}
CTX = RenderContext(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
HTML = compile_template(prepare("<p title=\"{{profile.a}}\">{%= profile.a %}</p>", SCHEMA),
                        "html")
JSON = compile_template(prepare('{"a": "{{profile.a}}", "b": "{%= profile.a %}"}', SCHEMA),
                        "json")
TEXT = compile_template(prepare("{{profile.a}}|{{{profile.a}}}", SCHEMA), "text")


@given(st.text())
def test_html_parts_escape_markup(value: str) -> None:
    out = HTML.render({"profile": {"a": value}}, CTX)
    inner = out[len('<p title="'):-len("</p>")]
    attr, _, body = inner.partition('">')
    assert not set(attr) & set("<>\"'`=") and not set(body) & set("<>\"'")
    assert html.unescape(attr) == value and html.unescape(body) == value


@given(st.text())
def test_json_parts_stay_json(value: str) -> None:
    assert json.loads(JSON.render({"profile": {"a": value}}, CTX)) == {"a": value, "b": value}


@given(st.text())
def test_text_parts_print_the_value(value: str) -> None:
    assert TEXT.render({"profile": {"a": value}}, CTX) == f"{value}|{value}"
