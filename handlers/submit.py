"""submit: the year-end workflow, one confirmed step per tier, each step notifying the next person.

secretary -> self-evaluation (computed self-score shown first, "确认" submits, group leader notified);
group leader -> the group table (office notified); office -> final scores (leaders and secretaries notified).
On confirmation every item of the tier gets a score entry (a tier that left an item blank takes the
previous tier's score), so the exported columns are complete and the audit log shows who submitted.
"""
from __future__ import annotations

from typing import Any

from nlp.types import Parsed

from bot.models import Branch, Group
from bot import season
from bot.season import deadlines as deadline_dates

from .base import Context, ReplyData, refused
from .registry import IntentSpec
from .score import card_data
from .tiers import PREVIOUS, incident_points

INTENT = IntentSpec("submit", "提交评价", frozenset({"secretary", "group_leader", "office"}),
                    {"secretary": "提交自评", "group_leader": "提交协作组评分"})


OPENS_MONTH = 12  # a year's evaluation is submitted from its last month on (seed 000: self-evaluations by Jan 10)


def early(ctx: Context) -> bool:
    """The year under review is today's and its last month has not come: a group table or the office's final
    scores (which close the year) are refused; a self-evaluation is taken, said to be early (a later one replaces
    it)."""
    return ctx.year == ctx.today.year and ctx.today.month < OPENS_MONTH


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    role = ctx.person.role
    if early(ctx) and role != "secretary":  # the group's and the office's scores wait for the year's end
        return ReplyData("submit_too_early", {
            "year": ctx.year, "role": role, "due": deadline_dates(ctx.org, ctx.year)["group"],
            "closed": ctx.year - 1 if ctx.season.is_closed(ctx.year - 1) and ctx.year - 1 >= ctx.season.first_year else None})
    if role == "secretary":
        return _preview_self(ctx)
    if role == "group_leader":
        return _preview_group(ctx)
    return _preview_office(parsed, ctx)


def _preview_self(ctx: Context) -> ReplyData:
    branch = ctx.person.branch
    if branch is None:
        return refused(ctx, "提交自评", "您的账号没有关联党支部")
    card = ctx.card(branch)
    existing = ctx.store.submission(ctx.org.id, ctx.year, "self", branch_id=branch.id)
    due = deadline_dates(ctx.org, ctx.year)["self"]
    ctx.store.set_state(ctx.person.id, "confirm_submit", {"tier": "self", "branch_id": branch.id, "year": ctx.year},
                        ctx.expires(30))
    data = card_data(card, ctx)
    data.update(self_total=card.computed_total or card.total, existing=existing.total if existing else None,
                due=due, days=(due - ctx.today).days, early=early(ctx), today=ctx.today)
    return ReplyData("submit_self_preview", data)


def _group_rows(ctx: Context, group_id: int) -> list[dict]:
    selfs = {s.branch_id: s for s in ctx.store.submissions(ctx.org.id, ctx.year, "self")}
    rows = []
    for card in ctx.cards(group_id):
        bid = int(card.branch_id)
        rows.append({"name": card.name, "self": selfs[bid].total if bid in selfs else None, "submitted": bid in selfs,
                     "group": card.tier_totals.get("group", card.tier_totals.get("self", card.computed_total or card.total)),
                     "final": card.total, "grade": card.grade})
    return rows


def _preview_group(ctx: Context) -> ReplyData:
    group = ctx.person.group
    if group is None:
        return refused(ctx, "提交协作组评分", "您的账号没有关联协作组")
    rows = _group_rows(ctx, group.id)
    ctx.store.set_state(ctx.person.id, "confirm_submit", {"tier": "group", "group_id": group.id, "year": ctx.year},
                        ctx.expires(30))
    due = deadline_dates(ctx.org, ctx.year)["group"]
    return ReplyData("submit_group_preview", {"group": group.name, "year": ctx.year, "rows": rows,
                                              "missing": [r["name"] for r in rows if not r["submitted"]],
                                              "due": due, "days": (due - ctx.today).days})


