"""Fixtures for the engine-infrastructure tests: a store file and a local HTTP test server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _engine_http_server import ScriptedServer, start_server, stop_server

from jengine.runtime.store import Store


@pytest.fixture
def http_server() -> Iterator[ScriptedServer]:
    owner = start_server()
    yield owner
    stop_server(owner)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "state.db")
    yield s
    s.close()
