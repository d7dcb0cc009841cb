"""The ranking chart into a group chat: the image message each platform gets, the idempotency key, the signed
chart link the dashboard serves, and `zhibu export chart --push`."""
from __future__ import annotations

import base64
import hashlib
import re
from datetime import date, datetime, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import sessionmaker

from bot.app import create_app
from bot.config import Config
from bot.exports import chart_push
from bot.models import Group, Organisation, OutboundMessage, PushTarget
from bot.platforms import build_sender

from .demo import build_committee
from tests.fakes.web_chat import chat_client

SECRET = "chart-secret"


class StubHttp:
    """bot.push.http.Http without a network: records each call, answers errcode 0."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def request(self, method: str, url: str, platform: str, **kwargs):
        self.calls.append((url, kwargs.get("json") or {}))
        return 200, {"errcode": 0, "errmsg": "ok"}


@pytest.fixture()
def world(tmp_path):
    cfg = Config.from_env(env_file=None, database_url=f"sqlite:///{tmp_path}/z.sqlite3", demo=False,
                          secret_key=SECRET, public_url="https://dj.example.org")
    app = create_app(cfg, clock=lambda: datetime(2022, 12, 26, 2, 0, tzinfo=timezone.utc))
    sessions = app.extensions["zhibu"].sessions
    with sessions() as s:
        build_committee(s)
        org = s.query(Organisation).one()
        g1, g2 = s.query(Group).order_by(Group.id).limit(2).all()
        s.add_all([PushTarget(org_id=org.id, group_id=g1.id, platform="wecom_robot", name="一组群", webhook_url="KEY1"),
                   PushTarget(org_id=org.id, group_id=g2.id, platform="dingtalk_robot", name="二组群",
                              webhook_url="TOKEN2", secret="SECabc")])
        s.commit()
    http = StubHttp()
    sender = build_sender(cfg, sessions, http=http)
    return app, sessions, sender, http, tmp_path


def _push(sessions, sender, tmp_path, group_index: int, key: str):
    with sessions() as s:
        org = s.query(Organisation).one()
        grp = s.query(Group).order_by(Group.id).all()[group_index]
        push = chart_push.prepare(s, org, grp, 2022, date(2022, 12, 26), tmp_path / "out", secret_key=SECRET,
                                  public_url="https://dj.example.org")
    return chart_push.send(sender, push, key)


def test_wecom_robot_gets_the_png_as_base64_and_md5_once(world):
    app, sessions, sender, http, tmp_path = world
    push = _push(sessions, sender, tmp_path, 0, "chart:test")
    assert push.sent == [True]
    url, body = http.calls[0]
    raw = push.path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    assert "key=KEY1" in url and body["msgtype"] == "image"
    assert base64.b64decode(body["image"]["base64"]) == raw and body["image"]["md5"] == hashlib.md5(raw).hexdigest()
    with sessions() as s:
        row = s.query(OutboundMessage).one()
        assert (row.idem_key, row.kind, row.status) == (f"chart:test:target:{push.targets[0][0]}", "image", "sent")
    _push(sessions, sender, tmp_path, 0, "chart:test")  # the same key again: nothing sent twice
    assert len(http.calls) == 1


def test_dingtalk_robot_gets_markdown_with_a_signed_chart_link_the_dashboard_serves(world):
    app, sessions, sender, http, tmp_path = world
    _push(sessions, sender, tmp_path, 1, "chart:dt")
    url, body = http.calls[0]
    assert "access_token=TOKEN2" in url and "&sign=" in url and body["msgtype"] == "markdown"
    link = re.search(r"!\[排名图\]\((https://dj\.example\.org(/office/chart/\S+\.png))\)", body["markdown"]["text"])
    assert link
    c = app.test_client()
    r = c.get(link.group(2))  # no login needed: the link is signed
    assert r.status_code == 200 and r.mimetype == "image/png" and r.data[:4] == b"\x89PNG"
    assert c.get(link.group(2).replace("/chart/", "/chart/x")).status_code == 404
    assert c.get("/office/chart/forged.png").status_code == 404


def test_cli_push_and_missing_target_message(world, monkeypatch):
    app, sessions, sender, http, tmp_path = world
    from bot.commands.export_cmd import export

    monkeypatch.setenv("ZHIBU_DATABASE_URL", app.extensions["zhibu"].config.database_url)
    monkeypatch.setenv("ZHIBU_WEB_CHAT", "on")  # no platform configured: the demo chats are the web chat's
    runner = CliRunner()
    with sessions() as s:
        s.query(PushTarget).update({"platform": "web"})
        s.commit()
        names = [g.name for g in s.query(Group).order_by(Group.id)]
    r = runner.invoke(export, ["--out", str(tmp_path / "cli"), "--year", "2022", "--as-of", "2022-12-26",
                               "chart", "--group", names[0], "--push"])
    assert r.exit_code == 0, r.output
    assert "已发送：一组群" in r.output and any((tmp_path / "cli").glob("*.png"))
    with sessions() as s:
        row = s.query(OutboundMessage).one()
        assert row.platform == "web" and row.kind == "markdown" and "/office/chart/" in row.payload["markdown"]
    r = runner.invoke(export, ["--out", str(tmp_path / "cli"), "--year", "2022", "chart", "--group", names[2], "--push"])
    assert r.exit_code == 1 and f"{names[2]}还没有配置群聊推送" in r.output and "push_target" in r.output


def test_web_chat_end_to_end_links_signed_with_the_apps_own_key(tmp_path, monkeypatch):
    """Through the app (demo, web chat): the leader's chart shows in a secretary's chat, its link opens the PNG,
    and the office's login link logs in — both signed with the app's SECRET_KEY, whatever the environment says."""
    monkeypatch.setenv("ZHIBU_SECRET_KEY", "not-the-apps-key")
    monkeypatch.setenv("ZHIBU_EXPORT_DIR", str(tmp_path / "exports"))
    cfg = Config.from_env(env_file=None, database_url=f"sqlite:///{tmp_path}/w.sqlite3", demo=True, web_chat="on",
                          secret_key="the-apps-key", public_url="http://bot.test")
    app = create_app(cfg, clock=lambda: datetime(2022, 12, 26, 2, tzinfo=timezone.utc))
    c = chat_client(app)
    text = c.post("/api/web/message", json={"account": "demo-lead-1", "text": "把排名图发到群里"}).get_json()["text"]
    assert text.startswith("已把第一党建协作组 2022年度党支部得分排名发到“第一党建协作组群（演示）”")
    seen = c.get("/api/web/inbox?account=demo-sec-1").get_json()
    assert seen[-1]["group"] and seen[-1]["from"] == "第一党建协作组群（演示）" and "查看排名图" in seen[-1]["html"]
    assert c.get("/api/web/inbox?account=demo-sec-14").get_json() == []  # branch 14 is in the third group
    chart = re.search(r"http://bot\.test(/office/chart/\S+\.png)", text).group(1)
    r = c.get(chart)
    assert r.status_code == 200 and r.data[:4] == b"\x89PNG"
    text = c.post("/api/web/message", json={"account": "demo-office", "text": "打开办公室后台"}).get_json()["text"]
    login = re.search(r"http://bot\.test(/office/auth/\S+)", text).group(1)
    assert c.get(login).status_code == 302 and c.get("/office/incidents").status_code == 200
