"""The engine's ports: small interfaces to the outside world, and their default adapters (§5.4).

* :class:`ChannelAdapter` — channel deliveries (``email``, ``sms``, ``push``, ``inapp``). The
  default, :class:`OutboxChannel`, writes the outbox line; reactions come back as ``@reaction``
  input events. Another adapter (a real sender) must stay idempotent on the effect key.
* :class:`HttpAdapter` — custom actions and HTTP data sources; :class:`jengine.runtime.http.HttpClient`.
* :class:`ProfileStore` — profiles; :class:`SqliteProfileStore` keeps them in the state store,
  so profile changes commit with the rest (§4.6), and loads them from profiles JSONL.
* :class:`OutputSink` — journal and dead-letter lines; :class:`StoreOutputs` appends them to the
  store's output rows (exported to files after the commit by :mod:`jengine.runtime.export`).

All the defaults write through the :class:`~jengine.runtime.store.Store`, so they take part in the
driver's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from jengine.runtime.http import ActionSpec, DataSourceResult, DataSourceSpec, Outcome
from jengine.runtime.io import DeadLetter, JournalLine, OutboxLine, read_profiles
from jengine.runtime.records import DEADLETTER, JOURNAL, OUTBOX, Json, Profile
from jengine.runtime.store import Store

__all__ = [
    "ChannelAdapter", "HttpAdapter", "LoadResult", "OutboxChannel", "OutputSink",
    "ProfileStore", "SqliteProfileStore", "StoreOutputs",
]


class ChannelAdapter(Protocol):
    """Delivers a channel action; returns the outbox status it recorded."""

    def deliver(self, line: OutboxLine) -> str: ...


class HttpAdapter(Protocol):
    """One custom-action attempt at a time (the driver schedules retries), and data reads."""

    def attempt_action(self, spec: ActionSpec, params: Mapping[str, Any], key: str,
                       attempt: int = 1) -> Outcome: ...

    def fetch(self, spec: DataSourceSpec, params: Mapping[str, Any],
              key: str) -> DataSourceResult: ...


class ProfileStore(Protocol):
    """Profiles by id; an unknown id reads as ``None`` (the core treats it as empty)."""

    def get(self, profile_id: str) -> Profile | None: ...

    def put(self, profile: Profile) -> None: ...

    def prepend_event(self, profile_id: str, event: Json) -> Profile: ...

    def set_audience(self, profile_id: str, audience: str, status: str) -> Profile: ...

    def set_attribute(self, profile_id: str, path: Sequence[str], value: Any) -> Profile: ...

    def ids(self) -> list[str]: ...


class OutputSink(Protocol):
    """Where journal and dead-letter lines go."""

    def journal(self, line: JournalLine) -> None: ...

    def dead_letter(self, letter: DeadLetter) -> None: ...


class OutboxChannel:
    """The default channel adapter: the delivery *is* the outbox line."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def deliver(self, line: OutboxLine) -> str:
        self.store.append_output(OUTBOX, line.to_json())
        return line.status


class StoreOutputs:
    """Journal and dead-letter lines as store output rows; also custom-action outbox lines."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def outbox(self, line: OutboxLine) -> None:
        self.store.append_output(OUTBOX, line.to_json())

    def journal(self, line: JournalLine) -> None:
        self.store.append_output(JOURNAL, line.to_json())

    def dead_letter(self, letter: DeadLetter) -> None:
        self.store.append_output(DEADLETTER, letter.to_json())


@dataclass
class LoadResult:
    """What a profiles file load did: the ids loaded (in file order) and the bad lines."""

    loaded: list[str] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


class SqliteProfileStore:
    """Profiles in the state store's ``profiles`` table (values as plain JSON)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, profile_id: str) -> Profile | None:
        return self.store.get_profile(profile_id)

    def put(self, profile: Profile) -> None:
        self.store.put_profile(profile)

    def _get_or_new(self, profile_id: str) -> Profile:
        return self.get(profile_id) or Profile(profile_id)

    def prepend_event(self, profile_id: str, event: Json) -> Profile:
        """Add an experience event in front (newest first), creating the profile if needed."""
        p = self._get_or_new(profile_id)
        p = replace(p, events=[event, *p.events])
        self.put(p)
        return p

    def set_audience(self, profile_id: str, audience: str, status: str) -> Profile:
        """Record a membership status (creating the profile if needed)."""
        p = self._get_or_new(profile_id)
        p = replace(p, audiences={**p.audiences, audience: status})
        self.put(p)
        return p

    def set_attribute(self, profile_id: str, path: Sequence[str], value: Any) -> Profile:
        """Set ``attributes[FG][a][b]… = value`` (plain JSON), making objects on the way."""
        if not path:
            raise ValueError("an attribute path needs a field group")
        p = self._get_or_new(profile_id)
        attributes = _set_path(p.attributes, list(path), value)
        p = replace(p, attributes=attributes)
        self.put(p)
        return p

    def ids(self) -> list[str]:
        return self.store.profile_ids()

    def load_jsonl(self, path: str | Path) -> LoadResult:
        """Load (replace) every profile of a profiles JSONL file; bad lines are returned."""
        result = LoadResult()
        for item in read_profiles(path):
            if isinstance(item, DeadLetter):
                result.dead_letters.append(item)
            else:
                self.put(item)
                result.loaded.append(item.id)
        return result


def _set_path(obj: Json, path: list[str], value: Any) -> Json:
    """A copy of ``obj`` with ``value`` at ``path`` (a non-object on the way is replaced)."""
    head, rest = path[0], path[1:]
    if not rest:
        return {**obj, head: value}
    child = obj.get(head)
    return {**obj, head: _set_path(child if isinstance(child, dict) else {}, rest, value)}
