"""Annex 1 (自评表): one branch's score card laid out as the printed form of its rubric.

Rows come from the rubric (sections, items, bonus and veto items), columns from the layout
(`templates/exports/annex1*.yaml`) and the rubric's score columns; the numbers come from the ScoreCard.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from scoring.card import TIERS, ItemResult, ScoreCard
from scoring.rubric import Item, Rubric, Section

from .cells import formula, save_workbook
from .layout import load_layout
from .xlsx_style import BORDER, align, fmt_num, font, keep_blocks_together, num_text, print_setup, row_height

DEFAULT_LABELS = {"self": "自评", "group": "协作组评分", "office": "综合党委办公室评分"}


@dataclass(frozen=True)
class Column:
    kind: str  # section / text / score
    header: str
    width: float
    format: str = ""
    align: str = "center"
    tier: str | None = None


def columns_for(rubric: Rubric, layout: dict[str, Any]) -> list[Column]:
    """The form's columns: the layout's, with `scores` expanded into one column per rubric score column."""
    labels = {**DEFAULT_LABELS, **(layout.get("score_labels") or {})}
    tiers = [(c.tier, _printed(c.label, labels.get(c.tier))) for c in rubric.columns] \
        or [(t, labels[t]) for t in ("self", "group", "office")]
    cols: list[Column] = []
    for spec in layout["columns"]:
        if spec["kind"] == "scores":
            for tier, label in tiers:
                cols.append(Column("score", label or labels.get(tier, tier), float(spec.get("width", 8)), tier=tier))
        else:
            cols.append(Column(spec["kind"], str(spec.get("header", "")), float(spec.get("width", 10)),
                               str(spec.get("format", "")), str(spec.get("align", "center"))))
    return cols


def _printed(label: str, layout_label: str | None) -> str:
    """The rubric names the column; the layout may say where the printed form breaks the line."""
    if layout_label and layout_label.replace("\n", "") == label:
        return layout_label
    return label


def item_fields(item: Item, section: Section, no: int, index: int) -> dict[str, Any]:
    return {
        "no": no, "index": index, "id": item.id, "title": item.title, "content": item.content.strip(),
        "rule": item.rule_text.strip(), "max": num_text(item.max), "section": section_label(section),
        "section_title": section.title, "section_id": section.id, "section_max": num_text(section.max),
    }


def section_label(section: Section) -> str:
    """As printed ("一、政治建设"): the items carry it; otherwise id and title."""
    if section.items and section.items[0].section:
        return section.items[0].section
    return f"{section.id}、{section.title}" if section.id else section.title


def branch_full(name: str) -> str:
    """"XX协会" -> "XX协会党支部"; a name that already says 支部 / 党组织 stays as it is."""
    return name if any(w in name for w in ("支部", "党组织", "党委", "总支")) else f"{name}党支部"


def column_active(card: ScoreCard, tier: str, self_from_computed: bool) -> bool:
    """A score column is filled once that tier has scored something (自评 also as the bot's draft)."""
    return (tier == "self" and self_from_computed) or any(tier in it.tiers for it in card.items)


def tier_value(result: ItemResult | None, tier: str) -> float | None:
    """An item's score in a tier's column, as the scoring core totals it: the tier's own score where it gave
    one, else the previous tier's, else the computed points."""
    if result is None:
        return None
    order = TIERS[: TIERS.index(tier) + 1] if tier in TIERS else (tier,)
    for t in reversed(order):
        if t in result.tiers:
            return result.tiers[t]
    return result.points


def column_total(rubric: Rubric, card: ScoreCard, tier: str, self_from_computed: bool) -> float | None:
    """合计 of a score column: the scoring core's tier total (bonus included); empty while the tier has not scored."""
    if not column_active(card, tier, self_from_computed):
        return None
    if tier in card.tier_totals:
        return card.tier_totals[tier]
    return round(sum(tier_value(r, tier) or 0.0 for r in card.items) + card.bonus_total, 2)


def total_formula(column: str, item_rows: list[int], bonus_rows: list[int], bonus_cap: float | None) -> str:
    """合计 of one score column as the scoring core adds it: the items, plus the bonus rows up to the cap."""
    def ranges(rows: list[int]) -> str:
        runs: list[list[int]] = []
        for r in rows:
            if runs and r == runs[-1][1] + 1:
                runs[-1][1] = r
            else:
                runs.append([r, r])
        return ",".join(f"{column}{a}:{column}{b}" if a != b else f"{column}{a}" for a, b in runs)

    expr = f"SUM({ranges(item_rows)})"
    if bonus_rows:
        bonus = f"SUM({ranges(bonus_rows)})"
        expr += f"+MIN({num_text(bonus_cap)},{bonus})" if bonus_cap is not None else f"+{bonus}"
    return f"=ROUND({expr},2)"


def write_annex1(rubric: Rubric, card: ScoreCard, path: str | Path, meta: dict[str, Any] | None = None,
                 layout: dict[str, Any] | None = None) -> Path:
    """Write the branch's 自评表 to `path` (.xlsx). meta: year, branch, filler, phone (all optional)."""
    meta = dict(meta or {})
    layout = layout or load_layout("annex1", rubric.id)
    cols = columns_for(rubric, layout)
    ncol = len(cols)
    last = get_column_letter(ncol)
    fonts = layout.get("fonts", {})
    f_body, f_head = font(fonts.get("body"), 10), font(fonts.get("header"), 10.5)
    body_size = float(fonts.get("body", {}).get("size", 10))
    self_computed = bool(layout.get("self_from_computed", True))
    branch = str(meta.get("branch", card.name))
    fields = {"year": meta.get("year", card.year), "branch": branch, "branch_full": branch_full(branch),
              "rubric_title": rubric.title, "filler": meta.get("filler", ""), "phone": meta.get("phone", "")}
    results = {r.id: r for r in card.items}
    active = {c.tier or "": column_active(card, c.tier or "", self_computed) for c in cols if c.kind == "score"}

    wb = Workbook()
    ws = wb.active
    ws.title = str(layout.get("sheet", "自评表"))[:31]
    for i, col in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width

    row = 1
    if layout.get("caption"):
        ws.cell(row, 1, layout["caption"]).font = font(fonts.get("caption"), 12)
        row += 1
    title = str(layout.get("title", "{rubric_title}")).format_map(fields)
    cell = ws.cell(row, 1, title)
    cell.font, cell.alignment = font(fonts.get("title"), 16), align("center")
    ws.merge_cells(f"A{row}:{last}{row}")
    ws.row_dimensions[row].height = 36
    row += 1

    header_row = row
    for i, col in enumerate(cols, 1):
        c = ws.cell(row, i, col.header)
        c.font, c.alignment, c.border = f_head, align("center"), BORDER
    ws.row_dimensions[row].height = row_height(((col.header, col.width) for col in cols), body_size, 30)
    row += 1

    def styled(r: int, ci: int, value: Any, how: str = "center") -> None:
        c = ws.cell(r, ci, value)
        c.font, c.alignment, c.border = f_body, align(how), BORDER

    label_ci = 1
    span_from = 2 if ncol > 1 else 1
    span_to = max(i for i, c in enumerate(cols, 1) if c.kind != "score")
    span_width = sum(cols[i - 1].width for i in range(span_from, span_to + 1))

    number_format = str(layout.get("number_format", "0.00"))
    item_rows: list[int] = []
    index = 0
    blocks: list[tuple[int, int]] = []  # row ranges a page break must not split
    for section in rubric.sections:
        first = row
        for no, item in enumerate(section.items, 1):
            index += 1
            f = item_fields(item, section, no, index)
            texts = []
            for ci, col in enumerate(cols, 1):
                if col.kind == "section":
                    if row == first:
                        styled(row, ci, col.format.format_map(f) if col.format else f["section"])
                    else:
                        ws.cell(row, ci).border = BORDER
                elif col.kind == "text":
                    value = col.format.format_map(f)
                    styled(row, ci, value, col.align)
                    texts.append((value, col.width))
                else:
                    value = tier_value(results.get(item.id), col.tier or "") if active[col.tier or ""] else None
                    styled(row, ci, fmt_num(value))
                    ws.cell(row, ci).number_format = number_format
            item_rows.append(row)
            ws.row_dimensions[row].height = row_height(texts, body_size, 24)
            row += 1
        if any(c.kind == "section" for c in cols):
            blocks.append((first, row - 1))
        else:
            blocks.extend((r, r) for r in range(first, row))
        for ci, col in enumerate(cols, 1):
            if col.kind == "section" and row - 1 > first:
                ws.merge_cells(start_row=first, start_column=ci, end_row=row - 1, end_column=ci)

    def spanning_block(entries: list[tuple[str, list[Any]]], label: str) -> list[int]:
        nonlocal row
        if not entries:
            return []
        first = row
        for text, scores in entries:
            styled(row, label_ci, label if row == first else None)
            styled(row, span_from, text, "left")
            for ci in range(span_from + 1, span_to + 1):
                ws.cell(row, ci).border = BORDER
            if span_to > span_from:
                ws.merge_cells(start_row=row, start_column=span_from, end_row=row, end_column=span_to)
            for ci, value in zip(range(span_to + 1, ncol + 1), scores):
                styled(row, ci, value)
                if not isinstance(value, str):
                    ws.cell(row, ci).number_format = number_format
            ws.row_dimensions[row].height = row_height([(text, span_width)], body_size, 24)
            row += 1
        if row - 1 > first:
            ws.merge_cells(start_row=first, start_column=label_ci, end_row=row - 1, end_column=label_ci)
        blocks.append((first, row - 1))
        return list(range(first, row))

    score_cols = [c for c in cols if c.kind == "score"]
    bonus_spec = layout.get("bonus") or {}
    bonus_by_id = {b.id: b for b in card.bonus}
    entries = []
    for no, b in enumerate(rubric.bonus, 1):
        res = bonus_by_id.get(b.id)
        shown = [fmt_num(res.points) if (res and active[c.tier or ""]) else None for c in score_cols]
        entries.append((str(bonus_spec.get("format", "{no}. {content}")).format(no=no, content=b.content.strip(),
                                                                             title=b.title), shown))
    cap = rubric.bonus_cap if rubric.bonus_cap is not None else sum((b.cap or 0) for b in rubric.bonus)
    bonus_rows = spanning_block(entries, str(bonus_spec.get("label", "加分项目")).format(cap=num_text(cap)))

    veto_spec = layout.get("vetoes") or {}
    veto_by_id = {v.id: v for v in card.vetoes}
    entries = []
    for no, v in enumerate(rubric.vetoes, 1):
        res = veto_by_id.get(v.id)
        mark = veto_spec.get("triggered", "触发") if res and res.triggered else None
        shown = [mark if active[c.tier or ""] else None for c in score_cols]
        entries.append((str(veto_spec.get("format", "{no}. {content}")).format(no=no, content=v.content.strip(),
                                                                            title=v.title), shown))
    spanning_block(entries, str(veto_spec.get("label", "否定项目")))

    total_spec = layout.get("total") or {}
    totals = [fmt_num(column_total(rubric, card, c.tier or "", self_computed)) for c in score_cols]
    [total_row] = spanning_block([(str(total_spec.get("text", "—")), [None] * len(score_cols))],
                                 str(total_spec.get("label", "合计")))
    for ci, value in zip(range(span_to + 1, ncol + 1), totals):
        if value is not None:  # a column in use: a formula, so a score changed in Excel changes the total
            letter = get_column_letter(ci)
            formula(ws, total_row, ci, total_formula(letter, item_rows, bonus_rows, rubric.bonus_cap), value)
    for ci in range(span_from, span_to + 1):
        ws.cell(row - 1, ci).alignment = align("center")

    row += 1
    f_foot = font(fonts.get("footer"), 11)
    for line in layout.get("footer") or []:
        c = ws.cell(row, 1, str(line).format_map(fields))
        c.font, c.alignment = f_foot, align("left", wrap=False)
        ws.row_dimensions[row].height = 22
        row += 1
    if rubric.notes:
        row += 1
        note = str(layout.get("notes_prefix", "注：")) + "".join(n.strip() for n in rubric.notes)
        c = ws.cell(row, 1, note)
        c.font, c.alignment = f_body, align("left")
        ws.merge_cells(f"A{row}:{last}{row}")
        ws.row_dimensions[row].height = row_height([(note, sum(c.width for c in cols))], body_size, 24)

    footer_end = row - 1 if rubric.notes else row  # 合计 stays with the signature lines; the notes may flow
    blocks[-1] = (blocks[-1][0], max(blocks[-1][1], footer_end))
    keep_blocks_together(ws, layout, (header_row, header_row), blocks, [c.width for c in cols])
    print_setup(ws, layout, f"{header_row}:{header_row}")
    ws.print_area = f"A1:{last}{row}"
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    wb.properties.title = title
    wb.properties.creator = "支部助手"
    return save_workbook(wb, path)
