"""Attendance counts: 应到 (expected) and 实到 (present), in digits or Chinese numerals.

Only numbers next to an attendance word are counts, so 建党101周年, 2023年工作计划 and 第四季度 are not.
"""
from __future__ import annotations

import re

from .numbers import to_int

NUM = r"(?:\d{1,4}|[〇零一二两三四五六七八九十百壹贰叁肆伍陆柒捌玖拾佰仨俩]{1,5})"
_FILL = r"(?:会议|活动|学习|人员|党员|同志|的|人数|有|共|共有|一共|总共|计|总计|:|为|是|\s){0,4}?"
_AFTER = r"(?=\s*(?:人|名|位|个)|\s|[,，。;；、!！)）]|$|实|缺|请|应|到|参|出)"

_EXPECTED = re.compile(rf"应(?:该|当)?(?:到|来|出席|参会|参加|到会|参)(?:会)?{_FILL}(?P<n>{NUM}){_AFTER}")
# The whole branch or group as the expected count: "全支部19人", "全组八人", "全支部25人都要到".
_WHOLE = re.compile(rf"(?:全支部|全组|全小组|全党小组|支部共有|全支部共有|全组共)(?:党员)?(?:共|共有|一共)?\s*"
                    rf"(?P<n>{NUM})\s*(?:个人|人|名|位|个)")
# Everyone came, and a total: "全员到齐 共7人", "人都到了 一共7个" — the total is both counts.
_TOTAL = re.compile(rf"(?:一共|共计|总共|共)\s*(?P<n>{NUM})\s*(?:个人|人|名|位|个)")
# A present/expected fraction after the activity: "支委会 12.23 5/5" (only in a line that has another date).
_FRACTION = re.compile(r"(?<![\d./\-])(?P<p>\d{1,3})\s*/\s*(?P<e>\d{1,3})(?![\d./\-])\s*$")
_OTHER_DATE = re.compile(r"\d{1,2}\s*[./月]\s*\d{1,2}|[今昨前]天|昨|周[一二三四五六日天]")
_PRESENT = re.compile(
    rf"(?<!应)(?:实到|签到|实际到会|实际参加|实际出席|实际参会|实到会|实参会|实参加|到会|参会|出席|参加|到场|与会|到了|来了|去了|"
    rf"听课的?|听课党员|参学|参训|到的|来的|去的|(?<![\u4e00-\u9fa5])到)"  # "应到7 到7": a bare 到 after a space
    rf"{_FILL}(?P<n>{NUM}){_AFTER}"
)
# A count before its verb: "二十三名党员听了", "8个党员都参加了", "五个支委都到了", "26个人参加", "8个人都在".
_PRESENT_AFTER = re.compile(
    rf"(?P<n>{NUM})\s*(?:个人|人|名|位|个)(?:党员|同志|委员|支委|班子成员|成员|人)?(?:(?:都|全|全部|也|一起|均)?"
    rf"(?:参加|参会|到会|出席|实到|与会|到场|到了|来了|去了|听了|到齐|在场|参与|听课)"
    # "8个人都在", "八个人全到": everyone of them there, said at a clause end (not "都在忙")
    rf"|(?:都|全|全部|均)(?:在|到)(?=[,，。;；!！~\s]|$|了))"
)
# "十一个人到了九个", "9个人到了8个": expected, then present.
_OF = re.compile(
    rf"(?P<e>{NUM})\s*(?:个人|人|名|位|个)(?:党员|同志|委员|支委)?(?:只|就|一共|共)?(?:到了|来了|参加了|到会|出席了?)"
    rf"\s*(?P<p>{NUM})\s*(?:个|人|名|位)"
)
# Everyone came: "全部到会", "都到了", "全到齐了" — the present count is the expected one, when that is known.
_ALL_CAME = re.compile(r"(?<![\d〇零一二两三四五六七八九十])(?:全部|全体|都|全员|全)(?:到会|到了|到齐|来了|参加|出席|参会)|全勤|无缺席"
                       r"|没有?人?缺席|无人缺席|没有?人?请假|无人请假|一个不少|一个没少")
