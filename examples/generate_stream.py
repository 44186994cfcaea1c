#!/usr/bin/env python3
"""Generate the bundled example inputs of the journey engine (journey spec §5.1, §5.2).

    python examples/generate_stream.py            # writes examples/events.jsonl and profiles.jsonl

The output is deterministic (a seeded ``random.Random``; no clock, no hash()): rerunning the
script reproduces the committed files byte for byte. The stream covers about three simulated
weeks (2026-12-01 to 2026-12-24) for 30 profiles and exercises every journey of
``examples/workspace``:

- welcome — subscriptions (some on the trial plan: ``entry_condition_false``), ``@reaction``
  opens of the welcome email before and after the condition, purchases over 50 during the
  await, an unsubscription (exit criterion), a second subscription while still in the journey;
- abandonedCart — carts (some under 20), purchases that end the await, opens of the reminder
  (the coupon call), carts nobody reacts to (the ``after 1d`` timeout), a cart without an
  ``event`` name (qualified by ``where``), one whose type is not ``cart.abandoned``
  (``not_qualified``) and one without an email (dead letter ``key_error``);
- weekdayTargeting — store check-ins on weekdays, at weekends, late at night and during the
  holiday sale, in several profile time zones, one by a profile that is not in the store;
- rampup — ``@audience`` changes of the Newsletter audience between the weekly batch reads,
  and reactions to deliveries whose instance already ended (``no_matching_delivery``);
- reengagement — ``@audience`` Churned entries, a click, an open in the last-chance await,
  an unsubscription, a Reactivated membership and a purchase (the three exit criteria);
- loyaltyUpgrade / goldPerks — tier changes (to gold: the jump), an unchanged tier
  (``entry_condition_false``), a direct GoldWelcomeRequested before a jump (a refused jump);
- malformed lines that go to the dead letters: not JSON, not an object, a missing ``time``,
  an unknown event, an invalid ``@audience`` status, a ``@reaction`` without a kind.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

SEED = 20261201
HERE = Path(__file__).resolve().parent
START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)

FIRST = ["Anna", "Ben", "Chloé", "David", "Emma", "Farid", "Greta", "Hugo", "Ines", "Jonas",
         "Kenji", "Lea", "Marco", "Nadia", "Oscar", "Paula", "Quentin", "Rosa", "Sven", "Tara",
         "Umar", "Vera", "Wim", "Xenia", "Yusuf", "Zoé", "Aiko", "Bruno", "Carla", "Dmitri"]
LAST = ["Schmidt", "Martin", "Dubois", "Rossi", "Novak", "Haddad", "Berg", "Lefèvre", "Costa",
        "Weber", "Sato", "Moreau", "Bianchi", "Kowalski", "Lind", "García", "Roux", "Silva",
        "Olsen", "Nair", "Khan", "Petrova", "Jansen", "Ivanova", "Demir", "Laurent", "Tanaka",
        "Fischer", "Mendes", "Volkov"]
CITIES = [("Paris", "FR", "Europe/Paris"), ("Berlin", "DE", "Europe/Berlin"),
          ("Milan", "IT", "Europe/Rome"), ("Lisbon", "PT", "Europe/Lisbon"),
          ("New York", "US", "America/New_York"), ("Tokyo", "JP", "Asia/Tokyo")]
TIERS = ["bronze", "silver", "gold"]


def iso(t: dt.datetime) -> str:
    """An X§12.2 offset date-time at UTC, to the second."""
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """2026-12-(1 + day) at hour:minute UTC."""
    return START.replace(hour=0) + dt.timedelta(days=day, hours=hour, minutes=minute)


class Stream:
    """Collects (time, order, line) and writes them sorted by time (stable)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.items: list[tuple[dt.datetime, int, str]] = []

    def add(self, time: dt.datetime, event: str | None, payload: dict) -> None:
        obj: dict = {}
        if event is not None:
            obj["event"] = event
        obj["time"] = iso(time)
        obj["payload"] = payload
        self.raw(time, json.dumps(obj, ensure_ascii=False))

    def raw(self, time: dt.datetime, line: str) -> None:
        self.items.append((time, len(self.items), line))

    def reaction(self, time: dt.datetime, journey: str, profile: str, step: str, kind: str) -> None:
        self.add(time, "@reaction", {"journey": journey, "version": 1, "profile": profile,
                                     "step": step, "kind": kind})

    def audience(self, time: dt.datetime, profile: str, audience: str, status: str) -> None:
        self.add(time, "@audience", {"profile": profile, "audience": audience, "status": status})

    def lines(self) -> list[str]:
        return [line for _, _, line in sorted(self.items)]


