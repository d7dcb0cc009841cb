"""Adding a platform is its folder plus one line in bot/platforms/__init__.py: the sender reaches it, in
registration order, without any other module knowing its name."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pytest
from sqlalchemy import select

import bot.platforms
from bot.config import Config
from bot.models import Organisation, OutboundMessage, Person, PushTarget
from bot.platforms.base import Limits, Platform
from bot.push.outbox import Outgoing
from bot.push.sender import Chat, Picture


class Feishu(Platform):
    """The docs' skeleton: a platform whose chats are `feishu_robot` push targets."""

    name, label = "feishu", "飞书"
    limits = Limits(chat_per_minute=100)
    calls: list[tuple] = []

    @property
    def enabled(self) -> bool:
        return True

    def to_chat(self, chat: Chat, text: str, markdown: str | None, mentions: Sequence[Person]) -> Outgoing | None:
        if chat.kind != "feishu_robot":
            return None
        return Outgoing("feishu_robot", "text", lambda: self.calls.append(("chat", chat.webhook, text)),
                        rate_limited=True)

    def image_to_chat(self, chat: Chat, picture: Picture) -> Outgoing | None:
        if chat.kind != "feishu_robot":
            return None
        return Outgoing("feishu_robot", "image", lambda: self.calls.append(("image", Path(picture.path).name)))


@pytest.fixture()
def registered(monkeypatch):
    Feishu.calls = []
    *real, web = bot.platforms.REGISTERED  # the one line goes before the web chat, the demo's catch-all
    monkeypatch.setattr(bot.platforms, "REGISTERED", (*real, Feishu, web))
    return Feishu


@pytest.fixture()
def chat(sessions) -> int:
    with sessions() as s:
        org = Organisation(name="综合党委", year=2022)
        s.add(org)
        s.flush()
        target = PushTarget(org_id=org.id, platform="feishu_robot", name="一组飞书群", webhook_url="hook-1")
        s.add(target)
        s.commit()
        return target.id


def test_the_sender_reaches_a_registered_platform(sessions, registered, chat, tmp_path):
    sender = bot.platforms.build_sender(Config(), sessions)
    assert [p.name for p in sender.platforms] == ["wecom", "dingtalk", "feishu", "web"]
    assert sender.send_to_target(chat, "请各支部提交自评表", key="k-1")
    assert sender.send_to_target(chat, "请各支部提交自评表", key="k-1")  # once per key
    png = tmp_path / "排名.png"
    png.write_bytes(b"\x89PNG")
    assert sender.send_image_to_target(chat, Picture(png, "排名", "https://x/c.png"), "排名", key="k-2")
    assert registered.calls == [("chat", "hook-1", "请各支部提交自评表"), ("image", "排名.png")]
    with sessions() as s:
        rows = s.execute(select(OutboundMessage.idem_key, OutboundMessage.platform, OutboundMessage.kind,
                                OutboundMessage.status).order_by(OutboundMessage.id)).all()
    assert [tuple(r) for r in rows] == [("k-1", "feishu_robot", "text", "sent"), ("k-2", "feishu_robot", "image", "sent")]


def test_without_the_line_nobody_serves_its_chats(sessions, chat):
    sender = bot.platforms.build_sender(Config(web_chat="off"), sessions)
    assert not sender.send_to_target(chat, "请各支部提交自评表", key="k-1")


def test_a_channel_without_accounts_of_its_own_is_answered_through_the_person(sessions):
    sender = bot.platforms.build_sender(Config(), sessions)
    assert sender.send_to_user_id("web", "3", "补发", key="k") is None
    assert sender.send_to_user_id("console", "3", "补发", key="k") is None
    assert sender.send_to_user_id("wecom", "zhang", "补发", key="k") is False  # its API is not configured
