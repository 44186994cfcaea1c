"""What ``jengine serve`` is told: the config file, the environment and the command line.

Precedence: the command line, then the environment, then the ``[serve]`` table of the TOML
config file (``--config FILE``), then the defaults below. The secrets — write keys and the
admin token — come from ``JENGINE_WRITE_KEYS`` (comma-separated) and ``JENGINE_ADMIN_TOKEN``,
or from the file (``write_keys = […]``, ``admin_token = "…"``); they are held in
:class:`Secret`, whose ``repr``/``str`` never show the value, so no log line or error message
can carry one by accident. A server without a write key or an admin token refuses to start.

Sizes are bytes (an integer, or a string with ``KiB``/``MiB``); durations are journey
durations (``5s``, ``7d``).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jengine.lang.literals import duration_ms

__all__ = ["ConfigError", "Secret", "ServeConfig", "load_config"]

ENV_WRITE_KEYS = "JENGINE_WRITE_KEYS"
ENV_ADMIN_TOKEN = "JENGINE_ADMIN_TOKEN"
MIN_SECRET = 16
STATE_FILE = "jengine.db"   # the store in the working directory, or in `--state DIR`


class ConfigError(ValueError):
    """A bad setting: one message naming the setting and what is wrong."""


class Secret:
    """A secret string that never shows itself (``repr`` and ``str`` are ``'***'``)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value (only for comparing and for the redacting log filter)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


@dataclass
class SegmentConfig:
    """How Segment messages map to journey inputs (docs/serve.md, "Segment")."""

    events: dict[str, str] = field(default_factory=dict)   # Segment event name → event
    traits_group: str = "traits"                           # field group that traits update


@dataclass
class ServeConfig:
    """Every setting of the service (docs/serve.md, "Configuration")."""

    workspace: Path
    state: Path = Path(STATE_FILE)
    host: str = "127.0.0.1"
    port: int = 8080
    outbox: Path = Path("outbox.jsonl")
    journal: Path = Path("journal.jsonl")
    dead_letters: Path = Path("deadletters.jsonl")
    write_keys: tuple[Secret, ...] = ()
    admin_token: Secret | None = None
    cors_origins: tuple[str, ...] = ()
    max_request_bytes: int = 5 * 1024 * 1024     # on the wire
    max_decoded_bytes: int = 5 * 1024 * 1024     # after gzip
    max_event_bytes: int = 32 * 1024             # one event / one single Segment call
    max_batch_bytes: int = 500 * 1024            # one Segment batch
    max_batch_items: int = 2500
    inbox_capacity: int = 100_000                # unprocessed inbox rows before 429
    retry_after: int = 1                         # seconds, on 429 / 503
    dedup_ms: int = 7 * 24 * 3600 * 1000         # how long processed rows (and keys) stay
    late_ms: int = 5_000                         # event time this far before arrival: late
    publish_on_start: bool = False
    deliver: bool = True                         # send channel messages (jengine run's rule)
    public_metrics: bool = False                 # /metrics without the admin token
    synchronous: str = "NORMAL"
    log_level: str = "info"
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    tracking_path: str = "/t"

    def secrets(self) -> list[str]:
        """Every secret value (the log filter masks them)."""
        values = [k.reveal() for k in self.write_keys]
        if self.admin_token is not None:
            values.append(self.admin_token.reveal())
        return [v for v in values if v]

    def check(self) -> None:
        """Refuse a configuration the service must not run with."""
        if not self.write_keys:
            raise ConfigError(f"no write key: set {ENV_WRITE_KEYS} (comma-separated) or "
                              "write_keys in the config file")
        if self.admin_token is None or not self.admin_token.reveal():
            raise ConfigError(f"no admin token: set {ENV_ADMIN_TOKEN} or admin_token in the "
                              "config file")
        for secret in [*self.write_keys, self.admin_token]:
            if len(secret.reveal()) < MIN_SECRET:
                raise ConfigError(f"a write key or the admin token is shorter than {MIN_SECRET} "
                                  "characters")
        if self.synchronous.upper() not in ("NORMAL", "FULL"):
            raise ConfigError("synchronous must be NORMAL or FULL")


