"""Business rules across journeys: a frequency cap shared by two journeys, quiet hours in each
profile's time zone (the message waits, then goes), consent — end to end over SMTP."""

from __future__ import annotations

from pathlib import Path

from _channel_servers import SmtpServer
from _channel_workspace import event, lines, run_engine, write_workspace

CHANNEL = """
channel mail email { provider: smtp, server: "smtp://127.0.0.1:1", from: "Shop <n@shop.example>" }
"""
RULES = """
rules marketing {
  cap email 2 per 7d
  quiet email between 21:00 and 08:00 wait
}
"""


def test_caps_and_quiet_hours_hold_across_journeys(tmp_path: Path) -> None:
    ws = write_workspace(tmp_path, CHANNEL, RULES)
    with SmtpServer() as smtp:
        result = run_engine(tmp_path, ws, [
            event("Signup", "2026-03-02T10:00:00Z", email="ann@example.test", plan="gold"),
            event("Promo", "2026-03-03T10:00:00Z", email="ann@example.test", code="A", percent=5),
            event("Promo", "2026-03-04T10:00:00Z", email="ann@example.test", code="B", percent=5),
            # 13:00 UTC is 22:00 in Tokyo: quiet until 08:00 Tokyo (23:00 UTC)
            event("Promo", "2026-03-10T13:00:00Z", email="cid@example.test", code="D", percent=5),
            event("Promo", "2026-03-10T13:05:00Z", email="bob@example.test", code="E", percent=5),
            # the other journey, same rules: Cid's welcome waits for Tokyo's 08:00 too
            event("Signup", "2026-03-10T13:10:00Z", email="cid@example.test", plan="free"),
            # 21:30 UTC is 22:30 in Paris: quiet until 08:00 Paris (07:00 UTC)
            event("Promo", "2026-03-10T21:30:00Z", email="ann@example.test", code="C", percent=5),
        ], {"JENGINE_SMTP_URL": smtp.url}, until="2026-03-12T00:00:00+00:00", batch_size=1)
        assert result.status == 0
    outbox = [o for o in lines(tmp_path, "outbox.jsonl") if o["action"] == "email"]
    by_time = sorted(outbox, key=lambda o: (o["time"], o["profile"]))
    assert [(o["journey"], o["profile"][:3], o["status"], o.get("reason"), o.get("sendAt"))
            for o in by_time] == [
        ("welcome", "ann", "sent", None, None),
        ("promo", "ann", "sent", None, None),
        ("promo", "ann", "suppressed", "frequency_cap", None),     # the 3rd in 7 days
        ("promo", "cid", "sent", None, "2026-03-10T23:00Z"),
        ("promo", "bob", "suppressed", "consent", None),
        ("welcome", "cid", "sent", None, "2026-03-10T23:00Z"),
        ("promo", "ann", "sent", None, "2026-03-11T07:00Z"),   # 7 days later: allowed
    ]
    subjects = [(r.rcpt_tos[0], r.message["Subject"]) for r in smtp.inbox]
    assert subjects == [("ann@example.test", "Welcome, Ann!"), ("ann@example.test", "Ann, 5% off"),
                        ("cid@example.test", "Cid, 5% off"), ("cid@example.test", "Welcome, Cid!"),
                        ("ann@example.test", "Ann, 5% off")]
