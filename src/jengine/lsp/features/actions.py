"""Code actions: quick fixes for diagnostics, and "add the missing else" on condition steps.

Most fixes are already computed by the checkers: a jexpr or journey :class:`~jexpr.diagnostics.
Diagnostic` may carry a :class:`~jexpr.diagnostics.Fix` (deprecated aliases, did-you-mean
function and field names, keyword case, the ``W-AJO-*`` rewrites). This module only turns such a
fix into an edit. Diagnostics arriving without their fix (a client echoes back only code, range
and message) are matched to the analysis's own diagnostics by file, code and span.

Two fixes are the language server's own:

* ``J-NAME-UNKNOWN`` on a step target (``-> tipz``): retarget to the closest step of the same
  journey — the checker's did-you-mean when it has one, else the step at the smallest edit
  distance (never the step the target belongs to). Other ``J-NAME-UNKNOWN`` and
  ``E-NAME-JOURNEY`` diagnostics whose hint is ``did you mean X?`` are fixed to ``X``.
* A condition step without ``else`` ends the instance when no case holds (journey spec §3.2).
  Wherever the requested range touches such a step, an action adds ``else -> t`` after the last
  case, where ``t`` is the next step in the text; for the last step of a journey, an existing
  ``end`` step, or else a new ``done: end`` step written after the condition.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from jengine.lang import ast as A
from jexpr.diagnostics import Diagnostic, Fix, did_you_mean, edit_distance
from jexpr.source import Source, Span

from .index import Occurrence, SymbolIndex, index_of
from .types import Analysis, CodeAction, Edit

_DID_YOU_MEAN = re.compile(r"did you mean (\S+)\?")
_HINTED = frozenset({"J-NAME-UNKNOWN", "E-NAME-JOURNEY"})


def code_actions(analysis: Analysis, path: Path | str, span: Span,
                 diagnostics: Sequence[Diagnostic]) -> list[CodeAction]:
    """The quick fixes for ``diagnostics`` (those the client reports in ``span``), then the
    missing-else actions for the condition steps ``span`` touches."""
    path = Path(path)
    out = [a for d in diagnostics if (a := fix_action(analysis, path, d)) is not None]
    out.extend(missing_else_actions(analysis, path, span))
    return out


def fix_action(analysis: Analysis, path: Path, diag: Diagnostic) -> CodeAction | None:
    """The quick fix of one diagnostic, or None when it has none."""
    fix = diag.fix or _stored_fix(analysis, path, diag)
    title = _title(diag, fix) if fix else ""
    if fix is None:
        fix = _name_fix(analysis, path, diag)
        title = f"Change to '{fix.new_text}'" if fix else ""
    if fix is None:
        return None
    return CodeAction(title, {path: (Edit(fix.span, fix.new_text),)}, diag, preferred=True)


def _stored_fix(analysis: Analysis, path: Path, diag: Diagnostic) -> Fix | None:
    for item in analysis.workspace.diagnostics:
        d = item.diagnostic
        if Path(item.path) == path and d.code == diag.code and d.fix is not None \
                and (d.span.start_position, d.span.end_position) \
                == (diag.span.start_position, diag.span.end_position):
            return d.fix
    return None


def _title(diag: Diagnostic, fix: Fix) -> str:
    if diag.hint and not _DID_YOU_MEAN.fullmatch(diag.hint) and diag.code != "E-FIELD-UNKNOWN":
        return diag.hint[0].upper() + diag.hint[1:]
    return f"Change to '{fix.new_text}'"


def _name_fix(analysis: Analysis, path: Path, diag: Diagnostic) -> Fix | None:
    if diag.code not in _HINTED:
        return None
    index = index_of(analysis)
    target = _step_target(index, path, diag.span)
    if target is not None:
        closest = closest_step(index, target)
        return Fix(target.span, closest) if closest else None
    m = _DID_YOU_MEAN.fullmatch(diag.hint or "")
    return Fix(diag.span, m.group(1)) if m else None


def _step_target(index: SymbolIndex, path: Path, span: Span) -> Occurrence | None:
    if path not in index.sources:
        return None
    hit = index.at(path, index.offset(path, span.start_position))
    if hit is None or hit.key[0] != "step" or hit.declaration or hit.span.start != span.start:
        return None
    return hit


def closest_step(index: SymbolIndex, target: Occurrence) -> str | None:
    """The step of the target's journey its name most likely means (not its own step)."""
    journey = index.journeys[target.key[1]]
    steps = [s.name.text for s in _steps(journey)
             if not s.span.start <= target.span.start < s.span.end]
    if not steps:
        return None
    name = target.key[2]
    return did_you_mean(name, steps) or min(steps, key=lambda s: edit_distance(name, s))


