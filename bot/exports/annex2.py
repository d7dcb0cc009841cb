"""Annex 2 (协作组评分结果汇总表): one row per branch of a group, with the form's header and footer lines.

Fast enough for a whole committee (10,000 rows well under the 5 s target, see bench/exports_annex2.py):
styles are built once and shared, merges only touch the few header lines, row heights are fixed.
"""
from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from scoring.card import ScoreCard
from scoring.rubric import Rubric

from .annex1 import column_total
from .cells import save_workbook
from .layout import load_layout
from .xlsx_style import BORDER, align, fmt_num, font, print_setup, row_height


@dataclass(frozen=True)
class Annex2Row:
    """One branch on the group's table: its name, a total per tier (None: not given), a remark."""

    name: str
    scores: dict[str, float | None] = field(default_factory=dict)
    remark: str = ""
    branch_id: str = ""


def remark_for(card: ScoreCard) -> str:
    """备注: a veto is the one thing the group table must show beside the numbers."""
    hits = [v.title for v in card.vetoes if v.triggered]
    return ("否定项目：" + "；".join(hits)) if hits else ""


def annex2_rows(rubric: Rubric, cards: Iterable[ScoreCard], layout: dict[str, Any] | None = None) -> list[Annex2Row]:
    layout = layout or load_layout("annex2", rubric.id)
    self_computed = bool(layout.get("self_from_computed", True))
    tiers = [c["tier"] for c in layout["columns"] if c["kind"] == "score"]
    return [
        Annex2Row(card.name, {t: column_total(rubric, card, t, self_computed) for t in tiers}, remark_for(card),
                  card.branch_id)
        for card in cards
    ]


def write_annex2(rubric: Rubric, rows: Sequence[Annex2Row | ScoreCard], path: str | Path,
                 meta: dict[str, Any] | None = None, layout: dict[str, Any] | None = None) -> Path:
    """Write one group's 汇总表. rows: Annex2Row or ScoreCard (converted); meta: group, year, contact, filled_on."""
    layout = layout or load_layout("annex2", rubric.id)
    rows = [x if isinstance(x, Annex2Row) else annex2_rows(rubric, [x], layout)[0] for x in rows]
    meta = dict(meta or {})
    filled = meta.get("filled_on")
    fields = {
        "group": meta.get("group", "第 XX 党建协作组"), "year": meta.get("year", ""), "org": meta.get("org", ""),
        "contact": meta.get("contact", ""),
        "filled_on": f"{filled.year} 年 {filled.month} 月 {filled.day} 日" if isinstance(filled, date) else (filled or ""),
        "deadline": meta.get("deadline", ""),
    }
    cols = layout["columns"]
    last = get_column_letter(len(cols))
    fonts = layout.get("fonts", {})
    f_body, f_head, f_lines = font(fonts.get("body")), font(fonts.get("header")), font(fonts.get("lines"), 12)
    body_size = float(fonts.get("body", {}).get("size", 11))
    a_center, a_left, a_line = align("center"), align("left"), align("left", wrap=False)
    aligns = [a_left if c.get("align") == "left" else a_center for c in cols]
    height = float(layout.get("row_height", 22))
    number_format = str(layout.get("number_format", "0.00"))

    wb = Workbook()
    ws = wb.active
    ws.title = str(layout.get("sheet", "汇总表"))[:31]
    for i, col in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(i)].width = float(col.get("width", 12))

    r = 1
    if layout.get("caption"):
        ws.cell(r, 1, layout["caption"]).font = font(fonts.get("caption"), 12)
        r += 1
    title = str(layout.get("title", "")).format_map(fields)
    c = ws.cell(r, 1, title)
    c.font, c.alignment = font(fonts.get("title"), 16), a_center
    ws.merge_cells(f"A{r}:{last}{r}")
    ws.row_dimensions[r].height = 30 * (title.count("\n") + 1)
    r += 1
    for line in layout.get("header_lines") or []:
        c = ws.cell(r, 1, str(line).format_map(fields))
        c.font, c.alignment = f_lines, a_line
        ws.merge_cells(f"A{r}:{last}{r}")
        ws.row_dimensions[r].height = 24
        r += 1

    header_row = r
    for i, col in enumerate(cols, 1):
        c = ws.cell(r, i, col.get("header", ""))
        c.font, c.alignment, c.border = f_head, a_center, BORDER
    ws.row_dimensions[r].height = 26
    r += 1

    # The hot loop: shared style objects, no per-cell lookups in the layout.
    kinds = [(col["kind"], col.get("tier")) for col in cols]
    name_width = next((float(c.get("width", 30)) for c in cols if c["kind"] == "name"), 30.0)
    n = max(len(rows), int(layout.get("min_rows", 0)))
    styles: list[Any] = [None] * len(kinds)
    for seq in range(1, n + 1):
        data = rows[seq - 1] if seq <= len(rows) else None
        for ci, (kind, tier) in enumerate(kinds, 1):
            if kind == "seq":
                value: Any = seq
            elif data is None:
                value = None
            elif kind == "name":
                value = data.name
            elif kind == "score":
                value = fmt_num(data.scores.get(tier))
            elif kind == "remark":
                value = data.remark or None
            else:
                value = None
            c = ws.cell(r, ci, value)
            style = styles[ci - 1]
            if style is None:  # the first body cell of a column: register its styles with the workbook once
                c.font, c.alignment, c.border = f_body, aligns[ci - 1], BORDER
                if kind == "score":
                    c.number_format = number_format
                styles[ci - 1] = c._style
            else:  # the others copy the style ids (openpyxl would hash the style objects for every cell)
                c._style = copy(style)
        ws.row_dimensions[r].height = height if data is None or len(data.name) * 2 < name_width - 1 \
            else row_height([(data.name, name_width)], body_size, height)
        r += 1

    r += 1
    for line in layout.get("footer_lines") or []:
        c = ws.cell(r, 1, str(line).format_map(fields))
        c.font, c.alignment = f_lines, a_line
        ws.merge_cells(f"A{r}:{last}{r}")
        ws.row_dimensions[r].height = 24
        r += 1

    print_setup(ws, layout, f"{header_row}:{header_row}")
    ws.print_area = f"A1:{last}{r - 1}"
    wb.properties.title = title.replace("\n", "")
    wb.properties.creator = "支部助手"
    return save_workbook(wb, path)