def make_profiles(rng: random.Random) -> list[dict]:
    profiles = []
    for i, (first, last) in enumerate(zip(FIRST, LAST, strict=False)):
        ident = f"{first.lower().replace('é', 'e').replace('ç', 'c')}.{last.lower()}@example.com"
        ident = ident.replace("è", "e").replace("í", "i")
        city, country, zone = CITIES[i % len(CITIES)]
        tier = TIERS[rng.randrange(3)] if i not in (3, 15, 28, 12, 29) else (
            "silver" if i in (3, 15, 28) else "bronze")
        if i in (9, 18):
            tier = "gold"                   # VIP rule-audience members from the first load
        fg = {
            "person": {"firstName": first, "lastName": last},
            "personalEmail": {"address": ident},
            "mobilePhone": {"number": f"+3361{rng.randrange(10**7):07d}"},
            "homeAddress": {"city": city, "countryCode": country},
            "loyalty": {"tier": tier, "points": rng.randrange(0, 5000)},
            "marketing": {"optIn": rng.random() < 0.8},
            "timeZone": zone,
        }
        profile: dict = {"id": ident, "namespace": "email"}
        if i == 27:
            profile["timeZone"] = "Mars/Olympus_Mons"   # invalid: timezone profile falls back
        elif i % 5 != 4:                              # every fifth profile has no zone
            profile["timeZone"] = zone
        if i in (0, 1, 10):
            profile["testProfile"] = True
        profile["attributes"] = {"ProfileFieldGroup": fg}
        audiences = {}
        if i % 3 != 2:
            audiences["Newsletter"] = "existing" if i % 2 else "realized"
        if i in (26, 27):
            audiences["Churned"] = "exited"
        if audiences:
            profile["audiences"] = audiences
        events = []
        for n in range(rng.randrange(0, 4)):   # older experience events, newest first
            t = START - dt.timedelta(days=3 + 9 * n, hours=rng.randrange(24))
            kind = rng.choice(["open", "click", "delivery"])
            events.append({"_id": f"newsletter/issue-{48 - n}/{ident}/{kind}", "timestamp": iso(t),
                           "type": kind, "journey": "newsletter", "step": f"issue-{48 - n}"})
        if events:
            profile["events"] = events
        profiles.append(profile)
    return profiles


