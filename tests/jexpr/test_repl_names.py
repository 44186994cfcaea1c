"""REPL names and workspaces (issue 15): ``_`` is the last value, ``let x = expr`` binds a name
for later inputs, ``:workspace DIR`` takes a provider's declared types for checking and
completion (the jengine provider itself: ``tests/jengine/test_repl_workspace.py``)."""

from __future__ import annotations

import io

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from jexpr.repl.completion import JexprCompleter
from jexpr.repl.session import Session, run_script
from jexpr.repl.workspace import WorkspaceTypes


def texts(session: Session, *inputs: str) -> list[str]:
    return [reply.text if reply.ok else "ERR " + reply.notes
            for reply in (session.execute(line) for line in inputs)]


def test_underscore_is_the_last_value() -> None:
    session = Session()
    assert texts(session, "1 + 2", "_ * 10", "_ + 1", 'toString(_)') == [
        "integer 3", "integer 30", "integer 31", 'string "31"']


def test_underscore_keeps_the_last_successful_value() -> None:
    session = Session()
    out = texts(session, "40", "nope + 1", "_ + 2")
    assert out[0] == "integer 40" and out[1].startswith("ERR") and out[2] == "integer 42"


def test_let_binds_a_name_with_its_type() -> None:
    session = Session()
    out = texts(session, "let xs = [1, 2, 3]", "count(xs)", "let total = sum(xs)",
                "total * 2", ":type xs", "let d = toDateTime(\"2024-01-01T10:00:00Z\")",
                "inLastDays(d, 1)", "_")
    assert out[:5] == ["xs = listInteger [1, 2, 3]", "integer 3", "total = integer 6",
                       "integer 12", "listInteger"]
    assert out[5] == "d = dateTime 2024-01-01T10:00Z"
    assert out[7] == "boolean false"


def test_a_bound_name_is_type_checked_and_errors_point_at_it() -> None:
    session = Session()
    texts(session, 'let s = "abc"')
    reply = session.execute("s * 2")
    assert not reply.ok and "<input>:1:1" in reply.notes and "E-TYPE" in reply.notes
    unknown = session.execute("t + 1")
    assert not unknown.ok and "E-NAME-IDENT" in unknown.notes


def test_let_rebinds_and_a_failed_let_binds_nothing() -> None:
    session = Session()
    out = texts(session, "let x = 1", "let x = x + 1", "x", "let y = nope", "y")
    assert out[:3] == ["x = integer 1", "x = integer 2", "integer 2"]
    assert out[3].startswith("ERR") and "E-NAME-IDENT" in out[4]


def test_names_take_context_values_of_any_type() -> None:
    session = Session(context={"events": {"E": {"m": {"a": [1, 2]}, "n": None}}})
    out = texts(session, "let m = @event{E.m}", "m", "let n = @event{E.n}", "n is null")
    assert out == ['m = object {"a": [1, 2]}', 'object {"a": [1, 2]}', "n = null",
                   "boolean true"]


def test_let_in_a_script() -> None:
    out, err = io.StringIO(), io.StringIO()
    status = run_script(Session(), ["let a = 20\n", "let b = [a,\n", " 2]\n", "sum(b) + _[0]\n",
                                    "sum(b)\n"], out, err)
    assert out.getvalue().splitlines() == ["a = integer 20", "b = listInteger [20, 2]",
                                           "integer 22"]
    assert status == 1 and "E-SYN" in err.getvalue()


TYPES = WorkspaceTypes({"Order.total": "decimal", "Order.items": "listObject",
                        "Order.items.sku": "string", "CRM.Profile.tier": "string"},
                       events=("Order",), field_groups=("CRM.Profile",))


def test_workspace_declarations_check_expressions() -> None:
    session = Session(provider=lambda folder: TYPES)
    assert session.execute(":workspace ws").text == \
        "workspace ws: 1 events, 1 field groups"
    reply = session.execute("@event{Order.totl}")
    assert not reply.ok and "E-FIELD-UNKNOWN" in reply.notes and "total" in reply.notes
    assert session.execute(":type @event{Order.total} + 1").text == "decimal"
    assert session.execute(":type #{CRM.Profile.tier}").text == "string"
    assert session.execute(":workspace").text == "workspace: 1 events, 1 field groups"


def test_workspace_problems_and_failures_are_reported() -> None:
    broken = WorkspaceTypes({}, problems=("a.journey:3: J-SYNTAX expected '}'",))
    session = Session(provider=lambda folder: broken)
    reply = session.execute(":workspace ws")
    assert reply.ok and "1 error(s) in the workspace" in reply.text
    assert "J-SYNTAX" in reply.notes

    def missing(folder: str) -> WorkspaceTypes:
        raise ValueError("no such folder or file")

    failed = Session(provider=missing).execute(":workspace nowhere")
    assert not failed.ok and "cannot load workspace 'nowhere'" in failed.notes


def _complete(session: Session, text: str) -> list[str]:
    completer = JexprCompleter(session)
    return [c.text for c in completer.get_completions(Document(text, len(text)),
                                                      CompleteEvent(completion_requested=True))]


def test_completion_offers_workspace_fields_and_bound_names() -> None:
    session = Session(provider=lambda folder: TYPES)
    session.execute(":workspace ws")
    assert "Order" in _complete(session, "@event{Or")
    assert {"total", "items"} <= set(_complete(session, "@event{Order."))
    session.execute("let orderCount = 3")
    assert "orderCount" in _complete(session, "order")
