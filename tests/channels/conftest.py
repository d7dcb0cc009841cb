"""Channel test kit: a fake conversation core, the fake platform server, apps wired to both."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.app import create_app
from bot.config import Config
from bot.messages import Inbound, Reply
from bot.models import InboundMessage
from bot.push import Backoff
from tests.fakes.platform import CORP_SECRET, FakePlatform

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


@pytest.fixture(scope="session")
def fake_platform():
    server = FakePlatform().start()
    yield server
    server.stop()


@pytest.fixture()
def platform(fake_platform):
    fake_platform.reset()
    return fake_platform


@pytest.fixture()
def make_app(db_url, engine, platform, tmp_path) -> Callable:
    """create_app over the test database, the fake platform, and a FakeConversation (or the one given)."""
    apps = []

    def build(*, wecom: bool = True, dingtalk: bool = True, conversation=None, **overrides):
        values = dict(database_url=db_url, demo=False, secret_key="test-secret",
                      wecom_api_base=platform.base, dingtalk_api_base=platform.base, dingtalk_new_api_base=platform.base,
                      extra={"media_dir": str(tmp_path / "media")})
        if wecom:
            w = CRED["wecom"]
            values.update(wecom_corp_id=w["corp_id"], wecom_token=w["token"], wecom_aes_key=w["aes_key"],
                          wecom_secret=CORP_SECRET, wecom_agent_id=w["agent_id"])
        if dingtalk:
            values.update(dingtalk_app_key=CRED["dingtalk"]["app_key"], dingtalk_app_secret=CRED["dingtalk"]["app_secret"])
        values.update(overrides)
        config = Config.from_env(env_file=None, **values)
        app = create_app(config, conversation=conversation or _LateFake())
        rt = app.extensions["zhibu"]
        conv = rt.services["conversation"]
        if isinstance(conv, _LateFake):
            export = tmp_path / "media" / "exports" / "第一协作组评分结果汇总表.xlsx"  # a served folder
            export.parent.mkdir(parents=True, exist_ok=True)
            export.write_bytes(b"PK\x03\x04 fake xlsx")
            conv = FakeConversation(rt.sessions, rt.services["sender"], export_file=export)
            rt.services["conversation"] = conv
            for key in ("wecom_channel", "dingtalk_channel"):
                if key in rt.services:
                    rt.services[key].conversation = conv
        if "wecom_channel" in rt.services:
            rt.services["wecom_channel"].crypto._now = lambda: TS + 30
        if "dingtalk_channel" in rt.services:
            rt.services["dingtalk_channel"].clock = lambda: TS + 30
        rt.services["sender"].outbox.backoff = Backoff(attempts=4, base=0.01, sleep=time.sleep)
        apps.append(rt)
        return app

    yield build
    for rt in apps:
        rt.services["background"].join(5)
        rt.engine.dispose()


class _LateFake:
    """Placeholder so create_app does not build the real core; replaced by FakeConversation after."""

    def handle(self, inbound):  # pragma: no cover - replaced before use
        raise AssertionError("replaced")


def wecom_crypto(now: int = TS + 30):
    from bot.channels.wecom_protocol import WecomCrypto

    w = CRED["wecom"]
    return WecomCrypto(w["token"], w["aes_key"], w["corp_id"], now=lambda: now)


def wecom_text_xml(content: str, msg_id: str, user: str = "zhangwei", create_time: int = TS) -> str:
    corp = CRED["wecom"]["corp_id"]
    return (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>")


def wecom_envelope(inner: str, nonce: str = "778899", timestamp: int = TS) -> tuple[dict, str]:
    """(query string, body) as WeChat Work would POST them."""
    from bot.channels.wecom_protocol import signature

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
