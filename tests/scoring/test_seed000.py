"""seed 000 (渝工业社党〔2022〕21号 附件1), scores worked out by hand from the seed text."""
from __future__ import annotations

from datetime import date

import pytest

from scoring import Activity, Award, Declaration, FactsError, facts_from_dict, load_rubric, score_branch

from scoring_builders import SEED000_DECLS, Y, facts, incident, monthly, quarterly, seed000_full, seed000_full_acts

END = date(Y, 12, 31)
MAX = {"1.1": 7, "1.2": 6, "1.3": 6, "1.4": 6, "2.1": 6, "2.2": 7, "2.3": 6, "2.4": 6,
       "3.1": 6, "3.2": 6, "3.3": 7, "3.4": 6, "4.1": 7, "4.2": 10, "4.3": 8}


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("seed000")


def points(card) -> dict[str, float]:
    return {it.id: it.points for it in card.items}


def test_full_marks_branch(rubric):
    card = score_branch(rubric, seed000_full(), Y, END)
    assert points(card) == MAX
    assert card.base_total == 100 and card.bonus_total == 0 and card.total == 100
    assert card.grade == "优秀" and not card.vetoed
    assert all(not it.deductions and not it.missing for it in card.items)


def test_branch_that_missed_months(rubric):
    acts = [a for a in seed000_full_acts()
            if not (a.code == "theme_day" and a.date.month in (3, 6))  # 二.3: 少一次扣0.5分 -> -1
            and not (a.code == "branch_committee" and a.date.month == 9)  # 三.3: 少一次扣0.5分 -> -0.5
            and not (a.code == "member_assembly" and a.date.month == 5)]  # 三.3: Q2 党员大会 -0.5
    card = score_branch(rubric, facts(acts, SEED000_DECLS), Y, END)
    expected = dict(MAX, **{"2.3": 5.0, "3.3": 6.0})
    assert points(card) == expected
    assert card.total == 98.0 and card.grade == "优秀"
    reasons = [d.reason for d in card.item("3.3").deductions]
    assert reasons == ["支部党员大会 2022年第二季度未开展", "支委会 2022年9月未开展"]
    assert all(d.rule == "“三会一课”制度执行不到位，少一次扣0.5分" for d in card.item("3.3").deductions)


def test_each_deduction_names_the_requirement_it_is_for(rubric):
    """Readers (gaps, record book, grid, nudges) match on Deduction.requirement, not on the reason's wording."""
    acts = [a for a in seed000_full_acts()
            if not (a.code == "branch_committee" and a.date.month == 9)
            and not (a.code == "member_assembly" and a.date.month == 5)
            and not (a.code == "org_life_meeting")]
    decls = [d for d in SEED000_DECLS if d.key == "annual_summary"] + [Declaration("rules_established", 4)]
    card = score_branch(rubric, facts(acts, decls, incidents=[incident("criticized", date(Y, 6, 1))]), Y, END)
    refs = {it.id: [(d.requirement.item_id, d.requirement.key, d.requirement.kind, d.requirement.period)
                    if d.requirement else None for d in it.deductions] for it in card.items if it.deductions}
    assert refs == {
        "1.1": [None],  # 通报批评: an incident, not a requirement
        "1.3": [("1.3", "annual_plan", "declaration", "2022年")],
        "3.1": [("3.1", "rules_established", "declaration", "2022年")],
        "3.3": [("3.3", "member_assembly", "period", "2022年第二季度"), ("3.3", "branch_committee", "period", "2022年9月")],
        "4.1": [("4.1", "org_life_meeting", "count", "2022年")],
    }
    assert card.total == 100 - 3 - 2 - 2 - 1 - 2 == 90  # figures unchanged by the references
    assert [d.requirement.activity for d in card.item("3.3").deductions] == [True, True]
    assert not card.item("1.3").deductions[0].requirement.activity


def test_twelve_meetings_in_december_do_not_make_up_for_the_year(rubric):
    acts = [a for a in seed000_full_acts() if a.code != "theme_day"]
    acts += [Activity("theme_day", date(Y, 12, d)) for d in range(1, 13)]
    card = score_branch(rubric, facts(acts, SEED000_DECLS), Y, END)
    assert card.item("2.3").points == 6 - 11 * 0.5 == 0.5


