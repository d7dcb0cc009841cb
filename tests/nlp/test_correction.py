"""nlp/correction.py and the undo/submit/how-to rules next to it: corrections, undo orders and how-to questions said
in new shapes (issue 14's class "corrections read as new records")."""
from __future__ import annotations

from datetime import date

import pytest

from nlp import parse

TODAY = date(2022, 12, 28)


@pytest.mark.parametrize("text, codes", [
    ("搞混了 刚才报的党课其实是支委会", ("party_lecture", "branch_committee")),
    ("记混了，上午那条党员大会其实开的是组织生活会", ("member_assembly", "org_life_meeting")),
])
def test_mixed_up_activities_are_a_correction_never_a_new_record(text: str, codes: tuple[str, ...]) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.activities, got.date) == ("correct", codes, None)


@pytest.mark.parametrize("text, day, subject", [
    ("刚报的支委会其实是昨天开的", date(2022, 12, 27), "branch_committee"),
    ("那个主题党日是上周五搞的 不是今天", date(2022, 12, 23), "theme_day"),
])
def test_an_activity_before_a_new_date_names_the_record(text: str, day: date, subject: str) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.activities, got.date, got.subject) == ("correct", (), day, subject)


@pytest.mark.parametrize("text, expected, present", [("刚才那条实到报少了 应该是12个", None, 12),
                                                     ("应到写多了，是15人", 15, None)])
def test_a_count_written_too_low_or_high(text: str, expected: int | None, present: int | None) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.expected, got.present) == ("correct", expected, present)


def test_the_lecturer_named_wrong() -> None:
    got = parse("上党课的不是李老师，是张教授", TODAY)
    assert (got.intent, got.speaker, got.subject, got.activities) == ("correct", "张教授", "party_lecture", ())


@pytest.mark.parametrize("text", ["报错了 上一条不作数", "发错了，刚才那个别算"])
def test_sent_by_mistake_is_undo(text: str) -> None:
    assert parse(text, TODAY).intent == "undo"


@pytest.mark.parametrize("text", ["上次报的支委会人数不对 在哪里能改", "记录报错了去哪删"])
def test_where_to_do_it_is_help(text: str) -> None:
    assert parse(text, TODAY).intent == "help"


def test_an_order_to_submit_said_with_le_ba() -> None:
    got = parse("都打好分了 把第三协作组的评分提交了吧", TODAY)
    assert (got.intent, got.target) == ("submit", "第三协作组")
