"""correct: "刚才那条改成党员大会", "日期改成12月25日", "把12月20日的支委会改成党员大会"."""
from __future__ import annotations

from nlp.types import Parsed

from .base import BRANCH_ROLES, EDIT_WINDOW, Context, ReplyData, refused
from .registry import IntentSpec
from .values import check_counts, check_day, impossible_day

INTENT = IntentSpec("correct", "修改记录", BRANCH_ROLES)
SCOPE = "own_branch"  # a message naming another branch or group is refused before this runs (handlers/dispatch.py)


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    if ctx.person.branch_id is None:
        return refused(ctx, "修改记录", "您的账号没有关联党支部")
    store, pid = ctx.store, ctx.person.id
    acts = list(parsed.activities)
    changes: dict = {}
    # Only the sender's current branch, reported within EDIT_WINDOW (as undo).
    scope = {"branch_id": ctx.person.branch_id, "since": ctx.edit_since}
    if len(acts) >= 2:  # "把<date>的A改成B": A (and the date) name the record, B is the new activity
        rec = store.last_activity_by(pid, code=acts[0], day=parsed.date, **scope)
        changes["code"] = acts[-1]
    elif parsed.subject:  # "刚才那条支委会的日期不对，应该是12月3日": the last 支委会, whatever came after it
        rec = store.last_activity_by(pid, code=parsed.subject, **scope)
        if parsed.date:
            changes["date"] = parsed.date
    else:
        rec = store.last_activity_by(pid, **scope)
        if acts:
            changes["code"] = acts[0]
        if parsed.date:
            changes["date"] = parsed.date
    if parsed.expected is not None:
        changes["expected"] = parsed.expected
    if parsed.present is not None:
        changes["present"] = parsed.present
    if parsed.speaker:
        changes["speaker"] = parsed.speaker
    if parsed.topic:
        changes["topic"] = parsed.topic[:500]
    if rec is None:
        named = acts[0] if len(acts) >= 2 else parsed.subject
        day = parsed.date if len(acts) >= 2 else None
        too_old = store.last_activity_by(pid, code=named, day=day, branch_id=ctx.person.branch_id) is not None
        return ReplyData("undo_none", {"code": named, "date": day, "too_old": too_old, "days": EDIT_WINDOW.days})
    changes = {k: v for k, v in changes.items() if getattr(rec, k) != v}
    problem = (impossible_day(ctx.text, ctx.today, "修改") if parsed.date is None else None) or (
        check_day(changes["date"], open_year=ctx.open_year_for(changes["date"]), action="修改") if "date" in changes else None) or (
        check_counts(changes.get("expected", rec.expected), changes.get("present", rec.present), action="修改")
        if "expected" in changes or "present" in changes else None)
    if problem is not None:
        return problem.reply()
    if not changes:
        return ReplyData("correct_what", {"code": rec.code, "date": rec.date})
    if "date" in changes and changes["date"] > ctx.today:
        return ReplyData("correct_future", {"date": changes["date"]})
    new_code, new_date = changes.get("code", rec.code), changes.get("date", rec.date)
    if ("code" in changes or "date" in changes) and store.find_activity(rec.branch_id, new_code, new_date,
                                                                         exclude_id=rec.id):
        return ReplyData("correct_clash", {"code": new_code, "date": new_date})
    old = {"code": rec.code, "date": rec.date}
    store.update_activity(rec, changes, pid, ctx.message_id, ctx.now)
    return ReplyData("correct", {"old": old, "code": rec.code, "date": rec.date, "expected": rec.expected,
                                 "present": rec.present, "changed": sorted(changes),
                                 "count": store.count_activities(rec.branch_id, rec.code, rec.date.year)})
