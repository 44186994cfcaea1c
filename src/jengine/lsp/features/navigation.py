"""Navigation: go to definition, find references, rename, and the document outline.

Every question but the outline goes through the symbol index (:mod:`.index`): find the
occurrence under the cursor, then the other occurrences of its symbol. A symbol is a
declaration (global in the workspace), a data source's field group, or a step (scoped to its
journey), so ``-> done`` in one journey never finds ``done`` in another.

Renames are workspace-wide and edit every occurrence, including the roots of references inside
expressions and the audience names of ``inAudience("…")``; the edit replaces only the name, so
quoting (``@event{'E'.x}``) survives. A new name must be a NAME (journey spec §1.1), not a
reserved word (§1.2), and must not collide: declarations share one global namespace, field
groups are unique per data source, steps per journey, and a custom-action step may not share
the name of an event or data source (they are all expression roots, §2.5). The built-in
``ExperiencePlatform`` data source and its ``Events`` field group cannot be renamed.

A position is a :class:`~jexpr.source.Position` (0-based line, code-point column) or a code-point
offset into the file; the server converts them from and to the protocol's UTF-16 positions.
"""

from __future__ import annotations

import re
from pathlib import Path

from jengine.lang import ast as A
from jengine.lang.parse import RESERVED
from jexpr.source import Position, Span

from .index import BUILT_IN, PROFILE_STORE, Key, Occurrence, SymbolIndex, index_of
from .types import Analysis, Edit, Location, RenameError, Symbol, SymbolKind

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DECLARATION_KINDS = frozenset({"event", "datasource", "action", "audience", "journey"})
_WORDS = {"event": "event", "datasource": "data source", "fieldgroup": "field group",
          "action": "action", "audience": "audience", "journey": "journey", "step": "step"}


def definition(analysis: Analysis, path: Path | str, pos: Position | int) -> list[Location]:
    """Where the symbol under ``pos`` is declared (several places for a duplicate; none for an
    undeclared or built-in name)."""
    index, occurrence = _lookup(analysis, path, pos)
    if occurrence is None:
        return []
    return [Location(o.path, o.span) for o in index.of(occurrence.key) if o.declaration]


def references(analysis: Analysis, path: Path | str, pos: Position | int,
               include_declaration: bool) -> list[Location]:
    """Every occurrence of the symbol under ``pos``, in file and text order."""
    index, occurrence = _lookup(analysis, path, pos)
    if occurrence is None:
        return []
    found = [o for o in index.of(occurrence.key) if include_declaration or not o.declaration]
    return [Location(o.path, o.span) for o in _ordered(found)]


def prepare_rename(analysis: Analysis, path: Path | str, pos: Position | int) -> Span | None:
    """The span of the renameable name under ``pos``, or None."""
    _index, occurrence = _lookup(analysis, path, pos)
    if occurrence is None or occurrence.key in BUILT_IN:
        return None
    return occurrence.span


def rename(analysis: Analysis, path: Path | str, pos: Position | int,
           new_name: str) -> dict[Path, list[Edit]] | RenameError:
    """The edits renaming the symbol under ``pos`` everywhere, or why it cannot be renamed."""
    index, occurrence = _lookup(analysis, path, pos)
    if occurrence is None:
        return RenameError("there is no event, data source, field group, action, audience, "
                           "journey or step name here")
    problem = rename_problem(index, occurrence.key, new_name)
    if problem is not None:
        return RenameError(problem)
    edits: dict[Path, list[Edit]] = {}
    if new_name == occurrence.key[-1]:
        return edits
    for o in _ordered(index.of(occurrence.key)):
        edits.setdefault(o.path, []).append(Edit(o.span, new_name))
    return edits


def rename_problem(index: SymbolIndex, key: Key, new_name: str) -> str | None:
    """Why ``key`` cannot take ``new_name``, or None when it can."""
    what = _WORDS[key[0]]
    if key in BUILT_IN:
        return f"the built-in {what} '{key[-1]}' cannot be renamed"
    if not NAME.fullmatch(new_name):
        return f"'{new_name}' is not a valid name: use letters, digits and '_', not starting " \
               "with a digit"
    if new_name in RESERVED:
        return f"'{new_name}' is a reserved word and cannot name a {what}"
    if new_name == key[-1]:
        return None
    clash = _clash(index, key, new_name)
    return f"'{new_name}' is already used by {clash}" if clash else None