# "请假3人" first: in "应到18人请假3人" the 18 before 请假 is the expected count, not the absent one.
_ABSENT = (
    re.compile(rf"(?:缺席|请假|未到|缺勤|没来|没到|缺)了?\s*(?P<n>{NUM})\s*(?:个人|人|名|位|个)"),
    re.compile(rf"(?P<n>{NUM})\s*(?:个人|人|名|位)(?:因事|因病|因公)?(?:缺席|请假|未到|缺勤|没来|没到)"),
    # "除了两个请假的都来了", "除了3个出差的都来了": the ones excepted are absent
    re.compile(rf"除了?\s*(?P<n>{NUM})\s*(?:个人|个|人|名|位)[^，,。；;]{{0,6}}?(?:都|全)(?:来了|到了|参加了|到齐了?|在)"),
)
_MEMBERS = re.compile(
    rf"(?<!听课)(?<!参会)(?<!到会)(?<!参加)(?<!出席)(?:共有|现有|全体|支部)?(?:党员|委员|支委)(?:共|共有)?\s*(?P<n>{NUM})\s*(?:人|名|位)")
_GATE = re.compile(r"[到会席加场缺假员来去听齐勤共在/]")
# Every count pattern above needs a number (NUM, or the fraction's digits): a line with none has no count.
_NUMERAL = re.compile(r"[\d〇零一二两三四五六七八九十百壹贰叁肆伍陆柒捌玖拾佰仨俩]")


# A bare count closing a report, as its own clause: "周一党小组会 7人", "支委会开了，5个人" — the people there.
# Only when nothing else in the line is a count, and only as the last words (not "三楼", "第3次", "3位群众").
_BARE_LAST = re.compile(rf"(?:^|[\s,，、;；:：])(?P<n>{NUM})\s*(?:个人|人|名)[\s。.!！~]*$")


# A line typed in English ("7 people attended"): the present count.
_ENGLISH = re.compile(r"(?P<n>\d{1,4})\s*(?:people|persons|members|ppl)\s*(?:attended|came|present|joined)", re.IGNORECASE)


def find_counts(text: str) -> tuple[int | None, int | None]:
    """(expected, present) named in the message."""
    if ("people" in text or "members" in text or "ppl" in text or "persons" in text) and (m := _ENGLISH.search(text)):
        return None, int(m.group("n"))  # English, rarely
    if not (_GATE.search(text) or text.rstrip(" 。.!！~").endswith(("人", "名"))) or not _NUMERAL.search(text):
        return None, None
    expected = present = None
    present_span = expected_span = (-1, -1)
    if "了" in text or "到会" in text or "出席" in text:  # "十一个人到了九个" (the gate keeps _OF off most lines)
        if m := _OF.search(text):
            return to_int(m.group("e")), to_int(m.group("p"))
    if m := _EXPECTED.search(text):
        expected = to_int(m.group("n"))
        expected_span = m.span()
    if m := _PRESENT.search(text):
        present = to_int(m.group("n"))
        present_span = m.span()
    elif m := _PRESENT_AFTER.search(text):
        present = to_int(m.group("n"))
        present_span = m.span()
    if expected is None:
        for m in _MEMBERS.finditer(text):
            if not present_span[0] <= m.start("n") < present_span[1]:
                expected = to_int(m.group("n"))
                break
    if expected is None and (m := _WHOLE.search(text)) and not present_span[0] <= m.start("n") < present_span[1]:
        expected = to_int(m.group("n"))
        expected_span = m.span()
    if expected is None and present is None and "/" in text and (m := _FRACTION.search(text)):
        if _OTHER_DATE.search(text[:m.start()]) and int(m.group("p")) <= int(m.group("e")):
            return int(m.group("e")), int(m.group("p"))
    if expected is None and present is None and (m := _BARE_LAST.search(text)):
        return None, to_int(m.group("n"))
    if expected is None and (m := _TOTAL.search(text)) and _ALL_CAME.search(text):
        total = to_int(m.group("n"))  # "全员到齐 共7人"
        if present is None or present == total:
            return total, total
    if present is None and expected is not None:
        absent = _absent(text, expected_span)
        if absent is not None and absent <= expected:
            present = expected - absent
        elif _ALL_CAME.search(text):  # "应到8人 全部到会"
            present = expected
    elif expected is None and present is not None and ("缺" in text or "假" in text or "未到" in text or "没" in text):
        absent = _absent(text, present_span)  # "到会4人，缺席1人": 5 were expected
        if absent is not None:
            expected = present + absent
    return expected, present


def _absent(text: str, skip: tuple[int, int]) -> int | None:
    return next((to_int(m.group("n")) for rx in _ABSENT for m in rx.finditer(text)
                 if not skip[0] <= m.start("n") < skip[1]), None)
