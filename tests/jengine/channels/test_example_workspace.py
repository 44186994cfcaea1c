"""The bundled example workspace sends its emails over SMTP, rendered from its templates, to a
real server on loopback (aiosmtpd, ``JENGINE_SMTP_URL``): every ``sent`` outbox line is a
message that arrived, and each greets its recipient by the first name of their profile.

The example's HTTP hosts (``jengine stub`` in the quick start) are not running here: those
calls fail at once and the journeys take their error paths, which changes which emails go out
but not how.
"""

from __future__ import annotations

import json
from pathlib import Path

from _channel_servers import SmtpServer
from _channel_workspace import lines

from jengine import RunOptions, run

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"


def test_the_example_greets_every_profile_by_first_name_over_smtp(tmp_path: Path) -> None:
    profiles = [json.loads(line) for line in
                (EXAMPLES / "profiles.jsonl").read_text(encoding="utf-8").splitlines() if line]
    first = {p["attributes"]["ProfileFieldGroup"]["personalEmail"]["address"]:
             p["attributes"]["ProfileFieldGroup"]["person"]["firstName"] for p in profiles}
    with SmtpServer() as smtp:
        options = RunOptions(
            workspace=EXAMPLES / "workspace", events=EXAMPLES / "events.jsonl",
            profiles=EXAMPLES / "profiles.jsonl", state=tmp_path / "state.db",
            outbox=tmp_path / "outbox.jsonl", journal=tmp_path / "journal.jsonl",
            dead_letters=tmp_path / "deadletters.jsonl",
            env={"JENGINE_SMTP_URL": smtp.url, "COUPON_API_KEY": "example"})
        result = run(options)
    assert result.status == 0
    sent = [o for o in lines(tmp_path, "outbox.jsonl")
            if o["action"] == "email" and o["status"] == "sent"]
    assert len(sent) >= 20 and {o["journey"] for o in sent} >= {"welcome", "abandonedCart"}
    assert sorted(o["messageId"] for o in sent) == sorted(
        r.message["Message-ID"] for r in smtp.inbox)
    welcomes = 0
    for received in smtp.inbox:
        msg = received.message
        [to] = received.rcpt_tos
        assert msg["To"] == to and msg["From"] == "Example Shop <news@shop.example>"
        html = msg.get_body(("html",))
        assert html is not None and first[to] in html.get_content(), msg["Subject"]
        if msg["Subject"].startswith("Welcome aboard"):
            assert msg["Subject"] == f"Welcome aboard, {first[to]}!"
            welcomes += 1
    assert welcomes >= 5
