"""Shared pytest configuration."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        dest="update_goldens",
        help="rewrite golden files (tests/jexpr/errors/*.golden) from the current output "
             "instead of comparing with them",
    )


def _hypothesis_profiles() -> None:
    """Under CI (the ``CI`` environment variable) property tests are derandomized, so a run is
    reproducible; locally they keep exploring new examples."""
    import os

    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")


_hypothesis_profiles()
