"""The activity record book (社会组织党支部工作活动记录本) of one branch for a year, as .docx.

Every activity in date order with date, kind, attendance, speaker, topic and evidence; after each month a
marked line names the required meetings that month (or quarter) did not have. Layout and wording:
templates/exports/record_book.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from docx.shared import Cm

from .annex1 import branch_full
from .docx_style import cell_text, heading, new_document, repeat_header, shade
from .layout import load_layout
from .months import QUARTER_OF, month_grid


@dataclass(frozen=True)
class ActivityRow:
    date: date
    code: str
    label: str
    expected: int | None = None
    present: int | None = None
    speaker: str | None = None
    topic: str | None = None
    evidence: tuple[str, ...] = ()


def attendance(row: ActivityRow) -> str:
    if row.expected is None and row.present is None:
        return ""
    return f"{'' if row.expected is None else row.expected}/{'' if row.present is None else row.present}"


def gap_lines(rows: Sequence[ActivityRow], year: int, as_of: date, layout: dict[str, Any]) -> dict[int, list[str]]:
    """{month: [marked lines]} for months that ended by as_of with a required meeting missing, or empty."""
    monthly, quarterly = layout.get("monthly") or {}, layout.get("quarterly") or {}
    words = layout.get("words") or {}
    grid = month_grid(((r.code, r.date) for r in rows), year, as_of, monthly, quarterly)
    out: dict[int, list[str]] = {}
    for cell in grid:
        if not cell.due:
            continue
        lines = []
        miss_m = [monthly[c] for c in cell.missing if c in monthly]
        miss_q = [quarterly[c] for c in cell.missing if c in quarterly and c not in monthly]
        if cell.total == 0:
            lines.append(words.get("empty_month", "{month}月：本月没有活动记录").format(
                month=cell.month, labels="、".join(miss_m) or "—"))
        elif miss_m:
            lines.append(words.get("missing_month", "{month}月缺：{labels}").format(month=cell.month, labels="、".join(miss_m)))
        if miss_q:
            lines.append(words.get("missing_quarter", "第{quarter}季度缺：{labels}").format(
                quarter=QUARTER_OF[cell.month], labels="、".join(miss_q)))
        if lines:
            out[cell.month] = lines
    return out


def write_record_book(branch: str, year: int, rows: Sequence[ActivityRow], path: str | Path, *,
                      as_of: date | None = None, group: str = "", rubric_id: str | None = None,
                      layout: dict[str, Any] | None = None) -> Path:
    layout = layout or load_layout("record_book", rubric_id)
    as_of = as_of or date(year, 12, 31)
    fonts = layout.get("fonts") or {}
    rows = sorted((r for r in rows if r.date.year == year), key=lambda r: (r.date, r.label))
    fields = {"year": year, "branch": branch, "branch_full": branch_full(branch), "group": group or "—",
              "as_of": f"{as_of.year}年{as_of.month}月{as_of.day}日"}
    doc = new_document(layout)
    heading(doc, str(layout.get("title", "")).format_map(fields), fonts.get("title"))
    if layout.get("subtitle"):
        heading(doc, str(layout["subtitle"]).format_map(fields), fonts.get("body"))
    cols = layout["columns"]
    table = doc.add_table(rows=1, cols=len(cols))
    table.style = "Table Grid"
    table.autofit = False
    for i, col in enumerate(cols):
        cell = table.rows[0].cells[i]
        cell_text(cell, str(col.get("header", "")), fonts.get("header"), center=True)
        cell.width = Cm(float(col.get("width_cm", 3)))
    for i, col in enumerate(cols):  # LibreOffice reads the grid, Word the cells: set both
        table.columns[i].width = Cm(float(col.get("width_cm", 3)))
    repeat_header(table.rows[0])

    gaps = gap_lines(rows, year, as_of, layout)
    fill = str(layout.get("gap_fill", "F2DCDB"))

    def add_gap(text: str) -> None:
        cells = table.add_row().cells
        merged = cells[0].merge(cells[-1])
        cell_text(merged, text, fonts.get("body"), bold=True)
        shade(merged, fill)

    by_month: dict[int, list[ActivityRow]] = {}
    for r in rows:
        by_month.setdefault(r.date.month, []).append(r)
    for m in range(1, 13):
        for r in by_month.get(m, []):
            values = {"date": f"{r.date.month}月{r.date.day}日", "label": r.label, "attendance": attendance(r),
                      "speaker": r.speaker or "", "topic": r.topic or "", "evidence": "、".join(r.evidence)}
            cells = table.add_row().cells
            for i, col in enumerate(cols):
                cell_text(cells[i], values.get(col["kind"], ""), fonts.get("body"),
                          center=col["kind"] in ("date", "attendance"))
                cells[i].width = Cm(float(col.get("width_cm", 3)))
        for line in gaps.get(m, []):
            add_gap(line)
    words = layout.get("words") or {}
    doc.add_paragraph()
    summary = words.get("summary", "全年共记录活动 {count} 次。").format(
        count=len(rows), months=len(by_month), gaps=sum(1 for m in gaps if gaps[m]))
    heading(doc, summary, fonts.get("body"), center=False)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path
