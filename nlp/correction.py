"""Corrections of the previous record: '刚才那条改成党员大会', '日期改成12月20日', '实到改成14人',
'不是支委会，是党员大会', '党课记成支委会了', a field said to be wrong ('支委会的日期不对')."""
from __future__ import annotations

import re
from datetime import date

from .counts import NUM, find_counts
from .dates import PAST, best_date, find_dates
from .hits import Hits, codes_after, token_at
from .numbers import to_int
from .types import Parsed

NOT_BUT = re.compile(r"不是.{1,20}?[,，\s]?(?:而是|应该是|应为|是)|(?:讲课的|主讲的|主讲人)是\S{1,10}\s*[,，]?\s*不是"
                      r"|(?:刚才|刚刚|上一条|那条|那个|刚报|刚发).{0,12}?是.{1,12}?不是")  # "刚才发的那个党课是上周五开的不是今天"
_CORRECT_FIELD = re.compile(
    r"(?P<f>应到|实到|到会|参会|出席|参加|人数|日期|日子|时间|哪天|活动|会议|类型|主讲人|主讲|讲课人|讲课的|讲课"
    r"|(?:讲|上|主讲)党课的人?)(?:人数|的人数|的)?\s*"
    r"(?:改成|改为|修改为|修改成|更正为|应该是|应为|应是|是|为|写成|改|(?:写|报|记|填|打|算)?(?:少|多)了"
    r"|(?:搞|弄|记|写|填|报|打)?错了?|不对|有误|有错|不是[^。；;]{1,10}?(?:而是|应该是|应为|是))"
)
_CORRECTED_NAME = re.compile(r"[\u4e00-\u9fa5]{2,8}")
# "应到是16人 不是15": a value denied at the end of the line makes it a correction too.
NOT_VALUE = re.compile(rf"不是\s*(?:{NUM})\s*(?:人|个|名|位|号|日)?[,，。.!！~\s]*$")
_CORRECT_CUE = re.compile(
    r"改成|改为|修改为|修改成|更正为|更正成|应该是|应为|而是|其实[^，,。]{0,4}?是|实际上是|实际是|不是.{1,20}?是|改")
_RECORDED_AS = re.compile(r"(?:记|写|录|报|当|弄)成")
_BARE_COUNT = re.compile(rf"(?P<n>{NUM})\s*(?:人|名|位)?")


def correction(text: str, tokens: list[str], h: Hits, today: date) -> Parsed | None:
    """'刚才那条改成党员大会', '日期改成12月20日', '实到改成14人', '不是支委会，是党员大会'."""
    field = _CORRECT_FIELD.search(text)
    cue = field
    if cue is None:
        matches = list(_CORRECT_CUE.finditer(text))
        cue = matches[-1] if matches else None
    tail = text[cue.end():] if cue else text
    if field is not None:
        name = field.group("f")
        # "刚才那条支委会的日期不对": the activity before the field names the record, it is not a new value
        before = token_at(tokens, field.start())
        named = codes_after([(i, c) for i, c in h.activities if i < before], 0)
        subject = named[-1] if named else None
        if name in ("应到", "实到", "到会", "参会", "出席", "参加", "人数"):
            m = _BARE_COUNT.search(tail)
            number = to_int(m.group("n")) if m else None
            if number is not None:
                expected, present = find_counts(tail[m.end():])  # "应到人数改为8人，实到7人"
                if name == "应到":
                    return Parsed("correct", expected=number, present=present, subject=subject)
                return Parsed("correct", expected=expected, present=number, subject=subject)
        if name in ("日期", "日子", "时间", "哪天"):
            hit = best_date(find_dates(tail, today, PAST), last=True)
            return Parsed("correct", date=hit.value if hit else None, subject=subject)
        if name.endswith("党课的") or name.endswith("党课的人"):  # "讲党课的不是王书记 是黄副书记"
            name, subject = "主讲人", subject or "party_lecture"
        if name in ("主讲人", "主讲", "讲课人", "讲课的", "讲课"):  # "党课主讲人写错了，是李书记"
            m = _CORRECTED_NAME.search(re.sub(r"^[,，。:：\s]*(?:应该是|应为|是|为)?", "", tail))
            return Parsed("correct", speaker=m.group() if m else None, subject=subject)
    # Activity named after the cue ("…改成党员大会"), else any activity in the message.
    tail_index = token_at(tokens, len(text) - len(tail))
    # The handler's convention: one code is the new activity of the last record; two are (old, new),
    # the old one named before the cue or after 不是 ("把12月20日的支委会改成党员大会", "不是支委会，是党员大会").
    denied = {index + 1 for index, token in enumerate(tokens) if token in ("不是", "而不是", "并非")}
    new = codes_after([(i, c) for i, c in h.activities if i >= tail_index and i not in denied], -1)
    old = codes_after([(i, c) for i, c in h.activities if i < tail_index or i in denied], -1)
    if swapped := _RECORDED_AS.search(text):  # "党课记成支委会了": the record says 支委会, it was a 党课
        cut_index = token_at(tokens, swapped.start())
        new = codes_after([(i, c) for i, c in h.activities if i < cut_index], -1)
        old = codes_after([(i, c) for i, c in h.activities if i >= cut_index], -1)
    hit = best_date(find_dates(tail, today, PAST), last=True)
    if new and old and old[0] != new[0]:
        codes: tuple[str, ...] = (old[0], new[0])
        if hit is None:  # the date names the old record
            hit = best_date(find_dates(text[: len(text) - len(tail)], today, PAST))
    else:
        codes = new or old
    expected, present = find_counts(tail)
    named = old if not new else (new if cue is None and not old else ())  # no cue: every activity is named before it
    if len(named) == 1 and not swapped and hit is not None and expected is None and present is None:
        # "昨天报的组织生活会其实是前天开的", "那个党课是上周五开的不是今天": the activity names the record, the date
        # is the new value
        return Parsed("correct", date=hit.value, subject=named[0])
    if not codes and hit is None and expected is None and present is None:
        if "undo" in h.cues:
            return None
        if "correct" in h.cues:
            return Parsed("correct")
        return None
    return Parsed(
        "correct", activities=codes, date=hit.value if hit else None, expected=expected, present=present,
    )
