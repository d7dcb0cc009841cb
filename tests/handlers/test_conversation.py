"""The conversation core's promises: raw message first, dedup, person resolution, never raising."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.conversation import Conversation
from bot.messages import Inbound, RecordingSender
from bot.models import ActivityRecord, InboundMessage, Person

from tests.support.committee import P


def test_retry_returns_stored_reply_and_acts_once(chat, sessions):
    first = chat.say("sec1", "今天开了支委会", P("record", "branch_committee"), channel="wecom", dedup="MSG-1")
    again = chat.say("sec1", "今天开了支委会", P("record", "branch_committee"), channel="wecom", dedup="MSG-1")
    assert not first.duplicate and again.duplicate and again.text == first.text
    with sessions() as s:
        assert s.scalar(select(func.count(ActivityRecord.id))) == 1
        assert s.scalar(select(func.count(InboundMessage.id))) == 1
    # the same key on another channel is another message
    other = chat.say("dt-sec1", "今天开了支委会", P("record", "branch_committee"), channel="dingtalk", dedup="MSG-1")
    assert not other.duplicate and "已经记录过了" in other.text


def test_unknown_sender_is_told_how_to_be_added(chat, sessions):
    r = chat.say("stranger", "今天开了支委会", P("record", "branch_committee"), channel="wecom")
    assert "名册" in r.text and "办公室" in r.text
    with sessions() as s:
        msg = s.scalars(select(InboundMessage)).one()
        assert (msg.account, msg.person_id, msg.status, msg.text) == ("stranger", None, "unknown_sender", "今天开了支委会")
        assert s.scalar(select(func.count(ActivityRecord.id))) == 0


def test_person_resolution_per_channel(chat, ids):
    assert "王书记" in chat.say("sec1", "帮助", P("help"), channel="wecom").text
    assert "王书记" in chat.say("dt-sec1", "帮助", P("help"), channel="dingtalk").text
    assert "名册" in chat.say("sec1", "帮助", P("help"), channel="dingtalk").text  # a wecom id is not a dingtalk id
    assert "王书记" in chat.say("dt-sec1", "帮助", P("help"), channel="web").text
    assert "王书记" in chat.say(str(ids["sec1"]), "帮助", P("help"), channel="console").text


def test_failure_is_stored_and_answered_kindly(sessions, ids):
    def boom(text, today):
        raise RuntimeError("parser exploded")

    conv = Conversation(sessions, lambda: __import__("datetime").datetime(2022, 12, 26, 2), RecordingSender(), parser=boom)
    r = conv.handle(Inbound(channel="wecom", account="sec1", dedup_key="X1", text="今天开了支委会"))
    assert "抱歉" in r.text and "Traceback" not in r.text and "exploded" not in r.text
    with sessions() as s:
        msg = s.scalars(select(InboundMessage)).one()
        assert msg.status == "failed" and "parser exploded" in msg.error and msg.text == "今天开了支委会"
    # a retry of the failed message is still recognised as a repeat
    assert conv.handle(Inbound(channel="wecom", account="sec1", dedup_key="X1", text="今天开了支委会")).duplicate


def test_not_understood_is_kept_for_the_office(chat, sessions):
    from bot.store import Store

    r = chat.say("sec1", "天气不错", P("unknown"))
    assert "没看懂" in r.text and "支委会" in r.text
    with sessions() as s:
        assert [m.text for m in Store(s).not_understood(s.scalars(select(Person)).first().org_id)] == ["天气不错"]


def test_help_differs_by_role(chat):
    assert "提交自评" in chat.say("sec1", "帮助", P("help")).text
    assert "打6分" in chat.say("lead1", "帮助", P("help")).text
    assert "全委排名" in chat.say("office1", "帮助", P("help")).text
    member = chat.say("mem1", "帮助", P("help")).text
    assert "多少分" in member and "记录活动" not in member


def test_stored_reply_tells_a_message_in_progress_from_a_finished_one(sessions, chat):
    from bot.models import InboundMessage

    with sessions() as s:
        s.add_all([InboundMessage(channel="wecom", dedup_key="busy", account="sec1", status="received"),
                   InboundMessage(channel="wecom", dedup_key="event", account="sec1", kind="event", status="handled"),
                   InboundMessage(channel="wecom", dedup_key="done", account="sec1", status="handled", reply_text="已记录")])
        s.commit()
    got = {k: chat.conv.stored_reply("wecom", k) for k in ("busy", "event", "done", "never")}
    assert got == {"busy": None, "event": "", "done": "已记录", "never": None}
