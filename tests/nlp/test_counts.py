"""nlp/counts.py: attendance said in shapes issue 14 lists — the whole branch as the expected count, those excepted
as absent, everyone came with a total, a present/expected fraction, financial and spoken numerals."""
from __future__ import annotations

import pytest

from nlp.counts import find_counts


@pytest.mark.parametrize("text, expected, present", [
    ("全组十人，请假两人", 10, 8),  # the whole group is the expected count
    ("全支部30人 除了4个值班的都来了", 30, 26),  # those excepted are absent
    ("应到二十人 除了一个生病的都到了", 20, 19),
    ("全员到齐 一共9人", 9, 9),  # everyone came, and a total
    ("大家都来了 共计十二人", 12, 12),
    ("应到15人 没人请假", 15, 15),
    ("党课 昨天 6/8", 8, 6),  # present/expected after another date
    ("参会党员共计贰拾人", None, 20),  # financial numerals
    ("来了俩", None, 2),  # spoken numerals
    ("一共应该来十个，来了九个", 10, 9),
    ("branch committee done, 7 people attended", None, 7),  # English, rarely
])
def test_attendance_shapes(text: str, expected: int | None, present: int | None) -> None:
    assert find_counts(text) == (expected, present)


@pytest.mark.parametrize("text", ["12/21 开了支委会", "全体党员三十二人参加"])
def test_not_these(text: str) -> None:
    """A date written with a slash is no fraction; 全体党员 N人参加 is a present count only."""
    expected, _present = find_counts(text)
    assert expected is None


@pytest.mark.parametrize("text, present", [
    ("开了党小组会 六个人都在", 6), ("支委会五名委员全到", 5), ("党员大会开完了，三十个人全到了", 30),
])
def test_everyone_there_after_a_count(text: str, present: int) -> None:
    """"N个人都在", "N名…全到": the count is who came."""
    assert find_counts(text) == (None, present)


def test_busy_is_not_there() -> None:
    assert find_counts("这几天六个人都在忙年终总结") == (None, None)


@pytest.mark.parametrize("text, present", [
    ("上周三党课 23人", 23), ("昨天开了党员大会，十九个人。", 19), ("主题党日去了烈士陵园 12名", 12),
    ("12月5日 集中学习 签到21人", 21),
])
def test_a_bare_count_closing_a_report_is_who_came(text: str, present: int) -> None:
    """"周一党小组会 7人": a count as the report's last clause, with nothing else counted, is the people there
    (blind set f read it so in 9 of its 10 misses); 签到N人 is a present count."""
    assert find_counts(text) == (None, present)


@pytest.mark.parametrize("text", ["会议室在三楼", "这是今年第3次", "接待了3位群众 效果很好", "5人小组负责材料"])
def test_a_number_that_is_not_the_last_clause_or_not_people_is_no_count(text: str) -> None:
    assert find_counts(text) == (None, None)
