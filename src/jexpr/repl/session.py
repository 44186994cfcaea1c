"""The REPL's state and its commands, as plain functions from input text to output text.

A :class:`Session` holds what an expression is evaluated against — the context payloads, the
``fieldTypes``/``schema`` declarations, the evaluation instant, the wait zone and the usage — and
:meth:`Session.execute` turns one input (an expression or a ``:command``) into a :class:`Reply`.
Nothing here touches the terminal or imports prompt_toolkit, so the non-interactive mode
(:func:`run_script`, ``echo EXPR | jexpr repl``) works with the core dependencies only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TextIO

import jexpr
from jexpr.conformance import evaluation_context, parse_now
from jexpr.console import UsageError, describe, load_context, read_declarations, usage_arg
from jexpr.diagnostics import Diagnostic, EvaluationError, JexprError
from jexpr.functions.registry import ALIASES, Function, catalogue, lookup
from jexpr.repl.bindings import LAST, ROOT, Bindings, compile_bound, let_form
from jexpr.repl.scan import is_incomplete
from jexpr.repl.workspace import Provider, WorkspaceTypes, load_types
from jexpr.report import format_diagnostics
from jexpr.runtime.render import render_offset_datetime
from jexpr.runtime.temporal import zone
from jexpr.source import Source
from jexpr.syntax import ast
from jexpr.syntax.parse import parse

__all__ = ["INPUT_NAME", "Reply", "Session", "history_path", "run_script"]

#: The name diagnostics give the input (``<input>:1:5: error …``).
INPUT_NAME = "<input>"
_HISTORY_ENV = "JEXPR_HISTORY"
_HISTORY_FILE = ".jexpr_history"
_SESSION_KEYS = ("now", "timezone", "fieldTypes", "schema")


@dataclass(frozen=True)
class Reply:
    """The outcome of one input: ``text`` is the result (a value, a type, a listing), ``notes``
    the diagnostics (warnings, or the errors when ``ok`` is false); ``quit`` ends the REPL."""

    text: str = ""
    notes: str = ""
    ok: bool = True
    quit: bool = False


def _fail(notes: str) -> Reply:
    return Reply(notes=notes, ok=False)


def history_path() -> Path:
    """``$JEXPR_HISTORY``, else ``~/.jexpr_history``."""
    configured = os.environ.get(_HISTORY_ENV)
    return Path(configured).expanduser() if configured else Path.home() / _HISTORY_FILE


@dataclass
class Session:
    """What expressions are evaluated against. ``now`` None means the system clock.

    ``version`` grows whenever the context or declarations change (completion caches by it)."""

    context: dict[str, Any] = field(default_factory=dict)
    field_types: dict[str, str] | None = None
    schema: dict[str, str] | None = None
    now: dt.datetime | None = None
    tz: str = "UTC"
    usage: str = "value"
    context_file: str | None = None
    version: int = 0
    bindings: Bindings = field(default_factory=Bindings)
    workspace: WorkspaceTypes | None = None
    provider: Provider | None = None  # None: the installed one (jexpr.repl.workspace)

    # ---- set-up ---------------------------------------------------------------------------

    @classmethod
    def from_files(cls, context: str | None = None, schema: str | None = None,
                   now: str | None = None) -> Session:
        """A session from the ``--context``/``--schema``/``--now`` options; ``UsageError``
        (a one-line message) when a file or the instant is invalid."""
        session = cls()
        if context is not None:
            session.load(context)
        if schema is not None:
            session.load_schema(schema)
        if now is not None:
            session.now = _parse_instant(now)
        return session

    def load(self, path: str) -> None:
        """Replace the context with a context file (the conformance ``context`` JSON form)."""
        data = load_context(path)
        instant = _parse_instant(data["now"], f"context file {path!r}: 'now'") \
            if "now" in data else None
        tz = data.get("timezone", "UTC")
        if zone(tz) is None:
            raise UsageError(f"context file {path!r}: unknown timezone {tz!r}")
        self.context = {k: v for k, v in data.items() if k not in _SESSION_KEYS}
        self.field_types, self.schema = data.get("fieldTypes"), data.get("schema")
        self.now, self.tz, self.context_file = instant, tz, path
        self.version += 1

    def load_schema(self, path: str) -> None:
        """Use a schema file (a JSON object from schema path to type name, spec §4.9)."""
        self.schema = read_declarations(path, "schema file")
        self.version += 1

    def declarations(self) -> dict[str, str]:
        """Every declared schema path (fieldTypes, schema, workspace) with its type."""
        return {**(self.field_types or {}), **(self.all_schema() or {})}

    def all_field_types(self) -> dict[str, str]:
        """``fieldTypes`` plus the bound names' declarations (``_repl.NAME``)."""
        return {**(self.field_types or {}), **self.bindings.field_types()}

    def all_schema(self) -> dict[str, str] | None:
        """``schema`` plus the loaded workspace's declarations (complete for their roots)."""
        if self.workspace is None:
            return self.schema
        return {**self.workspace.schema, **(self.schema or {})}

    def load_workspace(self, folder: str) -> WorkspaceTypes:
        """Use a workspace's declared types (``:workspace``); ``UsageError`` when no provider
        is installed or the folder cannot be read."""
        self.workspace = load_types(self.provider, folder)
        self.version += 1
        return self.workspace

    # ---- evaluation -----------------------------------------------------------------------

    def execute(self, line: str) -> Reply:
        """Run one input: a ``:command`` or an expression (blank input does nothing)."""
        text = line.strip()
        if not text:
            return Reply()
        if text.startswith(":"):
            return self.command(text)
        let = let_form(text)
        if let is not None:
            return self.let(*let)
        return self.evaluate(line.rstrip("\r\n"))

    def let(self, name: str, text: str) -> Reply:
        """``let NAME = EXPR``: evaluate and bind; ``NAME`` is usable in later inputs."""
        reply = self.evaluate(text, bind=name)
        return replace(reply, text=f"{name} = {reply.text}") if reply.ok else reply

    def compile(self, text: str) -> jexpr.Program | Reply:
        """The compiled program, or a failed reply carrying the diagnostics."""
        try:
            if not self.bindings.values:
                return jexpr.compile(text, fieldTypes=self.field_types,
                                     schema=self.all_schema(), usage=self.usage)
            return compile_bound(self.bindings, text, INPUT_NAME, self.all_field_types(),
                                 self.all_schema(), self.usage)
        except JexprError as e:
            return _fail(_show_diagnostics(e.diagnostics, text))
        except ValueError as e:  # declarations a file or a workspace gave
            return _fail(f"invalid declarations: {e}")


    def evaluate(self, text: str, bind: str | None = None) -> Reply:
        """Evaluate an expression: ``type value`` (and any warnings), or the error with a
        caret. The value becomes ``_`` (and ``bind``, for ``let``)."""
        program = self.compile(text)
        if isinstance(program, Reply):
            return program
        warnings = _show_diagnostics(program.diagnostics, text)
        try:
            value = program.evaluate(self.evaluation_context())
        except EvaluationError as e:
            return _fail(_join(warnings, _show_diagnostics([e.diagnostic], text)))
        for name in (LAST, bind):
            if name is not None:
                self.bindings.bind(name, value, program.type)
        self.version += 1
        return Reply(describe(value, program.type), warnings)

    def evaluation_context(self) -> dict[str, Any]:
        """The §16.2 evaluation context: payloads, ``now`` (unless the clock) and the zone."""
        _static, ctx = evaluation_context(self.context)
        if self.bindings.values:
            ctx["events"] = {**(ctx.get("events") or {}), ROOT: self.bindings.payload()}
        if self.now is not None:
            ctx["now"] = self.now
        ctx["timezone"] = self.tz
        return ctx

    # ---- commands -------------------------------------------------------------------------

    def command(self, text: str) -> Reply:
        """Dispatch ``:name argument`` to its command (unique prefixes are accepted)."""
        name, _, arg = text[1:].partition(" ")
        command = find_command(name.strip())
        if command is None:
            return _fail(f"unknown command ':{name}' (try :help)")
        return command.run(self, arg.strip())