def test_veto_branch(rubric):
    card = score_branch(rubric, seed000_full(incidents=[incident("member_discipline", date(Y, 4, 2))]), Y, END)
    assert card.total == 100  # a veto item takes no points; it decides the grade
    assert card.vetoed and card.grade == "不合格"
    assert [v.id for v in card.vetoes if v.triggered] == ["V1"]


def test_founded_in_july_is_asked_only_for_months_it_existed(rubric):
    acts = seed000_full_acts(months=range(7, 13), quarters=(3, 4))
    f = facts(acts, [Declaration("annual_summary", True), Declaration("rules_established", 6)], founded=date(Y, 7, 1))
    card = score_branch(rubric, f, Y, END)
    # the 3-31 plan deadline fell before founding: due at year end instead, still missing -> 一.3 -2
    assert points(card) == dict(MAX, **{"1.3": 4.0})
    assert card.total == 98
    # the same branch holding nothing in July–September: 3 months x (支委会, 党小组会, 主题党日), Q3 x 4 quarterly codes
    late = [a for a in acts if a.date.month >= 10]
    card = score_branch(rubric, facts(late, SEED000_DECLS, founded=date(Y, 7, 1)), Y, END)
    assert card.item("2.3").points == 6 - 3 * 0.5
    assert card.item("2.1").points == 6 - 1  # 集中学习 Q3
    assert card.item("3.3").points == 7 - (3 + 3 + 1 + 1) * 0.5  # 支委会, 党小组会, Q3 党员大会, Q3 党课


def test_open_periods_are_missing_not_deducted(rubric):
    acts = [a for a in seed000_full_acts() if a.date <= date(Y, 9, 30)]
    card = score_branch(rubric, facts(acts, SEED000_DECLS[:1] + SEED000_DECLS[2:]), Y, date(Y, 11, 15))
    it = card.item("3.3")
    assert it.points == 7 - 2 * 0.5  # October: 支委会, 党小组会 (closed); November is still open
    missing = {(m.code, m.period, m.due) for m in it.missing}
    assert ("branch_committee", "2022年11月", date(Y, 11, 30)) in missing
    assert ("party_lecture", "2022年第四季度", date(Y, 12, 31)) in missing
    assert [m.code for m in card.item("4.1").missing] == ["org_life_meeting", "democratic_review"]
    assert card.item("4.1").points == 7  # the year has not ended
    assert [m.code for m in card.item("1.3").missing] == ["annual_summary"]
    assert {m.kind for m in it.missing} == {"period"} and [m.kind for m in card.item("1.3").missing] == ["declaration"]


def test_deductions_never_exceed_the_item(rubric):
    f = seed000_full(incidents=[incident("criticized", date(Y, m, 1), event=f"E{m}") for m in (2, 5, 8)])
    it = score_branch(rubric, f, Y, END).item("1.1")
    assert it.points == 0
    assert [d.points for d in it.deductions] == [3, 3, 1]  # 9 cut to the item's 7
    assert it.deductions[-1].reason.endswith("（扣分不超过本项分值）")
    assert it.capped == ()  # the third was cut, not left out


def test_misses_past_the_cap_are_kept_apart_at_no_cost(rubric):
    """一.1 (7 分, 每次扣3分), four 通报批评: 3 + 3 + 1 (cut) = 7 taken, the fourth left out but kept on the card,
    as a meeting missed past its item's cap is (the record book marks it, "本项已扣满")."""
    f = seed000_full(incidents=[incident("criticized", date(Y, m, 1), event=f"E{m}") for m in (2, 5, 8, 11)])
    it = score_branch(rubric, f, Y, END).item("1.1")
    assert [d.points for d in it.deductions] == [3, 3, 1] and [d.points for d in it.capped] == [3]
    assert it.points == 0 and it.max == sum(d.points for d in it.deductions)  # figures as before_is_not_deducted_twice(rubric):
    f = seed000_full(incidents=[incident("criticized", date(Y, 6, 1), "E9"), incident("ideology_violation_branch", date(Y, 6, 1), "E9"),
                                incident("ideology_violation_member", date(Y, 6, 3), "E10")])
    card = score_branch(rubric, f, Y, END)
    assert card.item("1.1").points == 4
    assert card.item("1.2").points == 4  # only the member violation (E10) -2; E9 was deducted in 1.1
    assert any("不重复扣分" in d.reason and d.points == 0 for d in card.item("1.2").deductions)
    assert card.total == 100 - 3 - 2


