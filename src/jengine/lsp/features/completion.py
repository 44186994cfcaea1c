"""Completion: keywords by grammar context, names from the model, fields from the schemas.

The context comes from the text before the cursor (:mod:`.textscan`), tried from the most
specific to the most general:

1. inside a reference body — ``@event{E.…}``, ``#{DS.FG.…}``, ``@action{S.…}``: the roots, then
   the declared fields below the path typed so far (collection steps are transparent, spec
   X§4.9), plus collection steps where the path is a list;
2. a loop variable inside ``.all(…)``/``.first(…)``/``.last(…)``: the element's fields;
3. after ``->`` a step name; after ``on event``/``event``/``audience``/``action``/``jump``/
   ``opened``… the declared events, audiences, actions, journeys or channel steps;
4. a name position inside a step's ``{ }``: the action's parameters (``body``), the channel
   parameters, or ``update profile`` paths;
5. otherwise the keywords the grammar accepts here (Lark's interactive parser on the
   declaration cut at the cursor; where the grammar also takes a name, only the words that are
   not names, :func:`jengine.lang.keywords.keywords_at`) and, in an expression, the functions
   with snippets. No keyword list is written here: every word comes from ``journey.lark``.

Names and types come from the latest analysis, which may be one keystroke old: that is what
keeps completion fast while the workspace is re-checked in the background.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lsprotocol import types

from jengine.lang.channels import settings_of
from jengine.lang.keywords import declaration_keywords, keywords_at
from jengine.lsp.analysis import Analysis
from jengine.lsp.features.textscan import Context, context_at, split_top, unquote
from jexpr import types as T
from jexpr.checker.schema import Declarations
from jexpr.functions.registry import ALIASES, Function, catalogue

K = types.CompletionItemKind
_LOOP_VARS = {"currentEventField": ("event", "legacy"), "currentDataPackField": ("data",),
              "currentActionField": ("action",)}
_LOOP_PATH = re.compile(r"\b(currentEventField|currentDataPackField|currentActionField)"
                        r"((?:\s*\.\s*(?:[A-Za-z_][A-Za-z0-9_]*|'[^']*'|\"[^\"]*\"))*)\s*\.\s*$")
_NAME_CONTEXTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"->\s*$"), "step"),
    (re.compile(r"\bon\s+business\s+event\s+$"), "business_event"),
    (re.compile(r"\bevent\s+$"), "event"),
    (re.compile(r"\baudience\s+$"), "audience"),
    (re.compile(r":\s*action\s+$"), "action"),
    (re.compile(r"\bjump\s+$"), "journey"),
    (re.compile(r"\b(?:opened|clicked|delivered|failed)\s+$"), "channel_step"),
)
_COLLECTION_STEPS = ("all", "first", "last", "at")
_MAP_STEPS = ("keys", "firstEntryKey", "entry")
_EXPR_MARKERS = frozenset({"not", "true", "false", "null", "if"})
_REF_OPENERS = (("@event{", "an event field"), ("#{", "a data-source field"),
                ("@action{", "an action response field"))
_CHANNEL_PARAMS = {"template": "the message template", "to": "the address",
                   "channel": "the channel (when several of this kind are declared)"}
_CHANNEL_DECL = re.compile(r"^\s*channel\s+[A-Za-z_]\w*\s+(?:email|sms|push|inapp)\s*$")
MAX_COMPLETION_CHARS = 1_000_000  # larger documents get no completion (the scan is linear)


def complete(analysis: Analysis, text: str, offset: int) -> types.CompletionList:
    """The completion items at an offset of ``text`` (the current text of a document of the
    analysed workspace)."""
    ctx = context_at(text, offset)
    if ctx.in_text:
        return types.CompletionList(is_incomplete=False, items=[])
    items = (_in_reference(analysis, ctx) or _loop_fields(analysis, ctx)
             or _after_keyword(analysis, ctx) or _in_block(analysis, ctx)
             or _in_channel(ctx) or _by_grammar(ctx))
    return types.CompletionList(is_incomplete=False, items=items)


# ---- 1. reference bodies


def _in_reference(analysis: Analysis, ctx: Context) -> list[types.CompletionItem]:
    frame = ctx.top
    if frame is None or frame.kind != "ref" or frame.ref_kind in ("journey", "lookup"):
        return []
    body = ctx.text[frame.start:ctx.word_start]
    if len(split_top(body, ",")) > 1:
        return [_item(o, K.Property, detail="reference option", insert=f"{o}: ")
                for o in ("defaultValue", "params")]
    segments = [unquote(s) for s in split_top(body, ".")[:-1] if "(" not in s]
    decls = _declarations(analysis, ctx)
    depth = 2 if frame.ref_kind == "data" else 1
    if len(segments) < depth:
        return _roots(analysis, ctx, frame.ref_kind or "", tuple(segments))
    return _fields(decls, tuple(segments))


def _roots(analysis: Analysis, ctx: Context, kind: str,
           segments: tuple[str, ...]) -> list[types.CompletionItem]:
    if kind in ("event", "legacy"):
        return [_item(n, K.Class, detail="event") for n in analysis.model.events]
    if kind == "action":
        return [_item(n, K.Function, detail="custom-action step") for n, k in ctx.step_names()
                if k == "action"]
    if not segments:
        return [_item(n, K.Module, detail="data source") for n in analysis.model.datasources]
    ds = analysis.model.datasources.get(segments[0])
    return [_item(n, K.Module, detail=f"field group of {segments[0]}")
            for n in (ds.groups if ds else ())]


def _fields(decls: Declarations, path: tuple[str, ...]) -> list[types.CompletionItem]:
    items = []
    for name in decls.fields_under(path):
        kind = decls.lookup((*path, name)) or "object"
        items.append(_item(name, K.Field, detail=T.display(kind), insert=_segment(name)))
    current = decls.lookup(path)
    if current is not None and T.is_list(current):
        items.extend(_step_items(_COLLECTION_STEPS))
    elif (*path, "*") in decls.types:
        items.extend(_step_items(_MAP_STEPS))
    return items


def _step_items(names: Iterable[str]) -> list[types.CompletionItem]:
    return [_item(n, K.Method, detail="collection step", insert=f"{n}($1)", snippet=True)
            for n in names]


def _declarations(analysis: Analysis, ctx: Context) -> Declarations:
    schema = dict(analysis.schema)
    journey = analysis.model.journeys.get(ctx.journey or "")
    if journey is not None:
        schema.update(analysis.action_schema(journey.node))
    return Declarations.build(None, schema)


# ---- 2. loop variables


def _loop_fields(analysis: Analysis, ctx: Context) -> list[types.CompletionItem]:
    m = _LOOP_PATH.search(ctx.text, ctx.decl_start, ctx.word_start)
    if m is None:
        return []
    path = _collection_path(ctx, _LOOP_VARS[m.group(1)])
    if path is None:
        return []
    inner = [unquote(s) for s in m.group(2).split(".") if s.strip()]
    return _fields(_declarations(analysis, ctx), (*path, *inner))


def _collection_path(ctx: Context, kinds: tuple[str, ...]) -> tuple[str, ...] | None:
    """The schema path of the innermost collection step of a reference of ``kinds`` whose
    condition holds the cursor."""
    frames = ctx.frames
    for i in range(len(frames) - 1, 0, -1):
        ref, paren = frames[i - 1], frames[i]
        if ref.kind == "ref" and ref.ref_kind in kinds and paren.kind == "paren":
            body = ctx.text[ref.start:paren.start - 1]
            return tuple(unquote(s) for s in split_top(body, ".")[:-1] if "(" not in s)
    return None


# ---- 3. names after a keyword


def _after_keyword(analysis: Analysis, ctx: Context) -> list[types.CompletionItem]:
    if ctx.journey is None:
        return []
    before = ctx.before
    for pattern, what in _NAME_CONTEXTS:
        if pattern.search(before):
            return _names(analysis, ctx, what)
    return []


def _names(analysis: Analysis, ctx: Context, what: str) -> list[types.CompletionItem]:
    model = analysis.model
    if what == "step":
        return [_item(n, K.Function, detail=f"step ({k})") for n, k in ctx.step_names()]
    if what == "channel_step":
        return [_item(n, K.Function, detail=f"{k} step") for n, k in ctx.step_names()
                if k in ("email", "sms", "push", "inapp")]
    if what in ("event", "business_event"):
        business = what == "business_event"
        return [_item(n, K.Class, detail="business event" if e.business else "event")
                for n, e in model.events.items() if e.business == business]
    table = {"audience": (model.audiences, K.Constant), "action": (model.actions, K.Interface),
             "journey": (model.journeys, K.Module)}[what]
    return [_item(n, table[1], detail=what) for n in table[0] if n != ctx.journey]


# ---- 4. names inside a step's { }


def _in_block(analysis: Analysis, ctx: Context) -> list[types.CompletionItem]:
    frame = ctx.top
    if frame is None or frame.kind != "brace" or ctx.journey is None:
        return []
    head = ctx.text[ctx.decl_start:frame.start - 1]
    chunk = ctx.text[frame.start:ctx.word_start]
    if not _at_name(chunk):
        return []
    action = re.search(r":\s*action\s+([A-Za-z_][A-Za-z0-9_]*)\s*$", head)
    if action is not None:
        return _action_params(analysis, action.group(1), chunk)
    if re.search(r":\s*(?:email|sms|push|inapp)\s*$", head):
        return [_item(n, K.Property, detail=d, insert=f"{n}: ")
                for n, d in _CHANNEL_PARAMS.items() if not _given(chunk, n)]
    if re.search(r":\s*update\s+profile\s*$", head):
        return _update_paths(analysis, ctx)
    return []


def _in_channel(ctx: Context) -> list[types.CompletionItem]:
    """Setting names inside a ``channel NAME kind { }`` declaration (its provider's, once it
    is given)."""
    frame = ctx.top
    if frame is None or frame.kind != "brace" or ctx.journey is not None:
        return []
    if not _CHANNEL_DECL.match(ctx.text[ctx.decl_start:frame.start - 1]):
        return []
    chunk = ctx.text[frame.start:ctx.word_start]
    if not _at_name(chunk):
        return []
    provider = re.search(r"(?:^|[\s,{])provider\s*:\s*([A-Za-z_]\w*)", chunk)
    return [_item(n, K.Property, detail="channel setting", insert=f"{n}: ")
            for n in settings_of(provider.group(1) if provider else None)
            if not _given(chunk, n)]


def _at_name(chunk: str) -> bool:
    """Whether the cursor is where an entry's name goes (after ``{``, a comma or a complete
    ``name: value`` line)."""
    last = split_top(chunk, ",")[-1]
    lines = last.split("\n")
    return not lines[-1].strip() and (len(lines) > 1 or not last.strip())


def _given(chunk: str, name: str) -> bool:
    return re.search(rf"(?:^|[\s,{{]){re.escape(name)}\s*:", chunk) is not None


def _action_params(analysis: Analysis, action: str, chunk: str) -> list[types.CompletionItem]:
    decl = analysis.model.actions.get(action)
    if decl is None:
        return []
    return [_item(n, K.Property, detail=f"{T.display(t)} parameter of {action}",
                  insert=f"{n}: ") for n, t in decl.body.items() if not _given(chunk, n)]


def _update_paths(analysis: Analysis, ctx: Context) -> list[types.CompletionItem]:
    typed = re.search(r"([A-Za-z0-9_.'\"]*)$", ctx.text[:ctx.word_start])
    segments = [unquote(s) for s in (typed.group(1) if typed else "").split(".")[:-1]]
    decls = Declarations.build(None, analysis.schema)
    if not segments:
        return [_item(n, K.Module, detail="profile field group")
                for n in decls.fields_under(("ExperiencePlatform",)) if n != "Events"]
    return _fields(decls, ("ExperiencePlatform", *segments))


# ---- 5. keywords and functions


def _by_grammar(ctx: Context) -> list[types.CompletionItem]:
    expected = keywords_at(ctx.before) if ctx.before.strip() else None
    if expected is None:
        return _fallback(ctx)
    keywords, words = expected
    in_expression = bool(words & _EXPR_MARKERS)
    items = [_item(w, K.Keyword) for w in keywords if w not in _LOOP_VARS
             and w != "currentDatasetLookupField"]
    if in_expression:
        items.extend(_expression_items(ctx))
    return items


def _fallback(ctx: Context) -> list[types.CompletionItem]:
    if not ctx.frames:
        return [_item(w, K.Keyword) for w in declaration_keywords()]
    return _expression_items(ctx)


def _expression_items(ctx: Context) -> list[types.CompletionItem]:
    items = [_function_item(f) for f in catalogue()]
    items.extend(_alias_item(alias, target) for alias, target in ALIASES.items())
    items.extend(_item(o, K.Reference, detail=d, insert=f"{o}$1}}", snippet=True)
                 for o, d in _REF_OPENERS)
    for var, kinds in _LOOP_VARS.items():
        if _collection_path(ctx, kinds) is not None:
            items.append(_item(var, K.Variable, detail="the element tested"))
    return items


def _function_item(fn: Function) -> types.CompletionItem:
    return types.CompletionItem(
        label=fn.name, kind=K.Function, detail=fn.signature_text(),
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=fn.doc),
        insert_text=snippet(fn), insert_text_format=types.InsertTextFormat.Snippet)


def _alias_item(alias: str, target: str) -> types.CompletionItem:
    return types.CompletionItem(label=alias, kind=K.Function, detail=f"deprecated: use {target}",
                                tags=[types.CompletionItemTag.Deprecated],
                                sort_text=f"~{alias}", insert_text=f"{alias}($1)",
                                insert_text_format=types.InsertTextFormat.Snippet)


def snippet(fn: Function) -> str:
    """``substr(${1:string}, ${2:integer})``: the first signature's parameters as tab stops."""
    params = fn.signatures[0].params if fn.signatures else ()
    stops = ", ".join(f"${{{i}:{T.display(p)}}}" for i, p in enumerate(params, 1))
    return f"{fn.name}({stops})"


# ---- items


def _item(label: str, kind: types.CompletionItemKind, detail: str | None = None,
          insert: str | None = None, snippet: bool = False) -> types.CompletionItem:
    return types.CompletionItem(
        label=label, kind=kind, detail=detail, insert_text=insert,
        insert_text_format=types.InsertTextFormat.Snippet if snippet else None)


def _segment(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name) else "'" + name.replace(
        "'", "\\'") + "'"
