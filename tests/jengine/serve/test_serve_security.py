"""Security of the running service: write keys and the admin token are required and checked,
bodies are bounded (413), CORS is off by default, and no secret reaches a log line, an output
file, the store or an answer."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
import pytest
from serve_helpers import ADMIN, OTHER_KEY, WRITE_KEY, Server, basic, bearer

from jengine.service.config import ConfigError, load_config

EVENT = {"event": "Purchased", "payload": {"email": "a@x.org", "total": 5.0}}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Server:
    folder = tmp_path_factory.mktemp("secure")
    (folder / "serve.toml").write_text('[serve]\nmax_request_bytes = "64KiB"\n'
                                       'max_event_bytes = "8KiB"\n')
    server = Server(folder, fork=True, extra=["--config", "serve.toml"]).start()
    yield server
    assert server.stop() == 0


def test_ingestion_needs_a_write_key(served: Server) -> None:
    url = served.url
    assert httpx.post(url + "/v1/events", json=EVENT).status_code == 401
    assert httpx.post(url + "/v1/events", json=EVENT, headers=basic("wk_wrong_0123456789abcd"))\
        .status_code == 401
    assert httpx.post(url + "/v1/events", json=EVENT, headers=basic(ADMIN)).status_code == 401
    assert httpx.post(url + "/v1/events", json=EVENT, headers=bearer(WRITE_KEY))\
        .status_code == 200
    assert httpx.post(url + "/v1/events", json=EVENT, headers=basic(OTHER_KEY)).status_code \
        == 200
    track = {"userId": "a@x.org", "event": "Purchased", "properties": {"total": 1}}
    assert httpx.post(url + "/v1/track", json=track).status_code == 401
    assert httpx.post(url + "/v1/track", json=dict(track, writeKey="nope")).status_code == 401
    assert httpx.post(url + "/v1/track", json=dict(track, writeKey=WRITE_KEY)).status_code \
        == 200
    bad = httpx.post(url + "/v1/batch", json={"batch": [{"type": "nonsense"}]})
    assert bad.status_code == 401 and "type" not in bad.text   # no detail before the key


def test_management_and_dashboard_need_the_admin_token(served: Server) -> None:
    url = served.url
    for path in ("/v1/journeys", "/v1/status", "/v1/deadletters", "/v1/profiles/a@x.org",
                 "/metrics"):
        assert httpx.get(url + path).status_code == 401, path
        assert httpx.get(url + path, headers=bearer(WRITE_KEY)).status_code == 401, path
        assert httpx.get(url + path, headers=bearer()).status_code == 200, path
    for path in ("/v1/publish", "/v1/journeys/orders/pause", "/v1/deadletters/replay"):
        assert httpx.post(url + path, headers=basic()).status_code == 401, path
    page = httpx.get(url + "/")
    assert page.status_code == 303 and page.headers["location"] == "/login"
    wrong = httpx.post(url + "/login", data={"token": "adm_wrong_0123456789abcd"})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    login = httpx.post(url + "/login", data={"token": ADMIN})
    assert login.status_code == 303
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and ADMIN not in cookie
    session = login.cookies
    assert httpx.get(url + "/", cookies=session).status_code == 200
    assert httpx.get(url + "/v1/journeys", cookies=session).status_code == 200
    assert httpx.get(url + "/healthz").status_code == 200      # probes stay open


def test_bodies_are_bounded(served: Server) -> None:
    url = served.url
    big = json.dumps([EVENT] * 2000).encode()           # ~130 KB on the wire
    r = httpx.post(url + "/v1/events", content=big, headers=basic())
    assert r.status_code == 413
    one = {"event": "Purchased", "payload": {"email": "a@x.org", "note": "x" * 9000}}
    r = httpx.post(url + "/v1/events", json=one, headers=basic())
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    bomb = gzip.compress(b"[" + b" " * 20_000_000 + b"]")
    r = httpx.post(url + "/v1/events", content=bomb,
                   headers={**basic(), "Content-Encoding": "gzip"})
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    r = httpx.post(url + "/v1/events", content=b"x", headers={**basic(),
                                                               "Content-Encoding": "br"})
    assert r.status_code == 415
    r = httpx.post(url + "/v1/events", content=gzip.compress(json.dumps(EVENT).encode()),
                   headers={**basic(), "Content-Encoding": "gzip"})
    assert r.status_code == 200


def test_cors_is_off_by_default(served: Server) -> None:
    r = httpx.options(served.url + "/v1/events", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers
    r = httpx.post(served.url + "/v1/events", json=EVENT,
                   headers={**basic(), "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_no_secret_in_logs_outputs_or_store(served: Server) -> None:
    url = served.url
    answers = [httpx.post(url + "/v1/events", json=EVENT, headers=basic(s)).text
               for s in (WRITE_KEY, ADMIN, OTHER_KEY)]
    answers.append(httpx.post(url + "/v1/batch", json={
        "batch": [{"type": "track", "userId": "a@x.org", "event": "Nope"}],
        "writeKey": WRITE_KEY}).text)
    answers.append(httpx.get(url + "/metrics", headers=bearer()).text)
    answers.append(httpx.get(url + "/v1/status", headers=bearer()).text)
    served.drained()
    folder = served.folder
    texts = answers + [p.read_text(errors="replace") for p in folder.iterdir()
                       if p.suffix in (".log", ".out", ".jsonl")]
    texts += [p.read_bytes().decode("latin-1") for p in folder.iterdir()
              if p.name.startswith("jengine.db")]
    assert any("request" in t for t in texts)           # the logs are there
    for secret in (WRITE_KEY, OTHER_KEY, ADMIN):
        assert not [t[:200] for t in texts if secret in t], secret


def test_a_service_without_secrets_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="write key"):
        load_config(tmp_path, env={}).check()
    with pytest.raises(ConfigError, match="admin token"):
        load_config(tmp_path, env={"JENGINE_WRITE_KEYS": WRITE_KEY}).check()
    with pytest.raises(ConfigError, match="shorter"):
        load_config(tmp_path, env={"JENGINE_WRITE_KEYS": "short",
                                   "JENGINE_ADMIN_TOKEN": ADMIN}).check()
    config = tmp_path / "serve.toml"
    config.write_text(f'[serve]\nwrite_keys = ["{WRITE_KEY}"]\nadmin_token = "{ADMIN}"\n')
    cfg = load_config(tmp_path, file=config, env={})
    cfg.check()
    assert WRITE_KEY not in repr(cfg) and ADMIN not in repr(cfg)
