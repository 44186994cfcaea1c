"""Idempotency keys and the canonical parameter text of HTTP calls (journey spec §4.6).

The core names every custom-action and data-source call with a key that is the same on every
attempt and every replay, so a driver can perform the call at most once per key; the keys
depend only on the instance, the step and the parameters.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from jexpr.runtime.jsonenc import to_plain_json

__all__ = ["action_key", "canonical_params", "datasource_key"]


def canonical_params(params: Mapping[str, Any]) -> str:
    """The canonical params JSON of §4.6 (sorted keys, compact, UTF-8 text)."""
    return json.dumps(to_plain_json(dict(params)), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def action_key(instance_uid: str, step: str) -> str:
    """``Idempotency-Key`` of a custom-action call: the same for every attempt (§4.6)."""
    return f"{instance_uid}:{step}"


def datasource_key(instance_uid: str, step: str, source: str, group: str,
                   params: Mapping[str, Any]) -> str:
    """``Idempotency-Key`` of a data-source call: ``{uid}:{step}:{DS}.{FG}:{p}`` (§4.6)."""
    digest = hashlib.sha256(canonical_params(params).encode("utf-8")).hexdigest()[:16]
    return f"{instance_uid}:{step}:{source}.{group}:{digest}"
