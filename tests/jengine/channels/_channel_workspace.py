"""A small workspace for the channel tests: a shop that greets sign-ups and runs promotions.

``write_workspace(folder, channels, rules)`` writes ``shop.journey`` (the profile schema with
XDM consents, the events, the journeys ``welcome`` and ``promo``, the given channel and rules
declarations) and ``templates/``. ``PROFILES`` has Ann (consents to everything, Paris), Bob
(opted out of marketing email) and Cid (Tokyo); :func:`run` runs the engine in-process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jengine import RunOptions, RunResult, run

PROFILE_STORE = """
datasource ExperiencePlatform {
  fieldgroup ProfileFieldGroup {
    fields {
      person: { firstName: string, lastName: string }
      personalEmail: { address: string }
      mobilePhone: { number: string }
      pushToken: string
      consents: { marketing: { email: { val: string }, sms: { val: string },
                               push: { val: string }, any: { val: string } } }
    }
  }
}

event Signup {
  namespace email
  key @event{Signup.email}
  fields { email: string, plan: string }
}

event Promo {
  namespace email
  key @event{Promo.email}
  fields { email: string, code: string, percent: integer }
}
"""

JOURNEYS = """
journey welcome {
  reentrance always
  entry on event Signup
  hello: email {
    template: "welcome"
    to: #{ExperiencePlatform.ProfileFieldGroup.personalEmail.address}
  }
  react: await {
    failed hello -> apology
    after 1d -> done
  }
  apology: sms {
    template: "apology"
    to: #{ExperiencePlatform.ProfileFieldGroup.mobilePhone.number}
  }
  done: end
}

journey promo {
  reentrance always
  entry on event Promo
  offer: email {                // no 'to': the channel's execution field, personalEmail.address
    template: "promo"
    code: @event{Promo.code}
  }
}
"""

TEMPLATES = {
    "welcome.subject": "Welcome, {{profile.person.firstName}}!",
    "welcome.html": (
        "<html><body><p>Hello {{profile.person.firstName}} &mdash; your plan is "
        "<b>{{context.journey.events.Signup.plan}}</b>.</p>"
        '<p><a href="https://shop.example/start?plan={{context.journey.events.Signup.plan}}">'
        "Start</a></p></body></html>"),
    "welcome.txt": "Hello {{profile.person.firstName}}, your plan is "
                   "{{context.journey.events.Signup.plan}}.\n",
    "promo.subject": "{{profile.person.firstName}}, {%= context.journey.events.Promo.percent %}%"
                     " off",
    "promo.html": "<p>Code {{params.code}} for {{profile.person.firstName}}</p>",
    "apology.txt": "Sorry {{profile.person.firstName}}, your welcome email bounced.",
}

PROFILES: list[dict[str, Any]] = [
    {"id": "ann@example.test", "timeZone": "Europe/Paris", "attributes": {"ProfileFieldGroup": {
        "person": {"firstName": "Ann", "lastName": "Lee"},
        "personalEmail": {"address": "ann@example.test"},
        "mobilePhone": {"number": "+33600000001"}, "pushToken": "tok-ann"}}},
    {"id": "bob@example.test", "timeZone": "Europe/Paris", "attributes": {"ProfileFieldGroup": {
        "person": {"firstName": "Bob"}, "personalEmail": {"address": "bob@example.test"},
        "mobilePhone": {"number": "+33600000002"},
        "consents": {"marketing": {"email": {"val": "n"}}}}}},
    {"id": "cid@example.test", "timeZone": "Asia/Tokyo", "attributes": {"ProfileFieldGroup": {
        "person": {"firstName": "Cid"}, "personalEmail": {"address": "cid@example.test"},
        "mobilePhone": {"number": "+81900000003"}}}},
]


def write_workspace(folder: Path, channels: str, rules: str = "",
                    templates: dict[str, str] | None = None) -> Path:
    ws = folder / "workspace"
    (ws / "templates").mkdir(parents=True, exist_ok=True)
    (ws / "shop.journey").write_text(PROFILE_STORE + channels + rules + JOURNEYS,
                                     encoding="utf-8")
    for name, text in (templates or TEMPLATES).items():
        (ws / "templates" / name).write_text(text, encoding="utf-8")
    (folder / "profiles.jsonl").write_text(
        "".join(json.dumps(p) + "\n" for p in PROFILES), encoding="utf-8")
    return ws


def event(name: str, time: str, **payload: Any) -> str:
    return json.dumps({"event": name, "time": time, "payload": payload})


def run_engine(folder: Path, ws: Path, events: list[str], env: dict[str, str],
               until: str | None = None, **more: Any) -> RunResult:
    import datetime as dt

    (folder / "events.jsonl").write_text("".join(e + "\n" for e in events), encoding="utf-8")
    options = RunOptions(workspace=ws, events=folder / "events.jsonl",
                         profiles=folder / "profiles.jsonl", state=folder / "state.db",
                         outbox=folder / "outbox.jsonl", journal=folder / "journal.jsonl",
                         dead_letters=folder / "deadletters.jsonl", env=env,
                         until=dt.datetime.fromisoformat(until) if until else None, **more)
    return run(options)


def lines(folder: Path, name: str) -> list[dict[str, Any]]:
    path = folder / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
