"""Implementations of the jexpr built-in functions (spec §10), one module per category."""
