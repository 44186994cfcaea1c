"""The generated input of ``bench_engine.py``: the example workspace's traffic at any scale.

    from engine_stream import generate
    files = generate(folder, profiles=100_000, seed=7)   # workspace/, profiles.jsonl, events.jsonl

Deterministic (a seeded ``random.Random`` per profile, no clock, no ``hash()``). The workspace is
a copy of ``examples/workspace`` (all seven journeys; the scenarios are left out). Every profile
gets a persona drawn from the example journeys, and events over three simulated weeks
(2026-12-01 to 2026-12-22; the ``rampup`` audience read runs every Tuesday, 8, 15 and
22 December, at 09:00):

* 30 % are ``Newsletter`` members in the profiles file (half ``realized``, half ``existing``):
  the weekly rate-limited read audience of ``rampup`` (``rate 5000 per 1s``) enters them all;
* 40 % subscribe (``welcome``; one in ten on the trial plan), with the ``delivered`` reaction,
  then for some an early or late ``opened``, a purchase over 50 during the await, a second
  subscription a week or more later, an unsubscription;
* 25 % abandon a cart (``abandonedCart``; one in ten under 20): a purchase, an open of the
  reminder (the ``couponService`` call), or nothing (the timeout, the next-morning SMS);
* 30 % check in at a store (``weekdayTargeting``) at any hour, in their own time zone (the
  ``Weather`` data source on weekday evenings and early mornings);
* 8 % become ``Churned`` (``reengagement``) and then click, open, unsubscribe, become
  ``Reactivated``, buy, or nothing; 1 % join or leave the ``Newsletter`` by an ``@audience`` line;
* 10 % change loyalty tier (``loyaltyUpgrade``, the jump to ``goldPerks`` for gold), 3 % get a
  ``GoldWelcomeRequested`` directly;
* purchases nobody waits for fill each profile up to ``events_per_profile`` on average.

The stream is sorted by time without holding it in memory: lines go to one temporary file per
simulated day, each day is sorted alone and appended (so a million profiles fit in a few
hundred MiB).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
START = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
SPAN_MIN = 21 * 1440                    # persona starts spread over three weeks (minutes)
CITIES = (("Paris", "FR", "Europe/Paris"), ("Berlin", "DE", "Europe/Berlin"),
          ("Milan", "IT", "Europe/Rome"), ("Lisbon", "PT", "Europe/Lisbon"),
          ("New York", "US", "America/New_York"), ("Tokyo", "JP", "Asia/Tokyo"))
TIERS = ("bronze", "silver", "gold")
CATALOGUE = (("SKU-100", "Running shoes", 89.0), ("SKU-200", "Rain jacket", 129.0),
             ("SKU-300", "Water bottle", 12.5), ("SKU-400", "Socks", 9.9),
             ("SKU-500", "Headlamp", 34.0), ("SKU-600", "Trail map", 7.5))
STORES = ("paris-01", "paris-02", "berlin-01", "milan-01", "lisbon-01", "nyc-01", "tokyo-01")

Item = tuple[dt.datetime, str]
PREFIX = len("000000000000 00000000 0000 ")   # the sort key in front of each bucketed line


@dataclass(frozen=True)
class Files:
    workspace: Path
    profiles: Path
    events: Path
    profile_count: int
    event_count: int
    members: int                         # Newsletter members in the profiles file
    last: dt.datetime                    # the time of the last event


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def profile_id(i: int) -> str:
    return f"p{i:07d}@bench.example.com"


def make_profile(i: int, rng: random.Random) -> dict[str, Any]:
    ident = profile_id(i)
    city, country, zone = CITIES[i % len(CITIES)]
    tier = "gold" if rng.random() < 0.05 else TIERS[rng.randrange(2)]
    group = {"person": {"firstName": f"F{i}", "lastName": f"L{i}"},
             "personalEmail": {"address": ident},
             "mobilePhone": {"number": f"+3361{i % 10**7:07d}"},
             "homeAddress": {"city": city, "countryCode": country},
             "loyalty": {"tier": tier, "points": i % 997},
             "marketing": {"optIn": rng.random() < 0.8}, "timeZone": zone}
    out: dict[str, Any] = {"id": ident, "namespace": "email"}
    if i % 5 != 4:
        out["timeZone"] = zone
    out["attributes"] = {"ProfileFieldGroup": group}
    if rng.random() < 0.3:
        out["audiences"] = {"Newsletter": "realized" if i % 2 else "existing"}
    return out


class Persona:
    """The events of one profile (``add`` collects them; times are whole minutes)."""

    def __init__(self, i: int, profile: dict[str, Any], rng: random.Random) -> None:
        self.i, self.who, self.profile, self.rng = i, profile_id(i), profile, rng
        self.items: list[Item] = []

    def at(self, lo: int, hi: int) -> dt.datetime:
        return START + dt.timedelta(minutes=self.rng.randrange(lo, hi))

    def after(self, t: dt.datetime, lo: int, hi: int) -> dt.datetime:
        return t + dt.timedelta(minutes=self.rng.randrange(lo, hi))

    def add(self, t: dt.datetime, name: str | None, payload: dict[str, Any]) -> None:
        obj: dict[str, Any] = {} if name is None else {"event": name}
        obj["time"] = iso(t)
        obj["payload"] = payload
        self.items.append((t, json.dumps(obj, ensure_ascii=False)))

    def reaction(self, t: dt.datetime, journey: str, step: str, kind: str) -> None:
        self.add(t, "@reaction", {"journey": journey, "version": 1, "profile": self.who,
                                  "step": step, "kind": kind})

    def purchase(self, t: dt.datetime, total: float) -> None:
        self.add(t, "PurchaseMade", {"email": self.who, "orderId": f"O-{self.i}-{len(self.items)}",
                                     "total": total, "purchasedAt": iso(t)})


def welcome(p: Persona) -> None:
    rng, t0 = p.rng, p.at(0, SPAN_MIN)
    plan = "trial" if rng.random() < 0.1 else rng.choice(("monthly", "yearly"))
    p.add(t0, "SubscriptionCreated", {"email": p.who, "plan": plan, "firstName": f"F{p.i}",
                                      "source": rng.choice(("web", "app", "store"))})
    if plan == "trial":
        return
    p.reaction(p.after(t0, 1, 5), "welcome", "hello", "delivered")
    roll = rng.random()
    if roll < 0.45:                        # opens before the condition or during the await
        t = p.after(t0, 60, 3 * 1440) if roll < 0.3 else p.after(t0, 3 * 1440 + 60, 5 * 1440)
        p.reaction(t, "welcome", "hello", "opened")
    elif roll < 0.6:                       # buys over 50 during the await
        p.purchase(p.after(t0, 3 * 1440 + 10, 5 * 1440), 79.9)
    if rng.random() < 0.1:                 # subscribes again after a week or more
        t = p.after(t0, 7 * 1440 + 10, 12 * 1440)
        p.add(t, "SubscriptionCreated", {"email": p.who, "plan": "yearly",
                                         "firstName": f"F{p.i}", "source": "web"})
    if rng.random() < 0.05:
        p.add(p.after(t0, 30, 4 * 1440), "Unsubscribed", {"email": p.who, "reason": "bench"})


def cart(p: Persona) -> None:
    rng, t0 = p.rng, p.at(0, SPAN_MIN)
    picks = [CATALOGUE[3]] if rng.random() < 0.1 else rng.sample(CATALOGUE, rng.randrange(1, 4))
    items = [{"sku": s, "name": n, "price": price, "qty": rng.randrange(1, 3)}
             for s, n, price in picks]
    total = round(sum(x["price"] * x["qty"] for x in items), 2)
    p.add(t0, "CartAbandoned", {"type": "cart.abandoned", "email": p.who,
                                "cartId": f"C-{p.i}", "total": total, "currency": "EUR",
                                "items": items, "abandonedAt": iso(t0)})
    if total < 20:
        return
    p.reaction(p.after(t0, 1, 3), "abandonedCart", "nudge", "delivered")
    roll = rng.random()
    if roll < 0.25:
        p.purchase(p.after(t0, 30, 600), total)
    elif roll < 0.5:
        p.reaction(p.after(t0, 20, 1200), "abandonedCart", "nudge", "opened")


def check_in(p: Persona) -> None:
    for _ in range(p.rng.randrange(1, 3)):
        t = p.at(0, SPAN_MIN)
        p.add(t, "StoreCheckIn", {"email": p.who, "storeId": p.rng.choice(STORES),
                                  "checkedInAt": iso(t)})


def churn(p: Persona) -> None:
    rng, t0 = p.rng, p.at(0, SPAN_MIN)
    p.add(t0, "@audience", {"profile": p.who, "audience": "Churned", "status": "realized"})
    p.reaction(p.after(t0, 1, 5), "reengagement", "winback", "delivered")
    roll = rng.random()
    if roll < 0.2:
        p.reaction(p.after(t0, 60, 3 * 1440), "reengagement", "winback", "clicked")
    elif roll < 0.3:
        p.reaction(p.after(t0, 3 * 1440 + 60, 6 * 1440), "reengagement", "winback", "opened")
    elif roll < 0.4:
        p.add(p.after(t0, 60, 5 * 1440), "Unsubscribed", {"email": p.who, "reason": "bench"})
    elif roll < 0.5:
        p.add(p.after(t0, 60, 5 * 1440), "@audience",
              {"profile": p.who, "audience": "Reactivated", "status": "realized"})
    elif roll < 0.6:
        p.purchase(p.after(t0, 60, 5 * 1440), 35.0)


def newsletter_change(p: Persona) -> None:
    member = "audiences" in p.profile
    p.add(p.at(0, SPAN_MIN), "@audience", {"profile": p.who, "audience": "Newsletter",
                                           "status": "exited" if member else "realized"})


def tier(p: Persona) -> None:
    old = p.profile["attributes"]["ProfileFieldGroup"]["loyalty"]["tier"]
    new = p.rng.choice(TIERS)
    t = p.at(0, SPAN_MIN)
    p.add(t, "TierChanged", {"email": p.who, "previousTier": old, "newTier": new,
                             "changedAt": iso(t)})


def gold_welcome(p: Persona) -> None:
    p.add(p.at(0, SPAN_MIN), "GoldWelcomeRequested", {"email": p.who, "newTier": "gold"})


PARTS: tuple[tuple[float, Callable[[Persona], None]], ...] = (
    (0.40, welcome), (0.25, cart), (0.30, check_in), (0.08, churn), (0.01, newsletter_change),
    (0.10, tier), (0.03, gold_welcome))


def persona(i: int, seed: int, per_profile: float) -> tuple[dict[str, Any], list[Item]]:
    rng = random.Random(seed * 1_000_003 + i)
    profile = make_profile(i, rng)
    p = Persona(i, profile, rng)
    for share, part in PARTS:
        if rng.random() < share:
            part(p)
    extra = per_profile - len(p.items)
    n = int(extra) + (1 if rng.random() < extra - int(extra) else 0) if extra > 0 else 0
    for _ in range(n):                     # purchases nobody waits for (mostly)
        p.purchase(p.at(0, SPAN_MIN + 1440), round(rng.uniform(5, 40), 2))
    return profile, p.items


def generate_profiles(folder: Path, profiles: int, seed: int = 7) -> Files:
    """Write the workspace and ``profiles.jsonl`` only (the same profiles as
    :func:`generate`), and an empty ``events.jsonl``: for timing the profile load alone."""
    workspace = folder / "workspace"
    workspace.mkdir(parents=True, exist_ok=True)
    for source in (ROOT / "examples" / "workspace").glob("*.journey"):
        shutil.copy(source, workspace / source.name)
    # the emails are rendered from the example's templates and delivered to a recording
    # sender (no network): the run includes governance, rendering and the send queue
    shutil.copytree(ROOT / "examples" / "workspace" / "templates", workspace / "templates",
                    dirs_exist_ok=True)
    members = 0
    profiles_path, events_path = folder / "profiles.jsonl", folder / "events.jsonl"
    with profiles_path.open("w", encoding="utf-8") as pf:
        for i in range(profiles):
            profile = make_profile(i, random.Random(seed * 1_000_003 + i))
            members += "audiences" in profile and profile["audiences"]["Newsletter"] != "exited"
            pf.write(json.dumps(profile, ensure_ascii=False) + "\n")
    events_path.write_text("", encoding="utf-8")
    return Files(workspace, profiles_path, events_path, profiles, 0, members, START)


def generate(folder: Path, profiles: int, seed: int = 7,
             events_per_profile: float = 4.0) -> Files:
    """Write the workspace, ``profiles.jsonl`` and ``events.jsonl`` under ``folder``."""
    workspace = folder / "workspace"
    workspace.mkdir(parents=True, exist_ok=True)
    for source in (ROOT / "examples" / "workspace").glob("*.journey"):
        shutil.copy(source, workspace / source.name)
    # the emails are rendered from the example's templates and delivered to a recording
    # sender (no network): the run includes governance, rendering and the send queue
    shutil.copytree(ROOT / "examples" / "workspace" / "templates", workspace / "templates",
                    dirs_exist_ok=True)
    days = folder / "days"
    days.mkdir(exist_ok=True)
    buckets: dict[int, Any] = {}
    members = count = 0
    last = START
    profiles_path, events_path = folder / "profiles.jsonl", folder / "events.jsonl"
    with profiles_path.open("w", encoding="utf-8") as pf:
        for i in range(profiles):
            profile, items = persona(i, seed, events_per_profile)
            members += "audiences" in profile and profile["audiences"]["Newsletter"] != "exited"
            pf.write(json.dumps(profile, ensure_ascii=False) + "\n")
            for k, (t, text) in enumerate(items):
                day = (t - START).days
                f = buckets.get(day)
                if f is None:
                    f = buckets[day] = (days / f"{day:04d}.jsonl").open("w", encoding="utf-8")
                f.write(f"{int(t.timestamp()):012d} {i:08d} {k:04d} {text}\n")
                last = max(last, t)
                count += 1
    for f in buckets.values():
        f.close()
    with events_path.open("w", encoding="utf-8") as out:
        for day in sorted(buckets):
            path = days / f"{day:04d}.jsonl"
            lines = path.read_text(encoding="utf-8").splitlines()
            lines.sort()                   # by time, then profile, then the generation order
            out.writelines(line[PREFIX:] + "\n" for line in lines)
            path.unlink()
    days.rmdir()
    return Files(workspace, profiles_path, events_path, profiles, count, members, last)
