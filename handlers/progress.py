"""query_progress: what is done, what is still missing and by when ("我的党课还差几次")."""
from __future__ import annotations

from nlp.types import Parsed

from .base import ALL_ROLES, Context, ReplyData, example_branch, target_branch
from .registry import IntentSpec

INTENT = IntentSpec("query_progress", "查询进度", ALL_ROLES,
                    {"secretary": "我的党课还差几次", "organiser": "我的党课还差几次"})
MAX_LINES = 8


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    branch, refusal = target_branch(parsed, ctx)
    if refusal is not None:
        return refusal
    if branch is None:
        return ReplyData("need_branch", {"example": f"{example_branch(ctx)}进度"})
    card = ctx.card(branch)
    codes = list(parsed.activities) or [None]
    rows = []
    for code in codes:
        for p in ctx.scorer.progress(card, code):
            rows.append(p)
    if parsed.activities and not rows:  # the rubric sets no count for it: say how many were held
        counts = [{"code": c, "count": ctx.store.count_activities(branch.id, c, ctx.year)} for c in parsed.activities]
        return ReplyData("progress_counts", {"branch": branch.name, "year": ctx.year, "counts": counts})
    short = [p for p in rows if p.period_short > 0]
    met = [p for p in rows if p.period_short <= 0]
    short.sort(key=lambda p: p.due)
    return ReplyData("progress", {
        "branch": branch.name, "year": ctx.year, "as_of": ctx.as_of, "focused": bool(parsed.activities),
        "short": [_row(p, ctx) for p in short[:MAX_LINES]], "more": max(0, len(short) - MAX_LINES),
        "met": [_row(p, ctx) for p in met], "total": card.total})


def _row(p, ctx: Context) -> dict:
    return {"label": p.label, "text": p.text, "short": p.period_short, "done": p.done, "required": p.required,
            "due": p.due, "days": (p.due - ctx.today).days, "requirement": p.requirement, "missed": p.missed}
