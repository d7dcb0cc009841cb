"""grade: a group leader (tier "group") or the office (tier "office") scores a branch's item.

"给第二党支部 3.3 打6分", or an uploaded .xlsx table with columns 党支部名称 / 项目 / 得分 (branch,
item, points) where the channel adapter saved the file locally (media["path"]).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from nlp.types import Parsed

from .base import Context, ReplyData, not_found, refused
from .registry import IntentSpec
from .values import check_points, negative_points

INTENT = IntentSpec("grade", "评分", frozenset({"group_leader", "office"}),
                    {"group_leader": "给第二党支部 3.3 打6分", "office": "给第二党支部 3.3 打6分"})
TIER_OF = {"group_leader": "group", "office": "office"}
# A grading table: a group's branches × the rubric's items is a few hundred rows, a whole committee's ~1,500;
# a 5,000-row table once held SQLite's write lock for 12 s. The reply says these limits.
MAX_TABLE_ROWS = 2000
MAX_TABLE_BYTES = 512 * 1024
MAX_TABLE_COLUMNS = 30
MAX_XLSX_UNPACKED = 20 * 1024 * 1024
HEADER_ROWS = 5


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    if not (parsed.target and parsed.item and parsed.score is not None):
        return ReplyData("grade_how", {"target": parsed.target, "item": parsed.item, "score": parsed.score})
    branch = ctx.store.find_branch(ctx.org.id, parsed.target)
    if branch is None:
        return not_found(ctx, parsed.target)
    signed = negative_points(ctx.text)  # "打-6分": the parser reads 6, the grader meant something else
    result = checked(ctx, branch, parsed.item, -abs(float(parsed.score)) if signed else float(parsed.score),
                     written=signed)
    if isinstance(result, ReplyData):
        return result
    item, points = result
    tier = TIER_OF[ctx.person.role]
    entry = ctx.store.set_score(branch_id=branch.id, year=ctx.year, tier=tier, item_id=item.id, points=points,
                                given_by=ctx.person.id, message_id=ctx.message_id, now=ctx.now)
    card = ctx.card(branch)
    return ReplyData("grade", {"branch": branch.name, "item": item.id, "title": item.title, "max": item.max,
                               "points": entry.points, "tier": tier, "total": card.tier_totals.get(tier, card.total)})


def checked(ctx: Context, branch: Any, item_id: str, points: float, *, rubric: Any = None,
            written: str | None = None) -> tuple[Any, float] | ReplyData:
    """Check the role, the branch's group, the item and the value (finite, 0 to the item's maximum); store nothing."""
    tier = TIER_OF.get(ctx.person.role)
    if tier is None:
        return refused(ctx, "评分")
    if tier == "group" and branch.group_id != ctx.person.group_id:
        return refused(ctx, f"给{branch.name}评分", "只能给本协作组的支部评分")
    rubric = rubric or ctx.scorer.rubric(ctx.org)
    item = next((it for it in rubric.items if it.id == item_id), None)
    if item is None:
        return ReplyData("grade_no_item", {"item": item_id, "ids": [it.id for it in rubric.items]})
    problem = check_points(points, item)
    if problem is not None:
        reply = problem.reply()
        if written and reply.template == "grade_negative":
            reply.data["points"] = written
        return reply
    return item, points


def is_table_upload(ctx: Context) -> bool:
    media = ctx.media or {}
    name = str(media.get("filename") or media.get("path") or "")
    return (ctx.kind == "file" and ctx.person.role in INTENT.roles and name.lower().endswith((".xlsx", ".csv"))
            and bool(media.get("path")) and Path(media["path"]).is_file())


class TableTooBig(Exception):
    """A grading table over MAX_TABLE_BYTES or MAX_TABLE_ROWS: refused whole, before any row is looked at."""

    def __init__(self, rows: int = 0, more: bool = False, kb: int = 0) -> None:
        super().__init__(rows, more, kb)
        self.rows, self.more, self.kb = rows, more, kb


_WHY = {"not_allowed": "不是本组支部", "grade_range": "分数超出范围", "grade_negative": "分数不能是负数",
        "grade_not_number": "得分不是有效的数字"}


def handle_table(ctx: Context) -> ReplyData:
    """Rows of (党支部名称, 项目, 得分); header names in Chinese or English (branch, item, points).

    .xlsx (first sheet) or .csv (UTF-8, or GBK as Excel saves it); the header may sit under a title row
    (it is looked for in the first five rows). Bounded (MAX_TABLE_ROWS, MAX_TABLE_BYTES); every row is read and
    checked first, then the good ones are written together (`Store.set_scores`), so the write lock is held for
    the writes alone. Rows with a problem are listed and not stored."""
    try:
        rows = _read_rows(ctx.media["path"])
    except TableTooBig as big:
        return ReplyData("grade_table_too_big", {"rows": big.rows, "more": big.more, "kb": big.kb,
                                                 "max_rows": MAX_TABLE_ROWS, "max_kb": MAX_TABLE_BYTES // 1024},
                         status="refused")
    except Exception:
        return ReplyData("grade_table_bad", {})
    cols, start = {}, 0
    for start, row in enumerate(rows[:HEADER_ROWS], start=1):
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
    body = [(n, row) for n, row in enumerate(rows[start:], start=start + 1) if any(c not in (None, "") for c in row)]
    if len(body) > MAX_TABLE_ROWS:
        return ReplyData("grade_table_too_big", {"rows": len(body), "more": False, "kb": 0, "max_rows": MAX_TABLE_ROWS,
                                                 "max_kb": MAX_TABLE_BYTES // 1024}, status="refused")
    branches = ctx.store.branches(ctx.org.id)
    rubric = ctx.scorer.rubric(ctx.org)
    found: dict[str, Any] = {}
    good: dict[tuple[int, str], tuple[int, float]] = {}
    problems = []
    for n, row in body:
        name, item_id, pts = (row[cols[k]] if cols[k] < len(row) else None for k in ("branch", "item", "points"))
        if not name and not item_id:
            continue
        key = str(name or "").strip()
        if key not in found:
            found[key] = ctx.store.find_branch(ctx.org.id, key, among=branches)
        branch = found[key]
        try:
            value = float(pts)
        except (TypeError, ValueError):
            problems.append({"row": n, "why": "得分不是数字"})
            continue
        if branch is None:
            problems.append({"row": n, "why": f"找不到支部“{name}”"})
            continue
        result = checked(ctx, branch, str(item_id).strip(), value, rubric=rubric)
        if isinstance(result, ReplyData):
            problems.append({"row": n, "why": _WHY.get(result.template) or (
                f"没有项目{item_id}" if result.template == "grade_no_item" else "无法评分")})
            continue
        item, points = result
        if (branch.id, item.id) in good:
            problems.append({"row": n, "why": f"与第{good[branch.id, item.id][0]}行重复（同一支部同一项目）"})
            continue
        good[branch.id, item.id] = (n, points)
    ctx.store.set_scores(year=ctx.year, tier=TIER_OF[ctx.person.role], given_by=ctx.person.id,
                         scores=[(b, i, p) for (b, i), (_, p) in good.items()], message_id=ctx.message_id, now=ctx.now)
    problems.sort(key=lambda p: p["row"])
    return ReplyData("grade_table", {"done": len(good), "problems": problems[:10], "more": max(0, len(problems) - 10)})


def _read_rows(path: str) -> list[tuple]:
    """The table's rows, at most HEADER_ROWS + MAX_TABLE_ROWS of them (raises TableTooBig beyond, and for a file
    over MAX_TABLE_BYTES or an .xlsx that unpacks to more than MAX_XLSX_UNPACKED)."""
    size = Path(path).stat().st_size
    if size > MAX_TABLE_BYTES:
        raise TableTooBig(kb=-(-size // 1024))
    limit = HEADER_ROWS + MAX_TABLE_ROWS
    if str(path).lower().endswith(".csv"):
        import csv

        raw = Path(path).read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        rows = [tuple(r[:MAX_TABLE_COLUMNS]) for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
        if len(rows) > limit:
            raise TableTooBig(rows=len(rows) - 1)
        return rows
    import zipfile

    from openpyxl import load_workbook

    with zipfile.ZipFile(path) as z:  # a few hundred KB can unpack to gigabytes of shared strings
        if sum(i.file_size for i in z.infolist()) > MAX_XLSX_UNPACKED:
            raise TableTooBig(kb=-(-size // 1024))
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = []
        for row in wb.active.iter_rows(values_only=True, max_col=MAX_TABLE_COLUMNS):
            if any(c not in (None, "") for c in row):
                rows.append(row)
                if len(rows) > limit:
                    raise TableTooBig(rows=MAX_TABLE_ROWS, more=True)
        return rows
    finally:
        wb.close()
