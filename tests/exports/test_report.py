"""The report draft (issue 17, point 3): seed 004's outline only, one tier of scores (stated), the data date, missing
data told apart from real shortfalls, assumed grade bands marked as assumed, page numbers, clean typography."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from docx import Document

from bot.demo import seed_demo
from bot.exports import report_docx
from bot.exports.report import write_report
from bot.models import Organisation
from scoring.card import Deduction, RequirementRef

from .factories import card_for, seed000_like

# Seed 004's outline, in order (its parentheses full-width as an office prints them).
OUTLINE = ["一、党支部建设基本情况及评估工作情况", "二、做法成效", "（一）抓对标，补短板", "（二）搭载体，建阵地",
           "（三）抓作风，带队伍", "（四）打基础，筑根基", "（五）抓创新，出亮点", "三、问题不足及改进措施",
           "（一）问题不足", "（二）改进措施", "四、意见建议和其他情况"]


def _rubric(assumed: bool = True):
    """The bands flagged in the rubric data (GradeBand.assumed), not read from the assumptions' wording."""
    r = seed000_like()
    return replace(r, grades=tuple(replace(g, assumed=assumed, source="" if assumed else "seed") for g in r.grades),
                   assumptions=("等次（假定，可由办公室修改）：原文未规定等次。",) if not assumed else ())


def _cards(r):
    plain = card_for(r, "甲协会党支部", off={"三.3": 2, "二.3": 1}, branch_id="1")
    reviewed = card_for(r, "乙协会党支部", off={"三.3": 1.5}, tiers={"group": {"三.3": 2.0}}, branch_id="2")
    rules = card_for(r, "丙协会党支部", off={"三.1": 6}, branch_id="3")
    ref = RequirementRef("三.1", "rules_established", "declaration", "2022年")
    items = tuple(replace(it, deductions=(Deduction(6, "党支部日常工作制度0项，要求6项，少6项", it.deductions[0].rule,
                                                    requirement=ref),))
                  if it.id == "三.1" else it for it in rules.items)
    return [plain, reviewed, replace(rules, items=items)]


def _texts(path) -> list[str]:
    return [p.text for p in Document(path).paragraphs]


def test_the_report_has_seed_004s_outline_and_nothing_else(tmp_path):
    r = _rubric()
    texts = _texts(write_report(r, _cards(r), tmp_path / "r.docx",
                                meta={"org": "工业行业综合党委", "year": 2022, "as_of": date(2022, 12, 31)}))
    assert texts[0] == "工业行业综合党委\n2022年度党支部建设质效评估报告"
    heads = [t for t in texts if re.match(r"^([一二三四五六七八九十]、|（[一二三四五六七八九十]）)", t)]
    assert heads == OUTLINE
    assert "（请填写）" not in texts  # prompts say what to write
    i = texts.index("（二）搭载体，建阵地")
    assert texts[i + 1] == "【请填写：党员活动室、宣传栏等活动阵地的建设和使用情况】"


def test_one_tier_of_scores_stated_and_used_for_grades_and_losses(tmp_path):
    r = _rubric()
    cards = _cards(r)
    joined = "\n".join(_texts(write_report(r, cards, tmp_path / "r.docx", meta={
        "org": "综合党委", "year": 2022, "as_of": date(2022, 12, 31), "declared": {"1": set(), "2": set(), "3": set()}})))
    assert "得分一律采用各党支部的最终得分（协作组评分1个，按记录计算2个）" in joined
    # 乙: computed lost 1.5 on 三.3, the group gave 2 of 7 (lost 5): the report counts the final 5, not 1.5
    assert "一是“组织建设3”（组织建设）：2个党支部失分，占66.7%，共失7分。" in joined
    assert cards[1].total == 95 and "最低93分" not in joined and "最高97分" in joined


def test_missing_data_is_not_a_finding(tmp_path):
    r = _rubric()
    joined = "\n".join(_texts(write_report(r, _cards(r), tmp_path / "r.docx", meta={
        "year": 2022, "as_of": date(2022, 12, 31), "declared": {"1": set(), "2": set(), "3": set()}})))
    assert "以下失分源于未申报，属数据缺口，不作为问题结论" in joined
    assert "1个党支部未申报“党支部日常工作制度”（按细则暂计失6分）。" in joined
    assert "组织建设1" not in joined  # 三.1 is not listed among the problems
    joined = "\n".join(_texts(write_report(r, _cards(r), tmp_path / "d.docx", meta={
        "year": 2022, "as_of": date(2022, 12, 31), "declared": {"3": {"rules_established"}}})))
    assert "数据缺口" not in joined and "“组织建设1”（组织建设）：1个党支部失分" in joined  # declared 0: a finding


