"""seeds 001–004: realistic branches scored by hand from each seed's text (and the rubric's stated assumptions)."""
from __future__ import annotations

from datetime import date

import pytest

from scoring import Activity, Award, Declaration, load_rubric, score_branch

from scoring_builders import Y, facts, fortnightly, incident, monthly, quarterly

END = date(Y, 12, 31)


def pts(card) -> dict[str, float]:
    return {it.id: it.points for it in card.items}


# ---- seed 001 ------------------------------------------------------------------------------------
S1_DECLS = [Declaration("annual_plan"), Declaration("annual_summary"), Declaration("party_in_charter"),
            Declaration("party_column"), Declaration("rules_established", 6), Declaration("appraisal_ratio", 1.0)]


def s1_acts(centralized: int = 6, review: bool = True) -> list[Activity]:
    acts = quarterly("study_session") + [Activity("org_life_meeting", date(Y, 11, 5))]  # 1.3, 2.4 (both 集中活动 too)
    acts += [Activity("theme_day", date(Y, m, 1)) for m in range(1, 13)][: max(0, centralized - 5)]
    if review:
        acts.append(Activity("democratic_review", date(Y, 11, 6)))
    return acts


def test_seed001_full_marks_formal_branch():
    r = load_rubric("seed001")
    card = score_branch(r, facts(s1_acts(), S1_DECLS), Y, END)
    assert card.total == 100 and card.grade == "优秀"
    assert {s.title: s.max for s in r.sections} == {"政治建设": 23, "班子建设": 20, "组织建设": 47, "参与社会治理": 5, "书记年度述职测评": 5}


def test_seed001_functional_branch_needs_four_centralized_activities_formal_six():
    r = load_rubric("seed001")
    acts = quarterly("party_lecture", quarters=(1, 2)) + [Activity("member_assembly", date(Y, 6, 1)), Activity("theme_day", date(Y, 7, 1))]
    acts += quarterly("study_session") + [Activity("org_life_meeting", date(Y, 11, 5))]
    # 集中活动 counted: 2 党课 + 1 党员大会 + 1 主题党日 + 4 集中学习 + 1 组织生活会 = 9: both meet it
    assert score_branch(r, facts(acts, S1_DECLS, kind="functional"), Y, END).item("3.2").points == 16
    few = quarterly("party_lecture", quarters=(1, 2)) + [Activity("member_assembly", date(Y, 6, 1)), Activity("theme_day", date(Y, 7, 1))]
    functional = score_branch(r, facts(few, S1_DECLS, kind="functional"), Y, END)
    assert functional.item("3.2").points == 16  # 4 >= 4; no 民主评议 asked of a functional branch
    formal = score_branch(r, facts(few, S1_DECLS, kind="formal"), Y, END)
    assert formal.item("3.2").points == 16 - 2 * 2 - 4  # 2 short of 6 x 2分, no 民主评议 -4
    assert [d.reason for d in formal.item("3.2").deductions][0] == "集中活动 全年4次，要求不少于6次，少2次"


def test_seed001_proportional_appraisal_and_bonus_by_level():
    r = load_rubric("seed001")
    decls = [d for d in S1_DECLS if d.key != "appraisal_ratio"] + [Declaration("appraisal_ratio", 0.85)]
    awards = [Award("media_report", "municipal", date(Y, 3, 1)), Award("demonstration", "national", date(Y, 5, 1)),
              Award("commendation", "municipal", date(Y, 6, 1)), Award("commendation", "department", date(Y, 7, 1)),
              Award("article", "municipal", date(Y, 8, 1)), Award("article", "municipal", date(Y, 9, 1))]
    card = score_branch(r, facts(s1_acts(), decls, awards=awards), Y, END)
    assert card.item("5.1").points == 4.25  # 0.85 x 5
    assert [b.points for b in card.bonus] == [5, 3, 4]  # highest level once (中央 5); 市级表彰 3; 2 articles x 2
    assert card.bonus_total == 12 and card.total == 99.25 + 12
    no_ratio = score_branch(r, facts(s1_acts(), S1_DECLS[:-1]), Y, END)
    assert no_ratio.item("5.1").points == 0  # no appraisal by year end: 0
    mid = score_branch(r, facts(s1_acts(), S1_DECLS[:-1]), Y, date(Y, 9, 1))
    assert mid.item("5.1").points == 5 and mid.item("5.1").missing[0].code == "appraisal_ratio"


