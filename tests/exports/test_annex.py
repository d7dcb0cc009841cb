"""Annex 1 and annex 2 read back with openpyxl: values, merges, totals, print set-up."""
from __future__ import annotations

import openpyxl
import pytest

from bot.exports.annex1 import write_annex1
from bot.exports.annex2 import Annex2Row, annex2_rows, write_annex2

from .factories import card_for, seed000_like, seed003_like


def _cells(ws):
    return {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}


def _find(ws, text):
    for row in ws.iter_rows():
        for c in row:
            if c.value == text:
                return c
    raise AssertionError(f"{text!r} not in sheet")


def test_annex1_has_the_printed_columns_sections_and_totals(tmp_path):
    rubric = seed000_like()
    card = card_for(rubric, "机械工业协会党支部", off={"三.3": 1.5, "二.3": 0.5}, bonus={"B1": 2},
                    tiers={"group": {"三.3": 5.0}})
    path = write_annex1(rubric, card, tmp_path / "a1.xlsx", {"filler": "张三", "phone": "13800000000"})
    ws = openpyxl.load_workbook(data_only=True, filename=path).active

    assert ws["A1"].value == "附件 1"
    assert ws["A2"].value == "2022 年 机械工业协会党支部党建工作自评表"
    assert "A2:F2" in {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(3, c).value for c in range(1, 7)] == [
        "指标\n分值", "具体内容及标准", "评分细则", "自评", "协作组\n评分", "综合党委\n办公室评分"]
    # Section one: merged down over its 4 items, label as printed.
    assert ws["A4"].value == "一、政治建设\n（25分）"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:A7", "A8:A11", "A12:A15", "A16:A18"} <= merged
    assert ws["B4"].value.startswith("1. 以政治建设为统领") and ws["B4"].value.endswith("（7分）")
    assert ws["C4"].value == rubric.items[0].rule_text
    # 三.3 is the 11th item, row 14: computed 5.5 under 自评, the group's 5 under 协作组评分, office empty
    # (the office has scored nothing); where the group gave no score its column carries the self score.
    assert ws["B14"].value.startswith("3. 严格执行") and ws["D14"].value == 5.5
    assert ws["E14"].value == 5 and ws["F14"].value is None
    assert ws["D10"].value == 5.5 and ws["E10"].value == 5.5  # 二.3 主题党日 lost 0.5
    assert all(ws.cell(r, 6).value is None for r in range(4, 19))

    bonus = _find(ws, "加分项目\n（10分）")
    assert bonus.column == 1 and f"A{bonus.row}:A{bonus.row + 1}" in merged
    assert f"B{bonus.row}:C{bonus.row}" in merged and ws.cell(bonus.row, 4).value == 2
    veto = _find(ws, "否定项目")
    assert f"A{veto.row}:A{veto.row + 2}" in merged
    assert ws.cell(veto.row, 2).value.startswith("1. 年度内支部党员") and ws.cell(veto.row, 4).value is None
    total = _find(ws, "合计")
    assert ws.cell(total.row, 2).value == "—"
    assert ws.cell(total.row, 4).value == card.computed_total == 100 - 2 + 2
    assert ws.cell(total.row, 5).value == 99.5  # the group took 0.5 more off 三.3
    assert ws.cell(total.row, 6).value is None
    assert _find(ws, "填表人：张三").row > total.row
    assert _find(ws, "联系电话：13800000000").row > total.row
    assert any(str(v).startswith("注：不涉及的不扣分") for v in _cells(ws).values())
    # Print set-up: A4, one page wide, the header row repeated on every page.
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$3:$3"
    assert ws["B4"].alignment.wrap_text and ws["B4"].font.name == "仿宋_GB2312"
    assert ws.column_dimensions["B"].width == 38
    inner: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        inner |= {(r, c) for r in range(rng.min_row, rng.max_row + 1) for c in range(rng.min_col + 1, rng.max_col + 1)}
    assert all(ws.cell(r, c).border.left.style == "thin"
               for r in range(3, total.row + 1) for c in range(1, 7) if (r, c) not in inner)
    assert all(ws.cell(r, 6).border.right.style == "thin" for r in range(3, total.row + 1))


def test_annex1_uses_tier_totals_of_the_scoring_core(tmp_path):
    rubric = seed000_like()
    card = card_for(rubric, "甲", tiers={"office": {"一.1": 6}})
    card = type(card)(**{**{f: getattr(card, f) for f in card.__dataclass_fields__}, "tier_totals": {"office": 98.0}})
    ws = openpyxl.load_workbook(data_only=True, filename=write_annex1(rubric, card, tmp_path / "a.xlsx")).active
    total = _find(ws, "合计")
    assert ws.cell(total.row, 6).value == 98 and ws.cell(total.row, 4).value == 100


def test_annex1_marks_a_triggered_veto(tmp_path):
    rubric = seed000_like()
    ws = openpyxl.load_workbook(data_only=True, filename=write_annex1(rubric, card_for(rubric, "乙", veto="V2"), tmp_path / "v.xlsx")).active
    veto = _find(ws, "否定项目")
    assert [ws.cell(veto.row + i, 4).value for i in range(3)] == [None, "触发", None]


