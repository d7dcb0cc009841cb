"""Property: nlp.parse takes any text a chat can carry (up to the channels' 4,000 characters) and returns a
well-formed Parsed: a known intent, known activity codes, sane counts; never an exception."""
from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

import nlp
from nlp.types import INTENTS
from scoring.vocabulary import ACTIVITIES

from .conftest import FUZZ

WORDS = ["支委会", "党员大会", "党课", "主题党日", "应到", "实到", "人", "月", "日", "号", "昨天", "今天", "下周三", "撤销",
         "改成", "多少分", "排名", "第三协作组", "还差", "导出", "一", "二", "十五", "100", "0", "，", "。", " ", "\n",
         "{{", "}}", "'", ";", "--"]
texts = st.one_of(st.text(max_size=4000), st.lists(st.sampled_from(WORDS), max_size=60).map("".join),
                  st.text(alphabet="0123456789一二三四五六七八九十百千万年月日号应到实到人", max_size=200))
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@FUZZ
@given(text=texts, today=days)
def test_parse_never_raises_and_returns_a_well_formed_result(text, today):
    p = nlp.parse(text, today)
    assert p.intent in INTENTS
    assert all(code in ACTIVITIES for code in p.activities)
    for n in (p.expected, p.present):
        assert n is None or (isinstance(n, int) and 0 <= n <= 100_000)
    assert p.date is None or isinstance(p.date, date)
