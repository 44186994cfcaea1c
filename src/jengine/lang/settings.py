"""Workspace settings: the optional ``jengine.toml`` at the root of a workspace.

```toml
[check]
ajo-strict = true     # W-AJO-* warnings are errors: the workspace must stay portable to AJO
```

An unreadable file, a value of the wrong type or an unknown key is ``J-SETTINGS`` (an error at
the file); everything else of the file is ignored by the checker (other tools may keep their
own tables there). Strict AJO mode turns every ``W-AJO-*`` warning into an error with the same
code (:func:`jexpr.diagnostics.strict_ajo`), so ``jengine check`` fails and ``jengine run``
refuses the workspace, as AJO refuses to save or publish such a journey.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from jexpr.diagnostics import Diagnostic, error
from jexpr.source import Source, Span

__all__ = ["SETTINGS_FILE", "Settings", "read_settings"]

SETTINGS_FILE = "jengine.toml"
_CHECK_KEYS = {"ajo-strict"}


@dataclass(frozen=True)
class Settings:
    ajo_strict: bool = False


def read_settings(root: Path) -> tuple[Settings, Source | None, list[Diagnostic]]:
    """The settings of the workspace at ``root``, the settings file's source (when there is
    one) and its problems."""
    path = root / SETTINGS_FILE if root.is_dir() else root.parent / SETTINGS_FILE
    if not path.is_file():
        return Settings(), None, []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return Settings(), Source("", str(path)), [_problem(f"cannot read it: {e}")]
    source = Source(text, SETTINGS_FILE)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        return Settings(), source, [_problem(f"not valid TOML: {e}")]
    check = data.get("check", {})
    if not isinstance(check, dict):
        return Settings(), source, [_problem("[check] must be a table")]
    problems = [_problem(f"unknown key check.{k}; known: ajo-strict")
                for k in sorted(set(check) - _CHECK_KEYS)]
    strict = check.get("ajo-strict", False)
    if not isinstance(strict, bool):
        problems.append(_problem("check.ajo-strict must be true or false"))
        strict = False
    return Settings(ajo_strict=strict), source, problems


def _problem(message: str) -> Diagnostic:
    return error("J-SETTINGS", f"{SETTINGS_FILE}: {message}", Span(0, 0, 0, 0, 0, 0),
                 "see docs/journey-files.md, workspace settings")
