"""query_score: points, grade and deductions of a branch ("我们支部现在多少分", "还有哪些扣分项").

A long list of deductions is paged: the answer shows the first ones and says "回复“更多”"; the conversation state
(`MORE`, kept in the store, so any worker and any of the three databases answers the next message) remembers the
branch, the year and how many were shown, and "更多" (or "还有哪些扣分项" again) gives the next page of the same
list until the end (handlers/dispatch.py).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from bot.models import Branch
from nlp.types import Parsed

from .base import ALL_ROLES, Context, ReplyData, example_branch, fmt_points, target_branch
from .registry import IntentSpec
from .tiers import incidents_applied

INTENT = IntentSpec("query_score", "查询得分", ALL_ROLES,
                    {"organiser": "我们支部现在多少分", "member": "我们支部现在多少分"})
MAX_DEDUCTIONS = 6  # on a score card
PAGE = 10  # on a list of deductions ("还有哪些扣分项", then each "更多")
MORE = "more_deductions"  # the conversation state of a paged list
TIERS = ("office", "group", "self")  # the latest tier that scored an item wins (scoring/card.py ItemResult.final)
TIER_LABELS = {"office": "办公室评分", "group": "协作组评分", "self": "自评"}
TOTAL_LABELS = {"office": "最终得分", "group": "协作组评分", "self": "支部自评", None: "系统计算"}
DRAFT_OFFICE = "办公室评分"  # the office's scores before it confirmed the group's final scores


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    branch, refusal = target_branch(parsed, ctx)
    if refusal is not None:
        return refusal
    if branch is None and "扣分" in (ctx.text or ""):  # a leader or the office: deductions are a branch's
        return ReplyData("need_branch", {"example": f"{example_branch(ctx)}还有哪些扣分项"})
    if branch is None:  # a leader or the office asked without naming a branch: their ranking answers it
        from . import ranking

        return ranking.handle(parsed, ctx)
    year = asked_year(parsed, ctx)
    listing = "扣分" in (ctx.text or "")  # "还有哪些扣分项": the deductions, a page at a time
    card = _card(ctx, branch, year)
    data = card_data(card, ctx, shown=PAGE if listing else MAX_DEDUCTIONS, confirmed=_confirmed(ctx, branch, year))
    data["pending"] = ctx.scorer.pending_awards(ctx.store.session, branch, year)  # 待确认: not counted yet
    data["uncounted"] = _uncounted_incidents(ctx, card, branch) if data["tier"] else []
    data["state"] = ctx.season.state(year)
    if year == ctx.year and ctx.season.under_review and getattr(parsed, "period", None) != "last_year":
        data["current"] = {"year": ctx.today.year, "counts": _counts(ctx, branch, ctx.today.year)}  # say both years
    _remember(ctx, branch.id, year, len(data["deductions"]), data["more"])
    return ReplyData("score", data)


def asked_year(parsed: Parsed, ctx: Context) -> int:
    """去年 → last year; otherwise the year under review (bot/season.py)."""
    return ctx.today.year - 1 if getattr(parsed, "period", None) == "last_year" else ctx.year


def more(ctx: Context, payload: dict) -> ReplyData:
    """The next page of the deductions the last answer listed ("更多"), counted again from the store."""
    branch = ctx.store.session.get(Branch, int(payload["branch_id"]))
    year, start = int(payload["year"]), int(payload["shown"])
    if branch is None:
        ctx.store.clear_state(ctx.person.id)
        return ReplyData("score_more", {"rows": [], "count": 0, "start": start, "more": 0})
    data = card_data(_card(ctx, branch, year), ctx, shown=None, confirmed=_confirmed(ctx, branch, year))
    rows = data["deductions"][start:start + PAGE]
    left = max(0, len(data["deductions"]) - start - len(rows))
    _remember(ctx, branch.id, year, start + len(rows), left)
    return ReplyData("score_more", {
        "branch": data["branch"], "year": year, "state": ctx.season.state(year), "tier_label": data["tier_label"],
        "rows": rows, "start": start, "count": len(data["deductions"]), "more": left, "deducted": data["deducted"]})


def _uncounted_incidents(ctx: Context, card, branch: Branch) -> list[dict]:
    """Incidents the office recorded against an item a person had already scored (the self-evaluation scores
    every item): that person's score stands and the incident is not in the total — said, not left out silently."""
    days = {i.date for i in ctx.store.incidents(ctx.org.id, card.year) if i.branch_id == branch.id}
    return [{"item": it.id, "title": it.title, "reason": d.reason, "points": d.points}
            for it in card.items if days and it.tiers and it.final > it.points and not incidents_applied(it)
            for d in it.deductions if d.date in days and d.points > 0]


