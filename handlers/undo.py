"""undo: "撤销" takes back the reporter's last record (or the one named); the audit log keeps it."""
from __future__ import annotations

from nlp.types import Parsed

from bot.models import ActivityRecord

from .base import BRANCH_ROLES, Context, ReplyData, refused

ROLES = BRANCH_ROLES


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    if ctx.person.branch_id is None:
        return refused(ctx, "撤销记录", "您的账号没有关联党支部")
    store, pid = ctx.store, ctx.person.id
    named = bool(parsed.activities or parsed.date)
    if named:
        code = parsed.activities[0] if parsed.activities else None
        rec = store.last_activity_by(pid, code=code, day=parsed.date, branch_id=ctx.person.branch_id)
        if rec is None:
            return ReplyData("undo_none", {"code": code, "date": parsed.date})
        target = rec
    else:
        candidates = [r for r in (store.last_activity_by(pid), store.last_declaration_by(pid), store.last_award_by(pid))
                      if r is not None]
        if not candidates:
            return ReplyData("undo_none", {"code": None, "date": None})
        target = max(candidates, key=lambda r: (r.created_at, r.id))
    if isinstance(target, ActivityRecord):
        store.soft_delete_activity(target, pid, ctx.message_id, ctx.now)
        return ReplyData("undo", {"what": "activity", "code": target.code, "date": target.date,
                                  "count": store.count_activities(target.branch_id, target.code, target.date.year)})
    store.soft_delete(target, pid, ctx.message_id, ctx.now)
    value = getattr(target, "value", None) or getattr(target, "level", None)
    return ReplyData("undo", {"what": "fact", "key": target.key, "value": value})
