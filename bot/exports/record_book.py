"""The activity record book (社会组织党支部工作活动记录本) of one branch for a year, as .docx.

Every activity in date order, one row each with what the book records (日期, 地点, 类别, 主持/主讲,
应到/实到/缺席, 主题, 记录人, 佐证); what the bot was not told stays blank to be written by hand. After each
month, a marked row for every deduction the score card makes for a required activity whose period ended that
month (bot/exports/gaps.py): the book's marks and the score's deductions are one list. Layout and wording:
templates/exports/record_book.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Mapping, Sequence

from docx.shared import Cm

from .annex1 import branch_full
from .docx_style import cell_text, heading, new_document, page_numbers, repeat_header, shade
from .gaps import Gap
from .layout import load_layout
from .xlsx_style import num_text


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
    location: str | None = None
    recorder: str | None = None


def attendance(row: ActivityRow, words: Mapping[str, str] | None = None) -> str:
    """"应到／实到／缺席" as numbers; blank where the secretary gave none."""
    if row.expected is None and row.present is None:
        return ""
    absent = row.expected - row.present if row.expected is not None and row.present is not None else None
    fmt = (words or {}).get("attendance", "{expected}／{present}／{absent}")
    return fmt.format(expected="" if row.expected is None else row.expected,
                      present="" if row.present is None else row.present, absent="" if absent is None else absent)


def write_record_book(branch: str, year: int, rows: Sequence[ActivityRow], path: str | Path, *,
                      as_of: date | None = None, group: str = "", rubric_id: str | None = None,
                      gaps: Mapping[int, Sequence[Gap]] | None = None, layout: dict[str, Any] | None = None) -> Path:
    """Write the book. gaps: {month: the card's gaps whose period ends that month} (bot/exports/gaps.py)."""
    layout = layout or load_layout("record_book", rubric_id)
    as_of = as_of or date(year, 12, 31)
    gaps = gaps or {}
    fonts = layout.get("fonts") or {}
    words = layout.get("words") or {}
    rows = sorted((r for r in rows if r.date.year == year and r.date <= as_of), key=lambda r: (r.date, r.label))
    fields = {"year": year, "branch": branch, "branch_full": branch_full(branch), "group": group or "—",
              "as_of": f"{as_of.year}年{as_of.month}月{as_of.day}日"}
    doc = new_document(layout)
    page_numbers(doc, fonts.get("body"))
    heading(doc, str(layout.get("title", "")).format_map(fields), fonts.get("title"))
    if layout.get("subtitle"):
        heading(doc, str(layout["subtitle"]).format_map(fields), fonts.get("body"))
    cols = layout["columns"]
    widths = [Cm(float(col.get("width_cm", 3))) for col in cols]
    table = doc.add_table(rows=1, cols=len(cols))
    table.style = "Table Grid"
    table.autofit = False
    for i, col in enumerate(cols):
        cell = table.rows[0].cells[i]
        cell_text(cell, str(col.get("header", "")), fonts.get("header"), center=True)
        cell.width = widths[i]
    for i in range(len(cols)):  # LibreOffice reads the grid, Word the cells: set both
        table.columns[i].width = widths[i]
    repeat_header(table.rows[0])
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
            values = {"date": f"{r.date.month}月{r.date.day}日", "label": r.label, "attendance": attendance(r, words),
                      "speaker": r.speaker or "", "topic": r.topic or "", "evidence": "、".join(r.evidence),
                      "location": r.location or "", "recorder": r.recorder or ""}
            cells = table.add_row().cells
            for i, col in enumerate(cols):
                cell_text(cells[i], values.get(col["kind"], ""), fonts.get("body"),
                          center=col["kind"] in ("date", "attendance", "label", "recorder"))
                cells[i].width = widths[i]
        for g in gaps.get(m, []):
            wording = words.get("gap_capped", "未按规定开展：{reason}（本项已扣满，不再扣分）") if g.capped \
                else words.get("gap", "未按规定开展：{reason}（扣{points}分）")
            add_gap(str(wording).format(reason=g.reason, label=g.label, period=g.period, points=num_text(g.points)))
    doc.add_paragraph()
    marks = [g for m in gaps for g in gaps[m]]
    if marks:
        summary = str(words.get("summary", "全年共记录活动 {count} 次。")).format(
            count=len(rows), gaps=len(marks), months=len({m for m in gaps if gaps[m]}),
            points=num_text(sum(g.points for g in marks)), capped=len([g for g in marks if g.capped]))
    else:
        summary = str(words.get("summary_clean", "全年共记录活动 {count} 次。")).format(count=len(rows))
    heading(doc, summary, fonts.get("body"), center=False)
    if words.get("blanks"):
        heading(doc, str(words["blanks"]), fonts.get("hint") or fonts.get("body"), center=False)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path
