"""jexpr.syntax."""
