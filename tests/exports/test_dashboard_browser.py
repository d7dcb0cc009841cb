"""The office dashboard in headless Chromium (Debian's, through Playwright): log in, open a group, screenshot.

Skipped with the reason where /usr/bin/chromium or the playwright package is missing. Never downloads a browser.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.app import create_app
from bot.config import Config

from .demo import build_committee

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture()
def server(tmp_path, monkeypatch):
    from werkzeug.serving import make_server

    monkeypatch.setenv("ZHIBU_OFFICE_PASSWORD", "demo")
    cfg = Config.from_env(env_file=None, database_url=f"sqlite:///{tmp_path}/z.sqlite3", demo=False, secret_key="s")
    app = create_app(cfg, clock=lambda: datetime(2022, 12, 26, 2, 0, tzinfo=timezone.utc))
    with app.extensions["zhibu"].sessions() as s:
        build_committee(s)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(timeout=5)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed (apt-get install chromium)")
def test_office_logs_in_and_opens_a_group(server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.goto(f"{server}/office/")
            assert "/office/login" in page.url
            page.fill("#name", "汪庆")
            page.fill("#password", "demo")
            page.click("button[type=submit]")
            page.wait_for_url(f"{server}/office/")
            page.click("text=第三党建协作组")
            page.wait_for_selector("#grid")
            assert page.locator("#ranking tr").count() == 4  # header + 3 branches
            assert page.locator("#grid td.miss").count() > 0
            page.wait_for_function("document.querySelector('img.chart').naturalWidth > 0")
            page.screenshot(path=str(ARTIFACTS / "office_group.png"), full_page=True)
            page.click("text=年终报送")
            assert page.locator("#workflow").is_visible()
        finally:
            browser.close()
    assert (ARTIFACTS / "office_group.png").stat().st_size > 20_000
