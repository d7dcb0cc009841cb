"""Direct nudges during the year. Pure.

- A week (settings: nudge_days_before) before a month or a quarter ends, each branch still missing a
  required meeting for that period is told which one. What is required is bot/exports/gaps.py's one
  definition (the score card's count requirements of activities, `open_requirements`), the same the record
  book and the dashboard grid mark once the period has closed: the rubric decides, never this module.
- The day after a planned activity's date (table `plan`), whoever announced it is asked whether it
  was held, unless it has been recorded already.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

from bot.exports.gaps import open_requirements
from scoring.card import ScoreCard

from .calendar import OrgCalendar, first_role
from .types import BranchRef, PlanRef, Reminder


def _is_month_end(d: date) -> bool:
    return (d + timedelta(days=1)).day == 1


def period_end_nudges(cards: Iterable[tuple[BranchRef, ScoreCard]], cal: OrgCalendar, day: date) -> list[Reminder]:
    """Nudges due on `day`: only when a month (hence also a quarter, a year) ends `nudge_days_before` days later.

    Only required activities (meetings) are nudged; declarations such as the annual summary are left to the
    year-end reminders.
    """
    if not cal.enabled or cal.nudge_days_before <= 0:
        return []
    due = day + timedelta(days=cal.nudge_days_before)
    if not _is_month_end(due):
        return []
    out: list[Reminder] = []
    for branch, card in cards:
        missing = open_requirements(card, due)
        if not missing:
            continue
        items = [{"label": m.label, "period": m.period, "required": m.required, "done": m.done, "short": m.short}
                 for m in missing]
        summary = "、".join(f"{m.label}（{m.period}差{m.short:g}次）" for m in missing)
        for p in first_role(branch):
            out.append(Reminder(
                key=f"nudge:{due.isoformat()}:branch:{branch.id}:person:{p.id}", kind="nudge", to="person",
                recipient_id=p.id, recipient_name=f"{p.name}（{branch.name}）", template="nudge_period",
                context={"branch": branch.name, "person": p.name, "due": due, "days": cal.nudge_days_before,
                         "items": items},
                reason=f"{due.month}月{due.day}日前还差：{summary}", day=day))
    return out


def plan_followups(plans: Iterable[PlanRef], cal: OrgCalendar, day: date) -> list[Reminder]:
    """Plans whose date was `plan_followup_days` ago, still pending and not recorded: ask to confirm."""
    if not cal.enabled:
        return []
    held_on = day - timedelta(days=cal.plan_followup_days)
    out: list[Reminder] = []
    for plan in sorted(plans, key=lambda p: p.id):
        if plan.date != held_on or plan.status != "pending" or plan.recorded:
            continue
        for p in plan.ask:
            out.append(Reminder(
                key=f"plan:{plan.id}:confirm:person:{p.id}", kind="plan", to="person", recipient_id=p.id,
                recipient_name=f"{p.name}（{plan.branch_name}）", template="plan_followup",
                context={"branch": plan.branch_name, "person": p.name, "label": plan.label, "date": plan.date,
                         "topic": plan.topic, "plan_id": plan.id},
                reason=f"计划 {plan.date.month}月{plan.date.day}日 {plan.label}，尚未登记是否召开", day=day))
    return out
