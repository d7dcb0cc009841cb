"""query_score: points, grade and deductions of a branch ("我们支部现在多少分", "还有哪些扣分项")."""
from __future__ import annotations

from datetime import date

from nlp.types import Parsed

from .base import ALL_ROLES, Context, ReplyData, fmt_points, target_branch
from .registry import IntentSpec

INTENT = IntentSpec("query_score", "查询得分", ALL_ROLES,
                    {"organiser": "我们支部现在多少分", "member": "我们支部现在多少分"})
MAX_DEDUCTIONS = 6
TIERS = ("office", "group", "self")  # the latest tier that scored an item wins (scoring/card.py ItemResult.final)
TIER_LABELS = {"office": "办公室评分", "group": "协作组评分", "self": "自评"}
TOTAL_LABELS = {"office": "最终得分", "group": "协作组评分", "self": "支部自评", None: "系统计算"}


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    branch, refusal = target_branch(parsed, ctx)
    if refusal is not None:
        return refusal
    if branch is None:  # a leader or the office asked without naming a branch: their ranking answers it
        from . import ranking

        return ranking.handle(parsed, ctx)
    year = asked_year(parsed, ctx)
    card = ctx.card(branch) if year == ctx.year else ctx.scorer.branch_card(
        ctx.store.session, ctx.org, branch, year, min(ctx.today, date(year, 12, 31)))
    data = card_data(card, ctx, every="扣分" in (ctx.text or ""))  # "还有哪些扣分项": every one of them
    data["pending"] = ctx.scorer.pending_awards(ctx.store.session, branch, year)  # 待确认: not counted yet
    data["state"] = ctx.season.state(year)
    if year == ctx.year and ctx.season.under_review:  # January: "现在多少分" could mean either year, say both
        data["current"] = {"year": ctx.today.year, "counts": _counts(ctx, branch, ctx.today.year)}
    return ReplyData("score", data)


def asked_year(parsed: Parsed, ctx: Context) -> int:
    """去年 → last year; otherwise the year under review (bot/season.py)."""
    return ctx.today.year - 1 if getattr(parsed, "period", None) == "last_year" else ctx.year


def _counts(ctx: Context, branch, year: int) -> list[dict]:
    """The activities recorded so far in `year`, by kind (the new year's line of a two-year answer)."""
    from .labels import activity_label

    tally: dict[str, int] = {}
    for rec in ctx.store.activities(branch.id, year):
        tally[rec.code] = tally.get(rec.code, 0) + 1
    return [{"label": activity_label(code), "count": n} for code, n in tally.items()]


def card_data(card, ctx: Context, every: bool = False) -> dict:
    sections: dict[str, list] = {}
    for it in card.items:
        entry = sections.setdefault(it.section, [0.0, 0.0])
        entry[0] += it.final
        entry[1] += it.max
    deductions = []
    tier = next((t for t in TIERS if any(t in it.tiers for it in card.items)), None)
    for it in card.items:
        given = next((t for t in TIERS if t in it.tiers), None)
        if given is not None and it.final != it.points:  # a person's score replaced the computed one
            if it.max - it.final > 0:
                deductions.append({"item": it.id, "title": it.title, "points": it.max - it.final,
                                   "reason": f"{it.title} {TIER_LABELS[given]}{fmt_points(it.final)}/{fmt_points(it.max)}"})
            continue
        for d in it.deductions:
            deductions.append({"item": it.id, "title": it.title, "points": d.points, "reason": d.reason})
    deductions.sort(key=lambda d: -d["points"])
    return {
        "branch": card.name, "year": card.year, "as_of": card.as_of, "total": card.total, "base": card.base_total,
        "bonus": card.bonus_total, "grade": card.grade, "vetoed": card.vetoed,
        "vetoes": [r for v in card.vetoes if v.triggered for r in (v.reasons or (v.title,))],
        "sections": [{"title": k, "points": v[0], "max": v[1]} for k, v in sections.items()],
        "deductions": deductions if every else deductions[:MAX_DEDUCTIONS],
        "more": 0 if every else max(0, len(deductions) - MAX_DEDUCTIONS),
        "deducted": sum(d["points"] for d in deductions),
        "tiers": dict(card.tier_totals), "tier": tier, "tier_label": TOTAL_LABELS[tier],
    }
