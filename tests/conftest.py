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
