"""A forgiving scanner for partial input: which brackets, braces, strings and references are open.

The REPL asks two questions of text that is usually *not* a valid expression yet:

* is the input unfinished (a bracket, brace, reference body or string still open)? Then Enter
  continues on a new line instead of evaluating (:func:`is_incomplete`);
* where is the cursor: in expression mode, or in a reference body at a path-segment position,
  and with which path so far? Completion answers from that (:func:`scan`).

It follows the lexical rules of spec §2 (strings, reference openers, reference mode, collection
steps, ``defaultValue:`` and ``params:``) closely enough for those two questions and never fails:
anything it does not recognise is skipped one character at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["OPENERS", "STEP_NAMES", "Frame", "Scan", "is_incomplete", "scan", "unquote"]

#: Reference openers (spec §2.3) and the reference kind each opens.
OPENERS: dict[str, str] = {
    "@event{": "event", "@{": "legacy", "#{": "data", "@action{": "action",
    "@datasetLookup{": "lookup", "@journey{": "journey",
}
STEP_NAMES = frozenset({"all", "first", "last", "at", "entry", "firstEntryKey", "keys"})

FrameKind = Literal["paren", "bracket", "brace", "ref", "step", "params", "value"]

_OPENER = re.compile("|".join(re.escape(o) for o in sorted(OPENERS, key=len, reverse=True)))
_STRING = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'""", re.S)
_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STEP_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_OPTION = re.compile(r"(defaultValue|params)\s*:\s*(\{)?")
_PARAM_NAME = re.compile(r"""([A-Za-z_][A-Za-z0-9_-]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*:""")
_SPACE = re.compile(r"[ \t\r\n]+")
_CLOSERS = {")": ("paren", "step"), "]": ("bracket",), "}": ("brace",)}
_OPENS: dict[str, FrameKind] = {"(": "paren", "[": "bracket", "{": "brace"}


@dataclass
class Frame:
    """One open construct. ``ref`` frames carry the reference kind and the path read so far;
    ``step`` frames (the parentheses of ``all(…)`` and friends) the path of their elements."""

    kind: FrameKind
    ref_kind: str = ""
    path: list[str] = field(default_factory=list)
    in_path: bool = True
    expect_segment: bool = True


@dataclass
class Scan:
    """The open constructs at the end of the text (innermost last) and an open string quote."""

    stack: list[Frame]
    open_string: str = ""

    @property
    def top(self) -> Frame | None:
        return self.stack[-1] if self.stack else None

    def steps_of(self, ref_kind: str) -> list[Frame]:
        """The open collection-step frames of a reference kind (innermost last)."""
        return [f for f in self.stack if f.kind == "step" and f.ref_kind == ref_kind]


def unquote(segment: str) -> str:
    """A quoted segment's name (escapes reduced to the escaped character); others unchanged."""
    if len(segment) >= 2 and segment[0] in "'\"" and segment[-1] == segment[0]:
        return re.sub(r"\\(.)", r"\1", segment[1:-1], flags=re.S)
    return segment


def is_incomplete(text: str) -> bool:
    """True while a bracket, brace, reference body or string literal is still open."""
    result = scan(text)
    return bool(result.stack or result.open_string)


def scan(text: str) -> Scan:
    """Scan ``text`` (typically the text before the cursor)."""
    stack: list[Frame] = []
    pos = 0
    while pos < len(text):
        step = _step(text, pos, stack)
        if step is None:
            return Scan(stack, text[pos])
        pos = step
    return Scan(stack)


def _step(text: str, pos: int, stack: list[Frame]) -> int | None:
    """Consume one token at ``pos``; the new position, or None inside an unterminated string."""
    if m := _SPACE.match(text, pos):
        return m.end()
    top = stack[-1] if stack else None
    if top is not None and top.kind == "ref":
        return _ref_token(text, pos, top, stack)
    if top is not None and top.kind == "params":
        return _params_token(text, pos, stack)
    if top is not None and top.kind == "value" and text[pos] in ",}":
        stack.pop()
        return pos
    return _expression_token(text, pos, stack)


def _string_end(text: str, pos: int) -> int | None:
    m = _STRING.match(text, pos)
    return m.end() if m else None


def _expression_token(text: str, pos: int, stack: list[Frame]) -> int | None:
    char = text[pos]
    if char in "'\"":
        return _string_end(text, pos)
    if m := _OPENER.match(text, pos):
        stack.append(Frame("ref", OPENERS[m.group()]))
        return m.end()
    if char in _OPENS:
        stack.append(Frame(_OPENS[char]))
    elif char in _CLOSERS and stack and stack[-1].kind in _CLOSERS[char]:
        stack.pop()
    elif m := _IDENT.match(text, pos):
        return m.end()
    return pos + 1


def _ref_token(text: str, pos: int, ref: Frame, stack: list[Frame]) -> int | None:
    char = text[pos]
    if char == "}":
        stack.pop()
        return pos + 1
    if not ref.in_path:
        return _option_token(text, pos, stack)
    if char == ".":
        ref.expect_segment = True
        return pos + 1
    if char == ",":
        ref.in_path = False
        return pos + 1
    return _path_token(text, pos, ref, stack)


def _path_token(text: str, pos: int, ref: Frame, stack: list[Frame]) -> int | None:
    if text[pos] in "'\"":
        end = _string_end(text, pos)
        if end is not None:
            ref.path.append(unquote(text[pos:end]))
            ref.expect_segment = False
        return end
    call = _STEP_CALL.match(text, pos)
    if call and call.group(1) in STEP_NAMES and ref.path:
        stack.append(Frame("step", ref.ref_kind, list(ref.path)))
        ref.expect_segment = False
        return call.end()
    if m := _SEGMENT.match(text, pos):
        ref.path.append(m.group())
        ref.expect_segment = False
        return m.end()
    if text[pos] == "(":
        stack.append(Frame("paren"))
    return pos + 1


def _option_token(text: str, pos: int, stack: list[Frame]) -> int:
    m = _OPTION.match(text, pos)
    if m is None:
        return pos + 1
    stack.append(Frame("params" if m.group(2) else "value"))
    return m.end()


def _params_token(text: str, pos: int, stack: list[Frame]) -> int:
    if text[pos] == "}":
        stack.pop()
        return pos + 1
    if m := _PARAM_NAME.match(text, pos):
        stack.append(Frame("value"))
        return m.end()
    return pos + 1
