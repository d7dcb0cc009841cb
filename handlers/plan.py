"""plan: remember a future activity; the day after, ask the secretary whether it happened."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from nlp.types import Parsed

from bot.models import Plan
from bot.store import Store

from .base import BRANCH_ROLES, Context, ReplyData, refused
from .registry import IntentSpec
from .activities import is_planned, record_activities
from .values import check_day, impossible_day, plan_latest

INTENT = IntentSpec("plan", "登记活动计划", BRANCH_ROLES)
SCOPE = "own_branch"  # a message naming another branch or group is refused before this runs (handlers/dispatch.py)
ASK_WINDOW = timedelta(days=3)


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    if ctx.person.branch_id is None:
        return refused(ctx, "登记活动计划", "您的账号没有关联党支部")
    if not parsed.activities:
        return ReplyData("plan_which", {})
    if parsed.date is None:
        problem = impossible_day(ctx.text, ctx.today)  # "计划2月30日开…": the parser dropped the day
        return problem.reply() if problem else ReplyData("plan_when", {"codes": list(parsed.activities)})
    if not is_planned("plan", parsed.date, ctx.today):  # "计划" about a past day: it is a record
        return record_activities(ctx, list(dict.fromkeys(parsed.activities)), parsed.date, parsed)
    problem = check_day(parsed.date, open_year=ctx.year, latest=plan_latest(ctx.year), too_far=True)
    if problem is not None:
        return problem.reply()
    lines = []
    for code in dict.fromkeys(parsed.activities):
        _, created = ctx.store.add_plan(branch_id=ctx.person.branch_id, code=code, day=parsed.date, topic=parsed.topic,
                                        created_by=ctx.person.id, message_id=ctx.message_id, now=ctx.now)
        lines.append({"code": code, "created": created})
    return ReplyData("plan", {"lines": lines, "date": parsed.date, "ask": parsed.date + timedelta(days=1)})


def question(plan: Plan) -> tuple[str, dict]:
    return "plan_ask", {"code": plan.code, "date": plan.date}


def ask_next(store: Store, person_id: int, today: date, now: datetime) -> tuple[str, dict] | None:
    """The first due plan of this person: mark it asked and wait for 开了 / 没开."""
    due = store.due_plans(today, person_id=person_id)
    if not due:
        return None
    plan = due[0]
    plan.status, plan.asked_at = "asked", now
    store.set_state(person_id, "confirm_plan", {"plan_id": plan.id}, now + ASK_WINDOW)
    return question(plan)


def answer(ctx: Context, payload: dict, yes: bool) -> ReplyData:
    plan = ctx.store.plan(int(payload.get("plan_id", 0)))
    ctx.store.clear_state(ctx.person.id)
    if plan is None:
        return ReplyData("plan_gone", {})
    if not yes:
        plan.status = "cancelled"
        ctx.store.audit(ctx.person.id, "cancel", "plan", plan.id, {"status": "asked"}, {"status": "cancelled"},
                        ctx.message_id, ctx.now)
        return ReplyData("plan_cancelled", {"code": plan.code, "date": plan.date})
    problem = check_day(plan.date, open_year=ctx.year, latest=ctx.today)  # its year closed before the answer came
    if problem is not None:
        return problem.reply()
    plan.status = "held"
    ctx.store.audit(ctx.person.id, "held", "plan", plan.id, {"status": "asked"}, {"status": "held"}, ctx.message_id,
                    ctx.now)
    reply = record_activities(ctx, [plan.code], plan.date, Parsed(intent="record", topic=plan.topic))
    return reply
