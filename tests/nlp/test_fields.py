"""nlp/fields.py and the intent rules around it: the office's season commands and login, export forms, rankings
asked without 排名, average scores, 'send me' that exports nothing, declarations said by their parts."""
from __future__ import annotations

from datetime import date

import pytest

from nlp import parse

TODAY = date(2022, 12, 28)


@pytest.mark.parametrize("text, action, year", [
    ("关闭2022年度考核", "close", 2022), ("重新打开2022年度考核", "reopen", 2022), ("关闭年度考核", "close", None),
    ("把2021年的考核关了", "close", 2021), ("结束二〇二二年度考评", "close", 2022), ("重开2022年度评价", "reopen", 2022),
    ("重新打开去年的考核", "reopen", 2021),  # sent in 2022
])
def test_the_office_closes_or_reopens_a_year(text: str, action: str, year: int | None) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.action, got.year) == ("season", action, year)
    assert got.to_json()["action"] == action


@pytest.mark.parametrize("text", ["2022年度考核什么时候关闭", "年度考核关闭了吗"])
def test_a_question_about_closing_is_not_a_command(text: str) -> None:
    assert parse(text, TODAY).intent != "season"


@pytest.mark.parametrize("text, form", [("办公室登录", "dashboard"), ("后台登录", "dashboard"),
                                        ("导出总结提纲", "summary"), ("下载第一党支部的工作总结", "summary"),
                                        ("export 去年的汇总表", "group_summary")])
def test_export_forms(text: str, form: str) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.form) == ("export", form)


@pytest.mark.parametrize("text", ["党课的课件谁有 发我一下", "会上的签到照片发群里"])
def test_send_me_with_nothing_exportable_is_no_export(text: str) -> None:
    assert parse(text, TODAY).intent != "export"


@pytest.mark.parametrize("text, top", [("最靠前的五个支部是哪些", 5), ("排在前面的3个协作组", 3), ("今年哪个支部得分最高", None)])
def test_rankings_asked_without_the_word(text: str, top: int) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.top) == ("ranking", top)


def test_an_average_score_is_a_score_question() -> None:
    got = parse("第三协作组今年平均分是多少", TODAY)
    assert (got.intent, got.target, got.period) == ("query_score", "第三协作组", "this_year")


@pytest.mark.parametrize("text, key, value", [
    ("年度工作总结定稿了", "annual_summary", "true"),
    ("党员活动室的标识和党旗都布置好了", "activity_venue", "true"),
    ("今年建立了支部议事制度5项", "rules_established", "5"),
])
def test_declarations_by_shape(text: str, key: str, value: str) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.declaration, got.value) == ("declare", key, value)


@pytest.mark.parametrize("text, intent", [("组织委员在吗", "unknown"), ("支部助手在吗", "help"), ("在吗", "help")])
def test_asking_for_a_person_is_not_greeting_the_bot(text: str, intent: str) -> None:
    assert parse(text, TODAY).intent == intent


@pytest.mark.parametrize("text, speaker", [
    ("星期六王书记给大家讲了党课", "王书记"),  # a weekday before the name is not part of it
    ("下周三党课 主讲人定为赵老师", "赵老师"),
    ("昨天请省委党校孙教授讲了党课", "孙教授"),  # the body the speaker comes from is not the name
    ("党课 昨天 speaker是周书记", "周书记"),
])
def test_speakers(text: str, speaker: str) -> None:
    assert parse(text, TODAY).speaker == speaker


def test_colleagues_asked_for_a_thing_is_no_record() -> None:
    assert parse("党员大会上表决的名单谁有 发我一下", TODAY).intent == "unknown"


@pytest.mark.parametrize("text, intent", [("党员大会那个签到表谁拿走了", "unknown"),  # a thing the activity owns
                                          ("我们支部现在是几星", "query_score"), ("年度计划已经交上去了", "declare")])
def test_more_intents_by_shape(text: str, intent: str) -> None:
    assert parse(text, TODAY).intent == intent


@pytest.mark.parametrize("text, speaker", [
    ("上周五开了党员大会实到二十八人李书记讲了党课", "李书记"), ("应到9人实到9名王老师给大家讲了党课", "王老师"),
])
def test_a_speaker_after_a_count_is_the_name_only(text: str, speaker: str) -> None:
    assert parse(text, TODAY).speaker == speaker


@pytest.mark.parametrize("text, target", [("三支部的党小组会搞够了没", "三支部"), ("第二党支部的主题党日开齐了没有", "第二党支部"),
                                          ("四支部今年党课上了没", "四支部")])
def test_a_progress_question_about_an_activity_names_its_branch(text: str, target: str) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.target) == ("query_progress", target)


@pytest.mark.parametrize("text", ["凭什么4.2扣了2分", "为啥2.1只给了3分", "2.3为什么扣了0.5分"])
def test_asking_why_a_score_was_given_is_a_score_question(text: str) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.item, got.score, got.deduction) == ("query_score", None, None, None)


@pytest.mark.parametrize("text, target", [("rank 第二协作组", "第二协作组"), ("Ranking 三支部", "三支部")])
def test_a_ranking_asked_in_english(text: str, target: str) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.target) == ("ranking", target)
