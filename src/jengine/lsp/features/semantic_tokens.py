"""Semantic tokens: what each name *is*, which a TextMate grammar cannot know.

The TextMate grammar of the extension colours keywords and punctuation; semantic tokens add
meaning from the AST and the symbol index: declarations and their uses by kind (event, data
source, action, audience, journey, step — with the ``declaration`` modifier where declared),
function calls (``defaultLibrary``, ``deprecated`` for the D15 aliases), reference fields,
loop variables, parameters and labels, literals and comments. Tokens are split per line and
encoded relative to each other in the client's position units (through
:class:`~jengine.lsp.convert.Document`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jengine.lang import ast as A
from jengine.lang.walk import expression_nodes, expressions, nodes
from jengine.lsp.analysis import Analysis
from jengine.lsp.convert import Document
from jengine.lsp.features.index import index_of
from jexpr.functions.registry import ALIASES
from jexpr.source import Span
from jexpr.syntax import ast as X

TOKEN_TYPES = ["class", "namespace", "interface", "enum", "type", "function", "property",
               "variable", "parameter", "enumMember", "string", "number", "keyword", "comment"]
TOKEN_MODIFIERS = ["declaration", "defaultLibrary", "deprecated"]
_KIND_TYPE = {"event": "class", "datasource": "namespace", "fieldgroup": "namespace",
              "action": "interface", "audience": "enum", "journey": "type", "step": "function",
              "channel": "interface", "rules": "namespace"}
_LITERALS = {X.StrLit: "string", X.IntLit: "number", X.DecLit: "number", X.BoolLit: "keyword",
             X.NullLit: "keyword"}


@dataclass(frozen=True, order=True)
class Token:
    start: int
    end: int
    type: str
    modifiers: tuple[str, ...] = ()


def semantic_tokens(analysis: Analysis, path: Path) -> list[int]:
    """The encoded ``data`` array of ``textDocument/semanticTokens/full``."""
    doc = analysis.document(path)
    return encode(doc, collect(analysis, path))


def collect(analysis: Analysis, path: Path) -> list[Token]:
    """Every token of a file, sorted, without overlaps."""
    tokens: list[Token] = []
    for occ in index_of(analysis).by_path.get(path, ()):
        modifiers = ("declaration",) if occ.declaration else ()
        tokens.append(Token(occ.span.start, occ.span.end, _KIND_TYPE[occ.key[0]], modifiers))
    file = analysis.file(path)
    if file is not None:
        tokens.extend(Token(c.span.start, c.span.end, "comment") for c in file.comments)
        for decl in file.declarations:
            tokens.extend(_journey_tokens(decl))
            for expr, _ in expressions(decl):
                tokens.extend(_expression_tokens(expr))
    return _without_overlaps(tokens)


def _journey_tokens(decl: A.Declaration) -> list[Token]:
    out: list[Token] = []
    for node in nodes(decl):
        if isinstance(node, A.Literal_):
            kind = "string" if node.text[:1] in "\"'" else "number"
            out.append(_at(node.span, kind))
        elif isinstance(node, A.Param | A.Field):
            out.append(_at(node.name.span, "parameter" if isinstance(node, A.Param)
                           else "property", ("declaration",) if isinstance(node, A.Field)
                           else ()))
        elif isinstance(node, A.Case | A.Branch):
            out.append(_at(node.label.span, "enumMember"))
        elif isinstance(node, A.ScalarType):
            out.append(_at(node.span, "type"))
    return out


def _expression_tokens(expr: X.Expr) -> list[Token]:
    out: list[Token] = []
    for node in expression_nodes(expr):
        if isinstance(node, X.Call):
            mods = ("defaultLibrary", "deprecated") if node.name in ALIASES else (
                "defaultLibrary",)
            out.append(_at(node.name_span, "function", mods))
        elif isinstance(node, X.FieldStep):
            out.append(_at(node.span, "property"))
        elif isinstance(node, X.LoopRef):
            out.append(Token(node.span.start, node.span.start + len(node.var), "variable",
                             ("defaultLibrary",)))
        elif type(node) in _LITERALS:
            out.append(_at(node.span, _LITERALS[type(node)]))
    return out


def _at(span: Span, kind: str, modifiers: tuple[str, ...] = ()) -> Token:
    return Token(span.start, span.end, kind, modifiers)


def _without_overlaps(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for tok in sorted(tokens):
        if tok.end <= tok.start:
            continue
        if out and tok.start < out[-1].end:
            continue  # overlapping: the earlier (then shorter) token wins
        out.append(tok)
    return out


def encode(doc: Document, tokens: list[Token]) -> list[int]:
    """The LSP relative encoding, one entry per line piece of each token."""
    data: list[int] = []
    line, column = 0, 0
    for tok in tokens:
        for start, end in _line_pieces(doc, tok.start, tok.end):
            pos = doc.position(start)
            delta_line = pos.line - line
            delta_col = pos.character - column if delta_line == 0 else pos.character
            mods = sum(1 << TOKEN_MODIFIERS.index(m) for m in tok.modifiers)
            data.extend([delta_line, delta_col, doc.length(start, end),
                         TOKEN_TYPES.index(tok.type), mods])
            line, column = pos.line, pos.character
    return data


def _line_pieces(doc: Document, start: int, end: int) -> list[tuple[int, int]]:
    starts = doc.source.index.line_starts
    first = doc.source.index.position(start).line
    last = doc.source.index.position(end).line
    pieces = []
    for n in range(first, last + 1):
        a = max(start, starts[n])
        line_end = starts[n] + len(doc.lines[n])
        b = min(end, line_end)
        if b > a:
            pieces.append((a, b))
    return pieces
