"""Issue 14, point 3: classes of lines read by their shape, not by the lines a hold-out happened to contain.

Each test names one class; its lines are new phrasings of the class (not copied from a labelled set)."""
from __future__ import annotations

from datetime import date

import pytest

from nlp import parse

TODAY = date(2022, 12, 28)  # a Wednesday


@pytest.mark.parametrize("text, day", [
    ("夜个下午开了支委会", date(2022, 12, 27)),  # northern dialect for yesterday
    ("夜儿个上了党课", date(2022, 12, 27)),
    ("今儿晚上开了党小组会", date(2022, 12, 28)),
])
def test_dialect_day_words(text: str, day: date) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.date, got.confirm) == ("record", day, False)


@pytest.mark.parametrize("text, day", [("坐天开了支委会", date(2022, 12, 27)), ("钱天上了党课", date(2022, 12, 26)),
                                       ("近天开了党小组会 到了7人", date(2022, 12, 28))])
def test_a_mistyped_day_word_is_read_and_asked(text: str, day: date) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.date, got.confirm) == ("record", day, True)


def test_weather_is_not_a_mistyped_day() -> None:
    assert parse("最近天气冷 支委会下周开", TODAY).date is None


@pytest.mark.parametrize("text, sent, day", [
    ("冬至那天开了党员大会", date(2023, 1, 3), date(2022, 12, 22)),  # a solar term, through chinese-calendar
    ("清明节前一天组织了主题党日", date(2023, 4, 10), date(2023, 4, 4)),
    ("夏至开了支委会", date(2023, 6, 25), date(2023, 6, 21)),
    ("圣诞节那天开了党小组会", date(2022, 12, 28), date(2022, 12, 25)),
    ("小年那天上了党课", date(2023, 1, 20), date(2023, 1, 14)),  # lunar 12-23, through lunardate
    ("腊八节开了支委会", date(2024, 1, 20), date(2024, 1, 18)),
    # fixed festivals and the lunar ones (七一, 国庆, 三八, 端午, 中秋)
    ("七一那天过了主题党日", date(2023, 7, 3), date(2023, 7, 1)),
    ("国庆节前一天开了党小组会", date(2023, 10, 9), date(2023, 9, 30)),
    ("三八节那天组织女党员开展了志愿服务", date(2023, 3, 9), date(2023, 3, 8)),
    ("端午节那天开了支委会", date(2023, 6, 26), date(2023, 6, 22)),  # lunar 5-5, through lunardate
    ("中秋节前一天开了党员大会", date(2022, 9, 20), date(2022, 9, 9)),
])
def test_named_days_from_calendars(text: str, sent: date, day: date) -> None:
    got = parse(text, sent)
    assert (got.intent, got.date) == ("record", day)


@pytest.mark.parametrize("text", ["这个月开了组织生活会", "本周搞了一次廉政教育", "这段时间写了一篇调研报告"])
def test_a_month_or_week_is_no_day(text: str) -> None:
    got = parse(text, TODAY)
    assert (got.intent, got.date, got.confirm) == ("record", None, True)


@pytest.mark.parametrize("text, code", [
    ("上午向机关工委汇报了支部的工作", "report_to_higher"),
    ("昨天给上级党委做了汇报", "report_to_higher"),
    ("参加了协作组牵头的读书活动", "joint_activity"),
    ("前天大家一起听了形势政策报告会", "situation_report"),
    ("书记今天参加了接待日", "reception_day"),
    ("党小组上午开了个会", "group_meeting"),
])
def test_activities_said_by_shape_or_by_their_other_names(text: str, code: str) -> None:
    assert parse(text, TODAY).activities == (code,)


def test_a_lecture_said_as_giving_a_class() -> None:
    got = parse("昨天王书记给大家上了一堂课 讲党史", TODAY)
    assert (got.intent, got.activities, got.date) == ("record", ("party_lecture",), date(2022, 12, 27))


@pytest.mark.parametrize("text, day", [
    ("qiantian开了党员大会", date(2022, 12, 26)), ("Zuotian上了党课 到了9人", date(2022, 12, 27)),
    ("jintian 开了支委会", date(2022, 12, 28)), ("zuo tian组织了主题党日", date(2022, 12, 27)),
    ("zuowan开了党小组会", date(2022, 12, 27)),
])
def test_a_day_word_in_pinyin_letters_is_read_and_asked(text: str, day: date) -> None:
    """Pinyin typed without choosing the characters (a generated table, nlp/data/day_pinyin.yaml): read, and asked."""
    got = parse(text, TODAY)
    assert (got.intent, got.date, got.confirm) == ("record", day, True)


def test_a_day_in_pinyin_ahead_is_a_plan_and_asked() -> None:
    got = parse("mingtian开支委会", TODAY)
    assert (got.intent, got.date, got.confirm) == ("plan", date(2022, 12, 29), True)


def test_pinyin_inside_a_latin_word_is_no_day() -> None:
    assert parse("xjintian开了支委会", TODAY).date == TODAY and not parse("xjintian开了支委会", TODAY).confirm
