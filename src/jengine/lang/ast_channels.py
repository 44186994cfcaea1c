"""AST nodes of channel and rules declarations (re-exported by :mod:`jengine.lang.ast`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jengine.lang.ast_core import Literal_, Name, Node

__all__ = ["CapRule", "ChannelDecl", "ChannelSetting", "QuietRule", "Rule", "RulesDecl",
           "SuppressRule"]


@dataclass(frozen=True, slots=True, eq=False)
class ChannelSetting(Node):
    """``name: value`` in a channel; ``value`` is a literal (STRING, INT, DURATION), a word
    (:class:`Name`) or ``secret("ENV")`` (``secret`` true, ``value`` the variable's name)."""

    name: Name
    value: Literal_ | Name
    secret: bool


@dataclass(frozen=True, slots=True, eq=False)
class ChannelDecl(Node):
    """``channel NAME kind { setting … }``: a delivery channel (provider and its settings)."""

    name: Name
    kind: Name              # email, sms, push (inapp is reported)
    settings: tuple[ChannelSetting, ...]


@dataclass(frozen=True, slots=True, eq=False)
class CapRule(Node):
    """``cap KINDS N per D``: at most N marketing messages on those channels per D."""

    kinds: tuple[Name, ...]
    count: Literal_
    per: Literal_


@dataclass(frozen=True, slots=True, eq=False)
class QuietRule(Node):
    """``quiet KINDS [on DAYS] [between A and B] [timezone [profile] "Z"] wait|drop``."""

    kinds: tuple[Name, ...]
    days: tuple[Name, ...]
    start: Literal_ | None
    end: Literal_ | None
    profile_zone: bool
    zone: Literal_ | None
    action: Literal["wait", "drop"]


@dataclass(frozen=True, slots=True, eq=False)
class SuppressRule(Node):
    """``suppress "address", "domain" …``: never send to these addresses or domains."""

    entries: tuple[Literal_, ...]


Rule = CapRule | QuietRule | SuppressRule


@dataclass(frozen=True, slots=True, eq=False)
class RulesDecl(Node):
    """``rules NAME { rule … }``: business rules for marketing messages."""

    name: Name
    rules: tuple[Rule, ...]
