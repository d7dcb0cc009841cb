"""Period-end nudges from score cards, and plan follow-ups; nudges against the card's gaps on the demo."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest

from bot.reminders.calendar import calendar_for
from bot.reminders.nudges import period_end_nudges, plan_followups
from bot.reminders.render import render
from bot.reminders.types import BranchRef, PersonRef, PlanRef
from scoring.card import ItemResult, Missing, ScoreCard

CAL = calendar_for(2022)


def card(branch_id: int, *missing: Missing, applies: bool = True) -> ScoreCard:
    item = ItemResult(id="3.3", section="三、组织建设", title="三会一课", max=7, points=7, source="seed 000 附件1 三.3",
                      applies=applies, missing=missing)
    return ScoreCard(rubric_id="seed000", branch_id=str(branch_id), name="x", year=2022, as_of=date(2022, 12, 24),
                     items=(item,), bonus=(), vetoes=(), base_total=100, bonus_total=0, total=100, grade="优秀")


BR = BranchRef(7, "机械协会党支部", 1, (PersonRef(20, "张书记"), PersonRef(30, "孙委员", "organiser")))
DEC = Missing("branch_committee", "支委会", 1, 0, "2022年12月", date(2022, 12, 31), "period")
Q4 = Missing("member_assembly", "支部党员大会", 1, 0, "2022年第4季度", date(2022, 12, 31), "period")
MET = Missing("party_lecture", "党课", 1, 1, "2022年第4季度", date(2022, 12, 31), "period")
PLAN_DECL = Missing("annual_summary", "年度工作总结", 1, 0, "2022年", date(2022, 12, 31), "declaration")


def test_a_week_before_month_end_only():
    cards = [(BR, card(7, DEC, Q4, MET, PLAN_DECL))]
    by_day = {d: period_end_nudges(cards, CAL, d)
              for d in (date(2022, 12, 1) + timedelta(days=i) for i in range(51))}
    days = [d for d, rs in by_day.items() if rs]
    assert days == [date(2022, 12, 24)]
    (r,) = by_day[date(2022, 12, 24)]
    assert r.key == "nudge:2022-12-31:branch:7:person:20" and r.to == "person" and r.recipient_id == 20
    text = render(r).text
    assert "支委会：2022年12月要求1次，已登记0次，还差1次" in text
    assert "支部党员大会：2022年第4季度要求1次" in text
    assert "党课" not in text.split("如“")[0] and "年度工作总结" not in text


def test_no_nudge_when_nothing_short_or_item_does_not_apply():
    assert period_end_nudges([(BR, card(7, MET))], CAL, date(2022, 12, 24)) == []
    assert period_end_nudges([(BR, card(7, DEC, applies=False))], CAL, date(2022, 12, 24)) == []


def test_biweekly_periods_do_not_nudge_mid_month():
    mid = Missing("group_meeting", "党小组会", 1, 0, "2022年11月第2个两周", date(2022, 11, 20), "period")
    assert period_end_nudges([(BR, card(7, mid))], CAL, date(2022, 11, 13)) == []


def test_organiser_is_nudged_when_there_is_no_secretary():
    br = BranchRef(8, "电子协会党支部", 1, (PersonRef(31, "周委员", "organiser"),))
    (r,) = period_end_nudges([(br, card(8, DEC))], CAL, date(2022, 12, 24))
    assert r.recipient_id == 31


def test_plan_follow_up_the_day_after_unless_recorded():
    ask = (PersonRef(20, "张书记"),)
    plans = [PlanRef(1, 7, "机械协会党支部", "branch_committee", "支委会", date(2022, 12, 20), ask=ask),
             PlanRef(2, 7, "机械协会党支部", "party_lecture", "党课", date(2022, 12, 20), recorded=True, ask=ask),
             PlanRef(3, 7, "机械协会党支部", "theme_day", "主题党日", date(2022, 12, 20), status="asked", ask=ask)]
    assert plan_followups(plans, CAL, date(2022, 12, 20)) == []
    (r,) = plan_followups(plans, CAL, date(2022, 12, 21))
    assert r.key == "plan:1:confirm:person:20"
    assert "原计划 12月20日 召开支委会，召开了吗？" in render(r).text
    assert plan_followups(plans, CAL, date(2022, 12, 22)) == []


def test_a_grouped_requirement_is_nudged_like_the_grid_marks_it():
    """The rule's own key (a group of codes, "集中活动") is an activity requirement too: it was dropped when nudges
    kept only activity codes, though the record book and the grid mark it."""
    grouped = Missing("集中活动", "集中活动", 1, 0, "2022年第4季度", date(2022, 12, 31), "period")
    (r,) = period_end_nudges([(BR, card(7, grouped))], CAL, date(2022, 12, 24))
    assert [i["label"] for i in r.context["items"]] == ["集中活动"]


@pytest.fixture()
def demo_2022(sessions):
    from bot.demo import seed_demo

    with sessions() as s:
        seed_demo(s, date(2023, 1, 5))  # 2022 in full
        s.commit()
        yield s


def test_every_missed_meeting_was_nudged_and_every_nudge_was_a_deduction_unless_held_in_the_last_week(demo_2022):
    """One definition of "required" (bot/exports/gaps.py): on every demo branch and every month end of 2022, what
    the card deducts for a period is what the nudge a week before asked for, less what was held in that week."""
    from bot import facts
    from bot.exports.gaps import activity_gaps
    from bot.models import ActivityRecord, Branch, Organisation

    s = demo_2022
    org = s.query(Organisation).one()
    names = {b.id: b.name for b in s.query(Branch).filter_by(org_id=org.id)}
    deducted_total = nudged_total = held_late = 0
    for month in range(1, 13):
        end = date(2022, month, calendar.monthrange(2022, month)[1])
        before = end - timedelta(days=CAL.nudge_days_before)
        at_end = {c.branch_id: c for c in facts.score_cards(s, org, 2022, end)}
        for c in facts.score_cards(s, org, 2022, before):
            ref = BranchRef(int(c.branch_id), names[int(c.branch_id)], None, (PersonRef(1, "书记"),))
            nudged = {(i["label"], i["period"]) for r in period_end_nudges([(ref, c)], CAL, before)
                      for i in r.context["items"]}
            deducted = {(g.label, g.period) for g in activity_gaps(at_end[c.branch_id]) if g.due == end}
            assert deducted <= nudged, (c.name, end, deducted - nudged)
            codes = {r.label: r.codes for it in c.items for r in it.requirements}
            for label, period in nudged - deducted:  # met after the nudge: something of it was held that week
                held = s.query(ActivityRecord).filter(
                    ActivityRecord.branch_id == int(c.branch_id), ActivityRecord.deleted_at.is_(None),
                    ActivityRecord.code.in_(codes[label]), ActivityRecord.date > before,
                    ActivityRecord.date <= end).count()
                assert held, (c.name, end, label, period)
                held_late += 1
            deducted_total += len(deducted)
            nudged_total += len(nudged)
    assert deducted_total >= 40 and nudged_total >= deducted_total
    assert held_late == nudged_total - deducted_total
