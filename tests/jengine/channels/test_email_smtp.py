"""Emails go out over SMTP, personalized, to a real server on loopback (aiosmtpd).

The server requires STARTTLS and AUTH (a throw-away certificate trusted through
``SSL_CERT_FILE``; the credentials come from the environment); every accepted message is
parsed back with the ``email`` package.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _channel_servers import SmtpServer
from _channel_workspace import event, lines, run_engine, write_workspace

CHANNEL = """
channel mail email {
  provider: smtp
  server: "smtp://127.0.0.1:1"            // replaced by JENGINE_SMTP_URL
  security: starttls
  user: secret("SHOP_SMTP_USER")
  password: secret("SHOP_SMTP_PASSWORD")
  from: "Shop <news@shop.example>"
  replyTo: "care@shop.example"
  unsubscribe: "mailto:unsubscribe@shop.example"
}
"""


def test_personalized_emails_arrive_and_opted_out_profiles_get_nothing(tmp_path: Path) -> None:
    ws = write_workspace(tmp_path, CHANNEL)
    with SmtpServer(tmp_path, user="shop", password="s3cret") as smtp:
        assert smtp.cert is not None
        env = {"JENGINE_SMTP_URL": smtp.url, "SHOP_SMTP_USER": "shop",
               "SHOP_SMTP_PASSWORD": "s3cret", "SSL_CERT_FILE": str(smtp.cert)}
        result = run_engine(tmp_path, ws, [
            event("Signup", "2026-03-02T10:00:00Z", email="ann@example.test", plan="gold"),
            event("Signup", "2026-03-02T10:01:00Z", email="bob@example.test", plan="free"),
            event("Signup", "2026-03-02T10:02:00Z", email="cid@example.test", plan="<b>x</b>"),
        ], env)
    assert result.status == 0
    assert [r.rcpt_tos for r in smtp.inbox] == [["ann@example.test"], ["cid@example.test"]]
    ann = smtp.inbox[0]
    assert ann.login == b"shop" and ann.mail_from == "news@shop.example"
    msg = ann.message
    assert msg["Subject"] == "Welcome, Ann!" and msg["To"] == "ann@example.test"
    assert msg["From"] == "Shop <news@shop.example>" and msg["Reply-To"] == "care@shop.example"
    assert msg["List-Unsubscribe"].strip() == "<mailto:unsubscribe@shop.example>"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n") == "Hello Ann, your plan is gold.\n"
    assert "Hello Ann &mdash; your plan is <b>gold</b>" in html.get_content()
    cid_html = smtp.inbox[1].message.get_body(("html",))
    assert cid_html is not None and "&lt;b&gt;x&lt;/b&gt;" in cid_html.get_content()

    outbox = {o["profile"]: o for o in lines(tmp_path, "outbox.jsonl")}
    assert outbox["bob@example.test"]["status"] == "suppressed"
    assert outbox["bob@example.test"]["reason"] == "consent"
    sent = outbox["ann@example.test"]
    assert sent["status"] == "sent" and sent["attempts"] == 1 and sent["channel"] == "mail"
    assert sent["messageId"] == msg["Message-ID"] == sent["providerId"]
    assert set(sent["hash"]) == {"subject", "html", "text"}
    assert "s3cret" not in (tmp_path / "outbox.jsonl").read_text(encoding="utf-8")


def test_a_transient_refusal_is_retried_and_a_hard_bounce_suppresses(tmp_path: Path) -> None:
    ws = write_workspace(tmp_path, CHANNEL.replace("security: starttls", "security: none")
                         .replace('  user: secret("SHOP_SMTP_USER")\n', "")
                         .replace('  password: secret("SHOP_SMTP_PASSWORD")\n', ""))
    answers = {"ann@example.test": ["451 4.3.0 try again later"],
               "cid@example.test": ["550 5.1.1 no such user"]}
    with SmtpServer(answers=answers) as smtp:
        result = run_engine(tmp_path, ws, [
            event("Signup", "2026-03-02T10:00:00Z", email="ann@example.test", plan="gold"),
            event("Signup", "2026-03-02T10:05:00Z", email="cid@example.test", plan="free"),
            event("Signup", "2026-03-03T10:05:00Z", email="cid@example.test", plan="free"),
        ], {"JENGINE_SMTP_URL": smtp.url}, until="2026-03-05T00:00:00+00:00", batch_size=1)
    assert result.status == 0
    outbox = lines(tmp_path, "outbox.jsonl")
    email = [o for o in outbox if o["action"] == "email"]
    # Ann's 451 is retried 10 s later (engine time: at the next commit); Cid's 550 5.1.1 puts
    # the address on the suppression list, so Cid's next message is suppressed
    assert [(o["profile"], o["status"]) for o in email] == [
        ("ann@example.test", "sent"), ("cid@example.test", "failed"),
        ("cid@example.test", "suppressed")]
    assert email[0]["attempts"] == 2
    assert email[1]["detail"].startswith("SMTP 550")
    assert email[2]["reason"] == "suppression_list"
    assert [r.rcpt_tos for r in smtp.inbox] == [["ann@example.test"]]
    journal = lines(tmp_path, "journal.jsonl")
    assert any(j["step"] == "react" and j["next"] == "apology" for j in journal)
    # the apology SMS has no channel: it is an outbox line, as before channels existed
    assert [o["status"] for o in outbox if o["action"] == "sms"] == ["sent"]


# aiosmtpd warns that AUTH does not require STARTTLS: with SMTPS the whole session is TLS
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_and_credentials_in_the_smtp_url(tmp_path: Path) -> None:
    """``smtps://`` is TLS from the first byte; JENGINE_SMTP_URL may carry the login (it is the
    environment); a wrong password fails the message, with the server's answer."""
    ws = write_workspace(tmp_path, CHANNEL.replace("security: starttls", "security: none")
                         .replace('  user: secret("SHOP_SMTP_USER")\n', "")
                         .replace('  password: secret("SHOP_SMTP_PASSWORD")\n', ""))
    with SmtpServer(tmp_path, user="shop", password="s3cret", implicit_tls=True) as smtp:
        assert smtp.cert is not None
        url = smtp.smtps_url.replace("smtps://", "smtps://shop:s3cret@")
        result = run_engine(tmp_path, ws, [
            event("Signup", "2026-03-02T10:00:00Z", email="ann@example.test", plan="gold")],
            {"JENGINE_SMTP_URL": url, "SSL_CERT_FILE": str(smtp.cert)})
        assert result.status == 0
        assert [(r.rcpt_tos, r.login) for r in smtp.inbox] == [(["ann@example.test"], b"shop")]
        bad = tmp_path / "bad"
        bad.mkdir()
        ws2 = write_workspace(bad, CHANNEL.replace("security: starttls", "security: none")
                              .replace('  user: secret("SHOP_SMTP_USER")\n', "")
                              .replace('  password: secret("SHOP_SMTP_PASSWORD")\n', ""))
        run_engine(bad, ws2, [
            event("Signup", "2026-03-02T10:00:00Z", email="cid@example.test", plan="gold")],
            {"JENGINE_SMTP_URL": url.replace("s3cret", "wrong"),
             "SSL_CERT_FILE": str(smtp.cert)})
    [line] = [o for o in lines(bad, "outbox.jsonl") if o["action"] == "email"]
    assert line["status"] == "failed" and line["detail"].startswith("SMTP 535")
    assert "wrong" not in (bad / "outbox.jsonl").read_text()
