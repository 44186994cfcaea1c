"""jengine.lang."""
