"""query_score: points, grade and deductions of a branch ("我们支部现在多少分", "还有哪些扣分项")."""
from __future__ import annotations

from nlp.types import Parsed

from .base import ALL_ROLES, Context, ReplyData, target_branch
from .registry import IntentSpec

INTENT = IntentSpec("query_score", "查询得分", ALL_ROLES,
                    {"organiser": "我们支部现在多少分", "member": "我们支部现在多少分"})
MAX_DEDUCTIONS = 6


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    branch, refusal = target_branch(parsed, ctx)
    if refusal is not None:
        return refusal
    if branch is None:  # a leader or the office asked without naming a branch: their ranking answers it
        from . import ranking

        return ranking.handle(parsed, ctx)
    data = card_data(ctx.card(branch), ctx)
    data["pending"] = ctx.scorer.pending_awards(ctx.store.session, branch, ctx.year)  # 待确认: not counted yet
    return ReplyData("score", data)


def card_data(card, ctx: Context) -> dict:
    sections: dict[str, list] = {}
    for it in card.items:
        entry = sections.setdefault(it.section, [0.0, 0.0])
        entry[0] += it.final
        entry[1] += it.max
    deductions = []
    for it in card.items:
        for d in it.deductions:
            deductions.append({"item": it.id, "title": it.title, "points": d.points, "reason": d.reason})
    deductions.sort(key=lambda d: -d["points"])
    return {
        "branch": card.name, "year": card.year, "as_of": card.as_of, "total": card.total, "base": card.base_total,
        "bonus": card.bonus_total, "grade": card.grade, "vetoed": card.vetoed,
        "vetoes": [r for v in card.vetoes if v.triggered for r in (v.reasons or (v.title,))],
        "sections": [{"title": k, "points": v[0], "max": v[1]} for k, v in sections.items()],
        "deductions": deductions[:MAX_DEDUCTIONS], "more": max(0, len(deductions) - MAX_DEDUCTIONS),
        "deducted": sum(d["points"] for d in deductions),
        "tiers": dict(card.tier_totals),
    }
