"""jengine's workspace provider for the jexpr REPL (``:workspace DIR``, issue 15): found through
the ``jexpr.workspaces`` entry point, it gives the workspace's declared event, field-group and
action types, which the REPL checks and completes against."""

from __future__ import annotations

import io
from pathlib import Path

from jengine.lang.repl_types import workspace_types
from jexpr.repl.session import Session, run_script
from jexpr.repl.workspace import installed_provider

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "workspace"


def test_the_provider_is_installed_under_the_entry_point() -> None:
    assert installed_provider() is workspace_types


def test_the_example_workspace_declares_its_types() -> None:
    types = workspace_types(str(EXAMPLES))
    assert "SubscriptionCreated" in types.events and not types.problems
    assert "ExperiencePlatform.ProfileFieldGroup" in types.field_groups
    assert types.schema["SubscriptionCreated.plan"] == "string"
    assert types.schema["ExperiencePlatform.ProfileFieldGroup.loyalty.points"] == "integer"
    assert types.actions == ("couponService",)
    assert types.schema["couponService.code"] == "string"  # the declared response


def test_the_repl_checks_against_a_workspace() -> None:
    out, err = io.StringIO(), io.StringIO()
    status = run_script(Session(), [
        f":workspace {EXAMPLES}\n",
        ":type #{ExperiencePlatform.ProfileFieldGroup.loyalty.points} + 1\n",
        "@event{SubscriptionCreated.plann}\n"], out, err)
    assert status == 1
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"workspace {EXAMPLES}: 7 events")
    assert lines[1] == "integer"
    assert "E-FIELD-UNKNOWN" in err.getvalue() and "did you mean plan?" in err.getvalue()


def test_a_broken_workspace_still_gives_its_declarations(tmp_path: Path) -> None:
    (tmp_path / "a.journey").write_text(
        "event E {\n  namespace email\n  key @event{E.email}\n  fields { email: string }\n}\n"
        "journey j {\n  entry on event\n}\n", encoding="utf-8")
    reply = Session().execute(f":workspace {tmp_path}")
    assert reply.ok and "error(s) in the workspace" in reply.text
    assert "a.journey:8: J-SYNTAX" in reply.notes
    assert Session().execute(f":workspace {tmp_path / 'missing'}").ok is False
