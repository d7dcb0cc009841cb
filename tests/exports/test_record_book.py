"""The record book read back with python-docx: date order, attendance, evidence, month gaps marked."""
from __future__ import annotations

from datetime import date

from docx import Document

from bot.exports.months import month_grid
from bot.exports.record_book import ActivityRow, write_record_book

MONTHLY = {"branch_committee": "支委会", "theme_day": "主题党日"}
QUARTERLY = {"member_assembly": "支部党员大会", "party_lecture": "党课"}


def test_month_grid_marks_missing_only_once_a_month_is_over():
    acts = [("branch_committee", date(2022, 1, 5)), ("theme_day", date(2022, 1, 20)),
            ("branch_committee", date(2022, 2, 5)), ("member_assembly", date(2022, 2, 9)),
            ("branch_committee", date(2022, 12, 1))]
    grid = month_grid(acts, 2022, date(2022, 12, 26), MONTHLY, QUARTERLY)
    assert grid[0].ok and grid[0].total == 2
    assert grid[1].missing == ("theme_day",)
    assert grid[2].missing == ("branch_committee", "theme_day", "party_lecture")  # assembly held in Feb counts for Q1
    assert grid[3].missing == ("branch_committee", "theme_day") and grid[3].total == 0
    assert not grid[11].due and grid[11].missing == () and grid[11].held["branch_committee"] == 1


def test_record_book_lists_activities_in_date_order_with_gaps(tmp_path):
    rows = [
        ActivityRow(date(2022, 3, 28), "party_lecture", "党课", 15, 13, "李书记", "学习党的二十大精神", ("签到表.jpg", "照片1.jpg")),
        ActivityRow(date(2022, 1, 10), "branch_committee", "支委会", 5, 5, None, "研究年度计划"),
        ActivityRow(date(2022, 1, 25), "theme_day", "主题党日", None, None, None, "参观红岩村"),
        ActivityRow(date(2021, 12, 30), "branch_committee", "支委会"),  # another year: left out
    ]
    path = write_record_book("机械工业协会", 2022, rows, tmp_path / "book.docx", as_of=date(2022, 4, 10),
                             group="第一协作组")
    doc = Document(path)
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "2022 年度机械工业协会党支部工作活动记录本"
    assert "第一协作组" in texts[1]
    table = doc.tables[0]
    body = [[c.text for c in row.cells] for row in table.rows]
    assert body[0] == ["日期", "活动类别", "应到/实到", "主讲人/主持人", "主题内容", "佐证资料"]
    assert body[1] == ["1月10日", "支委会", "5/5", "", "研究年度计划", ""]
    assert body[2][:2] == ["1月25日", "主题党日"]
    # February: nothing at all; March: a lecture but no 支委会 / 主题党日 and no assembly in Q1.
    assert body[3][0] == "2月：本月没有活动记录（缺：支委会、主题党日）"
    assert body[4] == ["3月28日", "党课", "15/13", "李书记", "学习党的二十大精神", "签到表.jpg、照片1.jpg"]
    assert body[5][0] == "3月缺：支委会、主题党日" and body[6][0] == "第1季度缺：支部党员大会"
    assert len(body) == 7  # April has not ended on as_of: nothing marked yet
    assert set(body[5]) == {"3月缺：支委会、主题党日"}  # the gap line spans the whole row
    assert "全年共记录活动 3 次" in texts[-1]
    sec = doc.sections[0]
    assert sec.page_width > sec.page_height  # landscape A4