def welcome(s: Stream, ids: list[str]) -> None:
    """Profiles 0–11 subscribe between Dec 1 and Dec 10."""
    rng = s.rng
    plans = ["monthly", "yearly"]
    for i in range(12):
        who = ids[i]
        t = at(rng.randrange(0, 10), rng.randrange(7, 21), rng.randrange(60))
        plan = "trial" if i in (2, 7) else rng.choice(plans)
        s.add(t, "SubscriptionCreated", {"email": who, "plan": plan,
                                         "firstName": FIRST[i], "source": rng.choice(["web", "app", "store"])})
        if plan == "trial":
            continue
        s.reaction(t + dt.timedelta(minutes=1), "welcome", who, "hello", "delivered")
        group = i % 6
        if group == 0:      # opens the welcome email: hasOpened -> tips
            s.reaction(t + dt.timedelta(hours=5 + rng.randrange(20)), "welcome", who, "hello", "opened")
        elif group == 1:    # buys during the await after the reminder
            s.add(t + dt.timedelta(days=3, hours=10), "PurchaseMade",
                  {"email": who, "orderId": f"W-{1000 + i}", "total": 79.9,
                   "purchasedAt": iso(t + dt.timedelta(days=3, hours=10))})
        elif group == 3:    # opens late: the await's `opened hello` fires
            s.reaction(t + dt.timedelta(days=3, hours=20), "welcome", who, "hello", "opened")
            s.reaction(t + dt.timedelta(days=3, hours=20, minutes=2), "welcome", who, "hello", "clicked")
        elif group == 4:    # unsubscribes: exit criterion
            s.add(t + dt.timedelta(days=1, hours=2), "Unsubscribed", {"email": who, "reason": "too many emails"})
        elif group == 5:    # a small purchase during the await: the `when` is false
            s.add(t + dt.timedelta(days=3, hours=4), "PurchaseMade",
                  {"email": who, "orderId": f"W-{2000 + i}", "total": 12.5,
                   "purchasedAt": iso(t + dt.timedelta(days=3, hours=4))})
        if i == 6:          # subscribes again while in the journey: already_in_journey
            s.add(t + dt.timedelta(days=1), "SubscriptionCreated",
                  {"email": who, "plan": "yearly", "firstName": FIRST[i], "source": "app"})


def abandoned_cart(s: Stream, ids: list[str]) -> None:
    """Profiles 8–21 abandon carts between Dec 2 and Dec 18."""
    rng = s.rng
    catalogue = [("SKU-100", "Running shoes", 89.0), ("SKU-200", "Rain jacket", 129.0),
                 ("SKU-300", "Water bottle", 12.5), ("SKU-400", "Socks (3 pairs)", 9.9),
                 ("SKU-500", "Headlamp", 34.0), ("SKU-600", "Trail map", 7.5)]
    for n, i in enumerate(range(8, 22)):
        who = ids[i]
        t = at(1 + rng.randrange(0, 16), rng.randrange(6, 22), rng.randrange(60))
        picks = rng.sample(catalogue, rng.randrange(1, 4))
        if n in (3, 9):                     # small carts: entry_condition_false
            picks = [catalogue[3]]
        items = [{"sku": sku, "name": name, "price": price, "qty": rng.randrange(1, 3)}
                 for sku, name, price in picks]
        total = round(sum(x["price"] * x["qty"] for x in items), 2)
        payload = {"type": "cart.abandoned", "email": who, "cartId": f"C-{7000 + n}",
                   "total": total, "currency": "EUR", "items": items, "abandonedAt": iso(t)}
        # one cart arrives without an event name: qualified by CartAbandoned's `where`
        s.add(t, None if n == 5 else "CartAbandoned", payload)
        if n in (3, 9):
            continue
        s.reaction(t + dt.timedelta(seconds=30), "abandonedCart", who, "nudge", "delivered")
        group = n % 4
        if group == 0:      # buys: the await's `event PurchaseMade` wins
            s.add(t + dt.timedelta(hours=2, minutes=rng.randrange(60)), "PurchaseMade",
                  {"email": who, "orderId": f"O-{5000 + n}", "total": total,
                   "purchasedAt": iso(t + dt.timedelta(hours=2))})
        elif group == 1:    # opens the reminder: the coupon call
            s.reaction(t + dt.timedelta(hours=1, minutes=rng.randrange(60)), "abandonedCart", who,
                       "nudge", "opened")
        elif group == 2:    # opens after the 1d timeout: too late (the await is gone)
            s.reaction(t + dt.timedelta(days=1, hours=3), "abandonedCart", who, "nudge", "opened")
        # group 3: no reaction at all -> after 1d -> nextMorning -> lastCall
        if n == 6:          # abandons a second cart an hour later: already_in_journey
            s.add(t + dt.timedelta(hours=1), "CartAbandoned", dict(payload, cartId=f"C-{7900 + n}"))
    # a saved cart named CartAbandoned: its `where` is false (not_qualified)
    s.add(at(4, 15, 12), "CartAbandoned",
          {"type": "cart.saved", "email": ids[22], "cartId": "C-7990", "total": 45.0,
           "currency": "EUR", "items": [], "abandonedAt": iso(at(4, 15, 12))})
    # a cart without an email: the key is null (dead letter key_error)
    s.add(at(6, 11, 40), "CartAbandoned",
          {"type": "cart.abandoned", "cartId": "C-7991", "total": 60.0, "currency": "EUR",
           "items": [], "abandonedAt": iso(at(6, 11, 40))})


