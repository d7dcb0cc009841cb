"""Issue 13: the dashboard's "关闭年度考核" button (asks first in the page), the same close as the chat's, audited."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.config import Config
from bot.models import AuditLog, Organisation, Season
from tests.exports.demo import build_committee


@pytest.fixture()
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIBU_OFFICE_PASSWORD", "demo")
    cfg = Config.from_env(env_file=None, database_url=f"sqlite:///{tmp_path}/z.sqlite3", demo=False,
                          secret_key="test-secret")
    app = create_app(cfg, clock=lambda: datetime(2023, 1, 25, 2, 0, tzinfo=timezone.utc))  # 2022 under review
    app.config["TESTING"] = True
    with app.extensions["zhibu"].sessions() as s:
        build_committee(s)
        s.scalars(select(Organisation)).one().year = 2022
        s.commit()
    return app


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_the_office_closes_and_reopens_the_year_under_review_from_the_workflow_page(app):
    c = app.test_client()
    login = c.get("/office/login").get_data(as_text=True)
    assert c.post("/office/login", data={"name": "汪庆", "password": "demo", "csrf": _csrf(login)}).status_code == 302
    page = c.get("/office/workflow").get_data(as_text=True)
    assert "2022 年度评价报送情况" in page and "确认关闭2022年度考核？关闭后该年度只读。" in page
    assert ">关闭2022年度考核</button>" in page
    token = _csrf(page)
    assert c.post("/office/workflow/season", data={"action": "close", "year": "2022"}).status_code == 400  # no CSRF
    r = c.post("/office/workflow/season", data={"action": "close", "year": "2022", "csrf": token})
    assert r.status_code == 302 and "year=2022" in r.headers["Location"]
    page = c.get("/office/workflow?year=2022&done=close").get_data(as_text=True)
    assert "2022年度考核已关闭。" in page and ">重新打开2022年度考核</button>" in page
    assert "2023 年度评价报送情况" in c.get("/office/workflow").get_data(as_text=True)  # the default year moved on
    assert c.post("/office/workflow/season", data={"action": "close", "year": "2022", "csrf": token}).status_code == 400
    assert c.post("/office/workflow/season", data={"action": "close", "year": "abc", "csrf": token}).status_code == 400
    assert c.post("/office/workflow/season", data={"action": "reopen", "year": "2022", "csrf": token}).status_code == 302
    with app.extensions["zhibu"].sessions() as s:
        assert [(x.year, x.status, x.changed_at) for x in s.scalars(select(Season))] == [
            (2022, "reopened", datetime(2023, 1, 25, 2, 0))]  # the app's clock
        assert [(a.action, a.after["status"]) for a in s.scalars(
            select(AuditLog).where(AuditLog.entity == "season").order_by(AuditLog.id))] == [
            ("close", "closed"), ("reopen", "reopened")]