def test_assumed_grade_bands_are_marked_given_ones_are_not(tmp_path):
    r = _rubric(assumed=True)
    joined = "\n".join(_texts(write_report(r, _cards(r), tmp_path / "a.docx", meta={"year": 2022})))
    assert "评分细则原文未规定等次，以下按假定分档（90分及以上为“优秀”" in joined
    assert "评定为" not in joined and "“优秀”档3个，占100%" in joined
    r = _rubric(assumed=False)
    joined = "\n".join(_texts(write_report(r, _cards(r), tmp_path / "g.docx", meta={"year": 2022})))
    assert "假定" not in joined and "评定为“优秀”的3个，占100%" in joined


def test_data_date_page_numbers_and_typography(tmp_path):
    r = _rubric()
    path = write_report(r, _cards(r), tmp_path / "r.docx", meta={"year": 2022, "as_of": date(2022, 6, 30)})
    texts = _texts(path)
    joined = "\n".join(texts)
    assert "截至2022年6月30日" in joined
    assert "2022年尚未结束：2022年6月30日以后到期的要求尚未计入" in joined
    assert "““" not in joined and "””" not in joined and "“‘" not in joined.replace("“‘三会一课’", "")
    assert not any(t.startswith(("，", "。", "；", "、")) for t in texts)
    footer = Document(path).sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer


def test_the_report_of_the_demo_committee_at_year_end(sessions, tmp_path):
    """At year end the 14 demo branches declared no 制度 count: that is a data gap, not '制度不健全'."""
    with sessions() as s:
        seed_demo(s, date(2022, 12, 31))
        s.commit()
        org = s.query(Organisation).one()
        joined = "\n".join(_texts(report_docx(s, org, 2022, date(2022, 12, 31), tmp_path)))
    assert "2022年尚未结束" not in joined
    assert "14个党支部未申报“党支部日常工作制度”" in joined
    problems = joined[joined.index("（一）问题不足"):joined.index("以下失分源于未申报")]
    assert "日常工作制度" not in problems
    assert re.search(r"各党支部全年记录支部党员大会\d+次、支委会\d+次", joined)


def test_no_progress_claimed_from_a_back_dated_record(sessions, tmp_path):
    """Issue 13: "12月20日的党员大会开了" sent on Dec 2 went to last year's Dec 20, and the report then claimed a
    "+30 进步" for that branch from that one record. The report has no 进步与退步 section since seed 004's
    outline (93f40d5); one record dated last year must not bring a comparison back, for either year."""
    from bot.models import ActivityRecord, Branch

    with sessions() as s:
        seed_demo(s, date(2023, 1, 5))  # 2022 under review, 2023 open
        s.commit()
        org = s.query(Organisation).one()
        branch = s.query(Branch).order_by(Branch.id).first()
        s.add(ActivityRecord(branch_id=branch.id, code="member_assembly", date=date(2022, 12, 20), expected=15,
                             present=13))
        s.commit()
        for year, as_of in ((2022, date(2022, 12, 31)), (2023, date(2023, 1, 5))):
            joined = "\n".join(_texts(report_docx(s, org, year, as_of, tmp_path / str(year))))
            assert joined.split("\n")[1] == f"{year}年度党支部建设质效评估报告"  # the title's second line
            assert not re.search(r"进步|退步|[+＋]\s*\d", joined), joined  # the old section: "与上一年度相比进步最大…+30"


def test_a_declaration_gap_is_found_by_its_requirement_not_its_wording():
    """`split_losses` matched a deduction's reason against the vocabulary's labels: a rubric wording the document
    its own way ("日常制度只建了2项") was a finding, and a deduction that merely began with a label was a gap. It
    reads Deduction.requirement now, as bot/exports/gaps.py does."""
    from bot.exports.report import split_losses

    r = _rubric()
    plan = RequirementRef("一.3", "annual_plan", "declaration", "2022年")
    worded = card_for(r, "甲协会党支部", off={"一.3": 2}, branch_id="1")
    worded = replace(worded, items=tuple(
        replace(it, deductions=(Deduction(2, "年初无工作计划", it.deductions[0].rule, requirement=plan),))
        if it.id == "一.3" else it for it in worded.items))
    incident = card_for(r, "乙协会党支部", off={"一.1": 3}, branch_id="2")  # an incident's reason, no requirement
    incident = replace(incident, items=tuple(
        replace(it, deductions=(Deduction(3, "年度党建工作计划未落实，受到通报批评（5月1日）", it.deductions[0].rule),))
        if it.id == "一.1" else it for it in incident.items))
    losses, gaps = split_losses([worded, incident], {"1": set(), "2": set()})
    assert [(g.key, g.branches, g.points) for g in gaps] == [("annual_plan", 1, 2.0)]
    assert [(d.item_id, d.branches, d.points) for d in losses] == [("一.1", 1, 3.0)]
