"""Hostile-input kit: a one-secretary roster to attack, and a digest of every table to prove a refusal changed nothing."""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from bot.platforms.dingtalk.protocol import dingtalk_sign
from bot.platforms.wecom.protocol import cdata
from bot.models import Base, Branch, Group, Organisation, Person
from tests.support.channels import CRED, TS

SECRET = CRED["dingtalk"]["app_secret"]
ACCOUNT = "sec-wang"
DING_ACCOUNT = "sec-wang-dt"


def seed_roster(sessions, org_name: str, branches: list[str], people: dict[str, tuple]) -> dict[str, int]:
    """One committee, one group (第一党建协作组), these branches and people — key: (name, role, branch index or None,
    WeChat Work account, DingTalk account). Returns their ids by key, and the organisation's as "org"."""
    with sessions() as s:
        org = Organisation(name=org_name, rubric_id="seed000", year=2022)
        s.add(org)
        s.flush()
        g = Group(org_id=org.id, name="第一党建协作组")
        s.add(g)
        s.flush()
        rows = [Branch(org_id=org.id, group_id=g.id, name=name) for name in branches]
        s.add_all(rows)
        s.flush()
        made = {key: Person(org_id=org.id, name=name, role=role, branch_id=rows[b].id if b is not None else None,
                            group_id=g.id if role != "office" else None, wecom_userid=wecom, dingtalk_userid=ding)
                for key, (name, role, b, wecom, ding) in people.items()}
        s.add_all(made.values())
        s.commit()
        return {key: p.id for key, p in made.items()} | {"org": org.id}


def seed(sessions) -> None:
    """A one-secretary roster to attack."""
    seed_roster(sessions, "安全测试综合党委", ["重庆市机械工业协会党支部"],
                {"sec": ("王建国", "secretary", 0, ACCOUNT, DING_ACCOUNT)})


def seed_real_roster(sessions) -> dict[str, int]:
    """A real committee as a deployment imports it: an office member, a group leader and two secretaries."""
    return seed_roster(sessions, "重庆市某综合党委", ["机械工业协会党支部", "汽车商会党支部"], {
        "office": ("李主任", "office", None, "li-office", "li-office-dt"),
        "leader": ("吴组长", "group_leader", None, "wu-lead", "wu-lead-dt"),
        "sec1": ("王书记", "secretary", 0, "wang-sec", "wang-sec-dt"),
        "sec2": ("赵书记", "secretary", 1, "zhao-sec", "zhao-sec-dt")})


def snapshot(sessions) -> dict[str, str]:
    """Every table: row count and a digest of all rows (so an UPDATE shows too)."""
    out = {}
    with sessions() as s:
        for table in Base.metadata.sorted_tables:
            rows = s.execute(select(table)).all()
            digest = hashlib.sha1(json.dumps([list(map(str, r)) for r in rows], sort_keys=True).encode()).hexdigest()
            out[table.name] = f"{len(rows)}:{digest}"
    return out


W = CRED["wecom"]


def inner_text(content: str, msg_id: str = "7181593622548569999", user: str = ACCOUNT, create_time: int = TS) -> str:
    return (f"<xml><ToUserName>{cdata(W['corp_id'])}</ToUserName><FromUserName>{cdata(user)}</FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{cdata(content)}</Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>")


def post_wecom(app, query: dict, body: str | bytes):
    data = body.encode() if isinstance(body, str) else body
    return app.test_client().post("/wecom/callback", query_string=query, data=data, content_type="text/xml")


def post_ding(app, headers: dict, body: dict | bytes):
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return app.test_client().post("/dingtalk/callback", headers=headers, data=data, content_type="application/json")


def ding_body(content: str, msg_id: str = "msgHostile0001", platform_base: str = "http://127.0.0.1:1") -> dict:
    return {"msgtype": "text", "text": {"content": content}, "msgId": msg_id, "senderStaffId": DING_ACCOUNT,
            "senderNick": "王建国", "conversationType": "1", "conversationId": "cidX", "robotCode": CRED["dingtalk"]["app_key"],
            "sessionWebhook": f"{platform_base}/robot/sendBySession?session=abc"}


def ding_headers(ts_ms: int = TS * 1000, secret: str = SECRET) -> dict:
    return {"timestamp": str(ts_ms), "sign": dingtalk_sign(str(ts_ms), secret)}
