"""The one exception of the Java regex dialect: a pattern or replacement jexpr refuses."""

from __future__ import annotations


class JavaRegexError(Exception):
    """A pattern or replacement that Java rejects or that jexpr cannot reproduce."""
