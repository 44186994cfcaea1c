"""Consent changes that come from outside a journey: an unsubscribe (the one-click link of an
email, an ``@consent`` input) or a provider-side opt-out (an SMS STOP reported by the
provider).

Consent is profile data, as in AJO (XDM ``consents.marketing.<channel>.val``): it is written
into the ``ExperiencePlatform`` field group that declares ``consents`` (else a field group
named ``Consents``), in the run's current commit, so journeys and governance see it at once.
"""

from __future__ import annotations

from typing import Any

from jengine.lang.model import Model
from jengine.runtime.records import Json

__all__ = ["CONSENT_CHOICES", "set_consent", "withdraw_consent"]

CONSENT_CHOICES = frozenset(("y", "n"))
_DEFAULT_GROUP = "Consents"


def consent_group(model: Model) -> str:
    """The field group that holds ``consents`` (the first that declares it)."""
    for path in model.schema:
        parts = path.split(".")
        if len(parts) > 2 and parts[0] == "ExperiencePlatform" and parts[2] == "consents":
            return parts[1]
    return _DEFAULT_GROUP


def set_consent(world: Any, model: Model, profile_id: str, kind: str, choice: str) -> None:
    """Record ``consents.marketing.<kind>.val = choice`` on the profile (created if new)."""
    profile: Json = dict(world.profile(profile_id) or {
        "id": profile_id, "namespace": None, "timeZone": None, "test": False,
        "attributes": {}, "audiences": {}, "events": []})
    group = consent_group(model)
    attributes = dict(profile.get("attributes") or {})
    fg = dict(attributes.get(group) or {})
    consents = dict(fg.get("consents") or {})
    marketing = dict(consents.get("marketing") or {})
    marketing[kind] = {**(marketing.get(kind) or {}), "val": choice}
    consents["marketing"] = marketing
    fg["consents"] = consents
    attributes[group] = fg
    profile["attributes"] = attributes
    world.set_profile(profile_id, profile)


def withdraw_consent(world: Any, model: Model, profile_id: str, kind: str) -> None:
    set_consent(world, model, profile_id, kind, "n")
