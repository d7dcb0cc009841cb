"""The local web chat's API and page (the browser test drives the real thing: test_web_browser.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.platforms.web.render import markdown_to_html
from bot.models import InboundMessage, Organisation, OutboundMessage, Person, PushTarget
from tests.fakes.web_chat import chat_client


@pytest.fixture()
def web(make_app):
    app = make_app(wecom=False, dingtalk=False, web_chat="on")
    with app.extensions["zhibu"].sessions() as s:
        org = Organisation(name="演示综合党委", year=2022)
        s.add(org)
        s.flush()
        s.add_all([Person(id=1, org_id=org.id, name="吕国庆", role="group_leader", wecom_userid="demo-lead-1"),
                   Person(id=2, org_id=org.id, name="夏雪梅", role="secretary", wecom_userid="demo-sec-1"),
                   PushTarget(org_id=org.id, platform="wecom_robot", name="综合党委群", webhook_url="k")])
        s.commit()
    return app


@pytest.mark.parametrize("values, on", [
    ({}, True), ({"demo": False}, False), ({"wecom_corp_id": "c", "wecom_token": "t", "wecom_aes_key": "k"}, False),
    ({"dingtalk_app_secret": "s"}, False), ({"dingtalk_app_secret": "s", "web_chat": "on"}, True), ({"web_chat": "off"}, False),
])
def test_when_the_web_chat_is_on(values, on):
    from bot.config import Config
    from bot.platforms.web.mode import web_chat_enabled

    assert web_chat_enabled(Config(**values)) is on


def test_the_page_is_the_chat_when_no_platform_is_configured(web):
    html = chat_client(web).get("/").get_data(as_text=True)
    assert "支部助手" in html and 'id="composer"' in html and "今天开了支委会" in html


def test_with_a_platform_configured_the_chat_is_off(make_app):
    client = make_app(wecom=True, dingtalk=False).test_client()
    assert 'id="composer"' not in client.get("/").get_data(as_text=True)
    assert client.get("/api/web/people").status_code == 404
    assert client.post("/api/web/message", json={"account": "a", "text": "b"}).status_code == 404
    forced = make_app(wecom=True, web_chat="on").test_client()
    assert 'id="composer"' in forced.get("/").get_data(as_text=True)


def test_people_are_listed(web):
    people = chat_client(web).get("/api/web/people").get_json()
    assert {(p["account"], p["role"], p["role_label"]) for p in people} == {
        ("demo-lead-1", "group_leader", "协作组组长"), ("demo-sec-1", "secretary", "书记")}


def test_a_message_gets_the_reply_rendered_safely(web):
    resp = chat_client(web).post("/api/web/message", json={"account": "demo-sec-1", "text": "<img src=x onerror=alert(1)> 开了支委会"})
    body = resp.get_json()
    assert resp.status_code == 200
    assert body["text"] == "已记录：<img src=x onerror=alert(1)> 开了支委会"
    assert body["html"] == "<p><strong>已记录</strong>：&lt;img src=x onerror=alert(1)&gt; 开了支委会</p>"


def test_a_resent_message_with_the_same_id_is_one_record(web):
    client = chat_client(web)
    first = client.post("/api/web/message", json={"account": "demo-sec-1", "text": "开了党课", "id": "abc123"}).get_json()
    again = client.post("/api/web/message", json={"account": "demo-sec-1", "text": "开了党课", "id": "abc123"}).get_json()
    assert (first["duplicate"], again["duplicate"], again["text"]) == (False, True, "已记录：开了党课")
    with web.extensions["zhibu"].sessions() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 1


@pytest.mark.parametrize("payload, status", [
    (None, 400), ({"text": "x"}, 400), ({"account": "demo-sec-1", "text": "  "}, 400),
    ({"account": "demo-sec-1", "text": 5}, 400), ({"account": ["x"], "text": "x"}, 400),
    ({"account": "demo-sec-1", "text": "长" * 2001}, 413), ({"account": "demo-sec-1", "text": "x", "id": "i" * 65}, 400),
])
def test_bad_messages_get_a_4xx_with_a_chinese_reason(web, payload, status):
    client = chat_client(web)
    resp = client.post("/api/web/message", data="not json", content_type="text/plain") if payload is None \
        else client.post("/api/web/message", json=payload)
    assert resp.status_code == status
    assert resp.get_json()["error"]


def test_reply_files_are_offered_as_download_links(web):
    client = chat_client(web)
    body = client.post("/api/web/message", json={"account": "demo-lead-1", "text": "导出汇总表"}).get_json()
    [link] = body["files"]
    assert link["name"] == "第一协作组评分结果汇总表.xlsx"
    download = client.get(link["url"])
    assert download.status_code == 200 and download.data == b"PK\x03\x04 fake xlsx"
    assert "attachment" in download.headers["Content-Disposition"]
    assert client.get(link["url"][:-3] + "xyz").status_code == 404  # a forged token


def test_messages_sent_outside_a_reply_show_up_in_that_persons_inbox(web):
    client = chat_client(web)
    assert client.get("/api/web/inbox", query_string={"account": "demo-lead-1"}).get_json() == []
    client.post("/api/web/message", json={"account": "demo-sec-1", "text": "通知组长：已提交自评"})
    [note] = client.get("/api/web/inbox", query_string={"account": "demo-lead-1"}).get_json()
    assert note["text"] == "第一支部已提交自评表，请审核。" and note["from"] == "支部助手通知"
    assert client.get("/api/web/inbox", query_string={"account": "demo-lead-1", "after": note["id"]}).get_json() == []
    assert client.get("/api/web/inbox", query_string={"account": "demo-sec-1"}).get_json() == []


def test_group_chat_pushes_show_up_for_the_groups_people(web, platform):
    sender = web.extensions["zhibu"].services["sender"]
    with web.extensions["zhibu"].sessions() as s:
        target = s.scalars(select(PushTarget)).one()
    assert sender.send_to_target(target.id, "请各支部1月10日前提交自评表", "**1月10日**前提交自评表")
    [note] = chat_client(web).get("/api/web/inbox", query_string={"account": "demo-sec-1"}).get_json()
    assert (note["from"], note["group"], note["html"]) == ("综合党委群", True, "<p><strong>1月10日</strong>前提交自评表</p>")
    with web.extensions["zhibu"].sessions() as s:
        assert s.scalars(select(OutboundMessage)).one().platform == "wecom_robot"  # robots need no app config
    assert platform.messages("/cgi-bin/webhook/send")[0]["json"]["msgtype"] == "markdown"


def test_history_comes_back_on_switch(web):
    client = chat_client(web)
    client.post("/api/web/message", json={"account": "demo-sec-1", "text": "开了支委会"})
    items = client.get("/api/web/history", query_string={"account": "demo-sec-1"}).get_json()
    assert [(i["who"], i["html"]) for i in items] == [("me", "<p>开了支委会</p>"), ("bot", "<p>已记录：开了支委会</p>")]


def test_markdown_rendering_escapes_html_and_keeps_only_safe_links():
    html = markdown_to_html('### 进度\n- **党课** 还差 1 次\n- <b>x</b>\n[文档](https://example.org/a?b=1&c=2) [坏](javascript:alert(1))\n'
                            '<font color="warning">扣 0.5 分</font>')
    assert html == ('<h5>进度</h5><ul><li><strong>党课</strong> 还差 1 次</li><li>&lt;b&gt;x&lt;/b&gt;</li></ul>'
                    '<p><a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">文档</a> '
                    '[坏](javascript:alert(1))</p><p><span class="md-warning">扣 0.5 分</span></p>')