def test_seed001_direct_fail_conditions():
    r = load_rubric("seed001")
    card = score_branch(r, facts(s1_acts(), S1_DECLS, incidents=[incident("org_deregistered", date(Y, 8, 1))]), Y, END)
    assert card.vetoed and card.grade == "不合格" and card.total == 100
    idle = score_branch(r, facts([], S1_DECLS), Y, END)
    assert [v.id for v in idle.vetoes if v.triggered] == ["V3"] and idle.grade == "不合格"
    assert not score_branch(r, facts([], S1_DECLS, founded=date(Y, 3, 1)), Y, END).vetoed  # existed < 1 year


# ---- seed 002 ------------------------------------------------------------------------------------
S2_DECLS = [Declaration("rules_established", 6), Declaration("party_affairs_public")]


def s2_acts(skip_fortnights=()) -> list[Activity]:
    acts = quarterly("member_assembly") + monthly("branch_committee") + fortnightly("group_meeting", skip=skip_fortnights)
    acts += quarterly("party_lecture") + [Activity("party_lecture", date(Y, 7, 1), speaker_role="党员领导干部")]
    acts += [Activity("study_session", date(Y, m, 18), hours=4) for m in range(1, 11)]  # 40 学时
    acts += [Activity("report_to_higher", date(Y, 6, 30)), Activity("report_to_higher", date(Y, 12, 15)),
             Activity("org_life_meeting", date(Y, 12, 1)), Activity("democratic_review", date(Y, 12, 2)),
             Activity("mass_service", date(Y, 4, 1)), Activity("mass_service", date(Y, 9, 1)),
             Activity("training", date(Y, 5, 1)), Activity("research_article", date(Y, 11, 1)),
             Activity("integrity_education", date(Y, 3, 3)), Activity("integrity_education", date(Y, 8, 3))]
    acts += monthly("reception_day", day=20)  # 2.6: "每月固定一天作为领导干部接待群众日" (issue 16)
    return acts


def test_seed002_full_marks_and_fortnights():
    r = load_rubric("seed002")
    assert score_branch(r, facts(s2_acts(), S2_DECLS), Y, END).total == 100
    card = score_branch(r, facts(s2_acts(skip_fortnights=(2, 3, 25)), S2_DECLS), Y, END)
    assert card.item("2.4").points == 12 - 3 * 0.25
    reasons = [d.reason for d in card.item("2.4").deductions]
    assert reasons[0] == "党小组会 2022年1月29日至2月11日未开展"
    assert reasons[-1] == "党小组会 2022年12月17日至12月31日未开展"  # the 26th window runs to 31 December


def test_seed002_study_hours_and_grade_bands():
    r = load_rubric("seed002")
    acts = [a for a in s2_acts() if a.code != "study_session"] + [Activity("study_session", date(Y, m, 18), hours=3) for m in range(1, 11)]
    card = score_branch(r, facts(acts, S2_DECLS), Y, END)
    assert card.item("2.3").points == 8 - 10 * 0.2  # 30 of 40 学时
    assert card.total == 98 and card.grade == "优秀"
    # no 专题组织生活会 (-3), no 民主评议 (-2), no 廉政教育 (-4), no 调研 (-3), no 培训 (-3): 100 - 15 = 85 -> 良好
    drop = {"org_life_meeting", "democratic_review", "integrity_education", "research_article", "training"}
    card = score_branch(r, facts([a for a in s2_acts() if a.code not in drop], S2_DECLS), Y, END)
    assert card.total == 85 and card.grade == "良好"
    card = score_branch(r, facts([a for a in s2_acts() if a.code not in drop | {"mass_service"}], S2_DECLS), Y, END)
    assert card.total == 82 and card.grade == "良好"
    card = score_branch(r, facts([a for a in s2_acts() if a.code not in drop | {"mass_service", "report_to_higher"}], S2_DECLS), Y, END)
    assert card.total == 78 and card.grade == "一般"


# ---- seed 003 ------------------------------------------------------------------------------------
S3_DECLS = [Declaration(k) for k in ("annual_plan", "annual_summary", "self_check_reported", "life_meeting_reported",
                                     "party_affairs_public", "good_deeds_reported")]


