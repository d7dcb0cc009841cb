"""parse never raises and always answers with a valid intent, whatever it is sent."""
from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from nlp import INTENTS, Parsed, parse
from nlp.parser import _parse

TODAY = date(2022, 12, 28)
# Pieces real lines are made of, so the search reaches the deep branches (dates, counts, grades …).
PIECES = st.sampled_from([
    "今天", "昨天", "上周五", "周五", "12月28日", "12.16", "2022/11/11", "22年12月6日", "十二月十九日", "上个月", "28号",
    "支委会", "党员大会", "党小组会", "党课", "主题党日", "三会一课", "开了", "没开", "召开", "应到", "实到", "15人",
    "二十五", "人", "，", "。", "?", "改成", "撤销", "不是", "是", "给第二党支部", "3.3", "打6分", "扣1分", "排名前十",
    "第三协作组", "还差几次", "多少分", "截止", "导出", "自评表", "确认", "你好", "获评5A", "述职测评", "92%", "百分之",
    "张书记讲", "主题是", "《", "》", "🙂", " ", "\x00", "\u200b", "Ω", "9" * 30, "月", "日", "号", "前", "天前",
])


def _valid(parsed: Parsed) -> None:
    assert isinstance(parsed, Parsed)
    assert parsed.intent in INTENTS
    assert all(isinstance(code, str) for code in parsed.activities)
    if parsed.date is not None:
        assert isinstance(parsed.date, date)
    for count in (parsed.expected, parsed.present):
        assert count is None or isinstance(count, int)
    parsed.to_json()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_never_raises(text: str) -> None:
    _valid(_parse(text, TODAY))  # the unguarded core: a bug here is not hidden by parse's safety net


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join), st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 1)))
def test_chat_like_text_never_raises(text: str, today: date) -> None:
    _valid(_parse(text, today))


def test_records_are_never_in_the_future_and_plans_never_in_the_past() -> None:
    for text in ["12月30日开了支委会", "明天开了支委会", "下周三开了党员大会", "2023年1月6日开支委会", "本周五开了党课"]:
        parsed = parse(text, TODAY)
        assert parsed.intent != "record" or parsed.date is None or parsed.date <= TODAY, (text, parsed)
    assert parse("明天开了支委会", TODAY).intent == "plan"


def test_garbage_is_unknown() -> None:
    for text in ["", "😀😀", "\u200b\u200b", "Привет", "今日は会議", "支委会" * 300, "。。。", None, 42]:
        assert parse(text, TODAY).intent == "unknown", text  # type: ignore[arg-type]


def test_long_is_measured_in_bytes() -> None:
    just_under = "今天开了支委会" + "。" * ((2048 - len("今天开了支委会".encode())) // 3)
    assert len(just_under.encode()) <= 2048
    assert parse(just_under, TODAY).intent == "record"
    assert parse(just_under + "。", TODAY).intent == "unknown"