_SIZE = re.compile(r"^\s*(\d+)\s*(B|KiB|MiB|KB|MB)?\s*$")
_UNITS = {None: 1, "B": 1, "KiB": 1024, "KB": 1000, "MiB": 1024 * 1024, "MB": 1000 * 1000}


def _size(name: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    m = _SIZE.match(value) if isinstance(value, str) else None
    if m is None or int(m.group(1)) <= 0:
        raise ConfigError(f"{name}: not a size (bytes, or a number with KiB/MiB): {value!r}")
    return int(m.group(1)) * _UNITS[m.group(2)]


def _duration(name: str, value: Any) -> int:
    ms = duration_ms(value) if isinstance(value, str) else None
    if ms is None:
        raise ConfigError(f"{name}: not a duration (like 5s, 7d): {value!r}")
    return ms


def _int(name: str, value: Any, low: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ConfigError(f"{name}: not an integer >= {low}: {value!r}")
    return value


def _str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{name}: not a string: {value!r}")
    return value


def _keys(value: Any) -> tuple[Secret, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(k, str) for k in items):
        raise ConfigError("write_keys: not a list of strings")
    return tuple(Secret(k.strip()) for k in items if k.strip())


_SIZES = ("max_request_bytes", "max_decoded_bytes", "max_event_bytes", "max_batch_bytes")
_PATHS = ("state", "outbox", "journal", "dead_letters")


def _apply_table(cfg: ServeConfig, table: Mapping[str, Any]) -> None:
    for name, value in table.items():
        if name in _SIZES:
            setattr(cfg, name, _size(name, value))
        elif name in _PATHS:
            setattr(cfg, name, Path(_str(name, value)))
        elif name in ("host", "synchronous", "log_level", "tracking_path"):
            setattr(cfg, name, _str(name, value))
        elif name == "port":
            cfg.port = _int(name, value)
        elif name in ("inbox_capacity", "max_batch_items", "retry_after"):
            setattr(cfg, name, _int(name, value, 1))
        elif name == "dedup_retention":
            cfg.dedup_ms = _duration(name, value)
        elif name == "late_after":
            cfg.late_ms = _duration(name, value)
        elif name in ("publish_on_start", "public_metrics", "deliver"):
            setattr(cfg, name, bool(value))
        elif name == "cors_origins":
            cfg.cors_origins = tuple(_str(name, v) for v in value)
        elif name == "write_keys":
            cfg.write_keys = _keys(value)
        elif name == "admin_token":
            cfg.admin_token = Secret(_str(name, value))
        elif name == "segment":
            _segment(cfg.segment, value)
        else:
            raise ConfigError(f"unknown setting [serve] {name}")


def _segment(seg: SegmentConfig, table: Any) -> None:
    if not isinstance(table, dict):
        raise ConfigError("[serve.segment] is not a table")
    for name, value in table.items():
        if name == "events" and isinstance(value, dict):
            seg.events = {str(k): _str(f"segment.events.{k}", v) for k, v in value.items()}
        elif name == "traits_group":
            seg.traits_group = _str(name, value)
        else:
            raise ConfigError(f"unknown setting [serve.segment] {name}")


def load_config(workspace: Path, *, file: Path | None = None,
                env: Mapping[str, str] | None = None,
                overrides: Mapping[str, Any] | None = None) -> ServeConfig:
    """The configuration: defaults < config file < environment < ``overrides`` (the CLI)."""
    cfg = ServeConfig(workspace=workspace)
    if file is not None:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{file}: not valid TOML: {e}") from None
        table = data.get("serve", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{file}: [serve] is not a table")
        _apply_table(cfg, table)
    env = os.environ if env is None else env
    if env.get(ENV_WRITE_KEYS):
        cfg.write_keys = _keys(env[ENV_WRITE_KEYS])
    if env.get(ENV_ADMIN_TOKEN):
        cfg.admin_token = Secret(env[ENV_ADMIN_TOKEN])
    for name, value in (overrides or {}).items():
        if value is not None:
            setattr(cfg, name, value)
    if cfg.state.is_dir():   # `--state DIR` (the form): the store file inside it
        cfg.state = cfg.state / STATE_FILE
    return cfg
