"""The docker-compose example cannot run here (no Docker); its YAML must at least parse,
name the services the docs describe, and run the commands this project has."""

from __future__ import annotations

from pathlib import Path

import yaml

from jengine.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "deploy" / "temporal" / "docker-compose.yml"


def test_compose_file_is_valid_yaml_with_the_services() -> None:
    doc = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = doc["services"]
    assert {"postgresql", "temporal", "worker", "serve"} <= set(services)
    for name in ("worker", "serve"):
        command = services[name]["command"]
        assert command[0] == "jengine"
        assert command[1] in {*COMMANDS, "serve"}  # serve: built by another issue
        env = services[name]["environment"]
        assert env["JENGINE_STORE"].startswith("postgresql://")
        assert env["TEMPORAL_ADDRESS"] == "temporal:7233"
    dockerfile = ROOT / "deploy" / "temporal" / services["worker"]["build"]["dockerfile"] \
        .removeprefix("deploy/temporal/")
    assert "[temporal]" in dockerfile.read_text(encoding="utf-8")
    for port in (p for s in services.values() for p in s.get("ports", [])):
        assert port.startswith("127.0.0.1:"), port
