"""``jexpr repl``, driven as a user would: keys go through prompt_toolkit's pipe input into the
real ``PromptSession`` (lexer, completer, key bindings, history) with a dummy output, while the
REPL loop runs; each reply printed is recorded. Plus the non-interactive mode (``echo EXPR |
python -m jexpr repl``), the command dispatcher, the partial-input scanner and the Pygments lexer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest

pytest.importorskip("prompt_toolkit")
pytest.importorskip("pygments")

from prompt_toolkit import PromptSession
from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import to_plain_text
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput
from pygments.token import (
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    String,
    _TokenType,
    is_token_subtype,
)

from jexpr.cli import main
from jexpr.repl.app import BANNER, build_prompt, interact
from jexpr.repl.completion import JexprCompleter
from jexpr.repl.lexer import JexprLexer
from jexpr.repl.scan import is_incomplete, scan
from jexpr.repl.session import Reply, Session

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
EXAMPLE = ROOT / "examples" / "context.json"
TIMEOUT = 10.0


# ---------------------------------------------------------------------------------------------
# Driving the real PromptSession


@dataclass(frozen=True)
class Buffer:
    """A script step: wait until the input line shows exactly ``text``."""

    text: str


@dataclass(frozen=True)
class Menu(Buffer):
    """Wait until the input line shows ``text`` and the completion menu is open (Tab pressed
    while prompt_toolkit is still computing the completions of the typing is dropped)."""


Step = str | Buffer


@dataclass
class Transcript:
    replies: list[Reply] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)
    status: int | None = None

    @property
    def texts(self) -> list[str]:
        """What was printed as results (the banner left out)."""
        return [r.text for r in self.replies[1:] if r.text]

    @property
    def notes(self) -> str:
        return "\n".join(r.notes for r in self.replies if r.notes)


def _feed(inp: PipeInput, prompt: PromptSession[str], steps: Sequence[Step],
          transcript: Transcript, done: threading.Event) -> None:
    """Type the steps, waiting for the buffer where asked. On a timeout, or when the REPL is
    still running after the last step, press Ctrl-C and quit it (the test then fails)."""
    for step in steps:
        if isinstance(step, str):
            inp.send_text(step)
            continue
        deadline = time.monotonic() + TIMEOUT
        while not _reached(prompt, step):
            if time.monotonic() > deadline:
                transcript.timeouts.append(f"{step.text!r} (buffer {prompt.default_buffer.text!r})")
                inp.send_text("\x03:quit\r")
                return
            time.sleep(0.005)
    if not done.wait(TIMEOUT):
        transcript.timeouts.append(f"still running (buffer {prompt.default_buffer.text!r})")
        inp.send_text("\x03:quit\r")


def _reached(prompt: PromptSession[str], step: Buffer) -> bool:
    buffer = prompt.default_buffer
    menu = not isinstance(step, Menu) or buffer.complete_state is not None
    return prompt.app.is_running and buffer.text == step.text and menu


def drive(steps: Sequence[Step], session: Session | None = None,
          history: History | None = None) -> Transcript:
    """Run the REPL on ``steps`` (keys, and :class:`Buffer` waits) until it quits."""
    session = session if session is not None else Session()
    transcript = Transcript()
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        prompt = build_prompt(session, history=history or InMemoryHistory())
        done = threading.Event()
        feeder = threading.Thread(target=_feed, args=(inp, prompt, steps, transcript, done),
                                  daemon=True)
        feeder.start()
        transcript.status = interact(session, prompt, transcript.replies.append)
        done.set()
        feeder.join(TIMEOUT)
    assert not transcript.timeouts, transcript.timeouts
    return transcript


def tab(before: str, typed: str, after: str) -> list[Step]:
    """Type ``typed`` after ``before``, press Tab once the menu is up, expect ``after``."""
    return [typed, Menu(before + typed), "\t", Buffer(after)]


def example() -> Session:
    return Session.from_files(str(EXAMPLE))


def lines(*inputs: str) -> list[Step]:
    """Each input followed by Enter, then ``:quit``."""
    return [*(text + "\r" for text in inputs), ":quit\r"]


# ---------------------------------------------------------------------------------------------
# Evaluation and display


def test_banner_then_value_with_its_type() -> None:
    t = drive(lines("1 + 2", '"a" + "b"', "[1, 2]", "null", "true and not false"))
    assert t.replies[0].text == BANNER
    assert t.texts == ['integer 3', 'string "ab"', "listInteger [1, 2]", "null", "boolean true"]
    assert t.status == 0


def test_values_from_the_context_with_fixed_now() -> None:
    t = drive(lines("@event{cartAbandoned.cart.items.price}", "now()",
                    "#{ExperiencePlatform.ProfileFieldGroup.profile.loyalty.points} > 1000"),
              example())
    assert t.texts == ["listDecimal [19.9, 89.0, 23.7]", "dateTime 2024-03-15T09:30Z",
                       "boolean true"]


def test_static_error_shows_caret_and_hint() -> None:
    t = drive(lines('lenght("abc")', "1 + 2"))
    assert t.notes.splitlines() == [
        "<input>:1:1: error E-NAME-FUNCTION unknown function 'lenght'",
        'lenght("abc")',
        "^~~~~~",
        "  hint: did you mean length?",
    ]
    assert not t.replies[1].ok
    assert t.texts == ["integer 3"]  # the REPL goes on after an error


def test_evaluation_error_shows_caret_under_failing_part() -> None:
    t = drive(lines('"x" + (substr("abc", 2, 1))'))
    header, source, caret = t.notes.splitlines()[:3]
    assert header.startswith("<input>:1:8: error E-EVAL-RANGE")
    assert source == '"x" + (substr("abc", 2, 1))'
    assert caret == "       ^~~~~~~~~~~~~~~~~~~"


def test_warning_printed_with_the_value() -> None:
    t = drive(lines("@{cartAbandoned.channel}"), example())
    assert t.texts == ['string "web"']
    assert "W-AJO-LEGACY-REF" in t.notes and "^" in t.notes


# ---------------------------------------------------------------------------------------------
# Multi-line input


def test_enter_continues_while_a_bracket_is_open() -> None:
    t = drive(["substr(\r", Buffer("substr(\n"), '"hello",\r', Buffer('substr(\n"hello",\n'),
               "1)\r", ":quit\r"])
    assert t.texts == ['string "ello"']


def test_enter_continues_in_a_reference_body_list_and_string() -> None:
    t = drive(["@event{cartAbandoned.\r", Buffer("@event{cartAbandoned.\n"), "channel}\r",
               "[1,\r", Buffer("[1,\n"), "2]\r",
               '"two\r', Buffer('"two\n'), 'lines"\r', ":quit\r"], example())
    assert t.texts == ['string "web"', "listInteger [1, 2]", 'string "two\\nlines"']


def test_incomplete_input_scanner() -> None:
    for text in ["(", "f(1, [2", "@event{E.", "#{DS.FG.x, params: {a: 1}", "'abc",
                 "@event{E.a.all(currentEventField.b == 1", "@event{E.a, defaultValue: (1"]:
        assert is_incomplete(text), text
    for text in ["", "1 + 2", "f(1, [2])", "@event{E.a.all(currentEventField.b == 1).c}",
                 "#{DS.FG.x, params: {a: @event{E.a}}, defaultValue: 1}", "'a(b' + \"[\"",
                 "@event{E.'x}'}", "1)"]:
        assert not is_incomplete(text), text


# ---------------------------------------------------------------------------------------------
# Completion


def test_tab_completes_a_function_name() -> None:
    t = drive([*tab("", "subs", "substr("), '"hello", 1)\r', ":quit\r"])
    assert t.texts == ['string "ello"']


def test_function_completions_show_signatures() -> None:
    completer = JexprCompleter(Session())
    found = {c.text: c.display_meta_text
             for c in completer.get_completions(Document("to"), CompleteEvent())}
    assert found["toInteger("] .startswith("toInteger(")
    assert "→ integer" in found["toInteger("]
    assert "toDateTime(" in found
    inside = completer.get_completions(Document("substr", 6), CompleteEvent())
    assert [c.text for c in inside] == ["substr("]
    before_paren = completer.get_completions(Document("subs()", 4), CompleteEvent())
    assert [c.text for c in before_paren] == ["substr"]  # no second "("


def test_tab_completes_a_reference_opener() -> None:
    t = drive([*tab("", "@ev", "@event{"), "cartAbandoned.channel}\r",
               *tab("", "#", "#{"), "\x03", ":quit\r"], example())
    assert t.texts == ['string "web"']
    openers = [c.text for c in JexprCompleter(Session()).get_completions(
        Document("@"), CompleteEvent())]
    assert openers == ["@event{", "@{", "@action{", "@datasetLookup{", "@journey{"]


def test_tab_completes_event_name_and_field_path() -> None:
    t = drive([*tab("", "@event{cart", "@event{cartAbandoned"),
               *tab("@event{cartAbandoned", ".cus", "@event{cartAbandoned.customer"),
               *tab("@event{cartAbandoned.customer", ".coun",
                    "@event{cartAbandoned.customer.country"), "}\r", ":quit\r"], example())
    assert t.texts == ['string "FR"']


def test_tab_completes_data_source_path_and_journey_property() -> None:
    profile = "#{ExperiencePlatform.ProfileFieldGroup.profile"
    t = drive([*tab("", "#{Exp", "#{ExperiencePlatform"),
               *tab("#{ExperiencePlatform", ".Prof", "#{ExperiencePlatform.ProfileFieldGroup"),
               *tab("#{ExperiencePlatform.ProfileFieldGroup", ".profile.loy",
                    profile + ".loyalty"),
               *tab(profile + ".loyalty", ".ti", profile + ".loyalty.tier"), "}\r",
               *tab("", "@journey{journeyVersionN", "@journey{journeyVersionName"), "}\r",
               ":quit\r"], example())
    assert t.texts == ['string "gold"', "null"]


def test_tab_completes_loop_variable_and_its_fields_inside_all() -> None:
    items = "@event{cartAbandoned.cart.items.all("
    t = drive([*tab("", items + "currentE", items + "currentEventField"),
               *tab(items + "currentEventField", ".quan", items + "currentEventField.quantity"),
               " > 1).sku}\r", ":quit\r"], example())
    assert t.texts == ['listString ["TSHIRT-RED-M"]']


def test_field_completions_show_declared_type_or_sample() -> None:
    completer = JexprCompleter(example())
    found = {c.text: c.display_meta_text for c in completer.get_completions(
        Document("@event{cartAbandoned.cart."), CompleteEvent())}
    assert found == {"currency": '"EUR"', "id": '"c-1029"', "items": "listObject",
                     "total": "decimal"}


def test_completion_from_schema_quotes_names_when_needed(tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"Order.'line items'.qty": "integer", "Order.total": "decimal",
                                  "Order.'3h'": "string"}))
    session = Session.from_files(schema=str(schema))
    completer = JexprCompleter(session)
    found = [c.text for c in completer.get_completions(Document("@event{Order."),
                                                       CompleteEvent())]
    assert found == ["'3h'", "'line items'", "total"]
    t = drive([f":schema {schema}\r", *tab("", "@event{Ord", "@event{Order"),
               *tab("@event{Order", ".to", "@event{Order.total"), "}\r",
               ":type @event{Order.'line items'.qty}\r", ":quit\r"])
    assert t.texts[1:] == ["null", "integer"]


def test_completion_follows_load(tmp_path: Path) -> None:
    context = tmp_path / "ctx.json"
    context.write_text(json.dumps({"events": {"Signup": {"plan": "pro"}}}))
    t = drive([f":load {context}\r", *tab("", "@event{Sig", "@event{Signup"),
               *tab("@event{Signup", ".pl", "@event{Signup.plan"), "}\r", ":quit\r"])
    assert t.texts[1:] == ['string "pro"']


def test_tab_completes_commands_and_their_arguments(tmp_path: Path) -> None:
    (tmp_path / "ctx-file.json").write_text(json.dumps({"events": {"E": {"a": 1}}}))
    load = f":lo {tmp_path}/ctx-"
    # Enter first accepts the completion selected in the menu, a second Enter runs the line
    t = drive([*tab("", ":fun", ":functions"), *tab(":functions", " sub", ":functions substr"),
               "\r", Buffer(":functions substr"), "\r", *tab("", load, load + "file.json"),
               "\r\r", *tab("", ":tz Europe/Lisb", ":tz Europe/Lisbon"), "\r\r",
               *tab("", ":type toInt", ":type toInteger("), '"7")\r', ":quit\r"])
    assert t.texts[0].splitlines()[:2] == ["String:", "  substr(string, integer) → string"]
    assert t.texts[1].startswith(f"loaded {tmp_path}/ctx-file.json: 1 events")
    assert t.texts[2:] == ["wait zone Europe/Lisbon (used by :usage wait)", "integer"]


# ---------------------------------------------------------------------------------------------
# Commands


def test_help_lists_every_command_and_documents_functions() -> None:
    t = drive(lines(":help", ":help substr", ":help nosuch"))
    listing = t.texts[0]
    for command in ["help", "type", "ast", "load", "schema", "now", "tz", "usage", "functions",
                    "quit"]:
        assert f"\n  :{command}" in listing
    assert t.texts[1].splitlines()[2].strip() == \
        "Code points from begin (inclusive) to end (exclusive)."
    assert "no function named 'nosuch'" in t.notes


def test_type_does_not_evaluate() -> None:
    t = drive(lines(":type substr(\"abc\", 5, 9)", ":type @event{cartAbandoned.cart.items.price}",
                    ":type 1 + true", ":t now()"), example())
    assert t.texts == ["string", "listDecimal", "dateTime"]
    assert "E-TYPE-OPERAND" in t.notes and "^~~~" in t.notes


def test_type_continues_on_open_bracket() -> None:
    t = drive([":type concat(\r", Buffer(":type concat(\n"), '"a", "b")\r', ":quit\r"])
    assert t.texts == ["string"]


def test_ast_prints_the_tree() -> None:
    t = drive(lines(":ast 1 + 2 * x", ":ast @event{E.items.first(currentEventField.p > 1).sku}",
                    ":ast 1 +"))
    assert t.texts[0].splitlines() == [
        'Arith op="+"',
        "  left: IntLit value=1",
        '  right: Arith op="*"',
        "    left: IntLit value=2",
        '    right: Ident name="x"',
    ]
    assert t.texts[1].splitlines()[:4] == [
        'Reference kind="event" root="E"',
        '  steps[0]: FieldStep name="items"',
        '  steps[1]: FilterStep kind="first"',
        '    cond: Compare op=">"',
    ]
    assert "E-SYN-EOF" in t.notes


def test_load_replaces_the_context(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"events": []}')
    t = drive(lines("@event{cartAbandoned.channel}", f":load {EXAMPLE}", "now()",
                    "@event{cartAbandoned.channel}", f":load {bad}",
                    f":load {tmp_path}/missing.json", ":load"))
    assert t.texts == [
        "null",
        f"loaded {EXAMPLE}: 1 events, 1 dataSources, 1 audiences, 5 fieldTypes",
        "dateTime 2024-03-15T09:30Z",
        'string "web"',
    ]
    assert "'events' has the wrong JSON type" in t.notes
    assert "cannot read context file" in t.notes
    assert "usage: :load FILE" in t.notes


def test_schema_enables_unknown_field_errors(tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"cartAbandoned.channel": "string"}))
    t = drive(lines(f":schema {schema}", "@event{cartAbandoned.chanel}"), example())
    assert t.texts == [f"schema {schema}: 1 paths (complete for their roots)"]
    assert "E-FIELD-UNKNOWN" in t.notes


def test_now_fixes_the_instant_or_uses_the_clock() -> None:
    t = drive(lines(":now 2026-12-01T10:00Z", "now()", "inLastDays(toDateTime(\"2026-11-30T12:00Z\"), 1)",
                    ":now", ":now real", ":now yesterday"))
    assert t.texts[:4] == ["now 2026-12-01T10:00Z (fixed)", "dateTime 2026-12-01T10:00Z",
                           "boolean true", "now 2026-12-01T10:00Z (fixed)"]
    assert t.texts[4] == "now real clock"
    assert "invalid instant 'yesterday'" in t.notes


def test_tz_sets_the_wait_zone() -> None:
    t = drive(lines(":usage wait", 'toDateTimeOnly("2024-01-05T09:00:00")', ":tz Europe/Paris",
                    'toDateTimeOnly("2024-01-05T09:00:00")', ":tz Mars/Olympus", ":tz"))
    assert t.texts == ["usage wait", "dateTime 2024-01-05T09:00Z",
                       "wait zone Europe/Paris (used by :usage wait)",
                       "dateTime 2024-01-05T09:00+01:00",
                       "wait zone Europe/Paris (used by :usage wait)"]
    assert "unknown zone id 'Mars/Olympus'" in t.notes


def test_usage_checks_the_result_type() -> None:
    t = drive(lines(":usage condition", "1 + 1", ":usage sideways"))
    assert t.texts == ["usage condition"]
    assert "E-TYPE-RESULT" in t.notes and "invalid usage 'sideways'" in t.notes


def test_functions_lists_the_catalogue() -> None:
    t = drive(lines(":functions", ":functions math", ":functions zzz"))
    everything = t.texts[0]
    for category in ["Aggregation:", "Audience:", "Conversion:", "Date:", "List:", "Math:",
                     "String:"]:
        assert category in everything.splitlines()
    assert "  inAudience(string) → boolean" in everything.splitlines()
    assert t.texts[1].splitlines()[0] == "Math:"
    assert "  random() → decimal" in t.texts[1].splitlines()
    assert "no function matches 'zzz'" in t.notes


def test_quit_aliases_unknown_and_ambiguous_commands() -> None:
    t = drive([":bogus\r", ":q\r"])
    assert "unknown command ':bogus' (try :help)" in t.notes
    assert t.replies[-1].quit and t.status == 0


def test_ctrl_c_drops_the_input_and_ctrl_d_quits() -> None:
    t = drive(["1 +", Buffer("1 +"), "\x03", "2\r", Buffer(""), "\x04"])
    assert t.texts == ["integer 2"]
    assert t.status == 0


def test_history_persists_in_jexpr_history(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "hist"
    monkeypatch.setenv("JEXPR_HISTORY", str(path))
    session = Session()
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        prompt = build_prompt(session)
        inp.send_text("40 + 2\r:quit\r")
        interact(session, prompt, lambda reply: None)
    assert "+40 + 2" in path.read_text().splitlines()
    t = drive(["\x1b[A", Buffer(":quit"), "\x1b[A", Buffer("40 + 2"), "\r", ":quit\r"],
              history=FileHistory(str(path)))
    assert t.texts == ["integer 42"]


def test_bottom_toolbar_shows_now_tz_usage_and_context() -> None:
    session = example()
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        text = to_plain_text(build_prompt(session, history=InMemoryHistory()).bottom_toolbar)
    assert text.split() == ["now", "2024-03-15T09:30Z", "(fixed)", "tz", "Europe/Paris", "usage",
                            "value", "context", str(EXAMPLE)]


# ---------------------------------------------------------------------------------------------
# Non-interactive use and the command line


def run_piped(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "jexpr", "repl", *args], input=stdin,
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)


def test_piped_lines_are_evaluated_one_by_one() -> None:
    proc = run_piped('1 + 2\n\n"a" + "b"\ntoDateTime("2026-12-01T10:00Z")\n')
    assert proc.stdout.splitlines() == ["integer 3", 'string "ab"', "dateTime 2026-12-01T10:00Z"]
    assert proc.returncode == 0 and proc.stderr == ""


def test_piped_failure_sets_exit_status_and_keeps_going() -> None:
    proc = run_piped("1 + true\n:now 2026-12-01T10:00Z\nnow()\nsubstr(\n  \"hello\", 1)\n")
    assert proc.stdout.splitlines() == ["now 2026-12-01T10:00Z (fixed)",
                                        "dateTime 2026-12-01T10:00Z", 'string "ello"']
    assert proc.stderr.splitlines()[0].startswith("<input>:1:1: error E-TYPE-OPERAND")
    assert proc.returncode == 1


def test_piped_with_context_and_now_options() -> None:
    proc = run_piped("@event{cartAbandoned.cart.currency}\nnow()\n:quit\n1 +\n",
                     "--context", str(EXAMPLE), "--now", "2026-01-01T00:00Z")
    assert proc.stdout.splitlines() == ['string "EUR"', "dateTime 2026-01-01T00:00Z"]
    assert proc.returncode == 0  # nothing after :quit runs


def test_bad_options_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    assert main(["repl", "--context", str(tmp_path / "nope.json")]) == 2
    assert main(["repl", "--now", "soon"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("jexpr: error: cannot read context file")
    assert err[1].startswith("jexpr: error: invalid --now value 'soon'")


def test_terminal_input_starts_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Session] = []

    def fake_interact(session: Session) -> int:
        seen.append(session)
        return 0

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("jexpr.repl.app.interact", fake_interact)
    assert main(["repl", "--context", str(EXAMPLE)]) == 0
    assert seen and seen[0].tz == "Europe/Paris"


def test_console_without_prompt_toolkit_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.delitem(sys.modules, "jexpr.repl.app")
    monkeypatch.setitem(sys.modules, "prompt_toolkit", None)
    assert main(["repl"]) == 2
    err = capsys.readouterr().err
    assert "-m pip install -e '" in err and "[repl]'" in err and "jexpr[repl]" not in err


def test_eval_does_not_import_the_console() -> None:
    code = ("import sys; from jexpr.cli import main; main(['eval', '1']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('prompt_toolkit', 'pygments')))")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.stdout.splitlines() == ["integer 1", "[]"]


# ---------------------------------------------------------------------------------------------
# The Pygments lexer


SAMPLE = (
    'if (@event{Cart.items.first(currentEventField.price > 50.0).name, defaultValue: "none"}'
    ' is not null and inAudience("vip")) then (#{DS.FG.\'3h\', params: {id: 42}})'
    " else (@journey{journeyUID})\n"
    "+ toString(-3 % 2 * 1.5e-3) + 'it\\'s'"
)


def tokens(text: str) -> list[tuple[_TokenType, str]]:
    return [(t, v) for t, v in JexprLexer().get_tokens(text) if v.strip()]


def kinds(text: str, ttype: _TokenType) -> list[str]:
    """The token texts of exactly this token type."""
    return [v for t, v in tokens(text) if t is ttype]


def test_lexer_token_types() -> None:
    assert kinds(SAMPLE, Error) == []
    assert kinds(SAMPLE, Keyword) == ["if", "is", "null", "then", "else"]
    assert kinds(SAMPLE, Operator.Word) == ["not", "and"]
    assert kinds(SAMPLE, Name.Function) == ["inAudience", "toString"]
    assert kinds(SAMPLE, Name.Tag) == ["@event{", "}", "#{", "}", "@journey{", "}"]
    assert kinds(SAMPLE, Name.Variable) == ["Cart", "items", "name", "DS", "FG", "journeyUID"]
    assert kinds(SAMPLE, Keyword.Pseudo) == ["first"]
    assert kinds(SAMPLE, Name.Builtin.Pseudo) == ["currentEventField"]
    assert kinds(SAMPLE, Name.Attribute) == ["price", "defaultValue", "params", "id"]
    assert kinds(SAMPLE, String.Symbol) == ["'3h'"]
    assert kinds(SAMPLE, Number.Integer) == ["42", "3", "2"]
    assert kinds(SAMPLE, Number.Float) == ["50.0", "1.5e-3"]
    strings = "".join(v for t, v in tokens(SAMPLE) if is_token_subtype(t, String) and t is not String.Symbol)
    assert strings == '"none""vip"\'it\\\'s\''


def test_lexer_round_trips_and_flags_invalid_text() -> None:
    assert "".join(v for _, v in JexprLexer().get_tokens(SAMPLE)) == SAMPLE + "\n"
    assert kinds("1e5 + 12abc", Error) == ["1e5", "12abc"]
    assert kinds("a && b", Error) == ["&", "&"]
    assert kinds("@Event{x.y}", Error) == ["@", "{", "}"]


def test_lexer_is_a_pygments_plugin() -> None:
    entry = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    target = entry["pygments.lexers"]["jexpr"]
    assert metadata.EntryPoint("jexpr", target, "pygments.lexers").load() is JexprLexer
    assert JexprLexer.aliases == ["jexpr"] and JexprLexer.filenames == ["*.jexpr"]
    try:
        installed = metadata.distribution("jexpr").entry_points
    except metadata.PackageNotFoundError:
        return  # running from a source tree: nothing registered
    if any(e.group == "pygments.lexers" for e in installed):
        from pygments.lexers import get_lexer_by_name

        assert isinstance(get_lexer_by_name("jexpr"), JexprLexer)


# ---------------------------------------------------------------------------------------------
# Internals worth pinning down


def test_scanner_reports_reference_paths_and_steps() -> None:
    state = scan("@event{E.a.'b c'.all(currentEventField.x > 1).d")
    assert state.top is not None
    assert (state.top.kind, state.top.ref_kind, state.top.path) == ("ref", "event",
                                                                   ["E", "a", "b c", "d"])
    inner = scan("#{DS.FG.list.first(currentDataPackField.")
    assert [f.kind for f in inner.stack] == ["ref", "step"]
    assert inner.steps_of("data")[0].path == ["DS", "FG", "list"]


def test_session_is_usable_without_a_terminal() -> None:
    session = Session()
    results: Callable[[str], Reply] = session.execute
    assert results("toDuration(\"PT90M\")").text == "duration PT1H30M"
    assert results("toDateOnly(\"2024-02-29\")").text == "dateOnly 2024-02-29"
    assert results('{"a": 1}').ok is False
    assert results("   ").text == ""
