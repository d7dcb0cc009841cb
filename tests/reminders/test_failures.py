"""Issue 15, point 3: failed and stuck sends are visible with the platform's answer, and the office can retry them."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.config import Config
from bot.models import OutboundMessage, ReminderDelivery
from bot.platforms import build_sender
from bot.push.outbox import Backoff
from bot.reminders.delivery import RetryPolicy
from bot.reminders.failures import failed_sends, retry_reminders
from bot.reminders.planner import Planner
from tests.fakes.platform import FakePlatform

from .helpers import Clock, seed_org

ROBOT = "/cgi-bin/webhook/send"
REFUSED = {"errcode": 93000, "errmsg": "invalid webhook url"}


@pytest.fixture()
def platform():
    fake = FakePlatform().start()
    yield fake
    fake.stop()


def test_a_refused_reminder_is_listed_with_the_platforms_answer_and_can_be_retried(db_url, sessions, platform,
                                                                                     monkeypatch):
    with sessions() as s:
        ids = seed_org(s, webhook=platform.base)
    config = Config.from_env(env_file=None, database_url=db_url, wecom_api_base=platform.base, web_chat="off")
    sender = build_sender(config, sessions, backoff=Backoff(attempts=1))
    clock = Clock(datetime(2023, 1, 7, 1, 0))
    planner = Planner(sessions, sender, clock=clock, policy=RetryPolicy(max_attempts=2))
    platform.fail_next(ROBOT, REFUSED, REFUSED, REFUSED, REFUSED)  # both chats refuse, twice
    report = planner.run_day(date(2023, 1, 7))
    group_key = f"deadline:self:2023-01-10:lead3:group:{ids['g1']}"
    person_key = f"deadline:self:2023-01-10:lead3:person:{ids['qian']}"
    assert report.statuses[group_key] == "failed" and report.count("failed") == 3  # (no app for direct messages)
    clock.now += timedelta(hours=2)
    planner.retry_due()  # the second refusal: given up
    with sessions() as s:  # and one the dead process left stuck mid-send
        s.add(ReminderDelivery(key="stuck:1", org_id=ids["org"], kind="plan", payload={
            "to": "person", "recipient_id": ids["zhang"], "recipient_name": "张书记", "reason": "计划跟进",
            "text": "昨天的党课开了吗？"},
            status="sending", attempts=1, claimed_by="gone:1:x", claimed_until=datetime(2023, 1, 7, 1, 0)))
        s.commit()
        listed = {f.key: f for f in failed_sends(s, now=clock.now)}
    reminders = {k for k, f in listed.items() if f.what == "reminder"}
    assert reminders == {group_key, f"deadline:self:2023-01-10:lead3:org:{ids['org']}", person_key, "stuck:1"}
    # telling the office about the three given up failed too (this test configures no app for direct messages)
    assert sorted((k, f.state, f.error) for k, f in listed.items() if f.what == "message") == sorted(
        (f"failed:{k}:person:{ids['office']}", "gave_up", "no channel for this person") for k in reminders - {"stuck:1"})
    assert listed[person_key].error == "no channel for this person"
    assert (listed[group_key].state, listed[group_key].attempts, listed[group_key].error) == (
        "dead", 2, "93000: invalid webhook url")
    assert listed[group_key].target == "第一协作组群" and listed["stuck:1"].label.startswith("卡住")

    monkeypatch.setenv("ZHIBU_DATABASE_URL", db_url)
    out = CliRunner().invoke(main, ["remind", "--failed"]).output
    assert "已放弃 提醒 → 第一协作组群" in out and "平台答复：93000: invalid webhook url" in out
    assert "卡住（发送进程已停止，将被接手） 提醒 → 张书记：计划跟进" in out

    with sessions() as s:  # the office fixed the robot and asks for a retry
        assert retry_reminders(s, [group_key], now=clock.now) == [group_key]
        s.commit()
    retried = planner.delivery.retry_due()
    assert retried[group_key] == "sent"
    assert retried["stuck:1"] == "dead"  # taken over from the dead holder (and refused: no app for direct messages)
    with sessions() as s:
        assert s.scalars(select(OutboundMessage.status).where(OutboundMessage.idem_key == group_key)).one() == "sent"
        assert group_key not in {f.key for f in failed_sends(s, now=clock.now)}
    assert len([m for m in platform.messages(ROBOT) if m["args"].get("key") == "g1"]) == 1  # accepted once


def test_nothing_failed_says_so(db_url, engine, monkeypatch):
    monkeypatch.setenv("ZHIBU_DATABASE_URL", db_url)
    assert "没有发送失败或卡住的提醒和消息" in CliRunner().invoke(main, ["remind", "--failed"]).output
    r = CliRunner().invoke(main, ["remind", "--retry", "nope"])
    assert r.exit_code != 0 and "没有可重试的提醒：nope" in r.output
