"""Store-backed exports for a demo committee of three groups, checked against the scoring core."""
from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from docx import Document

from bot.exports import annex1_xlsx, annex2_xlsx, chart_png, record_book_docx, report_docx, summary_docx
from bot.facts import score_cards
from bot.models import Branch, Group
from scoring import rank

from .demo import build_committee

AS_OF = date(2022, 12, 26)


@pytest.fixture()
def committee(sessions):
    with sessions() as s:
        org = build_committee(s)
        yield s, org


def _row_of(ws, text):
    for row in ws.iter_rows():
        for c in row:
            if c.value == text:
                return c.row
    raise AssertionError(text)


def test_annex1_of_every_branch_matches_the_scoring_core(committee, tmp_path):
    s, org = committee
    cards = {c.branch_id: c for c in score_cards(s, org, 2022, AS_OF)}
    assert len(cards) == 9
    for branch in s.query(Branch).order_by(Branch.id):
        card = cards[str(branch.id)]
        ws = openpyxl.load_workbook(data_only=True, filename=annex1_xlsx(s, branch, 2022, AS_OF, tmp_path)).active
        assert ws["A2"].value == f"2022 年 {branch.name}党建工作自评表"
        # Items start at row 4 in rubric order; 自评 is column D.
        for i, it in enumerate(card.items):
            assert ws.cell(4 + i, 4).value == pytest.approx(it.tiers.get("self", it.points))
        total = _row_of(ws, "合计")
        assert ws.cell(total, 4).value == pytest.approx(card.computed_total)
        assert ws.cell(total, 4).value == pytest.approx(sum(it.points for it in card.items) + card.bonus_total)
        assert _row_of(ws, f"填表人：书记{(branch.id - 1) // 3}{(branch.id - 1) % 3}") > total
    first = s.get(Branch, 1)
    ws = openpyxl.load_workbook(data_only=True, filename=annex1_xlsx(s, first, 2022, AS_OF, tmp_path)).active
    assert ws["E4"].value == 5  # the group's score for 1.1
    assert ws["D4"].value == 4  # 通报批评 once: 7 - 3
    assert ws.cell(_row_of(ws, "合计"), 5).value == pytest.approx(cards["1"].tier_totals.get("group", 5))


def test_annex2_per_group_in_ranking_order(committee, tmp_path):
    s, org = committee
    for group in s.query(Group).order_by(Group.id):
        ranked = rank(score_cards(s, org, 2022, AS_OF, group.id))
        path = annex2_xlsx(s, org, group, 2022, AS_OF, tmp_path)
        assert path.name == f"2022年{group.name}评分结果汇总表.xlsx"
        ws = openpyxl.load_workbook(data_only=True, filename=path).active
        assert ws["A3"].value == f"填报单位：{group.name}"
        head = _row_of(ws, "序号")
        got = [(ws.cell(head + i, 2).value, ws.cell(head + i, 3).value) for i in range(1, 4)]
        assert got == [(c.name, pytest.approx(c.computed_total)) for _, c in ranked]
        assert ws.cell(head + 4, 2).value is None and ws.cell(head + 16, 1).value == 16
        leader = f"组长{group.id}"
        assert any(str(ws.cell(r, 1).value).startswith(f"联系人：{leader}") for r in range(head, head + 20))


def test_record_book_summary_report_and_chart_from_the_store(committee, tmp_path):
    s, org = committee
    b = s.get(Branch, 9)  # group 3, branch 丙: 支委会 only Jan–Aug
    doc = Document(record_book_docx(s, b, 2022, AS_OF, tmp_path))
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    marks = [r[0] for r in rows if r[0].startswith("未按规定开展：")]
    assert "未按规定开展：支委会 2022年9月未开展（扣0.5分）" in marks
    assert "未按规定开展：主题党日 2022年1月未开展（扣0.5分）" in marks
    assert rows[1][:5] == ["1月8日", "", "支委会", "", "5／4／1"]
    first = Document(record_book_docx(s, s.get(Branch, 1), 2022, AS_OF, tmp_path))
    assert first.tables[0].rows[1].cells[7].text == "签到表.jpg"

    text = "\n".join(p.text for p in Document(summary_docx(s, b, 2022, AS_OF, tmp_path)).paragraphs)
    assert "全年召开支委会 8 次" in text

    rep = Document(report_docx(s, org, 2022, AS_OF, tmp_path))
    text = "\n".join(p.text for p in rep.paragraphs)
    cards = score_cards(s, org, 2022, AS_OF)
    assert "下辖3个党建协作组、9个党支部" in text
    n_top = sum(1 for c in cards if c.grade == cards[0].grade)
    assert f"“{cards[0].grade}”档{n_top}个" in text  # seed 000 gives no grade bands: assumed ones, said so

    png = chart_png(s, org, 2022, AS_OF, tmp_path / "chart.png", s.get(Group, 1))
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_record_book_names_evidence_by_its_local_file_old_rows_too(committee):
    """A local file is in Evidence.path; rows written before that column keep it in url and still show."""
    from bot.exports.office import activity_rows
    from bot.models import ActivityRecord, Evidence

    s, org = committee
    b = s.get(Branch, 2)
    rec = s.query(ActivityRecord).filter(ActivityRecord.branch_id == b.id, ActivityRecord.date >= date(2022, 1, 1)) \
        .order_by(ActivityRecord.date).first()
    rec.evidence.extend([
        Evidence(kind="image", path="var/media/wecom/ab12/image.jpg", url="https://wework.qpic.cn/wwpic/1/0"),
        Evidence(kind="file", url="var/media/dingtalk/cd34/会议记录.pdf"),  # before evidence.path existed
        Evidence(kind="image", media_id="MEDIA-9", url="https://wework.qpic.cn/wwpic/2/0"),  # no local copy
    ])
    s.commit()
    assert [e.local_file for e in rec.evidence] == ["var/media/wecom/ab12/image.jpg",
                                                    "var/media/dingtalk/cd34/会议记录.pdf", None]
    [row] = [r for r in activity_rows(s, b, 2022) if r.date == rec.date and r.code == rec.code]
    assert row.evidence == ("会议记录.pdf", "照片2张")  # a photo's stored name (image.jpg) says nothing: counted