def test_annex1_seed003_layout_comes_from_data(tmp_path):
    """Seed 003's own columns (项目 / 内容与要求 / 分值 / 考核标准 / 自查得分 / 复查得分) without new code."""
    rubric = seed003_like()
    card = card_for(rubric, "第一小学党支部", off={"3": 2}, tiers={"office": {"3": 3}})
    ws = openpyxl.load_workbook(data_only=True, filename=write_annex1(rubric, card, tmp_path / "s3.xlsx")).active
    assert ws["A1"].value == "社会事业局党工委直属党组织工作目标责任制考核细则"
    assert [ws.cell(2, c).value for c in range(1, 7)] == ["项目", "内容与要求", "分值", "考核标准", "自查得分", "复查得分"]
    assert [ws.cell(r, 1).value for r in range(3, 8)] == ["1", "2", "3", "4", "5"]
    assert ws["C5"].value == "6分" and ws["E5"].value == 4 and ws["F5"].value == 3
    assert ws.page_setup.orientation == "landscape"
    total = _find(ws, "合计")
    assert ws.cell(total.row, 5).value == 25 and f"B{total.row}:D{total.row}" in {str(r) for r in ws.merged_cells.ranges}


def test_annex2_rows_header_lines_and_blank_rows(tmp_path):
    rubric = seed000_like()
    cards = [card_for(rubric, "甲协会党支部", off={"一.1": 3}, tiers={"group": {"一.1": 5}}),
             card_for(rubric, "乙协会党支部", veto="V1"),
             card_for(rubric, "丙协会党支部", bonus={"B2": 3})]
    rows = annex2_rows(rubric, cards)
    assert rows[0].scores == {"self": 97.0, "group": 98.0} and rows[1].scores["group"] is None and rows[1].remark == "否定项目：党纪处分"
    path = write_annex2(rubric, cards, tmp_path / "a2.xlsx",
                        {"group": "第一党建协作组", "year": 2022, "contact": "汪庆", "filled_on": "2023 年 1 月 18 日"})
    ws = openpyxl.load_workbook(data_only=True, filename=path).active
    assert ws["A1"].value == "附件 2"
    assert ws["A2"].value == "第一党建协作组党支部工作评分结果汇总表\n（2022 年度）"
    assert ws["A3"].value == "填报单位：第一党建协作组" and ws["A4"].value == "组长、副组长单位（签字）："
    assert [ws.cell(5, c).value for c in range(1, 6)] == ["序号", "党支部名称", "党支部评分", "协作组评分", "备注"]
    assert [ws.cell(6, c).value for c in range(1, 6)] == [1, "甲协会党支部", 97, 98, None]
    assert [ws.cell(7, c).value for c in (2, 3, 5)] == ["乙协会党支部", 100, "否定项目：党纪处分"]
    assert ws.cell(8, 3).value == 103
    # The printed form has 16 numbered rows; the unused ones stay blank but numbered and ruled.
    assert [ws.cell(r, 1).value for r in range(6, 22)] == list(range(1, 17)) and ws.cell(21, 2).value is None
    assert ws.cell(21, 5).border.right.style == "thin"
    assert ws["A23"].value == "联系人：汪庆" and ws["A24"].value == "填报时间：2023 年 1 月 18 日"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A2:E2", "A3:E3", "A4:E4", "A23:E23", "A24:E24"} <= merged
    assert ws.print_title_rows == "$5:$5" and int(ws.page_setup.paperSize) == 9


def test_annex2_seed003_labels_and_plain_rows(tmp_path):
    rubric = seed003_like()
    rows = [Annex2Row("第一小学党支部", {"self": 25.0, "office": 24.5}), Annex2Row("第二小学党支部", {"self": 27.0})]
    ws = openpyxl.load_workbook(data_only=True, filename=write_annex2(rubric, rows, tmp_path / "x.xlsx", {"group": "教育片区"})).active
    header = _find(ws, "序号").row
    assert [ws.cell(header, c).value for c in range(1, 6)] == ["序号", "党组织名称", "自查得分", "复查得分", "备注"]
    assert [ws.cell(header + 1, c).value for c in range(1, 5)] == [1, "第一小学党支部", 25, 24.5]
    assert ws.cell(header + 2, 4).value is None and ws.cell(header + 3, 1).value is None  # min_rows 0


@pytest.mark.parametrize("n", [40])
def test_annex2_long_group_repeats_header_and_keeps_every_row(tmp_path, n):
    rubric = seed000_like()
    rows = [Annex2Row(f"第{i}个协会党支部", {"self": 90.0 + i % 10}) for i in range(n)]
    ws = openpyxl.load_workbook(data_only=True, filename=write_annex2(rubric, rows, tmp_path / "big.xlsx", {"group": "第九协作组"})).active
    assert ws.cell(5 + n, 1).value == n and ws.cell(5 + n, 3).value == 90 + (n - 1) % 10


def test_annex1_of_every_shipped_rubric(tmp_path):
    """Each shipped rubric exports its own table: its columns, every item once, the total of the core."""
    from datetime import date

    from scoring import BranchFacts, list_rubrics, load_rubric, score_branch

    for info in list_rubrics():
        rubric = load_rubric(info.id)
        card = score_branch(rubric, BranchFacts(branch_id="1", name="测试党支部"), 2022, date(2022, 12, 31))
        ws = openpyxl.load_workbook(data_only=True, filename=write_annex1(rubric, card, tmp_path / f"{info.id}.xlsx")).active
        header = next(r for r in range(1, 5) if any(ws.cell(r, c).value in ("具体内容及标准", "内容与要求")
                                                        for c in range(1, 5)))
        labels = [ws.cell(header, c).value for c in range(1, ws.max_column + 1)]
        assert [l.replace("\n", "") for l in labels[-len(rubric.columns):]] == [c.label for c in rubric.columns]
        total = _find(ws, "合计")
        assert ws.cell(total.row, ws.max_column - len(rubric.columns) + 1).value == pytest.approx(card.computed_total)
        assert total.row - header - 1 == len(rubric.items) + len(rubric.bonus) + len(rubric.vetoes)
