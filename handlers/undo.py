"""undo: "撤销" takes back the reporter's last record (or the one named); the audit log keeps it.

Only records of the sender's current branch, reported within EDIT_WINDOW (handlers/base.py): someone moved to
another branch cannot touch the old one's records, and "撤销" never reaches a record weeks old."""
from __future__ import annotations

from nlp.types import Parsed

from bot.models import ActivityRecord

from .base import BRANCH_ROLES, EDIT_WINDOW, Context, ReplyData, refused
from .registry import IntentSpec

INTENT = IntentSpec("undo", "撤销记录", BRANCH_ROLES)
SCOPE = "own_branch"  # a message naming another branch or group is refused before this runs (handlers/dispatch.py)


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    if ctx.person.branch_id is None:
        return refused(ctx, "撤销记录", "您的账号没有关联党支部")
    store, pid, bid, since = ctx.store, ctx.person.id, ctx.person.branch_id, ctx.edit_since
    named = bool(parsed.activities or parsed.date)
    if named:
        code = parsed.activities[0] if parsed.activities else None
        rec = store.last_activity_by(pid, code=code, day=parsed.date, branch_id=bid, since=since)
        if rec is None:
            too_old = store.last_activity_by(pid, code=code, day=parsed.date, branch_id=bid) is not None
            return ReplyData("undo_none", {"code": code, "date": parsed.date, "too_old": too_old,
                                           "days": EDIT_WINDOW.days})
        target = rec
    else:
        candidates = [r for r in (store.last_activity_by(pid, branch_id=bid, since=since),
                                  store.last_declaration_by(pid, branch_id=bid, since=since),
                                  store.last_award_by(pid, branch_id=bid, since=since)) if r is not None]
        if not candidates:
            too_old = store.last_activity_by(pid, branch_id=bid) is not None
            return ReplyData("undo_none", {"code": None, "date": None, "too_old": too_old, "days": EDIT_WINDOW.days})
        target = max(candidates, key=lambda r: (r.created_at, r.id))
    if isinstance(target, ActivityRecord):
        store.soft_delete_activity(target, pid, ctx.message_id, ctx.now)
        return ReplyData("undo", {"what": "activity", "code": target.code, "date": target.date,
                                  "count": store.count_activities(target.branch_id, target.code, target.date.year)})
    store.soft_delete(target, pid, ctx.message_id, ctx.now)
    value = getattr(target, "value", None) or getattr(target, "level", None)
    return ReplyData("undo", {"what": "fact", "key": target.key, "value": value})
