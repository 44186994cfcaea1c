"""Terminal output for people: colour when writing to a terminal, the terminal's width.

Colour is used only when the stream is a terminal and the ``NO_COLOR`` environment variable is
unset or empty (https://no-color.org); ``FORCE_COLOR`` (non-empty) forces it, e.g. in a CI log
that renders ANSI colours. Redirected output is never coloured.
"""

from __future__ import annotations

import os
import re
import shutil
from typing import TextIO

__all__ = ["Style", "terminal_width"]

_CODES = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35",
          "cyan": "36", "bold": "1", "dim": "2"}
_HEADER = re.compile(r"^(.*?:\d+:\d+: )(error|warning)( \S+)(.*)$")


def wants_colour(stream: TextIO) -> bool:
    """Colour for ``stream``: a terminal, no ``NO_COLOR``; or ``FORCE_COLOR``."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Style:
    """Wraps text in ANSI colours, or leaves it alone when colour is off."""

    def __init__(self, stream: TextIO) -> None:
        self.on = wants_colour(stream)

    def __call__(self, text: str, *names: str) -> str:
        if not self.on or not names:
            return text
        codes = ";".join(_CODES[n] for n in names)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def diagnostic(self, block: str) -> str:
        """A ``file:line:col: severity code message`` block (with its caret and hint lines),
        coloured: the severity red or yellow, the code bold, the caret line green."""
        if not self.on:
            return block
        lines = block.split("\n")
        m = _HEADER.match(lines[0])
        if m:
            colour = "red" if m.group(2) == "error" else "yellow"
            lines[0] = (self(m.group(1), "bold") + self(m.group(2), "bold", colour)
                        + self(m.group(3), "bold") + m.group(4))
        if len(lines) >= 3:
            lines[2] = self(lines[2], "green")
        return "\n".join(lines[:3] + [self(x, "cyan") for x in lines[3:]])


def terminal_width(stream: TextIO, default: int = 160) -> int:
    """The width to lay tables out in: the terminal's when ``stream`` is one (``COLUMNS``
    overrides), else ``COLUMNS`` or ``default``."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    isatty = getattr(stream, "isatty", None)
    if isatty and isatty():
        return shutil.get_terminal_size((default, 24)).columns
    return default
