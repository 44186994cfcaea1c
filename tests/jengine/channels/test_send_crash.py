"""SIGKILL during sending: no message is sent twice and none is lost.

The engine runs as a subprocess (``python -m jengine run … --batch 3``) over 30 sign-ups; each
sends a welcome email (SMTP, aiosmtpd on loopback) and an SMS (a Twilio-style local HTTP
server). First an uninterrupted reference run, then a run on a new store that is killed and
restarted until it finishes:

* **SMTP, at exact points of the conversation** — the SMTP server itself kills the engine
  (SIGKILL, and waits for it to die) either when a message's ``MAIL FROM`` arrives (the
  previous message's answer is committed, this one is not sent) or when its data has arrived
  but before the server accepts it (the message is not delivered; RFC 5321 §4.1.1.4: without
  the final ``250`` the server has not taken it);
* **HTTP, anywhere** — at random moments (when the outbox file reaches a random size); a
  request cut off by the kill is repeated after the restart with the same ``Idempotency-Key``,
  which the provider honours.

Then every recipient has exactly one email and one SMS, as in the reference run, and the
outbox, journal and dead letters equal the reference run's line for line.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from _channel_servers import HttpServer, Request, SmtpServer

N = 30
OUTPUTS = ("outbox.jsonl", "journal.jsonl", "deadletters.jsonl")
WORKSPACE = """
datasource ExperiencePlatform {
  fieldgroup ProfileFieldGroup {
    fields { person: { firstName: string }, personalEmail: { address: string },
             mobilePhone: { number: string } }
  }
}
event Signup { namespace email  key @event{Signup.email}  fields { email: string } }
channel mail email {
  provider: smtp
  server: "smtp://127.0.0.1:1"
  from: "Shop <news@shop.example>"
}
channel texts sms {
  provider: twilio
  url: "%s/2010-04-01/Accounts/AC1/Messages.json"
  account: secret("TW_SID")
  token: secret("TW_TOKEN")
  from: "+15550000000"
}
journey welcome {
  entry on event Signup
  hello: email { template: "hello", to: #{ExperiencePlatform.ProfileFieldGroup.personalEmail.address} }
  text: sms { template: "hello", to: #{ExperiencePlatform.ProfileFieldGroup.mobilePhone.number} }
}
"""


def _setup(folder: Path, sms_url: str) -> tuple[Path, Path, Path]:
    ws = folder / "workspace"
    (ws / "templates").mkdir(parents=True)
    (ws / "welcome.journey").write_text(WORKSPACE % sms_url, encoding="utf-8")
    (ws / "templates" / "hello.subject").write_text("Hi {{profile.person.firstName}}")
    (ws / "templates" / "hello.txt").write_text("Welcome, {{profile.person.firstName}}!")
    profiles, events = folder / "profiles.jsonl", folder / "events.jsonl"
    with profiles.open("w") as p, events.open("w") as e:
        for i in range(N):
            email = f"user{i:02d}@example.test"
            p.write(json.dumps({"id": email, "attributes": {"ProfileFieldGroup": {
                "person": {"firstName": f"User{i}"}, "personalEmail": {"address": email},
                "mobilePhone": {"number": f"+3360000{i:04d}"}}}}) + "\n")
            e.write(json.dumps({"event": "Signup", "time": f"2026-03-02T10:{i:02d}:00Z",
                                "payload": {"email": email}}) + "\n")
    return ws, profiles, events


def _command(ws: Path, profiles: Path, events: Path, out: Path) -> list[str]:
    out.mkdir(exist_ok=True)
    return [sys.executable, "-m", "jengine", "run", str(ws), "--events", str(events),
            "--profiles", str(profiles), "--state", str(out / "state.db"),
            "--outbox", str(out / "outbox.jsonl"), "--journal", str(out / "journal.jsonl"),
            "--dead-letters", str(out / "deadletters.jsonl"), "--batch", "3",
            "--until", "2026-03-03T00:00:00Z", "--no-progress"]


def _env(smtp_url: str) -> dict[str, str]:
    return {**os.environ, "JENGINE_SMTP_URL": smtp_url, "TW_SID": "AC1", "TW_TOKEN": "t"}


def _lines(folder: Path, name: str) -> list[str]:
    path = folder / name
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def twilio(request: Request) -> tuple[int, Any]:
    return 201, {"sid": "SM" + request.headers["idempotency-key"][-12:]}


class Killer:
    """Kills the running engine from inside the SMTP server at scripted message numbers."""

    def __init__(self, at_mail: set[int], at_data: set[int]) -> None:
        self.at_mail, self.at_data = at_mail, at_data
        self.proc: subprocess.Popen[bytes] | None = None
        self.mails = self.datas = self.kills = 0

    def kill(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            return False            # the reference run is not killed
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.kills += 1
        return True

    def on_mail(self) -> None:
        self.mails += 1
        if self.mails in self.at_mail:
            self.kill()

    def on_data(self, message: EmailMessage) -> str | None:
        self.datas += 1
        if self.datas in self.at_data and self.kill():
            return "451 4.3.0 the client went away"
        return None


def test_sigkill_during_smtp_sending(tmp_path: Path) -> None:
    killer = Killer(at_mail={4, 17}, at_data={9, 24})
    with SmtpServer(on_data=killer.on_data) as smtp, HttpServer(twilio) as sms:
        smtp.handler.on_mail = killer.on_mail
        ws, profiles, events = _setup(tmp_path, sms.url)
        reference = _command(ws, profiles, events, tmp_path / "reference")
        done = subprocess.run(reference, env=_env(smtp.url), capture_output=True, timeout=120,
                              check=False)
        assert done.returncode == 0, done.stderr.decode()
        assert len(smtp.inbox) == N
        smtp.inbox.clear()
        killer.mails = killer.datas = 0
        crashed = _command(ws, profiles, events, tmp_path / "crashed")
        for _ in range(10):
            killer.proc = subprocess.Popen(crashed, env=_env(smtp.url),
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if killer.proc.wait(timeout=120) == 0:
                break
        assert killer.proc.returncode == 0
    assert killer.kills == 4
    ids = [r.message["Message-ID"] for r in smtp.inbox]
    assert len(ids) == N and len(set(ids)) == N
    assert sorted(r.rcpt_tos[0] for r in smtp.inbox) == [f"user{i:02d}@example.test"
                                                         for i in range(N)]
    for name in OUTPUTS:
        assert _lines(tmp_path / "crashed", name) == _lines(tmp_path / "reference", name), name


def test_sigkill_at_random_moments_with_an_idempotent_provider(tmp_path: Path) -> None:
    rng = random.Random(20260302)
    with SmtpServer() as smtp, HttpServer(twilio) as sms:
        ws, profiles, events = _setup(tmp_path, sms.url)
        reference = tmp_path / "reference"
        done = subprocess.run(_command(ws, profiles, events, reference), env=_env(smtp.url),
                              capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr.decode()
        size = (reference / "outbox.jsonl").stat().st_size
        keys = sorted(r.headers["idempotency-key"] for r in sms.accepted)
        sms.accepted.clear()
        sms.by_key.clear()
        smtp.inbox.clear()
        crashed = tmp_path / "crashed"
        command = _command(ws, profiles, events, crashed)
        kills = 0
        for threshold in sorted(rng.randrange(1, size) for _ in range(5)):
            proc = subprocess.Popen(command, env=_env(smtp.url), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            outbox = crashed / "outbox.jsonl"
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                if outbox.exists() and outbox.stat().st_size >= threshold:
                    time.sleep(rng.uniform(0, 0.01))
                    break
                time.sleep(0.001)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait()
        final = subprocess.run(command, env=_env(smtp.url), capture_output=True, timeout=120,
                               check=False)
        assert final.returncode == 0, final.stderr.decode()
    assert kills >= 3, f"only {kills} attempts were interrupted"
    assert sorted(r.headers["idempotency-key"] for r in sms.accepted) == keys
    assert len(keys) == N
    for name in OUTPUTS:
        assert _lines(crashed, name) == _lines(reference, name), name
