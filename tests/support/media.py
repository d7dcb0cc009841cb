"""Photos and files in channel tests: a grading table, a WeChat Work media message, the real core on a fixed clock."""
from __future__ import annotations

import io
from datetime import datetime, timezone

from defusedxml.ElementTree import fromstring
from openpyxl import Workbook
from sqlalchemy import select

from bot.conversation import Conversation
from bot.messages import RecordingSender
from bot.models import ScoreEntry
from nlp.types import Parsed
from tests.support.channels import CRED, TS, open_reply, wecom_envelope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def grading_table(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["党支部名称", "项目", "得分"])
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def media_xml(kind: str, media_id: str, msg_id: str, user: str, filename: str = "") -> str:
    corp = CRED["wecom"]["corp_id"]
    extra = f"<FileName><![CDATA[{filename}]]></FileName>" if filename else ""
    pic = "<PicUrl><![CDATA[https://wework.qpic.cn/wwpic/1/0]]></PicUrl>" if kind == "image" else ""
    return (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{TS}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{pic}"
            f"<MediaId><![CDATA[{media_id}]]></MediaId>{extra}<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>")


class Core:
    """The real conversation core on a fixed clock; `parsed` bypasses the parser for the next text."""

    def __init__(self, sessions, today) -> None:
        self.now = datetime(today.year, today.month, today.day, 2, tzinfo=timezone.utc)
        self.next: Parsed | None = None
        self.conv = Conversation(sessions, lambda: self.now, RecordingSender(), parser=self._parse)

    def _parse(self, text, today):
        p, self.next = self.next, None
        return p or Parsed(intent="unknown")


def post_media(app, inner: str) -> str:
    """POST a sealed WeChat Work message; the passive reply's text ("" for an empty 200)."""
    query, body = wecom_envelope(inner)
    resp = app.test_client().post("/wecom/callback", query_string=query, data=body.encode(), content_type="text/xml")
    assert resp.status_code == 200
    answer = resp.get_data(as_text=True)
    return fromstring(open_reply(answer)).findtext("Content") if answer else ""


def stored_scores(sessions) -> dict[tuple, float]:
    with sessions() as s:
        return {(e.branch_id, e.tier, e.item_id): e.points for e in s.scalars(select(ScoreEntry))}
