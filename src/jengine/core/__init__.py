"""jengine.core."""
