"""The planner against the store (every backend): a frozen clock across the whole season, retries, failures."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.messages import RecordingSender
from bot.models import Plan, ReminderDelivery
from bot.reminders.delivery import RetryPolicy
from bot.reminders.planner import Planner, latest_run_day
from bot.reminders.calendar import calendar_for
from scoring.card import ItemResult, Missing, ScoreCard

from .helpers import Clock, FlakySender, add_plan, seed_org, submit

FAST = RetryPolicy(max_attempts=4, base_seconds=60, factor=2, cap_seconds=600, claim_seconds=60)


def season():
    d = date(2022, 12, 1)
    while d <= date(2023, 1, 20):
        yield d
        d += timedelta(days=1)


def morning(day: date) -> datetime:
    """09:00 in Asia/Shanghai, as the store's naive UTC."""
    return datetime(day.year, day.month, day.day, 1, 0)


def cards_with_december_gap(ids):
    def source(session, org, year, as_of):
        missing = (Missing("branch_committee", "支委会", 1, 0, f"{year}年12月", date(year, 12, 31), "period"),)
        item = ItemResult(id="3.3", section="三、组织建设", title="三会一课", max=7, points=7, source="s", missing=missing)
        c = ScoreCard(rubric_id="seed000", branch_id=str(ids["b2"]), name="电子协会党支部", year=year, as_of=as_of,
                      items=(item,), bonus=(), vetoes=(), base_total=100, bonus_total=0, total=100, grade="优秀")
        return [(ids["b2"], c)]
    return source


def test_whole_season_exact_pushes(sessions):
    with sessions() as s:
        ids = seed_org(s)
        plan_id = add_plan(s, ids["b1"], "branch_committee", date(2022, 12, 20), ids["zhang"])
    clock, sender = Clock(), RecordingSender()
    planner = Planner(sessions, sender, clock=clock, cards=cards_with_december_gap(ids))
    events = {date(2023, 1, 5): ("self", "b1"), date(2023, 1, 9): ("self", "b3"), date(2023, 1, 11): ("self", "b2"),
              date(2023, 1, 17): ("group", "g1")}
    per_day: dict[date, list[str]] = {}
    for day in season():
        if day in events:
            tier, who = events[day]
            with sessions() as s:
                submit(s, ids["org"], tier, **({"branch_id": ids[who]} if tier == "self" else {"group_id": ids[who]}))
        clock.now = morning(day)
        before = len(sender.sent)
        planner.run_day(day)
        planner.run_day(day)  # a second run (another instance, a restart) sends nothing new
        keys = [m["key"] for m in sender.sent[before:]]
        if keys:
            per_day[day] = keys
    o = ids["org"]
    sk, gk = "deadline:self:2023-01-10", "deadline:group:2023-01-19"
    assert per_day == {
        date(2022, 12, 21): [f"plan:{plan_id}:confirm:person:{ids['zhang']}"],
        date(2022, 12, 24): [f"nudge:2022-12-31:branch:{ids['b2']}:person:{ids['zhao']}"],
        date(2023, 1, 3): [f"{sk}:lead7:group:{ids['g1']}", f"{sk}:lead7:person:{ids['qian']}", f"{sk}:lead7:org:{o}"],
        date(2023, 1, 7): [f"{sk}:lead3:group:{ids['g1']}", f"{sk}:lead3:person:{ids['qian']}", f"{sk}:lead3:org:{o}"],
        date(2023, 1, 9): [f"{sk}:lead1:group:{ids['g1']}", f"{sk}:lead1:org:{o}"],
        date(2023, 1, 10): [f"{sk}:lead0:group:{ids['g1']}", f"{sk}:lead0:org:{o}"],
        date(2023, 1, 12): [f"{gk}:lead7:group:{ids['g1']}", f"{gk}:lead7:person:{ids['li']}", f"{gk}:lead7:org:{o}"],
        date(2023, 1, 16): [f"{gk}:lead3:group:{ids['g1']}", f"{gk}:lead3:person:{ids['li']}", f"{gk}:lead3:org:{o}"],
        date(2023, 1, 18): [f"{gk}:lead1:person:{ids['li']}", f"{gk}:lead1:org:{o}"],
        date(2023, 1, 19): [f"{gk}:lead0:person:{ids['li']}", f"{gk}:lead0:org:{o}"],
    }
    jan7 = {m["key"]: m for m in sender.sent}[f"{sk}:lead3:group:{ids['g1']}"]
    assert jan7["to"] == "target" and jan7["id"] == ids["t1"] and jan7["mentions"] == [ids["zhao"]]
    assert "未提交 1：电子协会党支部（赵书记）" in jan7["text"] and "已撤销" not in jan7["text"]
    with sessions() as s:
        assert s.get(Plan, plan_id).status == "asked"
        assert s.scalar(select(ReminderDelivery.status).distinct()) == "sent"


