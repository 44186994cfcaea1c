"""The docker-compose example cannot run here (no Docker); its YAML must at least parse,
name the services the docs describe, and run commands (with flags) this project's parser takes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jengine.cli import build_parser

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "deploy" / "temporal" / "docker-compose.yml"


def test_compose_file_is_valid_yaml_with_the_services(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = doc["services"]
    assert {"postgresql", "temporal", "worker", "serve"} <= set(services)
    for name in ("worker", "serve"):
        command = services[name]["command"]
        assert command[0] == "jengine"
        env = services[name]["environment"]
        for variable, value in env.items():   # the flags' defaults come from the environment
            monkeypatch.setenv(variable, value)
        build_parser().parse_args(command[1:])   # the project's own parser takes the command
        assert env["JENGINE_STORE"].startswith("postgresql://")
        assert env["TEMPORAL_ADDRESS"] == "temporal:7233"
    dockerfile = ROOT / "deploy" / "temporal" / services["worker"]["build"]["dockerfile"] \
        .removeprefix("deploy/temporal/")
    assert "[temporal]" in dockerfile.read_text(encoding="utf-8")
    for port in (p for s in services.values() for p in s.get("ports", [])):
        assert port.startswith("127.0.0.1:"), port
