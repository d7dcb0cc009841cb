"""Office outputs in the chat: the dashboard login link, and the ranking chart pushed into a group chat."""
from __future__ import annotations

import re

import pytest

from bot.security import tokens
from bot.exports import chart_push
from bot.exports.chart_push import read_chart_token
from bot.models import PushTarget
from nlp import parse

SECRET = "handler-test-secret"


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("ZHIBU_SECRET_KEY", SECRET)
    monkeypatch.setenv("ZHIBU_PUBLIC_URL", "https://dj.example.org/")
    monkeypatch.setenv("ZHIBU_EXPORT_DIR", str(tmp_path / "exports"))


@pytest.mark.parametrize("text", ["打开办公室后台", "给我看板链接", "管理页面"])
def test_phrases_parse_as_the_dashboard_without_new_intents(text, today):
    p = parse(text, today)
    assert (p.intent, p.form) == ("export", "dashboard")
    assert parse("把排名图发到群里", today).form == "chart"
    assert parse("第三协作组排名", today).intent == "ranking"


def _holder(sessions, token: str) -> int | None:
    with sessions() as s:
        row = tokens.lookup(s, "login_link", token)
        return row.person_id if row else None


def test_office_and_leader_get_a_one_time_link_scoped_to_themselves(chat, ids, sessions):
    reply = chat.say("office1", "打开办公室后台")
    link = re.search(r"https://dj\.example\.org/office/auth/(\S+)", reply.text)
    assert link and "15分钟内有效、只能用一次" in reply.text
    assert _holder(sessions, link.group(1)) == ids["office1"]
    assert _holder(sessions, link.group(1) + "x") is None
    reply = chat.say("lead1", "给我看板链接")
    token = re.search(r"/office/auth/(\S+)", reply.text).group(1)
    assert _holder(sessions, token) == ids["lead1"] and "第一协作组" in reply.text


@pytest.mark.parametrize("account", ["sec1", "org1", "mem1"])
def test_branch_people_are_refused_politely(chat, account):
    reply = chat.say(account, "管理页面")
    assert "/office/auth/" not in reply.text
    assert reply.text.startswith("抱歉，办公室后台只对综合党委办公室和协作组组长开放")
    assert "我们支部现在多少分" in reply.text


def _targets(sessions, ids):
    with sessions() as s:
        rows = [PushTarget(org_id=ids["org"], group_id=ids["g0"], platform="wecom_robot", name="一组群", webhook_url="k1"),
                PushTarget(org_id=ids["org"], group_id=ids["g1"], platform="dingtalk_robot", name="二组群", webhook_url="k2"),
                PushTarget(org_id=ids["org"], group_id=None, platform="wecom_robot", name="党委群", webhook_url="k3")]
        s.add_all(rows)
        s.commit()
        return {r.name: r.id for r in rows}


def test_leader_pushes_own_group_chart_after_commit_once(chat, sessions, ids):
    t = _targets(sessions, ids)
    reply = chat.say("lead1", "把排名图发到群里")
    assert "已把第一协作组 2022年度党支部得分排名发到“一组群”" in reply.text
    sent = [m for m in chat.sender.sent if m["to"] == "target"]
    assert [m["id"] for m in sent] == [t["一组群"]]
    assert sent[0]["key"].startswith(f"chart:{ids['org']}:{ids['g0']}:2022:msg:") and sent[0]["key"].endswith(f":target:{t['一组群']}")
    url = re.search(r"\((https://dj\.example\.org/office/chart/(\S+)\.png)\)", sent[0]["markdown"])
    data = read_chart_token(SECRET, url.group(2))
    assert (data["o"], data["g"], data["y"]) == (ids["org"], ids["g0"], 2022)
    # another group's chat is not the leader's to push to
    reply = chat.say("lead1", "把第二协作组的排名图发到群里")
    assert reply.text.startswith("抱歉") and len([m for m in chat.sender.sent if m["to"] == "target"]) == 1


def test_office_pushes_named_group_or_committee(chat, sessions, ids):
    t = _targets(sessions, ids)
    chat.say("office1", "把第二协作组的排名图发到群里")
    chat.say("office1", "把排名图发到群里")
    assert [m["id"] for m in chat.sender.sent if m["to"] == "target"] == [t["二组群"], t["党委群"]]


def test_without_a_push_target_the_reply_says_how_to_add_one(chat, ids):
    reply = chat.say("lead2", "把排名图发到群里")
    assert "第二协作组还没有配置群聊推送" in reply.text and "push_target" in reply.text
    assert not chat.sender.sent


def test_secretary_cannot_push_the_chart(chat, sessions, ids):
    _targets(sessions, ids)
    reply = chat.say("sec1", "把排名图发到群里")
    assert reply.text.startswith("抱歉") and not chat.sender.sent
