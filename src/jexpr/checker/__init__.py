"""jexpr.checker."""