def _preview_office(parsed: Parsed, ctx: Context) -> ReplyData:
    group = ctx.store.find_group(ctx.org.id, parsed.target) if parsed.target else None
    groups = [group] if group else ctx.store.groups(ctx.org.id)
    submitted = {s.group_id for s in ctx.store.submissions(ctx.org.id, ctx.year, "group")}
    ctx.store.set_state(ctx.person.id, "confirm_submit",
                        {"tier": "office", "group_id": group.id if group else None, "year": ctx.year}, ctx.expires(30))
    cards = ctx.cards(group.id if group else None)
    return ReplyData("submit_office_preview", {
        "scope": group.name if group else ctx.org.name, "year": ctx.year, "branches": len(cards),
        "groups": len(groups), "missing": [g.name for g in groups if g.id not in submitted]})


def confirm(ctx: Context, payload: dict, yes: bool) -> ReplyData:
    ctx.store.clear_state(ctx.person.id)
    if not yes:
        return ReplyData("cancelled", {})
    tier = payload.get("tier")
    needed = {"self": "secretary", "group": "group_leader", "office": "office", "close": "office",
              "reopen": "office"}.get(tier)
    if needed != ctx.person.role:
        return refused(ctx, "提交评价")
    if tier in ("close", "reopen"):
        from .season import confirm as season_confirm

        return season_confirm(ctx, payload)
    if payload.get("year") is not None and int(payload["year"]) != ctx.year:  # the year was closed meanwhile
        return ReplyData("season_moved", {"asked": int(payload["year"]), "year": ctx.year}, status="refused")
    if tier == "self":
        return _confirm_self(ctx, payload)
    if tier == "group":
        return _confirm_group(ctx, payload)
    return _confirm_office(ctx, payload)


def _fill(ctx: Context, card: Any, tier: str, overwrite: bool) -> list[dict]:
    """Give every item of `tier` a score entry: the computed score (self), else the previous tier's. The office's
    entry also takes off the incidents it recorded of that year (returned, for the reply): see handlers/tiers.py `incident_points`."""
    year = int(card.year)
    applied: list[dict] = []
    for it in card.items:
        if tier in it.tiers and not overwrite:
            continue
        value = it.points
        for prev in PREVIOUS[tier]:
            if prev in it.tiers:
                value = it.tiers[prev]
                taken = incident_points(it) if tier == "office" else 0.0
                if taken > 0:
                    value = round(max(0.0, value - taken), 2)  # 扣减分不超过单项指标的最高分: never below 0
                    applied.append({"branch": card.name, "item": it.id, "title": it.title, "points": taken})
                break
        if tier in it.tiers and it.tiers[tier] == value:
            continue
        ctx.store.set_score(branch_id=int(card.branch_id), year=year, tier=tier, item_id=it.id, points=value,
                            given_by=ctx.person.id, note="提交时填入", message_id=ctx.message_id, now=ctx.now)
    return applied


def _confirm_self(ctx: Context, payload: dict) -> ReplyData:
    branch = ctx.store.session.get(Branch, int(payload["branch_id"]))
    if branch is None or branch.id != ctx.person.branch_id:
        return refused(ctx, "提交自评")
    _fill(ctx, ctx.card(branch), "self", overwrite=True)
    card = ctx.card(branch)
    total = card.tier_totals.get("self", card.total)
    ctx.store.submit(org_id=ctx.org.id, year=ctx.year, tier="self", branch_id=branch.id, total=total,
                     submitted_by=ctx.person.id, message_id=ctx.message_id, now=ctx.now)
    leaders = ctx.store.group_leaders(branch.group_id)
    for leader in leaders:
        ctx.notify(leader.id, "notify_self_submitted", key=f"submit:self:{ctx.year}:{branch.id}:{ctx.message_id}:{leader.id}",
                   reason="self-evaluation submitted", branch=branch.name, year=ctx.year, total=total,
                   grade=card.grade, grade_assumed=card.grade_assumed, by=ctx.person.name)
    return ReplyData("submitted", {"tier": "self", "year": ctx.year, "total": total, "scope": branch.name,
                                   "notified": [p.name for p in leaders]})


