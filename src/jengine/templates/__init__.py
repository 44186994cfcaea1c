"""Message templates in AJO's personalization syntax: parse, check, render.

A template is text with Handlebars tags (``{{profile.person.firstName}}``, ``{{{raw}}}``,
``{{#if}}``/``{{#each}}``/``{{#unless}}``/``{{#with}}``) and PQL tags (``{%= expr %}``,
``{%#if cond %}…{%else if cond%}…{%/if%}``, ``{% let x = expr %}``) calling AJO's helper
functions. The stages: :mod:`.scan` and :mod:`.parse` (Lark, ``grammar/template.lark``) and
:mod:`.blocks` build the AST (:mod:`.ast`); :mod:`.check` types it against a :class:`Schema`
(:mod:`.types`; built from a workspace by :mod:`.workspace`, or inferred from data by
:mod:`.infer`); :mod:`.render` compiles it to closures; :mod:`.functions` holds the helpers.

::

    checked = prepare(text, schema_entries, "welcome.html")   # diagnostics in checked
    html = compile_template(checked, "html").render({"profile": {...}}, RenderContext(now))
"""

from __future__ import annotations

from collections.abc import Mapping

from jengine.templates.check import CheckedTemplate, check_template
from jengine.templates.functions.signature import RenderContext, RenderError
from jengine.templates.infer import infer_schema
from jengine.templates.parse import parse_template
from jengine.templates.render import CompiledTemplate, compile_template
from jengine.templates.types import Schema
from jexpr.diagnostics import sort_diagnostics

__all__ = [
    "CheckedTemplate", "CompiledTemplate", "RenderContext", "RenderError", "Schema",
    "compile_template", "infer_schema", "prepare",
]


def prepare(text: str, schema: Mapping[str, str] | Schema,
            name: str = "<template>") -> CheckedTemplate:
    """Parse and check a template; every diagnostic (sorted) is in the result."""
    parsed = parse_template(text, name)
    checked = check_template(parsed.template,
                             schema if isinstance(schema, Schema) else Schema(schema))
    checked.diagnostics = sort_diagnostics([*parsed.diagnostics, *checked.diagnostics])
    checked.source = parsed.source
    return checked
