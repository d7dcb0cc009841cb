"""What one message costs the database, and the caches that keep it cheap (bench/README.md, callbacks).

The statement counts are ceilings: a change that adds a query to every message fails here instead of
showing up weeks later as a slower benchmark. Counted with SQLAlchemy's `before_cursor_execute` (BEGIN,
COMMIT and the pool's pre-ping are not statements of ours); transactions with the engine's `commit` event.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select, update

from bot.directory_cache import DirectoryCache
from bot.models import InboundMessage, Person, Plan

from tests.support.committee import P

# One record message: INSERT message (committed alone), read + lock it, conversation state, duplicate/count
# tally, INSERT record, INSERT audit, UPDATE message. Was 16 (bench/README.md) before the hot path was cut.
RECORD_STATEMENTS = 7
# Help: INSERT message, read + lock it, state, the person's branch and group (lazy loads), UPDATE message.
HELP_STATEMENTS = 6
# A score or progress question: INSERT message, read + lock it, state, the person's branch (lazy load, when not
# in the session yet), the branch's facts in ONE statement (bot/facts.py:branch_card), UPDATE message. Was 12.
QUERY_STATEMENTS = 6
# A score answer listing only the first deductions also keeps the list's place for "更多" (INSERT conversation_state).
PAGED_STATEMENTS = {"query_score": 1, "query_progress": 0}
TRANSACTIONS = 2  # the raw message is committed before it is processed
# MariaDB/MySQL: one more, a plain read of the message before the INSERT (bot/conversation.py: InnoDB would make a
# retry's duplicate INSERT wait for the first delivery's row lock and then deadlock).
INNODB_EXTRA = {"mysql": 1, "mariadb": 1}


@pytest.fixture()
def counted(engine):
    seen = {"statements": [], "commits": 0, "extra": INNODB_EXTRA.get(engine.dialect.name, 0)}

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(_conn, _cursor, statement, *_args) -> None:
        seen["statements"].append(" ".join(statement.split())[:120])

    @event.listens_for(engine, "commit")
    def _commit(_conn) -> None:
        seen["commits"] += 1

    def reset() -> None:
        seen["statements"].clear()
        seen["commits"] = 0

    seen["reset"] = reset
    yield seen
    event.remove(engine, "before_cursor_execute", _statement)
    event.remove(engine, "commit", _commit)


def test_record_message_statement_ceiling(chat, counted):
    chat.say("sec1", "帮助", P("help"))  # the sender's first message of the day fills the caches
    counted["reset"]()
    reply = chat.say("sec1", "今天开了支委会", P("record", "branch_committee"))
    assert "已记录" in reply.text
    assert len(counted["statements"]) <= RECORD_STATEMENTS + counted["extra"], counted["statements"]
    assert counted["commits"] == TRANSACTIONS


def test_help_message_statement_ceiling(chat, counted):
    chat.say("sec1", "帮助", P("help"))
    counted["reset"]()
    reply = chat.say("sec1", "帮助", P("help"))
    assert "王书记" in reply.text and "第一党支部" in reply.text
    assert len(counted["statements"]) <= HELP_STATEMENTS + counted["extra"], counted["statements"]
    assert counted["commits"] == TRANSACTIONS


@pytest.mark.parametrize("intent", ["query_score", "query_progress"])
def test_score_and_progress_statement_ceiling(chat, counted, intent):
    chat.say("sec1", "帮助", P("help"))
    counted["reset"]()
    reply = chat.say("sec1", "我们支部现在多少分", P(intent))
    assert "第一党支部" in reply.text
    facts = [s for s in counted["statements"] if "activity_record" in s or "declaration" in s or "score_entry" in s]
    assert len(facts) == 1, counted["statements"]  # the branch's facts: one UNION ALL
    assert len(counted["statements"]) <= QUERY_STATEMENTS + PAGED_STATEMENTS[intent] + counted["extra"], \
        counted["statements"]
    assert counted["commits"] == TRANSACTIONS


CHANNELS = pytest.mark.parametrize("channel", ["wecom", "console"])  # roster snapshot / one entry per account


@CHANNELS
def test_record_message_statement_ceiling_per_channel(chat, counted, channel):
    chat.say("sec1", "帮助", P("help"), channel=channel)
    counted["reset"]()
    assert "已记录" in chat.say("sec1", "今天开了支委会", P("record", "branch_committee"), channel=channel).text
    assert len(counted["statements"]) <= RECORD_STATEMENTS + counted["extra"], counted["statements"]


@CHANNELS
def test_person_and_organisation_are_read_once_per_ttl(chat, counted, channel):
    chat.say("sec1", "帮助", P("help"), channel=channel)
    counted["reset"]()
    chat.say("sec1", "帮助", P("help"), channel=channel)
    chat.say("sec2", "帮助", P("help"), channel=channel)  # wecom: another person from the same snapshot
    chat.say("sec1", "今天开了支委会", P("record", "branch_committee"), channel=channel)
    people = [s for s in counted["statements"] if s.startswith("SELECT person.") or "FROM organisation" in s]
    assert len(people) == (0 if channel == "wecom" else 1), people  # console: sec2's own first lookup
    assert not [s for s in counted["statements"] if "FROM plan" in s]  # due plans: once per person per day


@CHANNELS
def test_a_role_change_through_the_orm_is_seen_at_once(chat, sessions, ids, channel):
    assert "已记录" in chat.say("sec1", "今天开了支委会", P("record", "branch_committee"), channel=channel).text
    with sessions() as s:
        s.get(Person, ids["sec1"]).role = "member"
        s.commit()
    assert "已记录" not in chat.say("sec1", "今天开了党小组会", P("record", "group_meeting"), channel=channel).text
    with sessions() as s:
        s.get(Person, ids["sec1"]).active = False
        s.commit()
    assert "名册" in chat.say("sec1", "帮助", P("help"), channel=channel).text


@CHANNELS
def test_a_change_by_another_process_is_seen_within_the_ttl(chat, engine, ids, channel):
    clock = [0.0]
    chat.conv.directory = DirectoryCache(ttl=60.0, clock=lambda: clock[0])
    assert "已记录" in chat.say("sec1", "今天开了支委会", P("record", "branch_committee"), channel=channel).text
    with engine.begin() as conn:  # a Core write on its own connection: what another process's import looks like
        conn.execute(update(Person.__table__).where(Person.__table__.c.id == ids["sec1"]).values(role="member"))
    clock[0] = 59.0
    assert "已记录" in chat.say("sec1", "今天开了党小组会", P("record", "group_meeting"), channel=channel).text  # cached
    clock[0] = 61.0
    assert "已记录" not in chat.say("sec1", "今天开了主题党日", P("record", "theme_day"), channel=channel).text


@CHANNELS
def test_unknown_account_is_not_cached(chat, engine, ids, channel):
    assert "名册" in chat.say("newcomer", "帮助", P("help"), channel=channel).text
    with engine.begin() as conn:  # imported by another process: no ORM event here
        conn.execute(Person.__table__.insert().values(org_id=ids["org"], name="新书记", role="secretary",
                                                      branch_id=ids["b1"], wecom_userid="newcomer", active=True))
    assert "新书记" in chat.say("newcomer", "帮助", P("help"), channel=channel).text


def test_a_plan_due_today_written_after_the_check_is_still_asked(chat, sessions, ids, today):
    chat.say("sec1", "帮助", P("help"))  # checked: nothing due today
    with sessions() as s:
        s.add(Plan(branch_id=ids["b0"], code="theme_day", date=today - timedelta(days=1), created_by=ids["sec1"]))
        s.commit()
    assert "开了吗" in chat.say("sec1", "帮助", P("help")).text


def test_failure_after_the_store_keeps_the_message_and_rolls_back_the_work(chat, sessions, ids, monkeypatch):
    import handlers.record as record

    def boom(*_a, **_k):
        raise RuntimeError("handler exploded")

    monkeypatch.setattr(record, "record_activities", boom)
    reply = chat.say("sec1", "今天开了支委会", P("record", "branch_committee"), dedup="BOOM-1")
    assert "抱歉" in reply.text
    with sessions() as s:
        msg = s.scalars(select(InboundMessage).where(InboundMessage.dedup_key == "BOOM-1")).one()
        assert (msg.status, msg.person_id) == ("failed", None) and "handler exploded" in msg.error
        assert msg.received_at is not None and msg.text == "今天开了支委会"