# ---- missing else ----

def missing_else_actions(analysis: Analysis, path: Path, span: Span) -> list[CodeAction]:
    """An "add else" action for each condition step without ``else`` that ``span`` touches."""
    index = index_of(analysis)
    source = index.sources.get(path)
    files = {Path(p): f for p, f in analysis.workspace.files.items()}
    if source is None or path not in files:
        return []
    out: list[CodeAction] = []
    for journey in (d for d in files[path].declarations if isinstance(d, A.Journey)):
        steps = _steps(journey)
        for i, step in enumerate(steps):
            if _needs_else(step) and step.span.start <= span.end and span.start <= step.span.end:
                out.append(_add_else(source, path, steps, i))
    return out


def _steps(journey: A.Journey) -> list[A.Step]:
    return [s for s in journey.items if isinstance(s, A.Step)]


def _needs_else(step: A.Step) -> bool:
    return isinstance(step.body, A.Condition) \
        and not any(isinstance(i, A.ElseBranch) for i in step.body.items)


def _add_else(source: Source, path: Path, steps: list[A.Step], i: int) -> CodeAction:
    step = steps[i]
    edits: list[Edit] = []
    target = _else_target(steps, i)
    if target is None:
        target = _fresh_name("done", {s.name.text for s in steps})
        edits.append(_insert(source, step.span.end, f"\n{_indent(source, step.span)}{target}: end"))
    edits.insert(0, _else_edit(source, step, target))
    return CodeAction(f"Add 'else -> {target}' to condition '{step.name.text}'",
                      {path: tuple(edits)})


def _else_target(steps: list[A.Step], i: int) -> str | None:
    if i + 1 < len(steps):
        return steps[i + 1].name.text
    ends = [s.name.text for s in steps[:i] if isinstance(s.body, A.End)]
    return ends[0] if ends else None


def _else_edit(source: Source, step: A.Step, target: str) -> Edit:
    assert isinstance(step.body, A.Condition)
    cases = [c for c in step.body.items if isinstance(c, A.Case)]
    close = step.body.span.end - 1  # the condition's '}'
    clause = f"else -> {target}"
    if not cases or source.index.position(close).line == cases[-1].span.end_line:
        return _insert(source, close, clause + " ")
    last = cases[-1]
    line = source.line_text(last.span.end_line)
    line_end = source.index.line_starts[last.span.end_line] + len(line)
    return _insert(source, line_end, f"\n{_case_indent(source, last.span)}{clause}")


def _case_indent(source: Source, span: Span) -> str:
    line = source.line_text(span.start_line)
    before = line[:span.start_column]
    return before if not before.strip() else _indent(source, span) + "  "


def _indent(source: Source, span: Span) -> str:
    line = source.line_text(span.start_line)
    return line[:len(line) - len(line.lstrip(" \t"))]


def _insert(source: Source, offset: int, text: str) -> Edit:
    return Edit(source.span(offset, offset), text)


def _fresh_name(base: str, taken: set[str]) -> str:
    return next(n for n in _candidates(base) if n not in taken)


def _candidates(base: str) -> Iterator[str]:
    yield base
    n = 2
    while True:
        yield f"{base}{n}"
        n += 1