def _confirmed(ctx: Context, branch: Branch, year: int) -> Callable[[], bool]:
    """Whether the office confirmed the final scores of the branch's group for `year` (asked only when the office
    has scored an item: until it confirms, its scores are 办公室评分, not the 最终得分)."""
    return lambda: ctx.store.submission(ctx.org.id, year, "office", group_id=branch.group_id) is not None


def _card(ctx: Context, branch: Branch, year: int):
    """The branch's card of `year`: the year under review as every answer counts it, another year to its end."""
    if year == ctx.year:
        return ctx.card(branch)
    return ctx.scorer.branch_card(ctx.store.session, ctx.org, branch, year, min(ctx.today, date(year, 12, 31)))


def _remember(ctx: Context, branch_id: int, year: int, shown: int, left: int) -> None:
    """Keep the list's place for "更多" while some are left; a list shown to its end leaves nothing pending. A
    question of another kind still open (a planned meeting's "开了吗？") is set aside in the payload and comes back
    when the list ends or another message drops it (`resume`)."""
    st = ctx.store.state(ctx.person.id, ctx.now)
    if st is None or st.kind == MORE:
        aside = dict(st.payload or {}).get("resume") if st is not None else None
    else:
        aside = {"kind": st.kind, "payload": dict(st.payload or {}), "expires_at": st.expires_at.isoformat()}
    if left:
        payload = {"branch_id": branch_id, "year": year, "shown": shown}
        ctx.store.set_state(ctx.person.id, MORE, {**payload, "resume": aside} if aside else payload, ctx.expires(30))
    elif st is not None and st.kind == MORE:
        resume(ctx, dict(st.payload or {}))


def resume(ctx: Context, payload: dict) -> bool:
    """The list is over: the question it set aside is open again (True), or nothing is pending (False)."""
    aside = payload.get("resume")
    if aside and datetime.fromisoformat(aside["expires_at"]) > ctx.now:
        ctx.store.set_state(ctx.person.id, aside["kind"], aside["payload"], datetime.fromisoformat(aside["expires_at"]))
        return True
    ctx.store.clear_state(ctx.person.id)
    return False


def _counts(ctx: Context, branch, year: int) -> list[dict]:
    """The activities recorded so far in `year`, by kind (the new year's line of a two-year answer)."""
    from .labels import activity_label

    tally: dict[str, int] = {}
    for rec in ctx.store.activities(branch.id, year):
        tally[rec.code] = tally.get(rec.code, 0) + 1
    return [{"label": activity_label(code), "count": n} for code, n in tally.items()]


def card_data(card, ctx: Context, shown: int | None = MAX_DEDUCTIONS,
              confirmed: Callable[[], bool] = lambda: True) -> dict:
    """What score.j2 renders; `shown` deductions listed (None: all of them), the largest first. The office's
    scores are named 最终得分 only once `confirmed()`; before, 办公室评分 (still under review)."""
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
    final = tier == "office" and confirmed()
    return {
        "branch": card.name, "year": card.year, "as_of": card.as_of, "total": card.total, "base": card.base_total,
        "bonus": card.bonus_total, "grade": card.grade, "grade_assumed": card.grade_assumed, "vetoed": card.vetoed,
        "vetoes": [r for v in card.vetoes if v.triggered for r in (v.reasons or (v.title,))],
        "sections": [{"title": k, "points": v[0], "max": v[1]} for k, v in sections.items()],
        "deductions": deductions if shown is None else deductions[:shown],
        "more": 0 if shown is None else max(0, len(deductions) - shown),
        "deducted": sum(d["points"] for d in deductions),
        "tiers": dict(card.tier_totals), "tier": tier, "final": final,
        "tier_label": TOTAL_LABELS[tier] if tier != "office" or final else DRAFT_OFFICE,
    }
