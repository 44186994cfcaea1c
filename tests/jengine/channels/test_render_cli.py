"""``jengine render``: a template rendered for one profile, from a file, a profiles file or
the state store; template errors are diagnostics and stop the render."""

from __future__ import annotations

import io
import json
from pathlib import Path

from jengine.cli import main

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def test_render_one_part_for_a_profile_in_a_profiles_file(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"event": "SubscriptionCreated",
                                 "payload": {"plan": "yearly <b>"}}))
    status, out, err = run("render", str(EXAMPLES / "workspace/templates/welcome.html"),
                           "--profile", "anna.schmidt@example.com", "--profiles",
                           str(EXAMPLES / "profiles.jsonl"), "--event", str(event))
    assert (status, err) == (0, "")
    assert "<h1>Welcome, Anna!</h1>" in out and "<b>yearly &lt;b&gt;</b>" in out


def test_render_every_part_by_name_for_a_profile_file(tmp_path: Path) -> None:
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"id": "x", "attributes": {"ProfileFieldGroup": {
        "person": {"firstName": "Zoé"}}}}))
    status, out, _ = run("render", "welcome", "-w", str(EXAMPLES / "workspace"),
                         "--profile", str(profile), "--now", "2026-01-01T00:00:00Z")
    assert status == 0
    assert "==> templates/welcome.subject <==\nWelcome aboard, Zoé!\n" in out
    assert "==> templates/welcome.txt <==\nWelcome, Zoé!" in out


def test_render_reads_the_state_store(tmp_path: Path) -> None:
    from jengine.runtime.records import Profile
    from jengine.runtime.store import Store

    with Store(tmp_path / "s.db") as store, store.transaction():
        store.put_profile(Profile("p1", attributes={"ProfileFieldGroup": {
            "person": {"firstName": "Ida"}}}))
    status, out, _ = run("render", str(EXAMPLES / "workspace/templates/tips.subject"),
                         "--profile", "p1", "--state", str(tmp_path / "s.db"))
    assert (status, out) == (0, "Ida, three tips for your first week")


def test_template_errors_stop_the_render(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "templates").mkdir(parents=True)
    (ws / "templates" / "x.txt").write_text("Hi {{profile.nme}}\n{%= upperCase() %}")
    profile = tmp_path / "p.json"
    profile.write_text('{"id": "p"}')
    status, out, err = run("render", str(ws / "templates" / "x.txt"), "--profile", str(profile))
    assert status == 1 and out == ""
    assert "x.txt:1:14: error T-FIELD-UNKNOWN 'nme' is not a field of 'profile'" in err
    assert "x.txt:2:5: error T-ARGS 'upperCase' takes 1 argument(s), not 0" in err
    assert run("render", "nope", "-w", str(ws), "--profile", str(profile))[0] == 2
    assert run("render", str(ws / "templates" / "x.txt"), "--profile", "who?")[0] == 2