def test_functional_branch_is_not_asked_for_democratic_review(rubric):
    acts = [a for a in seed000_full_acts() if a.code != "democratic_review"]
    assert score_branch(rubric, facts(acts, SEED000_DECLS, kind="functional"), Y, END).item("4.1").points == 7
    assert score_branch(rubric, facts(acts, SEED000_DECLS, kind="formal"), Y, END).item("4.1").points == 4


def test_branch_without_party_groups_is_not_deducted_for_group_meetings(rubric):
    acts = [a for a in seed000_full_acts() if a.code != "group_meeting"]
    assert score_branch(rubric, facts(acts, SEED000_DECLS), Y, END).item("3.3").points == 1
    decls = SEED000_DECLS + [Declaration("no_party_groups", True)]
    assert score_branch(rubric, facts(acts, decls), Y, END).item("3.3").points == 7


def test_bonus_caps(rubric):
    awards = [Award("commendation", "national", date(Y, 3, 1)), Award("commendation", "national", date(Y, 9, 1)),
              Award("commendation", "municipal", date(Y, 10, 1))]
    f = facts(seed000_full_acts(), SEED000_DECLS + [Declaration("star_rating", "4A")], awards=awards)
    card = score_branch(rubric, f, Y, END)
    assert [b.points for b in card.bonus] == [5, 3]  # 3+3+1 = 7 capped at 5 (加分最高不超过5分); 4A = 3
    assert card.bonus_total == 8 and card.total == 108


def test_overall_bonus_cap(tmp_path, rubric):
    text = open(rubric.path, encoding="utf-8").read().replace("bonus_cap: 10", "bonus_cap: 6")
    p = tmp_path / "capped.yaml"
    p.write_text(text, encoding="utf-8")
    f = facts(seed000_full_acts(), SEED000_DECLS + [Declaration("star_rating", "5A")],
              awards=[Award("commendation", "national", date(Y, 3, 1)), Award("commendation", "provincial", date(Y, 4, 1))])
    card = score_branch(load_rubric(p), f, Y, END)
    assert [b.points for b in card.bonus] == [5, 5] and card.bonus_total == 6 and card.total == 106


def test_activity_outside_the_year_is_ignored(rubric):
    acts = [a for a in seed000_full_acts() if not (a.code == "branch_committee" and a.date.month == 1)]
    acts += [Activity("branch_committee", date(Y - 1, 12, 28)), Activity("branch_committee", date(Y + 1, 1, 3))]
    card = score_branch(rubric, facts(acts, SEED000_DECLS), Y, END)
    assert card.item("3.3").points == 6.5
    assert [d.reason for d in card.item("3.3").deductions] == ["支委会 2022年1月未开展"]


def test_activity_after_as_of_is_not_counted(rubric):
    card = score_branch(rubric, seed000_full(), Y, date(Y, 6, 30))
    assert card.item("3.3").points == 7
    reqs = {r.code: r for r in card.item("3.3").requirements}
    assert reqs["branch_committee"].done == 6 and reqs["branch_committee"].required == 12


def test_unknown_activity_code_is_a_clear_error():
    with pytest.raises(FactsError, match=r"第2条活动：未知的活动代码 'board_meeting'"):
        facts_from_dict({"name": "x", "activities": [{"code": "支委会", "date": "2022-01-05"},
                                                    {"code": "board_meeting", "date": "2022-01-06"}]})


def test_secretary_lecture_needs_the_secretary(rubric):
    acts = [a for a in seed000_full_acts() if a.code != "party_lecture"] + quarterly("party_lecture", day=25)
    card = score_branch(rubric, facts(acts, SEED000_DECLS), Y, END)
    assert card.item("2.2").points == 5 and card.item("3.3").points == 7


def test_monthly_builder_sanity():
    assert len(monthly("theme_day")) == 12 and len(quarterly("member_assembly")) == 4
