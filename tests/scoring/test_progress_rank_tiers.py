"""Progress answers, rankings and the three score tiers, all read off score cards."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from scoring import Incident, TierError, load_rubric, progress, rank, score_branch

from scoring_builders import SEED000_DECLS, Y, facts, seed000_full, seed000_full_acts


def test_progress_text_for_quarterly_party_lecture():
    acts = [a for a in seed000_full_acts() if not (a.code == "party_lecture" and a.date.month == 11)]
    card = score_branch(load_rubric("seed000"), facts(acts, SEED000_DECLS), Y, date(Y, 11, 15))
    answers = progress(card, "party_lecture")
    assert answers[0].text == "党课: 要求每季度1次，已完成3次，本季度还差1次，12月31日前"
    p = answers[0]
    assert (p.code, p.requirement, p.done, p.required, p.period_short, p.due) == ("party_lecture", "每季度1次", 3, 4, 1, date(Y, 12, 31))
    assert answers[1].label == "书记讲党课" and answers[1].text == "书记讲党课: 要求全年不少于1次，已完成3次，全年已完成"
    assert progress(card, "党课")[0] is not None


def test_progress_mentions_missed_periods_and_year_counts():
    card = score_branch(load_rubric("seed003"), facts([], []), Y, date(Y, 5, 10))
    info = progress(card, "info_report")[0]
    assert info.text == "党建信息: 要求全年不少于4次，已完成0次，全年还差4次，12月31日前"
    dues = progress(card, "dues_payment")[0]
    assert dues.due == date(Y, 6, 25) and dues.missed == 1
    assert dues.text == "党费上交: 要求每季度1次，已完成0次，本季度还差1次，6月25日前（此前已缺1次，已扣分）"


def test_rank_ties_share_a_place_and_vetoed_last():
    r = load_rubric("seed000")
    full = score_branch(r, seed000_full(name="甲"), Y, date(Y, 12, 31))
    twin = score_branch(r, seed000_full(name="乙"), Y, date(Y, 12, 31))
    lower = score_branch(r, facts(seed000_full_acts(), SEED000_DECLS[:2], name="丙"), Y, date(Y, 12, 31))
    vetoed = score_branch(r, seed000_full(name="丁", incidents=[Incident("major_error", date(Y, 3, 1))]), Y, date(Y, 12, 31))
    placed = [(p, c.name) for p, c in rank([vetoed, lower, twin, full])]
    assert sorted(placed[:2]) == [(1, "乙"), (1, "甲")] and placed[2:] == [(3, "丙"), (4, "丁")]
    assert lower.total == 94


def test_tiers_override_only_where_given():
    r = load_rubric("seed000")
    f = facts(seed000_full_acts(), SEED000_DECLS[:2])  # 3.1 computed 0 (no 制度 declared)
    tiers = {"self": {"3.1": 6, "1.1": 7}, "group": {"3.1": 5}, "office": {"2.3": 4}}
    card = score_branch(r, f, Y, date(Y, 12, 31), tiers)
    assert card.item("3.1").points == 0 and card.item("3.1").final == 5 and card.item("3.1").tiers == {"self": 6, "group": 5}
    assert card.item("2.3").final == 4 and card.item("1.1").final == 7
    assert card.computed_total == 94
    assert card.total == 94 + 5 - 2  # 3.1 -> 5 (group), 2.3 -> 4 (office)
    # each column: an item the tier left blank takes the previous column's score
    assert card.tier_totals == {"self": 100, "group": 99, "office": 97}
    ranked = rank([card, replace(card, name="B", total=98.0)])
    assert [c.name for _, c in ranked] == ["B", card.name]


@pytest.mark.parametrize("tiers, msg", [({"boss": {"1.1": 1}}, "未知的评分层级"), ({"self": {"9.9": 1}}, "没有项目 '9.9'"),
                                        ({"self": {"1.1": 8}}, "0 到 7 之间")])
def test_bad_tier_scores_are_refused(tiers, msg):
    with pytest.raises(TierError, match=msg):
        score_branch(load_rubric("seed000"), seed000_full(), Y, date(Y, 12, 31), tiers)