def _show_diagnostics(diags: Iterable[Diagnostic], text: str) -> str:
    return format_diagnostics(diags, text, INPUT_NAME)


def _join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def _parse_instant(text: str, what: str = "--now value") -> dt.datetime:
    try:
        return parse_now(text)
    except ValueError:
        raise UsageError(f"invalid {what} {text!r}: want an ISO offset date-time "
                         "such as 2024-01-01T09:00Z") from None


# ---------------------------------------------------------------------------------------------
# The commands


@dataclass(frozen=True)
class Command:
    """A ``:command``: ``arg`` names its argument in ``:help``; ``run`` gets the argument text."""

    name: str
    arg: str
    help: str
    run: Callable[[Session, str], Reply]


def _cmd_help(session: Session, arg: str) -> Reply:
    if arg:
        fn = lookup(arg)
        if fn is None:
            return _fail(f"no function named {arg!r} (try :functions {arg})")
        return Reply(_describe_function(fn, with_doc=True))
    width = max(len(f":{c.name} {c.arg}") for c in COMMANDS)
    rows = [f"  {f':{c.name} {c.arg}':<{width}}  {c.help}" for c in COMMANDS]
    return Reply("\n".join([_HELP_INTRO, *rows, _HELP_KEYS]))


_HELP_INTRO = """\
Type an expression to evaluate it; the value prints with its type (integer 24, string "a").
Open brackets, braces and strings continue on the next line. Commands:"""
_HELP_KEYS = """\
Keys: Tab completes functions, @event{ and other reference openers, and field paths from the
context or schema; Up/Down and Ctrl-R search the history; Ctrl-D quits.
:help NAME shows a function's signatures and documentation."""