def _confirm_group(ctx: Context, payload: dict) -> ReplyData:
    group_id = int(payload["group_id"])
    if group_id != ctx.person.group_id:
        return refused(ctx, "提交协作组评分")
    for card in ctx.cards(group_id):
        _fill(ctx, card, "group", overwrite=False)
    rows = _group_rows(ctx, group_id)
    ctx.store.submit(org_id=ctx.org.id, year=ctx.year, tier="group", group_id=group_id, total=None,
                     submitted_by=ctx.person.id, message_id=ctx.message_id, now=ctx.now)
    office = ctx.store.office_people(ctx.org.id)
    group = ctx.person.group
    for person in office:
        ctx.notify(person.id, "notify_group_submitted", key=f"submit:group:{ctx.year}:{group_id}:{ctx.message_id}:{person.id}",
                   reason="group table submitted", group=group.name, year=ctx.year, rows=rows, by=ctx.person.name)
    return ReplyData("submitted", {"tier": "group", "year": ctx.year, "total": None, "scope": group.name,
                                   "count": len(rows), "notified": [p.name for p in office]})


def _confirm_office(ctx: Context, payload: dict) -> ReplyData:
    group_id = payload.get("group_id")
    cards = ctx.cards(group_id)
    applied = [a for card in cards for a in _fill(ctx, card, "office", overwrite=False)]
    cards = ctx.cards(group_id)
    ctx.store.submit(org_id=ctx.org.id, year=ctx.year, tier="office", group_id=group_id, total=None,
                     submitted_by=ctx.person.id, message_id=ctx.message_id, now=ctx.now)
    notified = 0
    by_branch = {str(b.id): b for b in ctx.store.branches(ctx.org.id, group_id)}
    for card in cards:
        branch = by_branch.get(card.branch_id)
        if branch is None:
            continue
        for person in ctx.store.people(ctx.org.id, roles=("secretary",), branch_id=branch.id):
            ctx.notify(person.id, "notify_final", key=f"submit:office:{ctx.year}:{branch.id}:{ctx.message_id}:{person.id}",
                       reason="final score", branch=branch.name, year=ctx.year, total=card.total, grade=card.grade,
                       grade_assumed=card.grade_assumed)
            notified += 1
    leaders = [p for p in ctx.store.people(ctx.org.id, roles=("group_leader",))
               if group_id is None or p.group_id == group_id]
    for person in leaders:
        ctx.notify(person.id, "notify_final_group", key=f"submit:office:{ctx.year}:g{person.group_id}:{ctx.message_id}:{person.id}",
                   reason="final scores", group=person.group.name if person.group else "", year=ctx.year)
        notified += 1
    group = ctx.store.session.get(Group, group_id) if group_id else None
    closed = _close_if_complete(ctx)
    return ReplyData("submitted", {"tier": "office", "year": ctx.year, "total": None, "scope": group.name if group else ctx.org.name,
                                   "count": len(cards), "notified_count": notified, "notified": [], "closed": closed,
                                   "incidents": applied})


def _close_if_complete(ctx: Context) -> bool:
    """The office confirmed the final scores of every group (or the whole committee at once): a past year under
    review is closed (bot/season.py); the current year stays open until it is over."""
    if ctx.year >= ctx.today.year:
        return False
    done = {s.group_id for s in ctx.store.submissions(ctx.org.id, ctx.year, "office")}
    if None not in done and any(g.id not in done for g in ctx.store.groups(ctx.org.id)):
        return False
    return season.close(ctx.store, ctx.org, ctx.year, actor_id=ctx.person.id, message_id=ctx.message_id, now=ctx.now)
