"""The dashboard in a real headless browser (Debian's Chromium driven by Playwright): every page
loads without a console error, the counts on the journey graph and in the tables update after
events are posted, lifecycle and replay buttons work; screenshots go to
``test-artifacts/serve/`` (git-ignored)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from serve_helpers import ADMIN, ARTIFACTS, Server, basic

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage"]


def _purchases(server: Server, n: int, start: int = 0) -> None:
    events = [{"event": "Purchased", "payload": {"email": f"b{i}@x.org", "total": 150.0}}
              for i in range(start, start + n)]
    assert httpx.post(server.url + "/v1/events", json=events, headers=basic()).status_code \
        == 200


def test_dashboard_in_chromium(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed (apt-get install chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    shots = ARTIFACTS / "serve"
    shots.mkdir(parents=True, exist_ok=True)
    server = Server(tmp_path, fork=True).start()
    console: list[tuple[str, str, Any]] = []
    errors: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: console.append((m.type, m.text, m.location)))
            page.on("pageerror", lambda e: errors.append(str(e)))
            _walk(page, server, shots)
            browser.close()
    finally:
        assert server.stop() == 0
    assert errors == []
    assert [c for c in console if c[0] in ("error", "warning")] == []


def _walk(page: Any, server: Server, shots: Path) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    page.goto(server.url + "/")
    page.wait_for_url("**/login")
    page.fill("input[name=token]", ADMIN)
    page.click("button")
    page.wait_for_selector("#journeys tr[data-journey=orders]")
    page.screenshot(path=str(shots / "journeys.png"), full_page=True)

    page.goto(server.url + "/journeys/orders")
    page.wait_for_selector("body[data-graph=ready]", timeout=20000)
    expect(page.locator("#status")).to_have_text("live")
    _purchases(server, 3)
    receipt = page.locator("#counts tr[data-step=receipt] td[data-count=entered]")
    expect(receipt).to_have_text("3")
    expect(page.locator("#graph svg")).to_contain_text("▶ 3 entered")
    expect(page.locator("#counts tr[data-step=vip] td[data-count=completed]")).to_have_text("3")
    page.screenshot(path=str(shots / "journey-orders.png"), full_page=True)
    _purchases(server, 2, start=3)
    expect(receipt).to_have_text("5")
    page.click("button[data-command=pause][data-mode=hold]")
    expect(page.locator("#status")).to_have_text("paused")
    page.screenshot(path=str(shots / "journey-paused.png"), full_page=True)
    page.click("button[data-command=resume]")
    expect(page.locator("#status")).to_have_text("live")

    page.goto(server.url + "/")
    expect(page.locator("#journeys tr[data-journey=orders] td[data-count=entered]"))\
        .to_have_text("5")

    page.goto(server.url + "/profiles?id=b1@x.org")
    expect(page.locator("#instances tbody")).to_contain_text("orders")
    expect(page.locator("#history tbody")).to_contain_text("vip")
    page.screenshot(path=str(shots / "profile.png"), full_page=True)

    assert httpx.post(server.url + "/v1/events", headers=basic(), json={
        "event": "Refunded", "payload": {"email": "b1@x.org"}}).status_code == 200
    page.goto(server.url + "/deadletters")
    box = page.locator("#deadletters tbody tr input[type=checkbox]").first
    expect(box).to_be_visible()
    box.check()
    page.click("#replay")
    expect(page.locator("#message")).to_contain_text("1 replayed")
    expect(page.locator("#deadletters tbody tr")).to_have_count(2)
    page.screenshot(path=str(shots / "deadletters.png"), full_page=True)