def _cmd_type(session: Session, arg: str) -> Reply:
    if not arg:
        return _fail("usage: :type EXPR")
    program = session.compile(arg)
    if isinstance(program, Reply):
        return program
    return Reply(program.type, _show_diagnostics(program.diagnostics, arg))


def _cmd_ast(session: Session, arg: str) -> Reply:
    if not arg:
        return _fail("usage: :ast EXPR")
    node, diags = parse(arg, INPUT_NAME)
    if node is None or any(d.is_error for d in diags):
        return _fail(_show_diagnostics(diags, arg))
    return Reply("\n".join(_tree_lines(node, Source(arg, INPUT_NAME))))


def _tree_lines(node: ast.Node, source: Source, label: str = "", depth: int = 0) -> list[str]:
    """One line per node: ``label: Kind field=value …``, children indented below."""
    scalars = []
    children: list[tuple[str, ast.Node]] = []
    for f in fields(node):
        value = getattr(node, f.name)
        if f.name.endswith("span") or value is None:
            continue
        if isinstance(value, ast.Node):
            children.append((f.name, value))
        elif isinstance(value, tuple):
            children += [(f"{f.name}[{i}]", v) for i, v in enumerate(value)]
        else:
            scalars.append(f"{f.name}={json.dumps(value, ensure_ascii=False)}")
    head = " ".join([f"{label}: " * bool(label) + type(node).__name__, *scalars])
    lines = ["  " * depth + head]
    for name, child in children:
        lines += _tree_lines(child, source, name, depth + 1)
    return lines


def _cmd_load(session: Session, arg: str) -> Reply:
    if not arg:
        return _fail("usage: :load FILE")
    try:
        session.load(arg)
    except UsageError as e:
        return _fail(str(e))
    return Reply(f"loaded {arg}: {_context_summary(session)}")


def _context_summary(session: Session) -> str:
    parts = [f"{len(session.context.get(key) or {})} {key}"
             for key in ("events", "dataSources", "actions", "datasetLookups", "audiences")
             if session.context.get(key)]
    parts += [f"{len(d)} {name}" for name, d in
              (("fieldTypes", session.field_types), ("schema paths", session.schema)) if d]
    return ", ".join(parts) or "empty context"


def _cmd_schema(session: Session, arg: str) -> Reply:
    if not arg:
        return _fail("usage: :schema FILE")
    try:
        session.load_schema(arg)
    except UsageError as e:
        return _fail(str(e))
    return Reply(f"schema {arg}: {len(session.schema or {})} paths (complete for their roots)")


def _cmd_workspace(session: Session, arg: str) -> Reply:
    if not arg:
        if session.workspace is None:
            return _fail("usage: :workspace DIR")
        return Reply(f"workspace: {session.workspace.summary()}")
    try:
        loaded = session.load_workspace(arg)
    except UsageError as e:
        return _fail(str(e))
    return Reply(f"workspace {arg}: {loaded.summary()}", "\n".join(loaded.problems[:5]))


def _cmd_now(session: Session, arg: str) -> Reply:
    if arg == "real":
        session.now = None
    elif arg:
        try:
            session.now = _parse_instant(arg, "instant")
        except UsageError as e:
            return _fail(str(e))
    return Reply(f"now {describe_now(session.now)}")


def describe_now(now: dt.datetime | None) -> str:
    """``2026-12-01T10:00Z (fixed)`` or ``real clock``."""
    return "real clock" if now is None else f"{render_offset_datetime(now)} (fixed)"


def _cmd_tz(session: Session, arg: str) -> Reply:
    if arg:
        if zone(arg) is None:
            return _fail(f"unknown zone id {arg!r} (want an IANA region such as Europe/Paris, "
                         "UTC or an offset such as +02:00)")
        session.tz = arg
    return Reply(f"wait zone {session.tz} (used by :usage wait)")


