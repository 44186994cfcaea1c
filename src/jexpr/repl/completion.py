"""Tab completion for the REPL (a prompt_toolkit :class:`~prompt_toolkit.completion.Completer`).

What is offered depends on where the cursor is (found by :func:`jexpr.repl.scan.scan`):

* in expression mode: function names (``substr(``, with the signatures as meta text), keywords,
  the loop variables of the open collection steps, and after ``@``/``#`` the reference openers
  (``@event{``, ``#{``, …); on an explicit Tab with nothing typed, all of them;
* in a reference body at a path position: event, data-source, action and lookup names, then the
  field names below the path typed so far, from the context payloads and the declared schema
  paths (names that need it are inserted quoted); journey properties after ``@journey{``;
* after ``currentEventField.`` (and the other loop variables) inside ``all(…)``, ``first(…)``,
  ``last(…)``: the fields of the collection's elements;
* after ``:``: command names; then file names for ``:load``/``:schema``, zone ids for ``:tz``,
  function names for ``:help``/``:functions``, and expressions for ``:type``/``:ast``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from jexpr.functions.registry import catalogue
from jexpr.repl.fields import FieldIndex, FieldNode
from jexpr.repl.scan import OPENERS, Frame, Scan, scan, unquote
from jexpr.repl.session import COMMANDS, Session, find_command
from jexpr.runtime.temporal import region_ids

__all__ = ["JexprCompleter"]

KEYWORDS = ("and", "or", "not", "is", "null", "has", "if", "then", "else", "true", "false")
LOOP_VARS = {"currentEventField": "event", "currentDataPackField": "data",
             "currentActionField": "action", "currentDatasetLookupField": "lookup"}
USAGES = ("value", "condition", "wait", "path", "datasetLookupKey", "action:")

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_SEGMENT_END = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*$")
_PLAIN_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_OPENER_START = re.compile(r"[@#][A-Za-z]*$")
_QUOTED = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\""""
_LOOP_PATH = re.compile(
    rf"\b({'|'.join(LOOP_VARS)})((?:\s*\.\s*(?:[A-Za-z_][A-Za-z0-9_]*|{_QUOTED}))*)"
    r"\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)?$"
)
_LOOP_SEGMENT = re.compile(rf"[A-Za-z_][A-Za-z0-9_]*|{_QUOTED}")