def check_ins(s: Stream, ids: list[str]) -> None:
    """Store check-ins at chosen hours: weekdays, weekends, late nights, the holiday sale."""
    rng = s.rng
    stores = ["paris-01", "paris-02", "berlin-01", "milan-01", "lisbon-01", "nyc-01", "tokyo-01"]
    slots = [(10, 11), (10, 23), (12, 2), (13, 14), (14, 9), (15, 19), (16, 12), (17, 17)]
    for day in range(0, 23):                # Dec 1 (a Tuesday) to Dec 23
        for _ in range(rng.randrange(2, 7)):
            i = rng.randrange(30)
            hour = rng.choice([1, 3, 8, 10, 12, 14, 16, 19, 21, 23])
            t = at(day, hour, rng.randrange(60))
            s.add(t, "StoreCheckIn", {"email": ids[i], "storeId": rng.choice(stores),
                                      "checkedInAt": iso(t)})
    for day, hour in slots:                 # fixed times: weekday, late night, weekend
        t = at(day, hour, 5)
        s.add(t, "StoreCheckIn", {"email": ids[(day * 7 + hour) % 30], "storeId": "paris-01",
                                  "checkedInAt": iso(t)})
    # a walk-in customer who is not in the profile store: an empty profile
    s.add(at(2, 13, 30), "StoreCheckIn", {"email": "walk.in@example.com", "storeId": "paris-02",
                                          "checkedInAt": iso(at(2, 13, 30))})


def newsletter(s: Stream, ids: list[str]) -> None:
    """Newsletter membership changes between the weekly reads (Dec 8, 15, 22 at 09:00)."""
    for i in (2, 5, 8, 11):
        s.audience(at(5, 10, 3 * i), ids[i], "Newsletter", "realized")
    for i in (0, 4):
        s.audience(at(12, 16, i), ids[i], "Newsletter", "exited")
    s.audience(at(13, 9, 0), ids[14], "Newsletter", "realized")
    # deliveries of the ramp-up reach instances that already ended: no_matching_delivery
    for i in (1, 3, 6):
        s.reaction(at(7, 9, 20 + i), "rampup", ids[i], "variantA", "opened")
    s.reaction(at(14, 10, 0), "rampup", ids[10], "variantB", "clicked")


def reengagement(s: Stream, ids: list[str]) -> None:
    """Profiles 20–27 become Churned; each then takes another path through the journey."""
    for n, i in enumerate(range(20, 28)):
        who = ids[i]
        t = at(3 + n, 7, 30)
        s.audience(t, who, "Churned", "realized")
        s.reaction(t + dt.timedelta(minutes=1), "reengagement", who, "winback", "delivered")
        if n == 1:          # clicks the win-back email: welcomeBack
            s.reaction(t + dt.timedelta(days=1, hours=2), "reengagement", who, "winback", "clicked")
        elif n == 2:        # unsubscribes: exit criterion
            s.add(t + dt.timedelta(days=2), "Unsubscribed", {"email": who, "reason": "not interested"})
        elif n == 3:        # becomes a member of Reactivated: exit criterion
            s.audience(t + dt.timedelta(days=1, hours=5), who, "Reactivated", "realized")
        elif n == 4:        # buys for at least 10: exit criterion with `when`
            s.add(t + dt.timedelta(days=4), "PurchaseMade",
                  {"email": who, "orderId": f"R-{300 + n}", "total": 35.0,
                   "purchasedAt": iso(t + dt.timedelta(days=4))})
        elif n == 5:        # opens during the last-chance await: welcomeBack
            s.reaction(t + dt.timedelta(days=5), "reengagement", who, "winback", "opened")
        elif n == 0:        # a purchase under 10 does not exit; leaves Churned, comes back
            s.add(t + dt.timedelta(days=1), "PurchaseMade",
                  {"email": who, "orderId": f"R-{300 + n}", "total": 4.5,
                   "purchasedAt": iso(t + dt.timedelta(days=1))})
            s.audience(t + dt.timedelta(days=2), who, "Churned", "exited")
            # re-realized 4 days after entering: reentrance after 14d refuses (reentrance_wait)
            s.audience(t + dt.timedelta(days=4), who, "Churned", "realized")
        # n == 6, 7: nothing happens -> nudge after 3d -> giveUp after 4 more days


