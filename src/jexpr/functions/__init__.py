"""jexpr.functions.registry."""