def s3_acts() -> list[Activity]:
    acts = quarterly("member_assembly") + quarterly("branch_committee", day=10)
    acts += [Activity("party_lecture", date(Y, 4, 1)), Activity("party_lecture", date(Y, 10, 1), speaker_role="党员领导干部")]
    acts += [Activity("dues_payment", date(Y, m, 20)) for m in (3, 6, 9, 12)]
    acts += monthly("study_session", day=8) + [Activity("democratic_life_meeting", date(Y, 12, 10)),
                                               Activity("research_article", date(Y, 10, 1))]
    acts += [Activity("integrity_education", date(Y, m, 5)) for m in (4, 10)] + [Activity("mass_service", date(Y, m, 5)) for m in (5, 11)]
    acts += [Activity("info_report", date(Y, m, 3)) for m in (2, 5, 8, 11)]
    return acts


def test_seed003_full_marks_and_per_miss_deductions():
    r = load_rubric("seed003")
    assert [c.label for c in r.columns] == ["自查得分", "复查得分"] and len(r.items) == 19
    assert score_branch(r, facts(s3_acts(), S3_DECLS), Y, END).total == 100
    acts = [a for a in s3_acts() if not (a.code == "info_report" and a.date.month > 2)]  # 1 of 4: -3 x 1.5
    acts = [a for a in acts if not (a.code == "study_session" and a.date.month in (7, 8))]  # 10 of 12: -2
    acts = [a for a in acts if not (a.code == "dues_payment" and a.date.month == 9)] + [Activity("dues_payment", date(Y, 9, 28))]
    card = score_branch(r, facts(acts, S3_DECLS), Y, END)
    assert pts(card)["18"] == 1.5 and pts(card)["9"] == 6 and pts(card)["5"] == 4  # Q3 dues after 9-25: late
    assert card.total == 92.5 and card.grade == "优秀"


def test_seed003_item3_count_thresholds_and_cap():
    r = load_rubric("seed003")
    acts = [a for a in s3_acts() if a.code not in ("member_assembly", "branch_committee", "party_lecture")]
    card = score_branch(r, facts(acts, S3_DECLS), Y, END)
    # 4 + 4 + 2 + 1 (no leader lecture) = 11 points of deductions on a 6-point item
    assert card.item("3").points == 0 and sum(d.points for d in card.item("3").deductions) == 6


def test_seed003_founded_in_july_prorates_yearly_counts():
    r = load_rubric("seed003")
    acts = [a for a in s3_acts() if a.date.month >= 7]
    card = score_branch(r, facts(acts, S3_DECLS, founded=date(Y, 7, 1)), Y, END)
    # half a year: 党员大会 2 (has 2), 支委会 2 (2), 党课 1 (1), 集中学习 6 (6), 廉政 1 (1), 群众 1 (1), 信息 2 (2)
    assert card.total == 100


# ---- seed 004 ------------------------------------------------------------------------------------
S4_DECLS = [Declaration(k) for k in ("issue_ledger", "rectification_plan", "activity_venue")] + [Declaration("rules_established", 6)]


def s4_acts() -> list[Activity]:
    acts = quarterly("member_assembly") + monthly("branch_committee") + monthly("group_meeting", day=12) + quarterly("party_lecture", day=25)
    acts += monthly("theme_day", day=15) + [Activity("org_life_meeting", date(Y, 12, 1)), Activity("democratic_review", date(Y, 12, 2)),
                                            Activity("joint_activity", date(Y, 6, 6)),
                                            Activity("democratic_life_meeting", date(Y, 12, 3))]  # 4.2 (issue 16)
    return acts


def test_seed004_grades_excellent_qualified_not_yet():
    r = load_rubric("seed004")
    assert [g.label for g in r.grades] == ["优秀", "合格", "未过硬"]
    assert score_branch(r, facts(s4_acts(), S4_DECLS), Y, END).grade == "优秀"
    no_theme = [a for a in s4_acts() if not (a.code == "theme_day" and a.date.month <= 6)]
    card = score_branch(r, facts(no_theme, S4_DECLS), Y, END)
    assert card.total == 94 and card.grade == "优秀"
    card = score_branch(r, facts(no_theme, S4_DECLS[1:]), Y, END)  # no problem ledger -7
    assert card.total == 87 and card.grade == "合格"
    few_kinds = [a for a in s4_acts() if a.code in ("branch_committee", "theme_day", "member_assembly")]
    card = score_branch(r, facts(few_kinds, S4_DECLS), Y, END)
    # variety 3 of 5 kinds -4; 党小组会 12 x 0.5 + 党课 4 x 1 = 10 (4.1 -> 5); 组织生活会 -8; 民主生活会 -5 (4.2); 联动 -5
    assert card.item("5.1").points == 6 and card.item("4.1").points == 5
    assert card.total == 100 - 4 - 10 - 8 - 5 - 5 and card.grade == "未过硬"
