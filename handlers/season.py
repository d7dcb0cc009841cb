"""season: the office closes (or reopens) an evaluation year — "关闭2022年度考核", "重新打开2022年度考核".

A phrase the parser does not know yet (nlp/ reads it as unknown): handlers/unknown.py asks `command` first. The
answer goes through the submit confirmation ("确认"/"取消", kind confirm_submit), so closing has one question
and one audit trail. Closing also happens on its own when the office confirms every group's final scores.
"""
from __future__ import annotations

import re

from bot import season

from .base import Context, ReplyData, refused

_COMMAND = re.compile(r"^\s*(关闭|结束|重新打开|重新开启|重开)\s*(\d{4})?\s*年?度?(?:考核|考评|评价)?\s*$")
_LOGIN = re.compile(r"^\s*办公室\s*登录\s*$")


def command(ctx: Context) -> ReplyData | None:
    """The reply to a season command or "办公室登录" (the login page tells people to send it); None otherwise."""
    if _LOGIN.match(ctx.text or ""):
        from . import dashboard_link

        return dashboard_link.handle(None, ctx)
    m = _COMMAND.match(ctx.text or "")
    if m is None or not (m.group(2) or "年" in ctx.text or "考核" in ctx.text):
        return None
    action = "close" if m.group(1) in ("关闭", "结束") else "reopen"
    if ctx.person.role != "office":
        return refused(ctx, "关闭年度考核" if action == "close" else "重新打开年度考核", "只有综合党委办公室可以操作")
    view = ctx.season
    year = int(m.group(2)) if m.group(2) else (view.review_year if action == "close" else ctx.today.year - 1)
    state = view.state(year)
    if action == "close" and state != season.REVIEW or action == "reopen" and state != season.CLOSED \
            or action == "reopen" and year != ctx.today.year - 1:
        return ReplyData("season_cannot", {"action": action, "year": year, "state": state,
                                           "review_year": view.review_year, "today_year": ctx.today.year},
                         status="refused")
    missing = []
    if action == "close":
        done = {s.group_id for s in ctx.store.submissions(ctx.org.id, year, "office")}
        missing = [] if None in done else [g.name for g in ctx.store.groups(ctx.org.id) if g.id not in done]
    ctx.store.set_state(ctx.person.id, "confirm_submit", {"tier": action, "year": year}, ctx.expires(30))
    return ReplyData("season_ask", {"action": action, "year": year, "missing": missing})


def confirm(ctx: Context, payload: dict) -> ReplyData:
    """The office said 确认: close or reopen the year (audited)."""
    year, action = int(payload["year"]), payload["tier"]
    change = season.close if action == "close" else season.reopen
    changed = change(ctx.store, ctx.org, year, actor_id=ctx.person.id, message_id=ctx.message_id, now=ctx.now)
    return ReplyData("season_done", {"action": action, "year": year, "changed": changed})
