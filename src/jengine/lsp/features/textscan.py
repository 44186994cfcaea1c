"""Lexical context at the cursor, read from the text itself (which may not parse).

Completion and signature help run while the user types, when the declaration under the cursor
is usually broken. They need only local facts — which brackets and reference bodies are open,
which declaration the cursor is in, the word being typed — and those come from one scan that
skips string literals and comments like the journey lexer does (spec §1). Everything else
(names, types, schemas) comes from the analysed model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jengine.lang.recovery import split_declarations

_TOKEN = re.compile(r"""//[^\n\r]*|/\*.*?(?:\*/|\Z)|"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?"""
                    r"""|@event\{|@datasetLookup\{|@action\{|@journey\{|@\{|\#\{|[{}()\[\]]""",
                    re.S)
_OPENERS = {"@event{": "event", "@{": "legacy", "#{": "data", "@action{": "action",
            "@datasetLookup{": "lookup", "@journey{": "journey"}
_CLOSERS = {"}": ("ref", "brace"), ")": ("paren",), "]": ("bracket",)}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_NAME_BEFORE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*$")
_STEP_DEF = re.compile(r"(?m)^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*:[ \t]*"
                       r"(email|sms|push|inapp|action|update|wait|jump|condition|split|await|end)"
                       r"\b")
_CLOSED_STRING = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'""", re.S)
_JOURNEY_NAME = re.compile(r"\s*journey\s+([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Frame:
    """An open bracket: ``kind`` is ref, brace, paren or bracket; ``start`` is the offset just
    after the opener; ``ref_kind`` the reference kind of a ref; ``name`` the word before a
    ``(`` or ``{``."""

    kind: str
    start: int
    ref_kind: str | None = None
    name: str = ""


@dataclass(frozen=True)
class Context:
    """What surrounds an offset: the declaration's range, the open brackets (outermost
    first) and the word being typed."""

    text: str
    offset: int
    decl_start: int
    decl_end: int
    frames: tuple[Frame, ...]
    word_start: int
    in_text: bool = False  # inside a comment or a string literal

    @property
    def word(self) -> str:
        return self.text[self.word_start:self.offset]

    @property
    def before(self) -> str:
        """The declaration's text up to the start of the word."""
        return self.text[self.decl_start:self.word_start]

    @property
    def top(self) -> Frame | None:
        return self.frames[-1] if self.frames else None

    def innermost(self, kind: str) -> Frame | None:
        return next((f for f in reversed(self.frames) if f.kind == kind), None)

    @property
    def journey(self) -> str | None:
        m = _JOURNEY_NAME.match(self.text, self.decl_start)
        return m.group(1) if m else None

    def step_names(self) -> list[tuple[str, str]]:
        """The (name, kind) of every step defined in the declaration's text."""
        body = self.text[self.decl_start:self.decl_end]
        return [(m.group(1), m.group(2)) for m in _STEP_DEF.finditer(body)]


def context_at(text: str, offset: int) -> Context:
    """The lexical context of an offset."""
    offset = max(0, min(offset, len(text)))
    start, end = _declaration(text, offset)
    m = _WORD.search(text, start, offset)
    word_start = m.start() if m else offset
    frames, in_text = _frames(text, start, word_start)
    return Context(text, offset, start, end, tuple(frames), word_start, in_text)


def _declaration(text: str, offset: int) -> tuple[int, int]:
    for start, end in split_declarations(text):
        if start <= offset <= end:
            return start, end
    return 0, len(text)


def _frames(text: str, start: int, end: int) -> tuple[list[Frame], bool]:
    """The brackets open at ``end``, and whether ``end`` is inside a comment or string."""
    stack: list[Frame] = []
    for m in _TOKEN.finditer(text, start, end):
        tok = m.group()
        if tok[:2] in ("//", "/*") or tok[0] in "\"'":
            if m.end() == end and _unterminated(tok):
                return stack, True
            continue
        if tok in _OPENERS:
            stack.append(Frame("ref", m.end(), _OPENERS[tok]))
        elif tok in "{([":
            kind = {"{": "brace", "(": "paren", "[": "bracket"}[tok]
            name = _NAME_BEFORE.search(text, start, m.start())
            stack.append(Frame(kind, m.end(), None, name.group(1) if name else ""))
        elif stack and stack[-1].kind in _CLOSERS[tok]:
            stack.pop()
    return stack, False


def _unterminated(tok: str) -> bool:
    if tok.startswith("//"):
        return True
    if tok.startswith("/*"):
        return not tok.endswith("*/") or len(tok) < 4
    return _CLOSED_STRING.fullmatch(tok) is None


def split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside brackets and strings (a reference body into path segments)."""
    parts: list[str] = []
    depth, quote = 0, ""
    current: list[str] = []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def unquote(segment: str) -> str:
    segment = segment.strip()
    if len(segment) >= 2 and segment[0] in "\"'" and segment[-1] == segment[0]:
        return re.sub(r"\\(.)", r"\1", segment[1:-1])
    return segment
