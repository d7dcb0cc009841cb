"""The record book read back with python-docx: date order, attendance, evidence, month gaps marked."""
from __future__ import annotations

from datetime import date

from docx import Document

from bot.exports.gaps import Gap
from bot.exports.record_book import ActivityRow, write_record_book


def test_record_book_lists_activities_in_date_order_with_gaps(tmp_path):
    rows = [
        ActivityRow(date(2022, 3, 28), "party_lecture", "党课", 15, 13, "李书记", "学习党的二十大精神", ("签到表.jpg", "照片1张")),
        ActivityRow(date(2022, 1, 10), "branch_committee", "支委会", 5, 5, None, "研究年度计划"),
        ActivityRow(date(2022, 1, 25), "theme_day", "主题党日", None, None, None, "参观红岩村"),
        ActivityRow(date(2021, 12, 30), "branch_committee", "支委会"),  # another year: left out
        ActivityRow(date(2022, 4, 12), "branch_committee", "支委会"),  # after the cut-off date: left out
    ]
    gaps = {2: [Gap("3.3", "支委会", "2022年2月", "支委会 2022年2月未开展", 0.5, date(2022, 2, 28))],
            3: [Gap("3.3", "支部党员大会", "2022年第一季度", "支部党员大会 2022年第一季度未开展", 0.5, date(2022, 3, 31)),
                Gap("2.1", "集中学习", "2022年第一季度", "集中学习 2022年第一季度未开展", 1, date(2022, 3, 31))]}
    path = write_record_book("机械工业协会", 2022, rows, tmp_path / "book.docx", as_of=date(2022, 4, 10),
                             group="第一协作组", gaps=gaps)
    doc = Document(path)
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "2022 年度机械工业协会党支部工作活动记录本"
    assert "第一协作组" in texts[1] and "数据截至：2022年4月10日" in texts[1]
    table = doc.tables[0]
    body = [[c.text for c in row.cells] for row in table.rows]
    assert body[0] == ["日期", "地点", "类别", "主持人／主讲人", "应到／实到／缺席", "主题及主要内容", "记录人", "佐证资料"]
    assert body[1] == ["1月10日", "", "支委会", "", "5／5／0", "研究年度计划", "", ""]
    assert body[2][:3] == ["1月25日", "", "主题党日"] and body[2][4] == ""  # no attendance given: blank, not 0
    assert set(body[3]) == {"未按规定开展：支委会 2022年2月未开展（扣0.5分）"}  # the mark spans the whole row
    assert body[4] == ["3月28日", "", "党课", "李书记", "15／13／2", "学习党的二十大精神", "", "签到表.jpg、照片1张"]
    assert body[5][0] == "未按规定开展：支部党员大会 2022年第一季度未开展（扣0.5分）"
    assert body[6][0] == "未按规定开展：集中学习 2022年第一季度未开展（扣1分）"
    assert len(body) == 7
    assert "全年共记录活动 3 次。按评分细则，未按规定开展活动 3 处（涉及 2 个月），共扣 2 分" in texts[-2]
    sec = doc.sections[0]
    assert sec.page_width > sec.page_height  # landscape A4
    footer = sec.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer


def test_a_book_without_deductions_says_so(tmp_path):
    rows = [ActivityRow(date(2022, 1, 10), "branch_committee", "支委会", 5, 5)]
    doc = Document(write_record_book("甲协会", 2022, rows, tmp_path / "b.docx", as_of=date(2022, 1, 31)))
    assert any("没有因未按规定开展活动而扣分" in p.text for p in doc.paragraphs)
