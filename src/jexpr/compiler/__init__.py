"""jexpr.compiler."""
