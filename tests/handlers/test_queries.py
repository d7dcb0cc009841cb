"""Progress, score, ranking and deadline answers carry the scoring core's numbers."""
from __future__ import annotations

from datetime import date

import pytest

from bot.facts import score_cards
from bot.models import Organisation
from bot.store import Store, evaluation_year
from handlers.base import fmt_points

from tests.support.committee import P


def _cards(sessions, ids, as_of=date(2022, 12, 26)):
    with sessions() as s:
        org = s.get(Organisation, ids["org"])
        return {c.name: c for c in score_cards(s, org, 2022, as_of)}


@pytest.fixture()
def year_of_meetings(chat):
    for m in range(1, 13):  # each reported on its day (a date more than two months back is asked about first)
        chat.on(date(2022, m, 10))
        chat.say("sec1", "x", P("record", "branch_committee", date=date(2022, m, 8)))
        chat.say("sec1", "x", P("record", "theme_day", date=date(2022, m, 9)))
        if m in (2, 5, 8):
            chat.say("sec1", "x", P("record", "party_lecture", date=date(2022, m, 10), speaker="王书记"))
    chat.on(date(2022, 12, 26))
    chat.say("sec1", "x", P("declare", declaration="annual_plan"))
    return chat


def test_score_answer_matches_scoring_core(year_of_meetings, sessions, ids):
    r = year_of_meetings.say("sec1", "我们支部现在多少分", P("query_score"))
    card = _cards(sessions, ids)["第一党支部"]
    other = _cards(sessions, ids)["第二党支部"]
    assert card.total > other.total  # the records count
    assert f"现在{fmt_points(card.total)}分（{card.grade}）" in r.text
    assert f"共扣{fmt_points(sum(d.points for it in card.items for d in it.deductions))}分" in r.text


def test_progress_names_what_is_missing(year_of_meetings):
    r = year_of_meetings.say("sec1", "我的党课还差几次", P("query_progress", "party_lecture"))
    assert "党课: 要求每季度1次，已完成3次，本季度还差1次，12月31日前" in r.text
    r = year_of_meetings.say("sec1", "进度", P("query_progress"))
    assert "还差" in r.text and "支委会" not in r.text.split("还差", 1)[1]  # 支委会 met every month


def test_ranking_by_role(year_of_meetings, sessions, ids):
    chat = year_of_meetings
    r = chat.say("sec1", "排名", P("ranking"))
    assert "第一协作组第1名（共2个），全委第1名（共3个）" in r.text
    r = chat.say("sec2", "排名", P("ranking"))
    assert "第一协作组第2名（共2个），全委第2名（共3个）" in r.text
    r = chat.say("lead1", "本组排名", P("ranking"))
    assert "第一协作组" in r.text and "共2个支部" in r.text and "第三党支部" not in r.text
    assert r.text.index("第一党支部") < r.text.index("第二党支部")
    r = chat.say("lead1", "第二协作组排名", P("ranking", target="第二协作组"))
    assert "不能" in r.text and "第三党支部" not in r.text
    r = chat.say("office1", "全委排名前二", P("ranking", top=2))
    assert "共3个支部，前2名" in r.text and "1. 第一党支部" in r.text
    r = chat.say("office1", "第二协作组排名", P("ranking", target="第二协作组"))
    assert "1. 第三党支部" in r.text and "第一党支部" not in r.text


def test_branch_people_only_see_their_branch(year_of_meetings):
    r = year_of_meetings.say("sec2", "第一党支部多少分", P("query_score", target="第一党支部"))
    assert "只能查看本支部" in r.text
    r = year_of_meetings.say("lead2", "第一党支部多少分", P("query_score", target="第一党支部"))
    assert "只能查看本协作组" in r.text
    r = year_of_meetings.say("office1", "第一党支部多少分", P("query_score", target="第一党支部"))
    assert "第一党支部 2022年 现在" in r.text


def test_deadline_by_role(chat, sessions):
    assert "2023年1月10日截止，还有15天" in chat.say("sec1", "还有几天", P("deadline")).text
    assert "2023年1月19日截止，还有24天" in chat.say("lead1", "还有几天", P("deadline")).text
    assert "已收到汇总表0/2个协作组" in chat.say("office1", "还有几天", P("deadline")).text
    chat.on(date(2023, 1, 12))
    r = chat.say("sec1", "还有几天", P("deadline"))
    assert "已过2天" in r.text


def test_evaluation_year_turns_after_the_group_deadline():
    assert evaluation_year(date(2023, 1, 19)) == 2022
    assert evaluation_year(date(2023, 1, 20)) == 2023
    assert evaluation_year(date(2022, 12, 31)) == 2022


def test_branch_and_group_names_do_not_mix(sessions, ids):
    with sessions() as s:
        st = Store(s)
        assert st.find_branch(ids["org"], "第一党支部").id == ids["b0"]
        assert st.find_branch(ids["org"], "第二支部").id == ids["b1"]
        assert st.find_branch(ids["org"], "第一协作组") is None
        assert st.find_group(ids["org"], "第一党支部") is None
        assert st.find_group(ids["org"], "第二协作组").id == ids["g1"]
        assert st.find_group(ids["org"], "第二组").id == ids["g1"]