def _cmd_usage(session: Session, arg: str) -> Reply:
    if arg:
        try:
            session.usage = usage_arg(arg)
        except argparse.ArgumentTypeError as e:
            return _fail(str(e))
    return Reply(f"usage {session.usage}")


def _cmd_functions(session: Session, arg: str) -> Reply:
    wanted = arg.lower()
    found = [fn for fn in catalogue()
             if wanted in fn.name.lower() or wanted == fn.category.lower()]
    if not found:
        return _fail(f"no function matches {arg!r}")
    lines: list[str] = []
    for category in sorted({fn.category for fn in found}):
        lines.append(f"{category}:")
        lines += [_describe_function(fn, with_doc=bool(arg))
                  for fn in found if fn.category == category]
    return Reply("\n".join(lines))


def _describe_function(fn: Function, with_doc: bool) -> str:
    lines = ["  " + sig for sig in fn.signature_text().split(" | ")]
    aliases = [a for a, target in ALIASES.items() if target == fn.name]
    if with_doc:
        lines += textwrap.wrap(fn.doc, 96, initial_indent="      ", subsequent_indent="      ")
        if aliases:
            lines.append(f"      deprecated alias: {', '.join(aliases)}")
    return "\n".join(lines)


def _cmd_quit(session: Session, arg: str) -> Reply:
    return Reply(quit=True)


COMMANDS: tuple[Command, ...] = (
    Command("help", "[NAME]", "this help, or a function's documentation", _cmd_help),
    Command("type", "EXPR", "the static type of EXPR, without evaluating it", _cmd_type),
    Command("ast", "EXPR", "the syntax tree of EXPR", _cmd_ast),
    Command("load", "FILE", "load a context file (events, dataSources, …, now)", _cmd_load),
    Command("schema", "FILE", "load a schema file (schema path → type)", _cmd_schema),
    Command("workspace", "[DIR]", "use a workspace's declared event, field group and action "
            "types", _cmd_workspace),
    Command("now", "[ISO|real]", "fix the evaluation instant, or use the real clock", _cmd_now),
    Command("tz", "[ZONE]", "set the wait zone (context 'timezone')", _cmd_tz),
    Command("usage", "[U]", "usage context: value, condition, wait, path, …", _cmd_usage),
    Command("functions", "[FILTER]", "the function catalogue with signatures", _cmd_functions),
    Command("quit", "", "leave (also Ctrl-D)", _cmd_quit),
)
_ALIASES = {"q": "quit", "exit": "quit", "h": "help", "?": "help", "t": "type"}


def find_command(name: str) -> Command | None:
    """The command a name denotes: exact, an alias (``:q``) or a unique prefix (``:fun``)."""
    name = _ALIASES.get(name, name)
    exact = [c for c in COMMANDS if c.name == name]
    prefixed = [c for c in COMMANDS if c.name.startswith(name)] if name else []
    matches = exact or prefixed
    return matches[0] if len(matches) == 1 else None


def takes_expression(text: str) -> bool:
    """True for an expression, or a ``:type``/``:ast`` command (whose argument is one)."""
    if not text.lstrip().startswith(":"):
        return True
    command = find_command(text.lstrip()[1:].partition(" ")[0])
    return command is not None and command.arg == "EXPR"


def needs_more(text: str) -> bool:
    """True when the input is an expression with a bracket, brace or string still open."""
    return takes_expression(text) and is_incomplete(text)


# ---------------------------------------------------------------------------------------------
# Non-interactive mode


def run_script(session: Session, lines: Iterable[str], out: TextIO, err: TextIO) -> int:
    """Evaluate each input line (lines with open brackets continue on the next ones): results
    to ``out``, diagnostics to ``err``. Exit status 1 when any input failed, else 0."""
    failed = False
    pending = ""
    for line in lines:
        pending += line
        if needs_more(pending):
            continue
        reply = session.execute(pending)
        pending = ""
        failed |= not reply.ok
        _emit(reply, out, err)
        if reply.quit:
            return int(failed)
    if pending.strip():
        reply = session.execute(pending)
        failed |= not reply.ok
        _emit(reply, out, err)
    return int(failed)


def _emit(reply: Reply, out: TextIO, err: TextIO) -> None:
    if reply.notes:
        print(reply.notes, file=err, flush=True)
    if reply.text:
        print(reply.text, file=out, flush=True)

