"""export: hand the official tables over (Reply.files). The forms themselves come from bot/exports.

Office: every group's 汇总表 (annex 2), or one group's, or a branch's 自评表 (annex 1).
Group leader: their group's 汇总表, or the 自评表 of their group's branches.
"""
from __future__ import annotations

import os
from pathlib import Path

from nlp.types import Parsed

from .base import Context, ReplyData, refused

ROLES = frozenset({"group_leader", "office"})


def export_dir() -> Path:
    return Path(os.environ.get("ZHIBU_EXPORT_DIR", "var/exports"))


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    try:
        from bot.exports import annex1_xlsx, annex2_xlsx
    except ImportError:
        return ReplyData("export_unavailable", {})
    store, person = ctx.store, ctx.person
    form = getattr(parsed, "form", None)
    want_self = form == "self_evaluation" or (form is None and ("自评" in ctx.text or "附件1" in ctx.text))
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
    out = export_dir() / str(ctx.year)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    if branch is not None or want_self:
        branches = [branch] if branch is not None else store.branches(ctx.org.id, group.id if group else None)
        for b in branches:
            files.append(annex1_xlsx(store.session, b, ctx.year, ctx.as_of, out))
        form = "自评表"
    else:
        groups = [group] if group else store.groups(ctx.org.id)
        for g in groups:
            files.append(annex2_xlsx(store.session, ctx.org, g, ctx.year, ctx.as_of, out))
        form = "评分结果汇总表"
    return ReplyData("export", {"form": form, "year": ctx.year, "names": [p.name for p in files], "count": len(files)},
                     files=files)