def _clash(index: SymbolIndex, key: Key, new_name: str) -> str | None:
    declared = _declared(index)
    other = declared.get(new_name)
    if key[0] in DECLARATION_KINDS:
        if other is not None:
            return f"the {_WORDS[other]} '{new_name}' (declaration names are global)"
        if key[0] in ("event", "datasource") and _custom_step_named(index, new_name):
            return "a custom-action step (steps, events and data sources share expression roots)"
        return None
    if key[0] == "fieldgroup":
        taken = {k[2] for k in index.by_key if k[:2] == key[:2] and _is_declared(index, k)}
        if new_name in taken or (key[1] == PROFILE_STORE and new_name == "Events"):
            return f"a field group of '{key[1]}'"
        return None
    taken = {k[2] for k in index.by_key if k[:2] == key[:2] and _is_declared(index, k)}
    if new_name in taken:
        return f"a step of journey '{index.journeys[key[1]].name.text}'"
    if key in index.custom_steps and other in ("event", "datasource"):
        return f"the {_WORDS[other]} '{new_name}' (custom-action steps share expression roots)"
    return None


def _declared(index: SymbolIndex) -> dict[str, str]:
    """Declaration name → kind (the built-in profile store included)."""
    out = {PROFILE_STORE: "datasource"}
    for key, found in index.by_key.items():
        if key[0] in DECLARATION_KINDS and any(o.declaration for o in found):
            out.setdefault(key[1], key[0])
    return out


def _is_declared(index: SymbolIndex, key: Key) -> bool:
    return any(o.declaration for o in index.of(key))


def _custom_step_named(index: SymbolIndex, name: str) -> bool:
    return any(k[2] == name for k in index.custom_steps)


def _lookup(analysis: Analysis, path: Path | str,
            pos: Position | int) -> tuple[SymbolIndex, Occurrence | None]:
    index = index_of(analysis)
    path = Path(path)
    if path not in index.sources:
        return index, None
    return index, index.at(path, index.offset(path, pos))


def _ordered(found: list[Occurrence]) -> list[Occurrence]:
    return sorted(found, key=lambda o: (str(o.path), o.span.start))


# ---- the outline ----

def document_symbols(analysis: Analysis, path: Path | str) -> list[Symbol]:
    """The outline of one file: declarations in text order, a data source's field groups and a
    journey's steps as children."""
    files = {Path(p): f for p, f in analysis.workspace.files.items()}
    file = files.get(Path(path))
    return [] if file is None else [_symbol(d) for d in file.declarations]


def _symbol(decl: A.Declaration) -> Symbol:
    kind: SymbolKind = "event"
    detail: str | None = None
    children: tuple[Symbol, ...] = ()
    if isinstance(decl, A.Event):
        detail = "business event" if decl.business else "event"
    elif isinstance(decl, A.Datasource):
        kind, detail = "datasource", "data source"
        children = tuple(Symbol(c.name.text, "fieldgroup", c.span, c.name.span, "field group")
                         for c in decl.clauses if isinstance(c, A.FieldGroup))
    elif isinstance(decl, A.Action):
        kind, detail = "action", "action"
    elif isinstance(decl, A.Audience):
        kind, detail = "audience", "rule audience" if decl.where else "audience"
    elif isinstance(decl, A.ChannelDecl):
        kind, detail = "channel", f"{decl.kind.text} channel"
    elif isinstance(decl, A.RulesDecl):
        kind, detail = "rules", "business rules"
    else:
        kind, detail = "journey", decl.title.value if decl.title else "journey"
        children = tuple(Symbol(s.name.text, "step", s.span, s.name.span, step_detail(s.body))
                         for s in decl.items if isinstance(s, A.Step))
    return Symbol(decl.name.text, kind, decl.span, decl.name.span, detail, children)


_BODY_WORDS: dict[type[A.Node], str] = {
    A.UpdateProfile: "update profile", A.WaitFor: "wait", A.WaitUntil: "wait until",
    A.Condition: "condition", A.Split: "split", A.Await: "await", A.End: "end"}


def step_detail(body: A.Body) -> str:
    """A step's kind as written: ``email``, ``action crmSync``, ``jump goldPerks``, ``wait`` …"""
    if isinstance(body, A.Channel):
        return body.kind
    if isinstance(body, A.Custom):
        return f"action {body.action.text}"
    if isinstance(body, A.Jump):
        return f"jump {body.journey.text}"
    return _BODY_WORDS[type(body)]
