"""deadline: days left to the next deadline that concerns the asker."""
from __future__ import annotations

from nlp.types import Parsed

from bot.season import deadlines as deadline_dates

from .base import ALL_ROLES, BRANCH_ROLES, Context, ReplyData
from .registry import IntentSpec

INTENT = IntentSpec("deadline", "查询截止时间", ALL_ROLES, {"member": "还有多少天截止"})


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    person, store, year = ctx.person, ctx.store, ctx.year
    dates = deadline_dates(ctx.org, year)
    data: dict = {"year": year, "today": ctx.today, "role": person.role}
    if person.role == "group_leader":
        tier, due = "group", dates["group"]
        done = store.submission(ctx.org.id, year, "group", group_id=person.group_id) if person.group_id else None
        branches = store.branches(ctx.org.id, person.group_id) if person.group_id else []
        selfs = {s.branch_id for s in store.submissions(ctx.org.id, year, "self")}
        data.update(received=sum(1 for b in branches if b.id in selfs), branches=len(branches),
                    self_due=dates["self"], missing=[b.name for b in branches if b.id not in selfs])
    elif person.role == "office":
        tier, due = "group", dates["group"]
        done = store.submission(ctx.org.id, year, "office")
        groups = store.groups(ctx.org.id)
        submitted = {s.group_id for s in store.submissions(ctx.org.id, year, "group")}
        selfs = {s.branch_id for s in store.submissions(ctx.org.id, year, "self")}
        data.update(received=sum(1 for g in groups if g.id in submitted), groups=len(groups), self_due=dates["self"],
                    missing_groups=[g.name for g in groups if g.id not in submitted],
                    missing=[b.name for b in store.branches(ctx.org.id) if b.id not in selfs])
    else:
        tier, due = "self", dates["self"]
        done = store.submission(ctx.org.id, year, "self", branch_id=person.branch_id) if person.branch_id else None
        nxt = _next_requirement(ctx) if person.role in BRANCH_ROLES and person.branch is not None else None
        data["next"] = nxt
    data.update(tier=tier, due=due, days=(due - ctx.today).days,
                submitted_at=done.submitted_at.date() if done else None)
    return ReplyData("deadline", data)


def _next_requirement(ctx: Context) -> dict | None:
    """The nearest activity requirement still open (a month or quarter ending without its meeting)."""
    card = ctx.card(ctx.person.branch)
    open_rows = [p for p in ctx.scorer.progress(card) if p.period_short > 0 and p.due >= ctx.today]
    if not open_rows:
        return None
    p = min(open_rows, key=lambda r: r.due)
    return {"label": p.label, "short": p.period_short, "due": p.due, "days": (p.due - ctx.today).days}
