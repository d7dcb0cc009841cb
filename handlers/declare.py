"""declare: a fact the rubric scores that is not an activity ("年度工作计划已制定", "获得市级表彰", "保持4A等级").

Keys of the vocabulary's `awards` section become Award rows; the rest Declaration rows for the
evaluation year. Incidents (通报批评, 处分) are the office's: `zhibu incident add` or the dashboard.
"""
from __future__ import annotations

from datetime import date

from nlp.types import Parsed

from bot.store import AWARD_KEYS

from .base import BRANCH_ROLES, Context, ReplyData, refused
from .registry import IntentSpec
from .labels import vocabulary
from .values import check_day, impossible_day

INTENT = IntentSpec("declare", "登记完成事项", BRANCH_ROLES)
SCOPE = "own_branch"  # a message naming another branch or group is refused before this runs (handlers/dispatch.py)


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    if ctx.person.branch_id is None:
        return refused(ctx, "登记完成事项", "您的账号没有关联党支部")
    key = parsed.declaration
    vocab = vocabulary()
    if key in vocab.get("incidents", {}):
        return refused(ctx, "登记通报批评、处分等事项", "这类事项由综合党委办公室登记")
    if not key or (key not in vocab.get("declarations", {}) and key not in vocab.get("awards", {})):
        return ReplyData("declare_which", {}, status="not_understood")
    year = ctx.year
    value = None if (parsed.value or "").lower() in ("", "true", "yes") else parsed.value
    problem = impossible_day(ctx.text, ctx.today) if parsed.date is None else check_day(
        parsed.date, open_year=year, latest=ctx.today)
    if problem is not None:
        return problem.reply()
    day = parsed.date or (ctx.today if ctx.today.year == year else date(year, 12, 31))
    if key in AWARD_KEYS:
        return _award(ctx, key, value or "municipal", day, year)
    _, created = ctx.store.add_declaration(branch_id=ctx.person.branch_id, year=year, key=key, value=value,
                                           day=day, reported_by=ctx.person.id, message_id=ctx.message_id, now=ctx.now)
    return ReplyData("declare", {"key": key, "value": value, "award": False, "created": created, "year": year})


def _award(ctx: Context, key: str, level: str, day: date, year: int) -> ReplyData:
    """A branch's own award: stored once, and pending — it counts only after the office confirms it (a secretary
    could otherwise declare national-level awards, or one award twice, for up to +5 unchecked)."""
    note = ctx.text[:500] or None
    data = {"key": key, "value": level, "award": True, "year": year, "pending": True}
    for row in ctx.store.awards([ctx.person.branch_id], year, key=key):
        if row.level == level and (row.date == day or (note is not None and row.note == note)):
            return ReplyData("declare", {**data, "created": False, "pending": row.pending})
    ctx.store.add_award(branch_id=ctx.person.branch_id, key=key, level=level, day=day, note=note,
                        recorded_by=ctx.person.id, message_id=ctx.message_id, now=ctx.now, pending=True)
    return ReplyData("declare", {**data, "created": True})
