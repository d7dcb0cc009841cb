"""One definition of "required" (issue 17, point 1): the record book's gap marks and the dashboard grid's ✗ are
the score card's deductions for required activities — for every branch of the demo committee, both ways."""
from __future__ import annotations

import re
from datetime import date

import pytest
from docx import Document

import scoring
from bot.demo import seed_demo
from bot.exports import record_book_docx
from bot.exports.gaps import activity_gaps, month_cells
from bot.exports.office import branch_card
from bot.models import ActivityRecord, Branch

AS_OF = date(2022, 12, 26)


def _not_activity(reason: str) -> bool:
    """Deductions for incidents (通报批评（6月1日）…) and declarations (未提交年度党建工作计划, 制度 n 项 …)."""
    labels = [scoring.incident_label(k) for k in scoring.INCIDENTS]
    labels += [scoring.declaration_label(k) for k in scoring.DECLARATIONS]
    return reason.startswith("未提交") or any(reason.startswith(label) for label in labels)


def _marks(path) -> list[str]:
    table = Document(path).tables[0]
    return [row.cells[0].text for row in table.rows if row.cells[0].text.startswith("未按规定开展：")]


@pytest.fixture()
def demo(sessions):
    with sessions() as s:
        seed_demo(s, AS_OF)
        s.commit()
        yield s


def test_every_deduction_has_its_mark_and_every_mark_a_deduction(demo, tmp_path):
    s = demo
    labels_marked: set[str] = set()
    total = capped_total = 0
    for branch in s.query(Branch).order_by(Branch.id):
        card = branch_card(s, branch, 2022, AS_OF)
        expected = sorted(f"未按规定开展：{d.reason}（扣{d.points:g}分）" for it in card.items for d in it.deductions
                          if d.points > 0 and d.requirement is not None and d.requirement.activity)
        # the references say what the wording says: incidents and declarations are no activity gaps
        assert expected == sorted(f"未按规定开展：{d.reason}（扣{d.points:g}分）" for it in card.items
                                  for d in it.deductions if d.points > 0 and not _not_activity(d.reason))
        # a meeting missed past the item's cap (扣减分不超过单项指标的最高分) is marked all the same, at no cost
        capped = sorted(f"未按规定开展：{d.reason}（本项已扣满，不再扣分）" for it in card.items for d in it.capped
                        if d.requirement is not None and d.requirement.activity)
        capped_total += len(capped)
        expected = sorted(expected + capped)
        marks = _marks(record_book_docx(s, branch, 2022, AS_OF, tmp_path))
        assert sorted(marks) == expected, branch.name
        labels_marked |= {re.match(r"未按规定开展：(\S+) ", m).group(1) for m in marks}
        total += len(marks)
        # the grid: a month is ✗ exactly when the card deducts for a period ending in it
        dates = [d for (d,) in s.query(ActivityRecord.date).filter_by(branch_id=branch.id, deleted_at=None)]
        cells = month_cells(card, dates)
        for cell in cells:
            ended = [g for g in activity_gaps(card) if g.due.month == cell.month]
            assert list(cell.gaps) == ended
            assert (cell.due and not cell.gaps) == cell.ok
        assert sum(len(c.gaps) for c in cells) == len(marks)
    # the kinds seed 000's annex 1 deducts for that the old book and grid never marked
    assert {"党小组会", "集中学习"} <= labels_marked
    assert total >= 40 and capped_total >= 1


def test_record_book_says_what_it_deducts_and_the_cut_off_date(demo, tmp_path):
    s = demo
    branch = s.query(Branch).order_by(Branch.id).first()
    card = branch_card(s, branch, 2022, AS_OF)
    doc = Document(record_book_docx(s, branch, 2022, AS_OF, tmp_path))
    texts = [p.text for p in doc.paragraphs]
    assert "数据截至：2022年12月26日" in texts[1] and "导出日期" not in texts[1]
    lost = sum(g.points for g in activity_gaps(card))
    assert lost > 0
    assert any(f"共扣 {lost:g} 分" in t for t in texts)
    assert not any("缺少规定会议的月份 0 个" in t for t in texts)
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert header == ["日期", "地点", "类别", "主持人／主讲人", "应到／实到／缺席", "主题及主要内容", "记录人", "佐证资料"]
