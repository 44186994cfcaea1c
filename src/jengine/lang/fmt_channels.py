"""Formatting of channel and rules declarations (part of :mod:`jengine.lang.fmt`).

``channel NAME kind { … }`` holds one ``name: value`` setting per line; ``rules NAME { … }``
one rule per line, kinds and days comma-separated.
"""

from __future__ import annotations

from jengine.lang import ast as A
from jengine.lang.fmt_writer import Writer, block

__all__ = ["channel_decl", "rules_decl"]


def _setting(w: Writer, s: A.ChannelSetting) -> None:
    value = w.src(s.value)
    w.line(f"{w.src(s.name)}: {f'secret({value})' if s.secret else value}", s)


def channel_decl(w: Writer, d: A.ChannelDecl) -> None:
    block(w, f"channel {w.src(d.name)} {w.src(d.kind)}", d, d.settings, _setting)


def _kinds(w: Writer, names: tuple[A.Name, ...]) -> str:
    return ", ".join(w.src(n) for n in names)


def _rule_text(w: Writer, r: A.Rule) -> str:
    if isinstance(r, A.CapRule):
        return f"cap {_kinds(w, r.kinds)} {w.src(r.count)} per {w.src(r.per)}"
    if isinstance(r, A.SuppressRule):
        return "suppress " + ", ".join(w.src(e) for e in r.entries)
    text = f"quiet {_kinds(w, r.kinds)}"
    if r.days:
        text += " on " + _kinds(w, r.days)
    if r.start is not None and r.end is not None:
        text += f" between {w.src(r.start)} and {w.src(r.end)}"
    if r.zone is not None:
        text += f" timezone {'profile ' if r.profile_zone else ''}{w.src(r.zone)}"
    return f"{text} {r.action}"


def rules_decl(w: Writer, d: A.RulesDecl) -> None:
    block(w, f"rules {w.src(d.name)}", d, d.rules, lambda w, r: w.line(_rule_text(w, r), r))
