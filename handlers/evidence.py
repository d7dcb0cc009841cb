"""A photo or file sent within a few minutes after a record is attached to it as 佐证资料."""
from __future__ import annotations

from datetime import timedelta

from .base import BRANCH_ROLES, Context, ReplyData, refused

ROLES = BRANCH_ROLES
WINDOW = timedelta(minutes=10)
_WHAT = {"image": "图片", "file": "文件"}


def handle(_parsed, ctx: Context) -> ReplyData:
    media = ctx.media or {}
    if media.get("error"):  # the channel could not fetch the file: nothing to attach, only the apology
        return ReplyData("media_sorry", {"platform": media.get("platform") or "平台", "what": _WHAT.get(ctx.kind, "文件"),
                                         "why": media.get("error_text") or "下载失败"})
    if ctx.person.role not in ROLES:
        return refused(ctx, "提交佐证资料")
    rec = ctx.store.recent_activity_for_evidence(ctx.person.id, ctx.now - WINDOW)
    if rec is None:
        return ReplyData("evidence_orphan", {"kind": ctx.kind, "minutes": int(WINDOW.total_seconds() // 60)})
    ctx.store.add_evidence(rec, kind=ctx.kind, message_id=ctx.message_id, media=ctx.media, actor_id=ctx.person.id,
                           now=ctx.now)
    return ReplyData("evidence", {"kind": ctx.kind, "code": rec.code, "date": rec.date, "count": len(rec.evidence)})
