"""Channel test kit: the test credentials, a fake conversation core, and WeChat Work envelopes as the platform sends them."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.messages import Inbound, Reply
from bot.models import InboundMessage

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CRED = json.loads((FIXTURES / "credentials.json").read_text())
TS = 1672020000


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class FakeConversation:
    """Stores the raw message first, dedups on (channel, dedup_key) like the real core, answers simply.

    "慢…" takes `slow` seconds; "导出…" hands back a file; "通知…" notifies person 1 through the sender.
    """

    def __init__(self, sessions, sender=None, slow: float = 0.5, export_file: Path | None = None) -> None:
        self.sessions, self.sender, self.slow, self.export_file = sessions, sender, slow, export_file
        self.handled: list[Inbound] = []
        self._lock = threading.Lock()

    def handle(self, inbound: Inbound) -> Reply:
        with self.sessions() as s:
            row = InboundMessage(channel=inbound.channel, dedup_key=inbound.dedup_key, account=inbound.account,
                                 kind=inbound.kind, text=inbound.text, media=inbound.media,
                                 conversation_id=inbound.conversation_id)
            s.add(row)
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                stored = s.scalars(select(InboundMessage).where(InboundMessage.channel == inbound.channel,
                                                                InboundMessage.dedup_key == inbound.dedup_key)).one()
                return Reply(text=stored.reply_text or "", duplicate=True)
            with self._lock:
                self.handled.append(inbound)
            text = inbound.text
            if text.startswith("慢"):
                time.sleep(self.slow)
            if inbound.kind == "event":
                reply = Reply(text="欢迎使用支部助手！发“帮助”看看我能做什么。")
            elif inbound.kind in ("image", "file"):
                reply = Reply(text=f"已收到{'图片' if inbound.kind == 'image' else '文件'}，作为佐证资料保存。")
            elif text.startswith("导出"):
                reply = Reply(text="汇总表已生成。", files=[self.export_file] if self.export_file else [])
            else:
                reply = Reply(text=f"已记录：{text}", markdown=f"**已记录**：{text}")
            if text.startswith("通知") and self.sender is not None:
                self.sender.send_to_person(1, "第一支部已提交自评表，请审核。", key=f"notify:{row.id}", reason="test")
            row.reply_text = reply.text
            row.status = "handled"
            s.commit()
            return reply


class LateFake:
    """Placeholder so create_app does not build the real core; replaced by FakeConversation after."""

    def handle(self, inbound):  # pragma: no cover - replaced before use
        raise AssertionError("replaced")


def wecom_crypto(now: int = TS + 30):
    from bot.platforms.wecom.protocol import WecomCrypto

    w = CRED["wecom"]
    return WecomCrypto(w["token"], w["aes_key"], w["corp_id"], now=lambda: now)


def wecom_text_xml(content: str, msg_id: str, user: str = "zhangwei", create_time: int = TS) -> str:
    corp = CRED["wecom"]["corp_id"]
    return (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>")


def wecom_envelope(inner: str, nonce: str = "778899", timestamp: int = TS) -> tuple[dict, str]:
    """(query string, body) as WeChat Work would POST them."""
    from bot.platforms.wecom.protocol import signature

    w = CRED["wecom"]
    sealed = wecom_crypto().seal(inner, nonce=nonce, timestamp=str(timestamp))
    encrypt = sealed.split("<Encrypt><![CDATA[", 1)[1].split("]]>", 1)[0]
    body = f"<xml><ToUserName><![CDATA[{w['corp_id']}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    query = {"msg_signature": signature(w["token"], str(timestamp), nonce, encrypt), "timestamp": str(timestamp), "nonce": nonce}
    return query, body


def open_reply(xml: str) -> str:
    """Check a passive reply's signature and decrypt it, as WeChat Work does."""
    from defusedxml.ElementTree import fromstring

    root = fromstring(xml)
    c = wecom_crypto()
    c.check(root.findtext("MsgSignature"), root.findtext("TimeStamp"), root.findtext("Nonce"), root.findtext("Encrypt"))
    return c.decrypt(root.findtext("Encrypt"))