def test_plan_already_recorded_or_confirmed_is_not_asked(sessions):
    from bot.models import ActivityRecord

    with sessions() as s:
        ids = seed_org(s)
        add_plan(s, ids["b1"], "party_lecture", date(2022, 12, 20), ids["zhang"])
        s.add(ActivityRecord(branch_id=ids["b1"], code="party_lecture", date=date(2022, 12, 20)))
        s.commit()
    sender = RecordingSender()
    Planner(sessions, sender, clock=Clock(morning(date(2022, 12, 21))), cards=lambda *a: []).run_day(date(2022, 12, 21))
    assert sender.sent == []


def test_flaky_endpoint_every_reminder_arrives_once(sessions):
    """A third of the calls fail: retries with backoff get every reminder through, each exactly once."""
    with sessions() as s:
        ids = seed_org(s)
    clock, sender = Clock(), FlakySender(every=3)
    planner = Planner(sessions, sender, clock=clock, policy=FAST, cards=lambda *a: [])
    expected: set[str] = set()
    for day in season():
        clock.now = morning(day)
        report = planner.run_day(day)
        expected |= set(report.statuses)
        for _ in range(10):  # the retry job, every few minutes of frozen time
            clock.now += timedelta(minutes=5)
            planner.retry_due()
    keys = [m["key"] for m in sender.sent]
    assert sender.failures >= 7
    assert len(keys) == len(set(keys)) == len(expected) == 24  # 8 days x (group chat, direct message, committee)
    with sessions() as s:
        rows = s.scalars(select(ReminderDelivery)).all()
        assert {r.status for r in rows} == {"sent"}
        assert max(r.attempts for r in rows) >= 2


@dataclass
class DeadChatSender(RecordingSender):
    """Group chats are unreachable; direct messages work."""

    def send_to_target(self, *a, **kw) -> bool:
        raise ConnectionError("robot webhook answered 93000 invalid webhook url")


def test_given_up_reminder_is_visible_and_the_office_is_told(sessions):
    with sessions() as s:
        ids = seed_org(s)
    day = date(2023, 1, 7)
    clock, sender = Clock(morning(day)), DeadChatSender()
    planner = Planner(sessions, sender, clock=clock, policy=FAST, cards=lambda *a: [])
    report = planner.run_day(day)
    assert report.count("failed") == 2 and report.count("sent") == 1
    with sessions() as s:
        row = s.scalars(select(ReminderDelivery).where(ReminderDelivery.key.like("%group:%"))).one()
        assert row.next_attempt_at == clock.now + timedelta(seconds=60)
    for _ in range(20):
        clock.now += timedelta(minutes=10)
        planner.retry_due()
    with sessions() as s:
        dead = s.scalars(select(ReminderDelivery).where(ReminderDelivery.status == "dead")).all()
        assert len(dead) == 2 and all(r.attempts == FAST.max_attempts for r in dead)
        assert "93000" in dead[0].last_error
    told = [m for m in sender.sent if m["key"].startswith("failed:")]
    assert [m["id"] for m in told] == [ids["office"], ids["office"]]
    assert "提醒发送失败" in told[0]["text"] and "93000" in told[0]["text"]


def test_retry_waits_out_quiet_hours(sessions):
    with sessions() as s:
        seed_org(s)
    day = date(2023, 1, 7)
    clock = Clock(datetime(2023, 1, 7, 12, 59))  # 20:59 local: the retry would fall at 21:00
    planner = Planner(sessions, DeadChatSender(), clock=clock, policy=FAST, cards=lambda *a: [])
    planner.run_day(day)
    with sessions() as s:
        nxt = {r.next_attempt_at for r in s.scalars(select(ReminderDelivery).where(ReminderDelivery.status == "failed"))}
    assert nxt == {datetime(2023, 1, 8, 0, 0)}  # 08:00 local next morning


def test_latest_run_day():
    cal = calendar_for(2022)
    assert latest_run_day(cal, datetime(2023, 1, 7, 9, 0)) == date(2023, 1, 7)
    assert latest_run_day(cal, datetime(2023, 1, 7, 8, 59)) == date(2023, 1, 6)
