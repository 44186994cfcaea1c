"""jexpr.runtime.ops."""
