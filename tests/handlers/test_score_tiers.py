"""Issue 13 point 5: a score reply's total and its deductions come from one tier, and the reply says which —
支部自评, 协作组评分, the office's score while it reviews (办公室评分, 待办公室确认) and 最终得分 only once the office
has confirmed the group. Checked after a group leader overrode an item and after an office incident. Before: the
office's score of one item made the reply say "2022年度最终得分 67分（合格）。" before anything was confirmed, and
(reported with the issue) "96分, 政治建设 25/25" came with deductions adding to 7."""
from __future__ import annotations

import re
from datetime import date

from bot.store import Store

SECTION = re.compile(r"^· [一二三四]、\S+ ([\d.]+)/([\d.]+)$")
DEDUCTION = re.compile(r"^· \d+\.\d+ .* -([\d.]+)$")


def _adds_up(reply: str, total: float) -> None:
    """The sections add up to the total; the full marks less the deductions listed (all pages) too."""
    lines = reply.split("\n")
    sections = [SECTION.match(x).groups() for x in lines if SECTION.match(x)]
    deducted = float(re.search(r"扣分项（共扣([\d.]+)分）", reply).group(1))
    assert sum(float(a) for a, _ in sections) == total
    assert sum(float(m) for _, m in sections) - deducted == total


def _pages(chat, account: str, first: str) -> str:
    text = [chat.say(account, first).text]
    while "回复“更多”" in text[-1]:
        text.append(chat.say(account, "更多").text)
    return "\n".join(text)


def test_each_tier_is_named_and_adds_up(chat, sessions, ids):
    chat.on(date(2023, 1, 8))
    chat.say("sec1", "提交自评")
    assert chat.say("sec1", "确认").text.startswith("已提交：第一党支部 2022年度自评 68分")
    reply = chat.say("sec1", "我们支部现在多少分").text
    assert reply.startswith("第一党支部 2022年度支部自评 68分（合格），待办公室确认。\n")
    _adds_up(reply, 68)

    chat.on(date(2023, 1, 15))  # the leader overrides 3.3
    chat.say("lead1", "给第一党支部 3.3 打6分")
    every = _pages(chat, "sec1", "我们支部现在多少分")
    assert every.startswith("第一党支部 2022年度协作组评分 74分（合格），待办公室确认。\n")
    assert "· 3.3 三会一课 协作组评分6/7 -1" in every and "3.3 党小组会" not in every  # not the computed ones
    listed = [float(m.group(1)) for x in every.split("\n") if (m := DEDUCTION.match(x))]
    assert sum(listed) == 26
    _adds_up(every, 74)

    # the office records an incident of 2022 (1.1: 通报批评, -3): the self and group tiers scored 1.1 already
    with sessions() as s:
        Store(s).add_incident(branch_id=ids["b0"], key="criticized", day=date(2022, 11, 1), count=1, event=None,
                              note="市级通报", recorded_by=ids["office1"])
        s.commit()
    chat.on(date(2023, 1, 20))
    reply = chat.say("sec1", "我们支部现在多少分").text
    assert reply.startswith("第一党支部 2022年度协作组评分 74分（合格），待办公室确认。\n")
    _adds_up(reply, 74)
    # said, not silently left out: the tiers scored 1.1 before the office recorded it
    assert ("\n办公室登记的事项未计入协作组评分（以办公室评分为准）：\n· 1.1 政治统领 受到通报批评（11月1日）：市级通报 -3\n"
            ) in reply

    # the office scores one item while it reviews: its score, not yet the final one
    assert chat.say("office1", "给第一党支部 1.1 打3分").text == (
        "已评分：第一党支部 1.1 政治统领 3分（满分7分）。办公室评分合计70分。")
    reply = chat.say("sec1", "我们支部现在多少分").text
    assert reply.startswith("第一党支部 2022年度办公室评分 70分（合格），待办公室确认。\n")
    assert "办公室评分扣分项（共扣30分）：\n· 3.1" in reply and "· 1.1 政治统领 办公室评分3/7 -4" in reply
    assert "未计入" not in reply  # the office's score of 1.1 took the incident in
    _adds_up(reply, 70)
    leader = chat.say("lead1", "第一党支部多少分").text
    assert leader.startswith("第一党支部 2022年度办公室评分 70分（合格），待办公室确认。\n")

    # confirmed: now it is the final score
    chat.on(date(2023, 1, 25))
    chat.say("office1", "提交第一协作组")
    assert chat.say("office1", "确认").text.startswith("已确认：第一协作组 2022年度最终得分")
    reply = chat.say("sec1", "我们支部现在多少分").text
    assert reply.startswith("第一党支部 2022年度最终得分 70分（合格）。\n")
    assert "最终得分扣分项（共扣30分）：\n" in reply
    _adds_up(reply, 70)


def test_last_year_asked_by_name_is_not_answered_with_both_years(chat):
    """In January "我们支部现在多少分" could mean either year and says both; "去年…" names the year (it added
    "2023年：还没有记录活动。" too)."""
    chat.on(date(2023, 1, 20))
    now = chat.say("sec1", "我们支部现在多少分").text
    last = chat.say("sec1", "去年我们支部多少分").text
    assert now.startswith("第一党支部 2022年度系统计算 ") and now.endswith("\n2023年：还没有记录活动。")
    assert last.startswith("第一党支部 2022年度系统计算 ") and "2023年" not in last
