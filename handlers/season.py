"""season: the office closes (or reopens) an evaluation year — "关闭2022年度考核", "重新打开2022年度考核".

nlp reads these as intent `season` with `action` (close/reopen) and `year` (None: the year under review to
close, last year to reopen). The answer goes through the submit confirmation ("确认"/"取消", kind confirm_submit),
so closing has one question and one audit trail. Closing also happens on its own when the office confirms every
group's final scores. ("办公室登录" is nlp's export of form `dashboard`: handlers/dashboard_link.py.)
"""
from __future__ import annotations

from bot import season
from nlp.types import Parsed

from .base import ALL_ROLES, Context, ReplyData, refused
from .registry import IntentSpec

# Anyone may ask; the handler refuses everyone but the office in its own words ("只有综合党委办公室可以操作").
INTENT = IntentSpec("season", "关闭或重新打开年度考核", ALL_ROLES)


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    """Ask the office to confirm closing or reopening the year; refuse anyone else."""
    action = parsed.action or "close"
    if ctx.person.role != "office":
        return refused(ctx, "关闭年度考核" if action == "close" else "重新打开年度考核", "只有综合党委办公室可以操作")
    view = ctx.season
    year = parsed.year or (view.review_year if action == "close" else ctx.today.year - 1)
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
