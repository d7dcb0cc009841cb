"""Messages a dead worker stored but never answered are taken over, recorded on their own day and answered late."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.conversation import Conversation
from bot.models import ActivityRecord, InboundMessage
from bot.recovery import recover, stranded

NOW = datetime(2022, 12, 26, 2, 0)  # UTC naive = 10:00 in Shanghai


class Sender:
    """Records late replies the way PlatformSender's send_to_user_id / send_to_person are called."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def _once(self, entry: dict) -> bool:
        if not any(m["key"] == entry["key"] for m in self.sent):
            self.sent.append(entry)
        return True

    def send_to_user_id(self, platform, user_id, text, markdown=None, *, key, reason="", files=()):
        return self._once({"to": (platform, user_id), "text": text, "key": key, "reason": reason})

    def send_to_person(self, person_id, text, markdown=None, *, key=None, reason=""):
        return self._once({"to": ("person", person_id), "text": text, "key": key, "reason": reason})

    def send_to_target(self, target_id, text, markdown=None, *, mentions=(), key=None, reason=""):
        return self._once({"to": ("target", target_id), "text": text, "key": key, "reason": reason})


def left_behind(sessions, text: str, received_at: datetime, *, account: str = "sec1", channel: str = "wecom",
                key: str = "msg-1") -> int:
    """What a worker killed right after storing the raw message leaves: a row still `received`."""
    with sessions() as s:
        msg = InboundMessage(channel=channel, dedup_key=key, account=account, kind="text", text=text,
                             received_at=received_at, status="received")
        s.add(msg)
        s.commit()
        return msg.id


def test_a_message_left_behind_is_recorded_on_the_day_it_was_sent_and_answered_late(sessions, ids):
    sent_at = datetime(2022, 12, 25, 10, 5)  # 18:05 in Shanghai, the day before
    mid = left_behind(sessions, "今天开了支委会，应到9人，实到8人", sent_at)
    sender = Sender()
    conv = Conversation(sessions, lambda: NOW, sender)

    report = recover(conv, sender, now=NOW)

    assert (report.found, report.recovered, report.skipped, report.unsent) == (1, [mid], [], [])
    with sessions() as s:
        rec = s.scalars(select(ActivityRecord).where(ActivityRecord.message_id == mid)).one()
        assert (rec.branch_id, rec.code, rec.date.isoformat(), rec.expected, rec.present) == (
            ids["b0"], "branch_committee", "2022-12-25", 9, 8)  # "今天" is the day it was sent, not the day recovered
        msg = s.get(InboundMessage, mid)
        assert (msg.status, msg.person_id) == ("handled", ids["sec1"])
    [late] = sender.sent
    assert late["to"] == ("wecom", "sec1") and late["key"] == "reply:wecom:msg-1"
    first, rest = late["text"].split("\n", 1)
    assert first == "（补发）您12月25日18:05发的“今天开了支委会，应到9人，实到8人”当时没能及时处理，现在补上回复："
    assert rest == msg.reply_text and "支委会" in rest

    assert recover(conv, sender, now=NOW + timedelta(minutes=1)).found == 0  # nothing twice
    assert len(sender.sent) == 1


def test_only_messages_past_the_grace_and_within_a_day_are_taken(sessions, ids):
    fresh = left_behind(sessions, "今天开了党小组会", NOW - timedelta(seconds=30), key="fresh")  # maybe still running
    old = left_behind(sessions, "今天开了党小组会", NOW - timedelta(days=3), key="old")  # too late to answer
    sender = Sender()
    conv = Conversation(sessions, lambda: NOW, sender)

    assert recover(conv, sender, now=NOW).found == 0
    assert sender.sent == []
    # the office still sees both (`zhibu inbox stranded` has no age limit)
    assert [m.id for m in stranded(sessions, NOW, grace=timedelta(0), max_age=None)] == [old, fresh]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ActivityRecord)) == 0
        assert {s.get(InboundMessage, i).status for i in (fresh, old)} == {"received"}


def test_a_message_a_live_worker_holds_is_skipped(sessions, ids, engine):
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has no row locks: there the grace period alone keeps recovery off live messages")
    mid = left_behind(sessions, "今天开了支委会", NOW - timedelta(minutes=5))
    sender = Sender()
    conv = Conversation(sessions, lambda: NOW, sender)
    with engine.connect() as other:  # a worker still processing it holds its row lock
        other.execute(select(InboundMessage.id).where(InboundMessage.id == mid).with_for_update())
        report = recover(conv, sender, now=NOW)
        other.rollback()
    assert (report.found, report.recovered, report.skipped) == (1, [], [mid])
    assert sender.sent == []
    assert recover(conv, sender, now=NOW).recovered == [mid]  # once it is released (the worker died)


def test_a_stranger_left_behind_gets_the_unknown_sender_answer_on_its_channel(sessions, ids):
    left_behind(sessions, "你好", NOW - timedelta(minutes=10), account="nobody", channel="dingtalk", key="dt-9")
    sender = Sender()
    report = recover(Conversation(sessions, lambda: NOW, sender), sender, now=NOW)
    assert report.recovered and not report.unsent
    [late] = sender.sent
    assert late["to"] == ("dingtalk", "nobody") and late["key"] == "reply:dingtalk:dt-9"
    with sessions() as s:
        assert s.scalar(select(InboundMessage.status).where(InboundMessage.dedup_key == "dt-9")) == "unknown_sender"


def test_zhibu_inbox_lists_and_recovers(sessions, ids, engine, monkeypatch):
    from bot.cli import main

    now = datetime.now(timezone.utc).replace(tzinfo=None)
    left_behind(sessions, "今天开了支委会，应到9人，实到8人", now - timedelta(minutes=10), channel="web", key="w-1")
    monkeypatch.setenv("ZHIBU_DATABASE_URL", str(engine.url.render_as_string(hide_password=False)))
    monkeypatch.setenv("ZHIBU_WEB_CHAT", "on")
    runner = CliRunner()
    listed = runner.invoke(main, ["inbox", "stranded"])
    assert listed.exit_code == 0, listed.output
    assert "共 1 条" in listed.output and "今天开了支委会" in listed.output
    done = runner.invoke(main, ["inbox", "recover"])
    assert done.exit_code == 0, done.output
    assert "未答复消息：1 条，补处理 1 条" in done.output
    again = runner.invoke(main, ["inbox", "stranded"])
    assert "没有未答复的消息" in again.output
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ActivityRecord)) == 1


def test_an_event_left_behind_is_finished_without_a_late_greeting(sessions, ids):
    with sessions() as s:
        s.add(InboundMessage(channel="wecom", dedup_key="sec1:1672000000", account="sec1", kind="event",
                             received_at=NOW - timedelta(minutes=5), status="received"))
        s.commit()
    sender = Sender()
    report = recover(Conversation(sessions, lambda: NOW, sender), sender, now=NOW)
    assert len(report.recovered) == 1 and report.unsent == [] and sender.sent == []
    with sessions() as s:
        assert s.scalar(select(InboundMessage.status).where(InboundMessage.kind == "event")) != "received"
