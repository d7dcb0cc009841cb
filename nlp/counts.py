"""Attendance counts: 应到 (expected) and 实到 (present), in digits or Chinese numerals.

Only numbers next to an attendance word are counts, so 建党101周年, 2023年工作计划 and 第四季度 are not.
"""
from __future__ import annotations

import re

from .numbers import to_int

NUM = r"(?:\d{1,4}|[〇零一二两三四五六七八九十百]{1,5})"
_FILL = r"(?:会议|活动|学习|人员|党员|同志|的|人数|有|共|共有|计|总计|:|为|是|\s){0,4}?"
_AFTER = r"(?=\s*(?:人|名|位|个)|\s|[,，。;；、!！)）]|$|实|缺|请|应|到|参|出)"

_EXPECTED = re.compile(rf"应(?:到|出席|参会|参加|到会|参)(?:会)?{_FILL}(?P<n>{NUM}){_AFTER}")
_PRESENT = re.compile(
    rf"(?<!应)(?:实到|实际到会|实际参加|实际出席|实际参会|实到会|实参会|实参加|到会|参会|出席|参加|到场|与会|到了)"
    rf"{_FILL}(?P<n>{NUM}){_AFTER}"
)
_PRESENT_AFTER = re.compile(
    rf"(?P<n>{NUM})\s*(?:个人|人|名|位|个)(?:党员|同志|委员|支委)?(?:参加|参会|到会|出席|实到|与会|到场)"
)
# "请假3人" first: in "应到18人请假3人" the 18 before 请假 is the expected count, not the absent one.
_ABSENT = (
    re.compile(rf"(?:缺席|请假|未到|缺勤|没来|没到)\s*(?P<n>{NUM})\s*(?:人|名|位)"),
    re.compile(rf"(?P<n>{NUM})\s*(?:个人|人|名|位)(?:因事|因病|因公)?(?:缺席|请假|未到|缺勤|没来|没到)"),
)
_MEMBERS = re.compile(rf"(?:共有|现有|全体|支部)?(?:党员|委员|支委)(?:共|共有)?\s*(?P<n>{NUM})\s*(?:人|名|位)")
_GATE = re.compile(r"[到会席加场缺假员]")


def find_counts(text: str) -> tuple[int | None, int | None]:
    """(expected, present) named in the message."""
    if not _GATE.search(text):
        return None, None
    expected = present = None
    present_span = expected_span = (-1, -1)
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
    if present is None and expected is not None:
        absent = next((to_int(m.group("n")) for rx in _ABSENT for m in rx.finditer(text)
                       if not expected_span[0] <= m.start("n") < expected_span[1]), None)
        if absent is not None and absent <= expected:
            present = expected - absent
    return expected, present
