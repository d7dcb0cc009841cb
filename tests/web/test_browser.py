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

from tests.exports.demo import build_committee

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


def _browser(p):
    return p.chromium.launch(executable_path=str(CHROMIUM), args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])


def _log_in(page, server: str) -> None:
    page.goto(f"{server}/office/")
    assert "/office/login" in page.url
    page.fill("#name", "汪庆")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/office/")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed (apt-get install chromium)")
@pytest.mark.parametrize("width,height,name", [(1280, 900, "desktop"), (375, 740, "phone")])
def test_office_logs_in_and_opens_a_group(server, width, height, name):
    """At desktop and phone width: the page never scrolls sideways (wide tables scroll inside themselves), the
    grid marks gaps, groups come best average first, every form of a branch is linked."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
            _log_in(page, server)
            avgs = [float(t) for t in page.locator("#groups tr td:nth-child(3)").all_inner_texts()]
            assert len(avgs) == 3 and avgs == sorted(avgs, reverse=True)
            page.screenshot(path=str(ARTIFACTS / f"office_index_{name}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.click("text=第三党建协作组")
            page.wait_for_selector("#grid")
            assert page.locator("#ranking tr").count() == 4  # header + 3 branches
            assert page.locator("#grid td.miss").count() > 0
            assert page.locator("#ranking a", has_text="总结提纲").count() == 3
            page.wait_for_function("document.querySelector('img.chart').naturalWidth > 0")
            assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways page on a phone
            page.screenshot(path=str(ARTIFACTS / f"office_group_{name}.png"), full_page=True)
            page.click("text=年终报送")
            assert page.locator("#workflow").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            browser.close()
    assert (ARTIFACTS / f"office_group_{name}.png").stat().st_size > 20_000
