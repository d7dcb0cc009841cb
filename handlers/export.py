"""export: hand the official tables over (Reply.files). The forms themselves come from bot/exports.

Office: every group's 汇总表 (annex 2), or one group's, or a branch's 自评表 (annex 1).
Group leader: their group's 汇总表, or the 自评表 of their group's branches.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from nlp.types import Parsed

from .base import Context, ReplyData, refused

ROLES = frozenset({"group_leader", "office"})


def export_dir() -> Path:
    return Path(os.environ.get("ZHIBU_EXPORT_DIR", "var/exports"))


def _safe(name: str) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", name).strip("_") or "export"


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    try:
        from bot.exports import write_annex1, write_annex2
    except ImportError:
        return ReplyData("export_unavailable", {})
    store, person = ctx.store, ctx.person
    want_self = "自评" in ctx.text or "附件1" in ctx.text
    group = store.find_group(ctx.org.id, parsed.target) if parsed.target else None
    branch = None if group or not parsed.target else store.find_branch(ctx.org.id, parsed.target)
    if parsed.target and group is None and branch is None:
        return ReplyData("branch_not_found", {"name": parsed.target})
    if person.role == "group_leader":
        if (group and group.id != person.group_id) or (branch and branch.group_id != person.group_id):
            return refused(ctx, "导出其他协作组的表格", "只能导出本协作组")
        group = group or (None if branch else person.group)
        if group is None and branch is None:
            return refused(ctx, "导出表格", "您的账号没有关联协作组")
    rubric = ctx.scorer.rubric(ctx.org)
    out = export_dir() / str(ctx.year)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    if branch is not None or want_self:
        cards = ([ctx.card(branch)] if branch is not None else ctx.cards(group.id if group else None))
        for card in cards:
            path = out / f"{ctx.year}_{_safe(card.name)}_自评表.xlsx"
            files.append(write_annex1(rubric, card, path, {"year": ctx.year, "branch": card.name}))
        form = "自评表"
    else:
        groups = [group] if group else store.groups(ctx.org.id)
        for g in groups:
            cards = ctx.cards(g.id)
            path = out / f"{ctx.year}_{_safe(g.name)}_评分结果汇总表.xlsx"
            files.append(write_annex2(rubric, cards, path, {"group": g.name, "year": ctx.year, "org": ctx.org.name}))
        form = "评分结果汇总表"
    return ReplyData("export", {"form": form, "year": ctx.year, "names": [p.name for p in files], "count": len(files)},
                     files=files)
