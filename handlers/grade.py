"""grade: a group leader (tier "group") or the office (tier "office") scores a branch's item.

"给第二党支部 3.3 打6分", or an uploaded .xlsx table with columns 党支部名称 / 项目 / 得分 (branch,
item, points) where the channel adapter saved the file locally (media["path"]).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from nlp.types import Parsed

from .base import Context, ReplyData, refused

ROLES = frozenset({"group_leader", "office"})
TIER_OF = {"group_leader": "group", "office": "office"}


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    if not (parsed.target and parsed.item and parsed.score is not None):
        return ReplyData("grade_how", {"target": parsed.target, "item": parsed.item, "score": parsed.score})
    branch = ctx.store.find_branch(ctx.org.id, parsed.target)
    if branch is None:
        return ReplyData("branch_not_found", {"name": parsed.target})
    result = apply(ctx, branch, parsed.item, float(parsed.score))
    if isinstance(result, ReplyData):
        return result
    item, entry = result
    card = ctx.card(branch)
    tier = TIER_OF[ctx.person.role]
    return ReplyData("grade", {"branch": branch.name, "item": item.id, "title": item.title, "max": item.max,
                               "points": entry.points, "tier": tier, "total": card.tier_totals.get(tier, card.total)})


def apply(ctx: Context, branch: Any, item_id: str, points: float) -> tuple[Any, Any] | ReplyData:
    """Check the role, the branch's group, the item and the range; then store the score (audited)."""
    tier = TIER_OF.get(ctx.person.role)
    if tier is None:
        return refused(ctx, "评分")
    if tier == "group" and branch.group_id != ctx.person.group_id:
        return refused(ctx, f"给{branch.name}评分", "只能给本协作组的支部评分")
    rubric = ctx.scorer.rubric(ctx.org)
    item = next((it for it in rubric.items if it.id == item_id), None)
    if item is None:
        return ReplyData("grade_no_item", {"item": item_id, "ids": [it.id for it in rubric.items]})
    if points < 0 or points > item.max:
        return ReplyData("grade_range", {"item": item.id, "title": item.title, "max": item.max, "points": points})
    entry = ctx.store.set_score(branch_id=branch.id, year=ctx.year, tier=tier, item_id=item.id, points=points,
                                given_by=ctx.person.id, message_id=ctx.message_id, now=ctx.now)
    return item, entry


def is_table_upload(ctx: Context) -> bool:
    media = ctx.media or {}
    name = str(media.get("filename") or media.get("path") or "")
    return (ctx.kind == "file" and ctx.person.role in ROLES and name.lower().endswith((".xlsx", ".csv"))
            and bool(media.get("path")) and Path(media["path"]).is_file())


def handle_table(ctx: Context) -> ReplyData:
    """Rows of (党支部名称, 项目, 得分); header names in Chinese or English (branch, item, points).

    .xlsx (first sheet) or .csv (UTF-8, or GBK as Excel saves it); the header may sit under a title row
    (it is looked for in the first five rows)."""
    try:
        rows = _read_rows(ctx.media["path"])
    except Exception:
        return ReplyData("grade_table_bad", {})
    cols, start = {}, 0
    for start, row in enumerate(rows[:5], start=1):
        cols = {}
        for i, h in enumerate(str(h or "").strip() for h in row):
            for key, names in (("branch", ("党支部名称", "党支部", "支部", "branch")), ("item", ("项目", "指标", "item")),
                               ("points", ("得分", "评分", "分数", "协作组评分", "points", "score"))):
                if h in names and key not in cols:
                    cols[key] = i
        if len(cols) == 3:
            break
    if len(cols) < 3:
        return ReplyData("grade_table_bad", {})
    done, problems = 0, []
    for n, row in enumerate(rows[start:], start=start + 1):
        name, item_id, pts = (row[cols[k]] if cols[k] < len(row) else None for k in ("branch", "item", "points"))
        if not name and not item_id:
            continue
        branch = ctx.store.find_branch(ctx.org.id, str(name or ""))
        try:
            value = float(pts)
        except (TypeError, ValueError):
            problems.append({"row": n, "why": "得分不是数字"})
            continue
        if branch is None:
            problems.append({"row": n, "why": f"找不到支部“{name}”"})
            continue
        result = apply(ctx, branch, str(item_id).strip(), value)
        if isinstance(result, ReplyData):
            problems.append({"row": n, "why": {"not_allowed": "不是本组支部", "grade_no_item": f"没有项目{item_id}",
                                               "grade_range": "分数超出范围"}.get(result.template, "无法评分")})
            continue
        done += 1
    return ReplyData("grade_table", {"done": done, "problems": problems[:10], "more": max(0, len(problems) - 10)})


def _read_rows(path: str) -> list[tuple]:
    if str(path).lower().endswith(".csv"):
        import csv

        raw = Path(path).read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        return [tuple(r) for r in csv.reader(text.splitlines())]
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return list(wb.active.iter_rows(values_only=True))
    finally:
        wb.close()
