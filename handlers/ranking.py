"""ranking: a group leader gets their group, the office the committee or any group, a branch its own place."""
from __future__ import annotations

from nlp.types import Parsed

from .base import ALL_ROLES, READ_ROLES, Context, ReplyData, not_found, refused
from .registry import IntentSpec

INTENT = IntentSpec("ranking", "查询排名", ALL_ROLES,
                    {"group_leader": "本组排名", "office": "全委排名前十", "member": "支部排名"})
DEFAULT_TOP = 10


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    person, store = ctx.person, ctx.store
    if person.role in READ_ROLES:
        return _own_place(ctx)
    target = getattr(parsed, "target", None)
    group = store.find_group(ctx.org.id, target) if target else None
    if target and group is None:
        branch = store.find_branch(ctx.org.id, target)
        if branch is None:
            return not_found(ctx, target)
        group = branch.group
    if person.role == "group_leader":
        if group is not None and group.id != person.group_id:
            return refused(ctx, f"查看{group.name}的排名", "只能查看本协作组")
        narrowed = group is None and "全委" in (ctx.text or "")  # "全委排名前十": say it is the group's instead
        group = person.group
        if group is None:
            return refused(ctx, "查看排名", "您的账号没有关联协作组")
    else:
        narrowed = False
    cards = ctx.cards(group.id if group else None)
    ranked = ctx.scorer.rank(cards)
    top = parsed.top or (None if group is not None else DEFAULT_TOP)
    shown = ranked[:top] if top else ranked
    return ReplyData("ranking", {
        "scope": group.name if group else ctx.org.name, "year": ctx.year, "as_of": ctx.as_of, "count": len(ranked),
        "rows": [{"place": p, "name": c.name, "total": c.total, "grade": c.grade,
                  "grade_assumed": c.grade_assumed, "vetoed": c.vetoed} for p, c in shown],
        "top": top if top and top < len(ranked) else None,
        "narrowed": person.role == "group_leader" and narrowed})


def _own_place(ctx: Context) -> ReplyData:
    branch = ctx.person.branch
    if branch is None:
        return refused(ctx, "查看排名", "您的账号没有关联党支部")
    all_ranked = ctx.scorer.rank(ctx.cards())
    mine = str(branch.id)
    org_place = next(((p, c) for p, c in all_ranked if c.branch_id == mine), None)
    group_rows = [(p, c) for p, c in ctx.scorer.rank([c for _, c in all_ranked if c.group == (branch.group.name if branch.group else None)])]
    group_place = next((p for p, c in group_rows if c.branch_id == mine), None)
    card = org_place[1] if org_place else None
    return ReplyData("ranking_own", {
        "branch": branch.name, "year": ctx.year, "total": card.total if card else 0, "grade": card.grade if card else "",
        "grade_assumed": bool(card and card.grade_assumed),
        "org_place": org_place[0] if org_place else None, "org_count": len(all_ranked),
        "group": branch.group.name if branch.group else None, "group_place": group_place,
        "group_count": len(group_rows)})
