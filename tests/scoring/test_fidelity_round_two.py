"""Issue 16, rubric fidelity round two: each point with a card worked out by hand from the seed text.

Seed files: seed 000 = 000_d2b2623fdfe84af5.txt, seed 001 = 001_d60bb0bc5035fed0.txt,
seed 002 = 002_7c909e84e9160c76.txt, seed 003 = 003_fa043e417f07a33c.txt, seed 004 = 004_0f0b1f38311e3480.txt.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from click.testing import CliRunner

from scoring import (Activity, Award, Declaration, FactsError, Incident, RubricRuleError, ScoringError, facts_from_dict,
                     load_rubric, score_branch)
from scoring.facts import Exemption

from scoring_builders import SEED000_DECLS, Y, facts, monthly, quarterly, seed000_full_acts

END = date(Y, 12, 31)
MAX000 = {"1.1": 7, "1.2": 6, "1.3": 6, "1.4": 6, "2.1": 6, "2.2": 7, "2.3": 6, "2.4": 6,
          "3.1": 6, "3.2": 6, "3.3": 7, "3.4": 6, "4.1": 7, "4.2": 10, "4.3": 8}
PLAN = Declaration("annual_plan", True, date(Y, 1, 15))
RULES6 = Declaration("rules_established", 6)


@pytest.fixture(scope="module")
def r000():
    return load_rubric("seed000")


def points(card) -> dict[str, float]:
    return {it.id: it.points for it in card.items}


def cli(*args):
    from bot.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# ---- 1. seed 000 一.3: the 工作总结 is due "于 2023 年 1 月 10 日前" -----------------------------------

def test_summary_not_yet_due_on_31_december_is_missing_not_deducted(r000):
    """No summary yet on 2022-12-31: not due until 2023-01-10, so 一.3 keeps 6 and lists it as missing."""
    card = score_branch(r000, facts(seed000_full_acts(), [PLAN, RULES6]), Y, END)
    assert points(card) == MAX000
    assert card.total == 100 and card.grade == "优秀"
    (m,) = card.item("1.3").missing
    assert (m.code, m.due) == ("annual_summary", date(2023, 1, 10))
    assert card.item("1.3").deductions == ()


def test_summary_missing_after_10_january_costs_2(r000):
    """On 2023-01-11 the summary is overdue: 一.3 "少一项扣2分" -> 6 − 2 = 4, total 98, 优秀."""
    card = score_branch(r000, facts(seed000_full_acts(), [PLAN, RULES6]), Y, date(2023, 1, 11))
    assert points(card) == dict(MAX000, **{"1.3": 4.0})
    assert card.total == 98 and card.grade == "优秀"
    assert [d.reason for d in card.item("1.3").deductions] == ["未提交年度工作总结"]


def test_summary_handed_in_on_5_january_counts_for_the_year_before(r000):
    """A summary dated 2023-01-05 is 2022's (full marks); one dated 2022-01-05 was 2021's: −2 for 2022."""
    on_time = Declaration("annual_summary", True, date(2023, 1, 5))
    card = score_branch(r000, facts(seed000_full_acts(), [PLAN, RULES6, on_time]), Y, date(2023, 1, 11))
    assert points(card) == MAX000 and card.total == 100
    last_years = Declaration("annual_summary", True, date(2022, 1, 5))
    card = score_branch(r000, facts(seed000_full_acts(), [PLAN, RULES6, last_years]), Y, date(2023, 1, 11))
    assert card.item("1.3").points == 4 and card.total == 98 and card.grade == "优秀"


# ---- 2. one clear line, never a traceback -----------------------------------------------------

@pytest.mark.parametrize("field, line, value", [
    ("date", "activities:\n  - {code: 支委会, date: 2022-02-30}\n", "2022-02-30"),
    ("founded", "founded: 2022-13-01\n", "2022-13-01"),
])
def test_impossible_unquoted_date_in_a_facts_file_is_one_line(tmp_path, field, line, value):
    f = tmp_path / "f.yaml"
    f.write_text("name: 测试支部\n" + line, encoding="utf-8")
    res = cli("score", "--year", 2022, "--facts", f)
    assert res.exit_code == 1
    out = res.output.strip()
    assert len(out.splitlines()) == 1 and "Traceback" not in out
    assert str(f) in out and field in out and value in out


def refused_line(tmp_path, old: str, new: str) -> tuple[str, str]:
    """`zhibu rubrics validate` on seed 000 with `old` changed to `new`: (the file, its one-line refusal)."""
    text = open(load_rubric("seed000").path, encoding="utf-8").read()
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    res = cli("rubrics", "validate", bad)
    assert res.exit_code == 1
    out = res.output.strip()
    assert len(out.splitlines()) == 1 and str(bad) in out and "Traceback" not in out
    return str(bad), out


def test_a_due_date_of_29_february_is_refused_at_validate(tmp_path):
    _, out = refused_line(tmp_path, 'due: "03-31"', 'due: "02-29"')
    assert "due" in out and "'02-29'" in out


@pytest.mark.parametrize("year", [0, 10000])
def test_a_year_out_of_range_is_one_line(tmp_path, year):
    f = tmp_path / "f.yaml"
    f.write_text("name: 测试支部\n", encoding="utf-8")
    res = cli("score", "--year", year, "--facts", f)
    assert res.exit_code == 1
    out = res.output.strip()
    assert len(out.splitlines()) == 1 and "--year" in out and str(year) in out


def test_the_core_refuses_a_year_out_of_range_by_name(r000):
    with pytest.raises(ScoringError, match="year.*10000"):
        score_branch(r000, facts([]), 10000, date(9999, 12, 31))


# ---- 3. aliases accepted, anything else refused by name ---------------------------------------

def _one(**entries):
    return facts_from_dict({"name": "测试支部", **entries})


def test_award_level_aliases_and_a_typo(r000):
    """市级 is municipal: seed 000 加分项目1 "市级部门……每次加1分" -> +1; a typo is refused by name."""
    f = _one(awards=[{"key": "commendation", "level": "市级", "date": "2022-06-01"}],
             activities=[], declarations=[])
    assert f.awards[0].level == "municipal"
    base = facts(seed000_full_acts(), SEED000_DECLS, awards=f.awards)
    card = score_branch(r000, base, Y, END)
    assert card.bonus_total == 1 and card.total == 101 and card.grade == "优秀"
    with pytest.raises(FactsError, match="level.*'muncipal'"):
        _one(awards=[{"key": "commendation", "level": "muncipal", "date": "2022-06-01"}])


def test_an_unknown_level_from_the_store_is_said_on_the_card(r000):
    """The store does not go through the facts reader: an unknown level gives 0, with a reason on the card."""
    base = facts(seed000_full_acts(), SEED000_DECLS, awards=[Award("commendation", "muncipal", date(Y, 6, 1))])
    card = score_branch(r000, base, Y, END)
    assert card.bonus_total == 0 and card.total == 100
    (b1,) = [b for b in card.bonus if b.id == "B1"]
    assert b1.reasons == ("书面表彰（muncipal，6月1日）级别无法识别，未加分",)


@pytest.mark.parametrize("said", ["4a", "AAAA", "4A级", "四A"])
def test_star_rating_aliases(r000, said):
    """seed 000 加分项目2: 4A +3 -> 100 + 3 = 103."""
    f = _one(declarations=[{"key": "star_rating", "value": said, "date": "2022-11-01"}])
    assert f.declarations[0].value == "4A"
    card = score_branch(r000, facts(seed000_full_acts(), SEED000_DECLS + list(f.declarations)), Y, END)
    assert card.bonus_total == 3 and card.total == 103


def test_star_rating_typo_is_refused():
    with pytest.raises(FactsError, match="star_rating.*'6A'"):
        _one(declarations=[{"key": "star_rating", "value": "6A"}])


@pytest.mark.parametrize("said", ["支部书记", "secretary", "书记"])
def test_speaker_role_aliases(r000, said):
    """seed 000 二.2 "支部书记全年没有讲党课的，扣2分": a 党课 by the 支部书记 keeps 二.2 at 7."""
    f = _one(activities=[{"code": "party_lecture", "date": "2022-03-25", "speaker_role": said}])
    assert f.activities[0].speaker_role == "书记"
    acts = [a for a in seed000_full_acts() if a.code != "party_lecture"]
    acts += quarterly("party_lecture", range(2, 5), day=25) + list(f.activities)
    card = score_branch(r000, facts(acts, SEED000_DECLS), Y, END)
    assert points(card) == MAX000 and card.total == 100


def test_speaker_role_typo_is_refused():
    with pytest.raises(FactsError, match="speaker_role.*'shuji'"):
        _one(activities=[{"code": "party_lecture", "date": "2022-03-25", "speaker_role": "shuji"}])


@pytest.mark.parametrize("said", [0.85, 85, "85%", "85 %"])
def test_appraisal_ratio_as_a_percentage(said):
    """seed 001 第五条（五）: 5 points in proportion to the appraisal; 85 % -> 4.25 (not 5, not 0)."""
    f = _one(declarations=[{"key": "appraisal_ratio", "value": said, "date": "2022-12-20"}])
    assert f.declarations[0].value == 0.85
    r001 = load_rubric("seed001")
    (item,) = [it for it in r001.items if any(getattr(r, "key", None) == "appraisal_ratio" for r in it.compiled)]
    card = score_branch(r001, facts([], f.declarations), Y, END)
    assert card.item(item.id).points == 4.25


@pytest.mark.parametrize("said", [185, "八五", -1])
def test_appraisal_ratio_nonsense_is_refused(said):
    with pytest.raises(FactsError, match="appraisal_ratio"):
        _one(declarations=[{"key": "appraisal_ratio", "value": said}])


# ---- 4. declarations count for their own evaluation year only -----------------------------------

def test_last_years_declarations_do_not_count(r000):
    """A 2021 plan and summary, a 2020 5A and 2019's rules count for 2022 on the old code (100 + 5 = 105).
    For 2022, as of 2023-01-11: 一.3 no plan −2, no summary −2 -> 2; 三.1 6 rules missing, "每少一项扣1分"
    -> 0; 加分 2 "当年获得或保持" -> 0.  100 − 4 − 6 = 90, 优秀 (≥ 90)."""
    old = [Declaration("annual_plan", True, date(2021, 1, 15)), Declaration("annual_summary", True, date(2021, 12, 20)),
           Declaration("star_rating", "5A", date(2020, 11, 1)), Declaration("rules_established", 6, date(2019, 5, 1))]
    card = score_branch(r000, facts(seed000_full_acts(), old), Y, date(2023, 1, 11))
    assert points(card) == dict(MAX000, **{"1.3": 2.0, "3.1": 0.0})
    assert card.bonus_total == 0 and card.total == 90 and card.grade == "优秀"
    assert card.warnings == ("申报 年度党建工作计划（2021-01-15）不在2022年度内，未计入",
                             "申报 年度工作总结（2021-12-20）不在2022年度内，未计入",
                             "申报 评星定级等级（2020-11-01）不在2022年度内，未计入",
                             "申报 党支部日常工作制度（2019-05-01）不在2022年度内，未计入")


def test_a_declaration_for_another_year_by_the_store(r000):
    """The store says which year a declaration is about: a 5A kept in 2022 (+5), one of 2021 (0)."""
    kept = Declaration("star_rating", "5A", date(2022, 3, 1), year=2022)
    card = score_branch(r000, facts(seed000_full_acts(), SEED000_DECLS + [kept]), Y, END)
    assert card.bonus_total == 5 and card.total == 105
    other = Declaration("star_rating", "5A", date(2022, 3, 1), year=2021)
    card = score_branch(r000, facts(seed000_full_acts(), SEED000_DECLS + [other]), Y, END)
    assert card.bonus_total == 0 and card.total == 100
    assert card.warnings == ("申报 评星定级等级 属于2021年度，未计入2022年度",)


# ---- 5. activities outside the year, before `founded`, twice --------------------------------------

def test_activities_outside_the_year_are_warned_and_a_repeated_id_counts_once():
    """seed 003 项目3 "全年召开党员大会不少于4次……每少1次扣1分": four records, but one is dated 2021 and two
    share an id -> 2 counted, −2 -> 项目3 4; total 98, 优秀."""
    from test_seed001_to_004 import S3_DECLS, s3_acts

    r = load_rubric("seed003")
    acts = [a for a in s3_acts() if a.code != "member_assembly"]
    acts += [Activity("member_assembly", date(2021, 12, 20), id="a1"), Activity("member_assembly", date(Y, 3, 20), id="a2"),
             Activity("member_assembly", date(Y, 6, 20), id="a3"), Activity("member_assembly", date(Y, 6, 20), id="a3")]
    card = score_branch(r, facts(acts, S3_DECLS), Y, END)
    assert card.item("3").points == 4 and card.total == 98 and card.grade == "优秀"
    assert card.warnings == ("支部党员大会（2021-12-20）不在2022年度内，未计入",
                             "支部党员大会（2022-06-20）记录编号 a3 重复，只计一次")


def test_an_activity_before_founded_is_counted_and_warned(r000):
    """Founded 2022-07-01 with a 支委会 on 2022-06-10: counted (the rules only require July–December), but said."""
    acts = [a for a in seed000_full_acts() if a.date.month >= 7] + [Activity("branch_committee", date(Y, 6, 10))]
    card = score_branch(r000, facts(acts, SEED000_DECLS, founded=date(Y, 7, 1)), Y, END)
    assert card.total == 100
    assert card.warnings == ("支委会（2022-06-10）早于支部成立日期 2022-07-01，已计入，请核对日期",)


# ---- 6. 不涉及的不扣分: an office-approved "not applicable" ------------------------------------------

NO_COMMITTEE = [a for a in seed000_full_acts() if a.code != "branch_committee"]


def test_a_branch_without_a_committee_loses_6_unless_the_office_agrees(r000):
    """No 支委会 all year: 三.3 "少一次扣0.5分" × 12 = −6 -> 1, total 94.  Approved 不涉及 for 支委会: 三.3
    keeps 7, the reason is on the card, total 100.  Pending: still 94, and the card says it is pending."""
    card = score_branch(r000, facts(NO_COMMITTEE, SEED000_DECLS), Y, END)
    assert card.item("3.3").points == 1 and card.total == 94 and card.grade == "优秀"
    why = "党员5人，不足7人，未设支部委员会"
    approved = replace(facts(NO_COMMITTEE, SEED000_DECLS),
                       exemptions=(Exemption("3.3", why, "branch_committee", approved=True),))
    card = score_branch(r000, approved, Y, END)
    assert points(card) == MAX000 and card.total == 100
    item = card.item("3.3")
    assert item.not_applicable == (f"branch_committee：{why}",) and item.applies
    assert [r.code for r in item.requirements] == ["member_assembly", "group_meeting", "party_lecture"]
    pending = replace(approved, exemptions=(Exemption("3.3", why, "branch_committee"),))
    card = score_branch(r000, pending, Y, END)
    assert card.item("3.3").points == 1 and card.total == 94
    assert card.warnings == (f"不涉及：项目 3.3（branch_committee） {why}——待办公室同意，未采用",)


def test_a_whole_item_not_applicable_from_a_facts_file(r000):
    """A facts file's not_applicable, approved: 三.2's vacancy (−2) is not deducted; the item shows 不涉及."""
    f = facts_from_dict({"name": "测试支部", "not_applicable": [
        {"item": "3.2", "reason": "支部不设委员会，只设书记1名", "approved": True}]})
    assert f.exemptions == (Exemption("3.2", "支部不设委员会，只设书记1名", None, True),)
    base = facts(seed000_full_acts(), SEED000_DECLS, incidents=[Incident("committee_vacancy", date(Y, 5, 1))])
    card = score_branch(r000, base, Y, END)
    assert card.item("3.2").points == 4 and card.total == 98
    base = replace(base, exemptions=f.exemptions)
    card = score_branch(r000, base, Y, END)
    assert card.item("3.2").points == 6 and not card.item("3.2").applies and card.total == 100
    assert card.item("3.2").not_applicable == ("支部不设委员会，只设书记1名",)


def test_functional_branch_is_not_bound_by_democratic_review(r000):
    """seed 000 四.1 "正式党支部未完成民主评议党员工作的，扣3分": formal 7 − 3 = 4 (97); functional 7 (100)."""
    acts = [a for a in seed000_full_acts() if a.code != "democratic_review"]
    assert score_branch(r000, facts(acts, SEED000_DECLS), Y, END).total == 97
    card = score_branch(r000, facts(acts, SEED000_DECLS, kind="functional"), Y, END)
    assert card.item("4.1").points == 7 and card.total == 100


# ---- 7. who gave the 党课 ------------------------------------------------------------------------

def _s3(acts_change):
    from test_seed001_to_004 import S3_DECLS, s3_acts

    acts = [a for a in s3_acts() if a.code != "party_lecture"] + acts_change
    return score_branch(load_rubric("seed003"), facts(acts, S3_DECLS), Y, END)


def test_seed003_lecture_by_the_secretary_counts_as_a_leaders():
    """seed 003 项目3 "集中上党课不少于2次（其中党员领导干部1次）": two 党课, one by the 书记 -> 6 (total 100);
    by a 支部委员 or a 专家 -> "缺上党课的扣1分" -> 5 (total 99)."""
    card = _s3([Activity("party_lecture", date(Y, 4, 1)), Activity("party_lecture", date(Y, 10, 1), speaker_role="书记")])
    assert card.item("3").points == 6 and card.total == 100
    for who in ("支部委员", "专家"):
        card = _s3([Activity("party_lecture", date(Y, 4, 1)), Activity("party_lecture", date(Y, 10, 1), speaker_role=who)])
        assert card.item("3").points == 5 and card.total == 99 and card.grade == "优秀"


def test_the_title_said_gives_the_role(r000):
    """No role recorded, the speaker "李副书记": 副书记 is not the 支部书记 of seed 000 二.2 (−2 -> 5, total 98);
    "王书记" is (7, total 100); in seed 003 the 副书记 counts as a leader ("张副书记": 6)."""
    acts = [a for a in seed000_full_acts() if a.code != "party_lecture"]
    acts += [Activity("party_lecture", date(Y, 3 * q - 1, 25), speaker="李副书记") for q in range(1, 5)]
    card = score_branch(r000, facts(acts, SEED000_DECLS), Y, END)
    assert card.item("2.2").points == 5 and card.total == 98 and card.grade == "优秀"
    acts[-1] = Activity("party_lecture", date(Y, 11, 25), speaker="王书记")
    assert score_branch(r000, facts(acts, SEED000_DECLS), Y, END).total == 100
    card = _s3([Activity("party_lecture", date(Y, 4, 1)), Activity("party_lecture", date(Y, 10, 1), speaker="张副书记")])
    assert card.item("3").points == 6


def test_speaker_role_from_the_roster():
    from scoring import speaker_role_of

    roster = {"张三": "组织委员", "李四": "secretary", "赵六": "党员"}
    assert speaker_role_of("张三", roster) == "支部委员"
    assert speaker_role_of("李四同志", roster) == "书记"
    assert speaker_role_of("赵六", roster) is None and speaker_role_of("王教授", roster) == "专家"
    assert speaker_role_of("陈副书记") == "副书记" and speaker_role_of(None) is None


def test_seed002_a_situation_report_by_a_leader_counts():
    """seed 002 三(二)4 "每年至少为党员上一次党课或作一次形势报告": the leader's 党课 replaced by a 形势报告 given
    by the 书记 keeps 2.4 at 12 (total 100); with no role said it is −1 (99)."""
    from test_seed001_to_004 import S2_DECLS, s2_acts

    r = load_rubric("seed002")
    acts = [a for a in s2_acts() if a.speaker_role is None]
    card = score_branch(r, facts(acts + [Activity("situation_report", date(Y, 7, 1), speaker_role="书记")], S2_DECLS), Y, END)
    assert card.item("2.4").points == 12 and card.total == 100
    card = score_branch(r, facts(acts + [Activity("situation_report", date(Y, 7, 1))], S2_DECLS), Y, END)
    assert card.item("2.4").points == 11 and card.total == 99


# ---- 8. rubric text against the seeds ------------------------------------------------------------

def test_seed000_one_off_and_per_item_caps(r000):
    """一.4 "发生重大矛盾的，扣3分" and 三.2 "……未进行补选的，扣2分" have no 每次: two events cost 3 and 2, not 6
    and 4; 三.4 "每项扣1分" over three 项: four records cost 3.  6−3, 6−2, 6−3 -> 100 − 8 = 92, 优秀."""
    incs = [Incident("internal_conflict", date(Y, 3, 1), event="E1"), Incident("internal_conflict", date(Y, 9, 1), event="E2"),
            Incident("committee_vacancy", date(Y, 4, 1)), Incident("committee_vacancy", date(Y, 10, 1))]
    incs += [Incident("irregular_membership_work", date(Y, m, 1)) for m in (2, 5, 8, 11)]
    card = score_branch(r000, facts(seed000_full_acts(), SEED000_DECLS, incidents=incs), Y, END)
    assert points(card) == dict(MAX000, **{"1.4": 3.0, "3.2": 4.0, "3.4": 3.0})
    assert card.total == 92 and card.grade == "优秀"


def test_seed000_national_trade_association_is_one_point(r000):
    """加分 1 "市级部门（全国性行业协会）每次加1分……国家级每次加3分": 全国性行业协会 + 国家级 = 1 + 3 = 4;
    a `department` commendation (seed 001's level) gives nothing here, and the card says so."""
    f = _one(awards=[{"key": "commendation", "level": "全国性行业协会", "date": "2022-05-01"},
                     {"key": "commendation", "level": "国家级", "date": "2022-08-01"},
                     {"key": "commendation", "level": "department", "date": "2022-09-01"}])
    card = score_branch(r000, facts(seed000_full_acts(), SEED000_DECLS, awards=f.awards), Y, END)
    assert card.bonus_total == 4 and card.total == 104
    (b1,) = [b for b in card.bonus if b.id == "B1"]
    assert b1.reasons[-1] == "书面表彰（department，9月1日）级别不在本项加分表中，未加分"


def test_seed002_monthly_reception_day():
    """seed 002 三(二)6 "每月固定一天作为领导干部接待群众日": 9 of 12 months -> 3 × 0.25 = −0.75 -> 2.25; 99.25."""
    from test_seed001_to_004 import S2_DECLS, s2_acts

    acts = [a for a in s2_acts() if not (a.code == "reception_day" and a.date.month in (2, 5, 7))]
    card = score_branch(load_rubric("seed002"), facts(acts, S2_DECLS), Y, END)
    assert card.item("2.6").points == 2.25 and card.total == 99.25 and card.grade == "优秀"


def test_seed003_no_lecture_and_no_life_meeting_cost_2_each_not_3():
    """项目3: no 党课 at all = 2 missing (−2); the leader's one is one of them (not −1 more) -> 4.
    项目4: no 民主生活会 (−2); nothing to report is the same event (not −1 more) -> 3.  100 − 4 = 96."""
    from test_seed001_to_004 import S3_DECLS, s3_acts

    acts = [a for a in s3_acts() if a.code not in ("party_lecture", "democratic_life_meeting")]
    decls = [d for d in S3_DECLS if d.key != "life_meeting_reported"]
    card = score_branch(load_rubric("seed003"), facts(acts, decls), Y, END)
    assert card.item("3").points == 4 and card.item("4").points == 3
    assert card.total == 96 and card.grade == "优秀"
    assert [d.points for d in card.item("3").deductions] == [2, 0]
    assert [d.points for d in card.item("4").deductions] == [2, 0]
    # one 党课, not by a leader: 1 missing, and it could have been the leader's -> −1 only -> 5
    card = _s3([Activity("party_lecture", date(Y, 4, 1))])
    assert card.item("3").points == 5 and card.total == 99


def test_seed004_item_4_2_counts_the_life_meeting_it_cites():
    """seed 004 二(四)二是 "召开民主生活会": a 民主评议党员 alone no longer satisfies 4.2 (−5 -> 0, 95)."""
    from test_seed001_to_004 import S4_DECLS, s4_acts

    acts = [a for a in s4_acts() if a.code != "democratic_life_meeting"]
    card = score_branch(load_rubric("seed004"), facts(acts, S4_DECLS), Y, END)
    assert card.item("4.2").points == 0 and card.total == 95 and card.grade == "优秀"
    assert any(a.code == "democratic_review" for a in acts)


def test_seed001_file_says_the_five_aspects_do_not_match():
    text = open(load_rubric("seed001").path, encoding="utf-8").read()
    assert "五个方面" in text and "群众满意度测评" in text
    assert any("五个方面" in a for a in load_rubric("seed001").assumptions)


# ---- 9. validate refuses what scoring would misread --------------------------------------------

@pytest.mark.parametrize("change, field, value", [
    (("veto_grade: 不合格", "veto_grade: 不及格"), "veto_grade", "'不及格'"),
    (("levels: {municipal: 1, national_association: 1", "levels: {muncipal: 1, national_association: 1"), "levels", "'muncipal'"),
    (("levels: {3A: 1, 4A: 3, 5A: 5}", "levels: {3A: 1, 4A: 3, AAAAA: 5}"), "levels", "'AAAAA'"),
    (("  - {tier: office, label: 综合党委办公室评分}", "  - {tier: group, label: 综合党委办公室评分}"), "tier", "'group'"),
    (("  - {tier: office, label: 综合党委办公室评分}", "  - {tier: office, label: 自评}"), "label", "'自评'"),
    (("speaker_role: [书记]", "speaker_role: [书纪]"), "speaker_role", "'书纪'"),
])
def test_validate_refuses(tmp_path, change, field, value):
    bad, out = refused_line(tmp_path, *change)
    assert field in out and value in out
    with pytest.raises(RubricRuleError.__mro__[1]):  # RubricSchemaError (RubricRuleError's base) or a subclass
        from scoring.loader import read_rubric_file
        read_rubric_file(bad)


def test_validate_still_accepts_every_shipped_rubric():
    for rid in ("seed000", "seed001", "seed002", "seed003", "seed004"):
        res = cli("rubrics", "validate", load_rubric(rid).path)
        assert res.exit_code == 0 and res.output.startswith("有效：" + rid)


def test_the_chat_records_the_deputy_as_deputy():
    """The record handler stored "书记" for any speaker containing 书记, so a 副书记's 党课 passed seed 000 二.2."""
    from handlers.activities import speaker_role

    assert speaker_role("李副书记") == "副书记" and speaker_role("王书记") == "书记" and speaker_role("王教授") == "专家"
    assert speaker_role("张三", {"张三": "secretary"}) == "书记" and speaker_role(None) is None


def test_overlap_reasons_and_an_exemption_naming_no_requirement(r000):
    """seed 003 项目3 with one 党课 not by a leader and no 民主生活会: the reasons say why nothing more is taken;
    a 不涉及 naming a requirement the item does not have is not applied, and said (三.3 still −6: 94)."""
    from test_seed001_to_004 import S3_DECLS, s3_acts

    acts = [a for a in s3_acts() if a.code not in ("party_lecture", "democratic_life_meeting")]
    acts.append(Activity("party_lecture", date(Y, 4, 1)))
    decls = [d for d in S3_DECLS if d.key != "life_meeting_reported"]
    card = score_branch(load_rubric("seed003"), facts(acts, decls), Y, END)
    assert [(d.points, d.reason) for d in card.item("3").deductions] == [
        (1, "党课 全年1次，要求不少于2次，少1次"),
        (0, "党员领导干部讲党课 全年0次，要求不少于1次，少1次（其中1次已在本项按“党课”扣分，同一件事情不重复扣分）")]
    assert [(d.points, d.reason) for d in card.item("4").deductions] == [
        (2, "民主生活会 全年0次，要求不少于1次，少1次"),
        (0, "未提交已向上级报告民主生活会情况（与本项“民主生活会”未达到要求为同一件事情，不重复扣分）")]
    wrong = replace(facts(NO_COMMITTEE, SEED000_DECLS), exemptions=(Exemption("3.3", "无支委会", "committee", True),))
    card = score_branch(r000, wrong, Y, END)
    assert card.item("3.3").points == 1 and card.total == 94
    assert card.warnings == ("不涉及：项目 3.3 没有 committee 这一要求，未采用",)


def test_a_date_with_a_time_in_a_facts_file_is_still_read(tmp_path):
    f = tmp_path / "f.yaml"
    f.write_text("name: 测试支部\nactivities:\n  - {code: 党课, date: 2022-03-28 14:00, speaker_role: 书记}\n", encoding="utf-8")
    res = cli("score", "--year", 2022, "--facts", f, "--json")
    assert res.exit_code == 0
    import json

    card = json.loads(res.output)
    (req,) = [r for it in card["items"] if it["id"] == "2.2" for r in it["requirements"]]
    assert req["done"] == 1


def test_an_impossible_unquoted_date_in_a_rubric_is_one_line(tmp_path):
    """`due: 2023-02-30` unquoted made PyYAML raise "day is out of range for month" from `validate`."""
    _, out = refused_line(tmp_path, 'due: "03-31"', "due: 2023-02-30")
    assert "due" in out and "'2023-02-30'" in out
