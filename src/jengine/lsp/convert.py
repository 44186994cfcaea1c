"""The one place where jexpr spans meet LSP positions (architecture rule 2).

jexpr and jengine count **code points** (0-based line and column, lines split at ``\\n``,
``\\r\\n`` or a lone ``\\r``, spec X§2.1); LSP counts **UTF-16 code units** unless the client
negotiated another encoding. A :class:`Document` pairs a :class:`~jexpr.source.Source` with
pygls's :class:`~pygls.workspace.PositionCodec` and converts both ways: offsets and spans to
``Range``/``Position``, and client positions back to offsets. The document's lines are cut by
the *source's* line index (not ``str.splitlines``, which also splits at form feeds and U+2028),
so both worlds agree on line numbers. Nothing else in the server converts positions.

It also turns a jexpr :class:`~jexpr.diagnostics.Diagnostic` into an LSP diagnostic, with its
code, severity, source ``jengine`` and, in ``data``, the hint and the quick fix as an LSP edit
(``{"fix": {"range": …, "newText": …}, "hint": …}``) for the code-action provider.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.workspace import PositionCodec

from jengine.lsp.features import types as F
from jexpr.diagnostics import Diagnostic, Fix, Severity
from jexpr.source import Position, Source, Span

SOURCE_NAME = "jengine"
_SEVERITY = {"error": types.DiagnosticSeverity.Error,
             "warning": types.DiagnosticSeverity.Warning}
_TAGS = {"W-DEPRECATED-ALIAS": [types.DiagnosticTag.Deprecated],
         "J-UNREACHABLE": [types.DiagnosticTag.Unnecessary]}


@dataclass(frozen=True)
class Document:
    """One text as the client sees it: its URI, version, source and position codec."""

    uri: str
    source: Source
    version: int | None = None
    codec: PositionCodec = field(default_factory=PositionCodec)

    @property
    def text(self) -> str:
        return self.source.text

    @cached_property
    def lines(self) -> list[str]:
        """The lines without their line breaks, cut as the source's line index cuts them."""
        starts = self.source.index.line_starts
        text = self.source.text
        ends = [*starts[1:], len(text)]
        return [text[a:b].rstrip("\r\n") for a, b in zip(starts, ends, strict=True)]

    # -- spans and offsets → LSP

    def position(self, offset: int) -> types.Position:
        pos = self.source.index.position(offset)
        return self.codec.position_to_client_units(
            self.lines, types.Position(line=pos.line, character=pos.column))

    def range_of(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def range(self, span: Span) -> types.Range:
        return self.range_of(span.start, span.end)

    def length(self, start: int, end: int) -> int:
        """The length of a single-line piece of text in client units (semantic tokens)."""
        return int(self.codec.client_num_units(self.source.text[start:end]))

    # -- LSP → offsets

    def offset(self, position: types.Position) -> int:
        """The offset of a client position; positions past a line's end clamp to its end."""
        lines = self.lines
        line = min(max(position.line, 0), len(lines) - 1)
        if position.line >= len(lines):
            return len(self.source.text)
        width = int(self.codec.client_num_units(lines[line]))
        client = types.Position(line=line, character=min(max(position.character, 0), width))
        server = self.codec.position_from_client_units(lines, client)
        return self.source.index.offset(Position(server.line, server.character))

    def span(self, rng: types.Range) -> Span:
        return self.source.span(self.offset(rng.start), self.offset(rng.end))

    # -- edits and diagnostics

    def edit(self, span: Span, new_text: str) -> types.TextEdit:
        return types.TextEdit(range=self.range(span), new_text=new_text)

    def diagnostic(self, diag: Diagnostic) -> types.Diagnostic:
        """An LSP diagnostic: code, severity, source, and hint and quick fix in ``data``."""
        message = diag.message + (f"\nhint: {diag.hint}" if diag.hint else "")
        return types.Diagnostic(
            range=self.range(diag.span), message=message, severity=_SEVERITY[diag.severity],
            code=diag.code, source=SOURCE_NAME, tags=_TAGS.get(diag.code),
            data=self.diagnostic_data(diag) or None)

    def diagnostic_data(self, diag: Diagnostic) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if diag.hint:
            data["hint"] = diag.hint
        if diag.fix is not None:
            data["fix"] = {"range": range_json(self.range(diag.fix.span)),
                           "newText": diag.fix.new_text}
        return data


def range_json(rng: types.Range) -> dict[str, dict[str, int]]:
    """A Range as plain JSON (for a diagnostic's ``data``)."""
    return {"start": {"line": rng.start.line, "character": rng.start.character},
            "end": {"line": rng.end.line, "character": rng.end.character}}


def range_from_json(data: Any) -> types.Range:
    """The inverse of :func:`range_json` (a fix coming back in a code-action request)."""
    start, end = data["start"], data["end"]
    return types.Range(start=types.Position(line=start["line"], character=start["character"]),
                       end=types.Position(line=end["line"], character=end["character"]))


def range_from_str(text: str) -> types.Range:
    """``"1:4-1:9"`` → a Range (a test helper, as in esbonio)."""
    a, b = text.split("-")
    (l1, c1), (l2, c2) = a.split(":"), b.split(":")
    return types.Range(start=types.Position(line=int(l1), character=int(c1)),
                       end=types.Position(line=int(l2), character=int(c2)))


def from_lsp(diag: types.Diagnostic, doc: Document) -> Diagnostic:
    """A client's diagnostic (echoed back in a code-action request) as a jexpr Diagnostic,
    with the quick fix of its ``data`` when it carries one."""
    span = doc.span(diag.range)
    data = diag.data if isinstance(diag.data, dict) else {}
    fix = None
    if isinstance(data.get("fix"), dict):
        fix = Fix(doc.span(range_from_json(data["fix"]["range"])), str(data["fix"]["newText"]))
    severity: Severity = "warning" if diag.severity == types.DiagnosticSeverity.Warning \
        else "error"
    message = diag.message.split("\nhint: ")[0]
    return Diagnostic(severity, str(diag.code or ""), message, span, data.get("hint"), fix)


# ---- the navigation and code-action values (jengine.lsp.features.types) → LSP

DocumentFor = Callable[[Path], Document]
_SYMBOL_KIND = {"event": types.SymbolKind.Event, "datasource": types.SymbolKind.Module,
                "fieldgroup": types.SymbolKind.Struct, "action": types.SymbolKind.Interface,
                "audience": types.SymbolKind.Enum, "journey": types.SymbolKind.Class,
                "step": types.SymbolKind.Function, "channel": types.SymbolKind.Interface,
                "rules": types.SymbolKind.Namespace}


def location(doc_for: DocumentFor, loc: F.Location) -> types.Location:
    doc = doc_for(loc.path)
    return types.Location(uri=doc.uri, range=doc.range(loc.span))


def workspace_edit(doc_for: DocumentFor, edits: F.Edits) -> types.WorkspaceEdit:
    changes: dict[str, list[types.TextEdit]] = {}
    for path, items in edits.items():
        doc = doc_for(path)
        changes[doc.uri] = [doc.edit(e.span, e.new_text) for e in items]
    return types.WorkspaceEdit(changes=changes)


def document_symbol(doc: Document, sym: F.Symbol) -> types.DocumentSymbol:
    return types.DocumentSymbol(
        name=sym.name, kind=_SYMBOL_KIND.get(sym.kind, types.SymbolKind.Object),
        range=doc.range(sym.span), selection_range=doc.range(sym.selection), detail=sym.detail,
        children=[document_symbol(doc, c) for c in sym.children] or None)


def code_action(doc_for: DocumentFor, action: F.CodeAction, doc: Document) -> types.CodeAction:
    diags = [doc.diagnostic(action.diagnostic)] if action.diagnostic is not None else None
    kind = types.CodeActionKind.QuickFix if action.kind == "quickfix" else action.kind
    return types.CodeAction(title=action.title, kind=kind, diagnostics=diags,
                            edit=workspace_edit(doc_for, action.edits),
                            is_preferred=action.preferred or None)