def loyalty(s: Stream, ids: list[str]) -> None:
    """Tier changes: three to gold (jumps), two others, one unchanged; a direct gold welcome."""
    changes = [(3, "silver", "gold", at(6, 12)), (12, "bronze", "silver", at(7, 9)),
               (15, "silver", "gold", at(9, 17)), (18, "gold", "gold", at(10, 8)),
               (28, "silver", "gold", at(14, 11)), (29, "bronze", "silver", at(16, 15))]
    # profile 28 got the gold welcome directly two days earlier: goldPerks `reentrance after
    # 30d` refuses the later jump, which takes `on error -> congrats`
    s.add(at(12, 10), "GoldWelcomeRequested", {"email": ids[28], "newTier": "gold"})
    s.add(at(2, 16), "GoldWelcomeRequested", {"email": ids[5], "newTier": "gold"})
    for i, old, new, t in changes:
        s.add(t, "TierChanged", {"email": ids[i], "previousTier": old, "newTier": new,
                                 "changedAt": iso(t)})


def noise(s: Stream, ids: list[str]) -> None:
    """Purchases that no journey waits for (no_interest) and a few unsubscriptions."""
    rng = s.rng
    for n in range(24):
        i = rng.randrange(30)
        t = at(rng.randrange(0, 23), rng.randrange(6, 23), rng.randrange(60))
        s.add(t, "PurchaseMade", {"email": ids[i], "orderId": f"N-{9000 + n}",
                                  "total": round(rng.uniform(5, 250), 2), "purchasedAt": iso(t)})
    s.add(at(18, 20), "Unsubscribed", {"email": ids[29], "reason": "moving abroad"})


def malformed(s: Stream, ids: list[str]) -> None:
    """Lines that go to the dead letters (reason in the comment); the run goes on."""
    s.raw(at(3, 12), '{"event": "StoreCheckIn", "time": "2026-12-04T12:00:00Z", "payload": {')  # bad_input
    s.raw(at(5, 12), '["not", "an", "object"]')                                                    # bad_input
    s.raw(at(8, 12), json.dumps({"event": "StoreCheckIn",                                          # bad_input: no time
                                 "payload": {"email": ids[4], "storeId": "paris-01"}}))
    s.add(at(9, 12), "PageViewed", {"email": ids[6], "url": "/shoes"})                             # unknown_event
    s.add(at(11, 12), "@audience", {"profile": ids[7], "audience": "Churned",                      # bad_input
                                    "status": "maybe"})
    s.add(at(15, 12), "@reaction", {"journey": "welcome", "version": 1,                           # bad_input
                                    "profile": ids[0], "step": "hello"})


def main() -> None:
    rng = random.Random(SEED)
    profiles = make_profiles(rng)
    ids = [p["id"] for p in profiles]
    s = Stream(rng)
    for part in (welcome, abandoned_cart, check_ins, newsletter, reengagement, loyalty, noise,
                 malformed):
        part(s, ids)
    (HERE / "profiles.jsonl").write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in profiles), encoding="utf-8")
    lines = s.lines()
    (HERE / "events.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"{len(profiles)} profiles, {len(lines)} events")


if __name__ == "__main__":
    main()