class JexprCompleter(Completer):
    """Completes expressions and commands against a :class:`Session` (read on every call, so
    ``:load`` and ``:schema`` take effect at once)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._index: tuple[int, FieldIndex] | None = None
        self._paths = PathCompleter(expanduser=True)

    def fields(self) -> FieldIndex:
        """The field index of the session's current context and declarations (cached)."""
        if self._index is None or self._index[0] != self.session.version:
            index = FieldIndex.build(self.session.context, self.session.declarations())
            self._index = (self.session.version, index)
        return self._index[1]

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        if text.lstrip().startswith(":"):
            yield from self._command(document, complete_event)
            return
        after = document.text_after_cursor
        yield from self._expression(text, after, complete_event.completion_requested)

    # ---- commands -------------------------------------------------------------------------

    def _command(self, document: Document, event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor.lstrip()
        typed, space, arg = text[1:].partition(" ")
        if not space:
            yield from _matching([c.name for c in COMMANDS], typed,
                                 {c.name: c.help for c in COMMANDS})
            return
        command = find_command(typed)
        name = command.name if command else typed
        if name in ("type", "ast"):
            yield from self._expression(arg, document.text_after_cursor,
                                        event.completion_requested)
        elif name in ("load", "schema", "workspace"):
            sub = Document(arg, len(arg))
            yield from self._paths.get_completions(sub, event)
        else:
            yield from _argument(name, arg)

    # ---- expressions ----------------------------------------------------------------------

    def _expression(self, text: str, after: str, explicit: bool) -> Iterator[Completion]:
        state = scan(text)
        if state.open_string:
            return
        top = state.top
        if top is not None and top.kind == "ref":
            yield from (self._path(text, top) if top.in_path else _options(text, top))
            return
        loop = _LOOP_PATH.search(text)
        if loop is not None:
            yield from self._loop_path(loop, state)
            return
        if opener := _OPENER_START.search(text):
            yield from _openers(opener.group())
            return
        word = _WORD.search(text)
        if word is not None and not text[: word.start()].rstrip().endswith("."):
            yield from _names(word.group(), after, state, self.session.bindings.values)
        elif word is None and explicit and not text.rstrip().endswith("."):
            yield from _names("", after, state, self.session.bindings.values)
            yield from _openers("")

    def _path(self, text: str, ref: Frame) -> Iterator[Completion]:
        """Completions for a path segment in a reference body."""
        if ref.expect_segment:
            prefix, partial = ref.path, ""
        else:
            end = _SEGMENT_END.search(text)
            if end is None or not ref.path or ref.path[-1] != end.group():
                return
            prefix, partial = ref.path[:-1], end.group()
        node = self.fields().node(ref.ref_kind, prefix)
        if node is not None:
            yield from _fields(node, partial)

    def _loop_path(self, match: re.Match[str], state: Scan) -> Iterator[Completion]:
        """Completions after ``currentEventField.…`` inside a collection step."""
        kind = LOOP_VARS[match.group(1)]
        steps = state.steps_of(kind) or (state.steps_of("legacy") if kind == "event" else [])
        if not steps:
            return
        segments = [unquote(s) for s in _LOOP_SEGMENT.findall(match.group(2))]
        node = self.fields().node(steps[-1].ref_kind, [*steps[-1].path, *segments])
        if node is not None:
            yield from _fields(node, match.group(3) or "")


def _matching(names: Iterable[str], partial: str,
              meta: dict[str, str] | None = None) -> Iterator[Completion]:
    for name in names:
        if name.startswith(partial):
            yield Completion(name, -len(partial), display_meta=(meta or {}).get(name, ""))


def _fields(node: FieldNode, partial: str) -> Iterator[Completion]:
    lowered = partial.lower()
    for name, child in sorted(node.children.items()):
        if name.lower().startswith(lowered):
            yield Completion(_segment_text(name), -len(partial), display=name,
                             display_meta=child.meta)


def _segment_text(name: str) -> str:
    """A segment as written in a path: quoted unless it is a plain SEGMENT (spec §4.2)."""
    if _PLAIN_SEGMENT.fullmatch(name):
        return name
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _openers(partial: str) -> Iterator[Completion]:
    meta = {"@event{": "event field", "@{": "event field (legacy form)",
            "#{": "data source field", "@action{": "custom action response",
            "@datasetLookup{": "dataset lookup result", "@journey{": "journey property"}
    for opener in OPENERS:
        if opener.startswith(partial):
            yield Completion(opener, -len(partial), display_meta=meta[opener])


def _names(partial: str, after: str, state: Scan, bound: Iterable[str] = ()
           ) -> Iterator[Completion]:
    """Names bound by ``let`` (and ``_``), functions (with their signatures), loop variables
    in scope and keywords."""
    for name in sorted(bound):
        if name.startswith(partial) and partial:
            yield Completion(name, -len(partial), display_meta="bound by let")
    lowered = partial.lower()
    paren = "" if after.lstrip().startswith("(") else "("
    functions = [f for f in catalogue() if f.name.lower().startswith(lowered)]
    functions.sort(key=lambda f: not f.name.startswith(partial))
    for fn in functions:
        yield Completion(fn.name + paren, -len(partial), display=fn.name,
                         display_meta=fn.signature_text())
    for var, kind in LOOP_VARS.items():
        in_scope = state.steps_of(kind) or (kind == "event" and state.steps_of("legacy"))
        if in_scope and var.lower().startswith(lowered):
            yield Completion(var, -len(partial), display_meta="the element being tested")
    for word in KEYWORDS:
        if word.startswith(partial):
            yield Completion(word, -len(partial), display_meta="keyword")


def _options(text: str, ref: Frame) -> Iterator[Completion]:
    """Reference options after the path: ``defaultValue:`` (and ``params:`` on ``#{…}``)."""
    word = _WORD.search(text)
    partial = word.group() if word else ""
    options = ["defaultValue: "] + (["params: {"] if ref.ref_kind == "data" else [])
    for option in options:
        if option.startswith(partial):
            yield Completion(option, -len(partial), display_meta="reference option")


def _argument(command: str, arg: str) -> Iterator[Completion]:
    """Arguments of ``:tz``, ``:help``, ``:functions``, ``:usage`` and ``:now``."""
    if command == "tz":
        yield from _matching(sorted({"UTC", *region_ids()}), arg)
    elif command in ("help", "functions"):
        names = [f.name for f in catalogue()]
        if command == "functions":
            names = sorted({f.category for f in catalogue()}) + names
        yield from _matching(names, arg)
    elif command == "usage":
        yield from _matching(USAGES, arg)
    elif command == "now":
        yield from _matching(["real"], arg)
