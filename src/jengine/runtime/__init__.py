"""jengine.runtime."""
