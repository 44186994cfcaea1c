"""jengine.testing."""
