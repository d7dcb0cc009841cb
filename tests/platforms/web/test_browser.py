"""The local web chat in headless Chromium: report an activity, ask for progress, see a notification arrive.

Runs the real app (conversation core, demo organisation) on 127.0.0.1 and Debian's Chromium through
Playwright. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (apt-get install chromium)")]


@pytest.fixture()
def server(tmp_path, monkeypatch):
    from werkzeug.serving import make_server

    from bot.app import create_app
    from bot.config import Config

    monkeypatch.chdir(tmp_path)  # exports land under tmp_path/var
    clock = lambda: datetime(2022, 12, 26, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai, the suite's "today"
    app = create_app(Config(database_url=f"sqlite:///{tmp_path}/web.sqlite3", demo=True), clock=clock)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    app.extensions["zhibu"].engine.dispose()


def _last_bot(page) -> str:
    return page.locator(".row.bot .bubble").last.inner_text()


def test_report_an_activity_and_ask_for_progress(server):
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 820}, locale="zh-CN")
            page.goto(server + "/")
            secretary = page.locator('.person[data-role="secretary"]').first
            secretary.click()
            page.wait_for_selector(".chip")
            chip = page.locator(".chip", has_text="今天开了支委会").first
            chip.click()
            page.wait_for_function("document.querySelectorAll('.row.bot .bubble').length >= 1 && !document.querySelector('.typing')")
            assert "已记录" in _last_bot(page) and "支委会" in _last_bot(page)

            page.fill("#input", "我的党课还差几次")
            page.press("#input", "Enter")
            page.wait_for_function("document.querySelectorAll('.row.bot .bubble').length >= 2 && !document.querySelector('.typing')")
            progress = _last_bot(page)
            assert "党课" in progress
            assert page.locator(".row.me .bubble").all_inner_texts()[-1] == "我的党课还差几次"
            page.screenshot(path=str(ARTIFACTS / "web_chat_secretary.png"))

            # submitting the self-evaluation notifies the group leader, outside any reply
            for text in ("提交自评", "确认"):
                count = page.locator(".row.bot .bubble").count()
                page.fill("#input", text)
                page.press("#input", "Enter")
                page.wait_for_function(f"document.querySelectorAll('.row.bot .bubble').length > {count} && !document.querySelector('.typing')")
            confirmed = _last_bot(page)
            assert "已通知协作组组长" in confirmed
            leader_name = confirmed.split("已通知协作组组长", 1)[1].strip("。 \n")[:3]
            leader = page.locator(".person", has_text=leader_name).first
            if leader.count() == 0:  # not among the cards: pick from the list
                account = page.evaluate(f"fetch('/api/web/people').then(r => r.json()).then(ps => ps.find(p => p.name === '{leader_name}').account)")
                page.select_option("#more", account)
            else:
                leader.click()
            page.wait_for_selector(".notice")
            assert "已提交" in page.locator(".notice").last.inner_text()
            page.screenshot(path=str(ARTIFACTS / "web_chat_leader.png"))
        finally:
            browser.close()
    assert (ARTIFACTS / "web_chat_secretary.png").stat().st_size > 10_000
