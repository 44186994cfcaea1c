"""Terminal output for people: colour when writing to a terminal, the terminal's width.

Colour is used only when the stream is a terminal and the ``NO_COLOR`` environment variable is
unset or empty (https://no-color.org); ``FORCE_COLOR`` (non-empty) forces it, e.g. in a CI log
that renders ANSI colours. Redirected output is never coloured. The colours of diagnostics are
jexpr's (:func:`jexpr.report.colourize`), so both command lines look alike.
"""

from __future__ import annotations

import os
import shutil
from typing import TextIO

from jexpr.report import colourize, paint, wants_colour

__all__ = ["Style", "terminal_width"]


class Style:
    """Wraps text in ANSI colours, or leaves it alone when colour is off."""

    def __init__(self, stream: TextIO) -> None:
        self.on = wants_colour(stream)

    def __call__(self, text: str, *names: str) -> str:
        return paint(text, *names) if self.on else text

    def diagnostic(self, block: str) -> str:
        """A ``file:line:col: severity code message`` block, coloured when colour is on."""
        return colourize(block) if self.on else block


def terminal_width(stream: TextIO, default: int = 160) -> int:
    """The width to lay tables out in: ``COLUMNS`` when set, else the terminal's when
    ``stream`` is one, else ``default``."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    isatty = getattr(stream, "isatty", None)
    if isatty and isatty():
        return shutil.get_terminal_size((default, 24)).columns
    return default
