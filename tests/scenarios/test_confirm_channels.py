"""Issue 14 end to end on every way in — the web chat, WeChat Work (encrypted callback, passive reply) and DingTalk
(signed callback, reply through the session webhook) — with the real conversation core and parser: a question is
answered, not recorded; an unsure line is asked and "是" stores it; a correction stores the corrected reading;
silence stores nothing."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from bot.platforms.dingtalk.protocol import dingtalk_sign
from bot.conversation import Conversation
from bot.models import ActivityRecord, Branch, Group, Organisation, Person
from tests.support.channels import CRED, TS, open_reply, wecom_envelope, wecom_text_xml  # noqa: F401
from tests.fakes.web_chat import chat_client


class Channel:
    """Sends one line as the secretary through a channel's HTTP endpoint and returns the reply text."""

    def __init__(self, kind: str, app, platform) -> None:
        self.kind, self.app, self.platform = kind, app, platform
        self.rt = app.extensions["zhibu"]
        self.n = 0
        self.now = datetime(2022, 12, 26, 2, tzinfo=timezone.utc)  # 10:00 in Shanghai, TS
        real = Conversation(self.rt.sessions, lambda: self.now, self.rt.services["sender"])
        self.rt.services["conversation"] = real
        for key in ("wecom_channel", "dingtalk_channel"):
            if key in self.rt.services:
                self.rt.services[key].conversation = real
        self.client = chat_client(app) if kind == "web" else app.test_client()

    def say(self, text: str) -> str:
        self.n += 1
        self.now += timedelta(seconds=20)
        if self.kind == "web":
            body = self.client.post("/api/web/message", json={"account": "zhangwei", "text": text, "id": f"w{self.n}"})
            return body.get_json()["text"]
        if self.kind == "wecom":
            query, body = wecom_envelope(wecom_text_xml(text, f"71815936225485{self.n:05d}"), nonce=f"n{self.n}")
            resp = self.client.post("/wecom/callback", query_string=query, data=body)
            return fromstring(open_reply(resp.get_data(as_text=True))).findtext("Content")
        ts = str(TS * 1000 + self.n)
        body = {"conversationId": "cidOne", "chatbotCorpId": "ding9f50b15bccd16741", "senderNick": "李娜",
                "senderStaffId": "lina01", "sessionWebhookExpiredTime": TS * 1000 + 5_400_000, "createAt": int(ts),
                "senderCorpId": "ding9f50b15bccd16741", "robotCode": CRED["dingtalk"]["app_key"], "msgtype": "text",
                "msgId": f"msgConfirm{self.n}", "conversationType": "1",
                "sessionWebhook": f"{self.platform.base}/robot/sendBySession?session=s{self.n}", "text": {"content": text}}
        headers = {"timestamp": ts, "sign": dingtalk_sign(ts, CRED["dingtalk"]["app_secret"])}
        before = len(self.platform.messages("/robot/sendBySession"))
        resp = self.client.post("/dingtalk/callback", headers=headers, data=json.dumps(body, ensure_ascii=False).encode(),
                                content_type="application/json")
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert self.rt.services["background"].join(10)
        sent = self.platform.messages("/robot/sendBySession")[before:]
        assert len(sent) == 1, sent
        payload = sent[0]["json"]
        return payload["text"]["content"] if payload["msgtype"] == "text" else payload["markdown"]["text"]

    def records(self) -> list[tuple]:
        with self.rt.sessions() as s:
            return [(r.code, r.date, r.present) for r in s.scalars(
                select(ActivityRecord).where(ActivityRecord.deleted_at.is_(None)).order_by(ActivityRecord.id))]


@pytest.fixture(params=["web", "wecom", "dingtalk"])
def channel(request, make_app, platform) -> Channel:
    kind = request.param
    app = make_app(wecom=kind == "wecom", dingtalk=kind == "dingtalk", **({"web_chat": "on"} if kind == "web" else {}))
    rt = app.extensions["zhibu"]
    with rt.sessions() as s:
        org = Organisation(name="测试综合党委", rubric_id="seed000", year=2022)
        s.add(org)
        s.flush()
        group = Group(org_id=org.id, name="第一协作组")
        s.add(group)
        s.flush()
        branch = Branch(org_id=org.id, group_id=group.id, name="第一党支部", kind="formal", founded=date(2015, 1, 1))
        s.add(branch)
        s.flush()
        s.add(Person(org_id=org.id, name="李娜", role="secretary", branch_id=branch.id, group_id=group.id,
                     wecom_userid="zhangwei", dingtalk_userid="lina01"))
        s.commit()
    return Channel(kind, app, platform)


def test_confirm_flow_on_every_channel(channel: Channel) -> None:
    # a question is answered, not recorded
    reply = channel.say("上礼拜那次党课算数不")
    assert "已记录" not in reply and "记为" not in reply
    assert channel.say("支委会的记录本放在我办公桌上了").find("已记录") == -1
    assert channel.records() == []
    # an unsure line (a pinyin typo) is asked; "是" stores it
    assert channel.say("昨天党小组回开了 8个党员都参加了") == "记为：党小组会 12月25日，实到8人？回复“是”，或直接说正确的。"
    assert channel.records() == []
    assert "已记录：党小组会 12月25日" in channel.say("是")
    assert channel.records() == [("group_meeting", date(2022, 12, 25), 8)]
    # a correction stores the corrected reading
    assert channel.say("前天开了民主评义").startswith("记为：民主评议党员 12月24日")
    assert "已记录：党员大会 12月24日" in channel.say("不是民主评议，是党员大会")
    assert channel.records()[-1] == ("member_assembly", date(2022, 12, 24), None)
    # silence stores nothing: the question lapses
    assert channel.say("12月20日党棵").startswith("记为：党课 12月20日")
    channel.now += timedelta(minutes=45)
    assert "已记录" not in channel.say("是")
    assert [r[0] for r in channel.records()] == ["group_meeting", "member_assembly"]
