"""export: hand the forms over (Reply.files). The forms themselves come from bot/exports.

Secretary: their own branch's 自评表 (annex 1), 活动记录本 and 工作总结提纲 — all three unless one is named — the
papers the notice (seed 000, 三、有关要求) makes them hand in by Jan 10.
Group leader: their group's 汇总表, or a branch form (自评表 / 记录本 / 总结提纲) of their group's branches.
Office: every group's 汇总表 (annex 2), or one group's, or any branch's forms.

The files go one-to-one: each channel sends Reply.files to the asker alone (WeChat Work and DingTalk file messages
to the person, never into the group the question came from; the web chat a short-lived link in their own chat).
"""
from __future__ import annotations

from pathlib import Path

from nlp.types import Parsed

from .base import Context, ReplyData, refused
from .registry import IntentSpec

INTENT = IntentSpec("export", "导出表格", frozenset({"secretary", "group_leader", "office"}), {"office": "导出汇总表"})
BRANCH_FORMS = ("self_evaluation", "record_book", "summary")
FORM_LABELS = {"self_evaluation": "自评表", "record_book": "活动记录本", "summary": "工作总结提纲",
               "group_summary": "评分结果汇总表"}


def export_dir() -> Path:
    """ZHIBU_EXPORT_DIR of the process's settings (bot/config.py)."""
    from bot.config import settings

    return Path(settings().export_dir)


def _form(parsed: Parsed, text: str) -> str | None:
    """The form asked for: the parser's, or the words it has no form for (总结提纲, 附件1)."""
    form = getattr(parsed, "form", None)
    if form is None and ("提纲" in text or "工作总结" in text):
        return "summary"
    if form is None and ("自评" in text or "附件1" in text):
        return "self_evaluation"
    return form


def _writers():
    from bot.exports import annex1_xlsx, record_book_docx, summary_docx

    return {"self_evaluation": annex1_xlsx, "record_book": record_book_docx, "summary": summary_docx}


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    from bot.exports import annex2_xlsx  # openpyxl and python-docx load on the first export, not at start

    writers = _writers()
    store, person = ctx.store, ctx.person
    form = _form(parsed, ctx.text or "")
    out = export_dir() / str(ctx.year)
    if person.role == "secretary":
        return _own_branch_forms(parsed, ctx, form, writers, out)
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
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    if branch is not None or form in BRANCH_FORMS:
        kind = form if form in BRANCH_FORMS else "self_evaluation"
        branches = [branch] if branch is not None else store.branches(ctx.org.id, group.id if group else None)
        for b in branches:
            files.append(writers[kind](store.session, b, ctx.year, ctx.as_of, out))
        label = FORM_LABELS[kind]
    else:
        for g in ([group] if group else store.groups(ctx.org.id)):
            files.append(annex2_xlsx(store.session, ctx.org, g, ctx.year, ctx.as_of, out))
        label = FORM_LABELS["group_summary"]
    return ReplyData("export", {"form": label, "year": ctx.year, "names": [p.name for p in files], "count": len(files)},
                     files=files)


def _own_branch_forms(parsed: Parsed, ctx: Context, form: str | None, writers: dict, out: Path) -> ReplyData:
    """A secretary's own branch: the form named, or the three the notice asks of a branch."""
    branch = ctx.person.branch
    if branch is None:
        return refused(ctx, "导出表格", "您的账号没有关联党支部")
    if parsed.target:
        named = ctx.store.find_branch(ctx.org.id, parsed.target)
        if named is None or named.id != branch.id:
            return refused(ctx, f"导出{parsed.target}的表格", "只能导出本支部的自评表、活动记录本和工作总结提纲")
    if form is not None and form not in BRANCH_FORMS:
        return refused(ctx, f"导出{FORM_LABELS.get(form, '这份材料')}", "书记可以导出本支部的自评表、活动记录本和工作总结提纲")
    kinds = [form] if form else list(BRANCH_FORMS)
    out.mkdir(parents=True, exist_ok=True)
    files = [writers[k](ctx.store.session, branch, ctx.year, ctx.as_of, out) for k in kinds]
    return ReplyData("export", {"form": "、".join(FORM_LABELS[k] for k in kinds), "year": ctx.year,
                                "names": [p.name for p in files], "count": len(files)}, files=files)
