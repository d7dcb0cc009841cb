"""Issue 13: a whole evaluation season as one transcript, on every backend.

December records, the Jan 3 and Jan 9 reminder pushes, self-evaluations on Jan 8 and a late one on Jan 12, group
tables on Jan 18, the office's review on Jan 25 and Feb 3 (which closes 2022), a question in March about last
year's final score, and attempts to change the closed year. Every reply is asserted whole (the score answers
with their deductions, paged with "更多" and adding up to the tier's total), and every stored row: records,
submissions, score entries, the season and its audit trail, the reminder deliveries, each message's status, and
the conversation state left. Seed 000's workflow (seed 000_d2b2623fdfe84af5.txt,
通知 正文: 自评材料 by Jan 10, 协作组汇总 by Jan 19 of the next year). Before issue 13 the year flipped on the
group deadline: the office's Jan 25 confirmation went to 2023.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.conversation import Conversation
from bot.messages import Inbound, RecordingSender
from bot.models import (ActivityRecord, AuditLog, Branch, ConversationState, Group, InboundMessage, Person,
                        ReminderDelivery, ScoreEntry, Season, Submission)
from bot.reminders.planner import Planner
from bot.roster import ensure_organisation, import_roster, read_rows

ROSTER = [
    ["第一协作组", "第一党支部", "王建国", "书记", "sec1", ""],
    ["第一协作组", "第二党支部", "孙志强", "书记", "sec2", ""],
    ["第二协作组", "第三党支部", "周海燕", "书记", "sec3", ""],
    ["第一协作组", "", "吴德华", "协作组组长", "lead1", ""],
    ["第二协作组", "", "郑丽", "协作组组长", "lead2", ""],
    ["", "", "钱玉兰", "办公室", "office1", ""],
]
SELF_68 = ("{b} 2022年度自评：68分（合格，假定分档）。\n· 一、政治建设 23/25\n· 二、思想建设 13/25\n· 三、组织建设 12/25\n"
           "· 四、作风和纪律建设 20/25\n扣分32分，主要是：党支部日常工作制度0项，要求6项，少6项；民主评议党员 全年0次，"
           "要求不少于1次，少1次；未提交年度党建工作计划。\n确认提交给协作组组长请回复“确认”，不提交回复“取消”。{due}")
ASSUMED = "等次按评分细则的假定分档（原文未规定等次），以综合党委确定的为准。\n"  # seed 000 gives no grade bands
SECTIONS = "· 一、政治建设 23/25\n· 二、思想建设 13/25\n· 三、组织建设 {three}/25\n· 四、作风和纪律建设 20/25\n"
TOP_SIX = ("· 3.1 党支部日常工作制度0项，要求6项，少6项 -6\n· 4.1 民主评议党员 全年0次，要求不少于1次，少1次 -3\n"
           "· 1.3 未提交年度党建工作计划 -2\n· 2.2 书记讲党课 全年0次，要求不少于1次，少1次 -2\n"
           "· 4.1 组织生活会 全年0次，要求不少于1次，少1次 -2\n· 2.1 集中学习 2022年第一季度未开展 -1\n")
REMIND = "{p}您好：{b}的2022年党支部自评表尚未提交，截止 1月10日（{when}），请报送{g}组长单位。已提交请忽略。"


class Season13:
    """The committee's phones and the reminder planner on one clock."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        self.now = datetime(2022, 12, 1, 2, tzinfo=timezone.utc)
        self.sender = RecordingSender()
        self.conv = Conversation(sessions, lambda: self.now, self.sender)
        self.planner = Planner(sessions, self.sender, clock=lambda: self.now)
        self.n = 0
        with sessions() as s:
            self.ids = {p.wecom_userid: p.id for p in s.scalars(select(Person))}

    def day(self, d: date, hour: int = 10) -> None:
        self.now = datetime(d.year, d.month, d.day, hour - 8, tzinfo=timezone.utc)

    def say(self, account: str, text: str) -> str:
        self.n += 1
        self.now += timedelta(seconds=30)
        reply = self.conv.handle(Inbound(channel="wecom", account=account, dedup_key=f"s{self.n}", text=text))
        return reply.text

    def push(self, d: date) -> list[tuple[int, str]]:
        """The reminders of day `d` (sent at 09:00), as (person id, text)."""
        self.day(d, 9)
        before = len(self.sender.sent)
        self.planner.run_day(d)
        return [(m["id"], m["text"]) for m in self.sender.sent[before:]]

    def notes(self, reason: str) -> list[tuple[int, str]]:
        return [(m["id"], m["text"]) for m in self.sender.sent if m["reason"] == reason]


@pytest.fixture()
def season(sessions, tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIBU_EXPORT_DIR", str(tmp_path / "exports"))
    wb = Workbook()
    wb.active.append(["协作组", "党支部", "姓名", "角色", "企业微信账号", "钉钉账号"])
    for row in ROSTER:
        wb.active.append(row)
    wb.save(tmp_path / "roster.xlsx")
    with sessions() as s:
        org = ensure_organisation(s, date(2022, 12, 1), "测试综合党委")
        assert import_roster(s, org, read_rows(tmp_path / "roster.xlsx")).created == 6
        s.commit()
    return Season13(sessions)


def _rows(sessions, model, *order):
    with sessions() as s:
        return list(s.scalars(select(model).order_by(*order)))


def _score_years(sessions) -> dict[tuple[int, str], int]:
    """How many score entries each (year, tier) holds."""
    out: dict[tuple[int, str], int] = {}
    for e in _rows(sessions, ScoreEntry, ScoreEntry.id):
        out[(e.year, e.tier)] = out.get((e.year, e.tier), 0) + 1
    return out


def test_a_whole_season(season, sessions):
    ids = season.ids
    with sessions() as s:
        b = {x.name: x.id for x in s.scalars(select(Branch))}
        g = {x.name: x.id for x in s.scalars(select(Group))}

    # December: records of 2022
    season.day(date(2022, 12, 10))
    assert season.say("sec1", "今天开了支委会，应到7人实到7人") == (
        "已记录：支委会 12月10日（今年第1次），应到7人、实到7人\n可以接着发签到表或照片作为佐证资料；记错了发“撤销”。")
    assert season.say("sec2", "今天开了支委会，应到5人实到5人") == (
        "已记录：支委会 12月10日（今年第1次），应到5人、实到5人\n可以接着发签到表或照片作为佐证资料；记错了发“撤销”。")
    assert season.say("sec3", "今天召开支部党员大会，应到9人，实到9人") == (
        "已记录：党员大会 12月10日（今年第1次），应到9人、实到9人\n可以接着发签到表或照片作为佐证资料；记错了发“撤销”。")

    # Jan 3 (7 days before Jan 10): every secretary is reminded of 2022's self-evaluation
    assert season.push(date(2023, 1, 3)) == [
        (ids["sec1"], REMIND.format(p="王建国", b="第一党支部", when="还有7天", g="第一协作组")),
        (ids["sec2"], REMIND.format(p="孙志强", b="第二党支部", when="还有7天", g="第一协作组")),
        (ids["sec3"], REMIND.format(p="周海燕", b="第三党支部", when="还有7天", g="第二协作组")),
    ]

    # Jan 8: two self-evaluations for 2022
    season.day(date(2023, 1, 8))
    for acct, name in (("sec1", "第一党支部"), ("sec2", "第二党支部")):
        assert season.say(acct, "提交自评") == SELF_68.format(b=name, due="截止1月10日，还有2天。")
        assert season.say(acct, "确认") == f"已提交：{name} 2022年度自评 68分。已通知协作组组长吴德华。"

    # Jan 9 (the day before): only the branch still missing is reminded; a record of today goes to 2023
    assert season.push(date(2023, 1, 9)) == [
        (ids["sec3"], REMIND.format(p="周海燕", b="第三党支部", when="明天", g="第二协作组"))]
    season.day(date(2023, 1, 9))
    assert season.say("lead2", "哪些支部还没交自评") == (
        "协作组汇总表报办公室：2023年1月19日截止，还有10天。\n已收到自评0/1个（支部截止1月10日）。还没交自评：第三党支部。")
    assert season.say("office1", "哪些支部还没交自评") == (
        "各协作组汇总表：2023年1月19日截止，还有10天。\n已收到汇总表0/2个协作组。还没交汇总表：第一协作组、第二协作组。"
        "还没交自评的支部：第三党支部。")
    assert season.say("lead1", "全委排名前十") == (
        "全委排名由综合党委办公室查看；您可以看本协作组的排名：\n第一协作组 2022年排名（截至12月31日，共2个支部）：\n"
        "1. 第一党支部 68分 合格（假定分档）\n1. 第二党支部 68分 合格（假定分档）")
    assert season.say("sec1", "今天开了支委会") == (
        "已记录：支委会 1月9日（今年第1次）\n可以接着发签到表或照片作为佐证资料；记错了发“撤销”。")

    # Jan 12: a late self-evaluation still goes to 2022, and says it is late
    season.day(date(2023, 1, 12))
    assert season.say("sec3", "提交自评") == SELF_68.format(
        b="第三党支部", due="截止1月10日，已过截止日期2天，请同时告知协作组组长。")
    assert season.say("sec3", "确认") == "已提交：第三党支部 2022年度自评 68分。已通知协作组组长郑丽。"

    # Jan 18: group tables
    season.day(date(2023, 1, 18))
    assert season.say("lead1", "给第二党支部 3.3 打6分") == "已评分：第二党支部 3.3 三会一课 6分（满分7分）。协作组评分合计74分。"
    assert season.say("lead1", "提交") == (
        "第一协作组 2022年度评分汇总（支部自评 / 协作组评分）：\n· 第一党支部 68 / 68\n· 第二党支部 68 / 74\n"
        "确认提交给综合党委办公室请回复“确认”，不提交回复“取消”。截止1月19日，还有1天。")
    assert season.say("lead1", "确认") == "已提交：第一协作组 2022年度评分汇总表（2个支部）。已通知综合党委办公室钱玉兰。"
    assert season.say("lead2", "提交") == (
        "第二协作组 2022年度评分汇总（支部自评 / 协作组评分）：\n· 第三党支部 68 / 68\n"
        "确认提交给综合党委办公室请回复“确认”，不提交回复“取消”。截止1月19日，还有1天。")
    assert season.say("lead2", "确认") == "已提交：第二协作组 2022年度评分汇总表（1个支部）。已通知综合党委办公室钱玉兰。"

    # Jan 20, after the group deadline: still 2022 (under review), and the new year's line too
    season.day(date(2023, 1, 20))
    reply = season.say("sec2", "我们支部现在多少分")
    assert reply == (
        "第二党支部 2022年度协作组评分 74分（合格），待办公室确认。\n" + ASSUMED + SECTIONS.format(three=18) +
        "协作组评分扣分项（共扣26分）：\n" + TOP_SIX + "……还有16项，回复“更多”看下一页\n2023年：还没有记录活动。")
    # the rest of the list, a page at a time: "还有哪些扣分项" then "更多" until the end
    rest = season.say("sec2", "还有哪些扣分项")
    assert rest == (
        "第二党支部 2022年度协作组评分扣分项（续，第7至16项，共22项）：\n"
        + "".join(f"· 2.1 集中学习 2022年第{q}季度未开展 -1\n" for q in "二三四")
        + "· 3.3 三会一课 协作组评分6/7 -1\n"  # the leader's score, not the computed deductions it replaced
        + "".join(f"· 2.3 主题党日 2022年{m}月未开展 -0.5\n" for m in range(1, 7))
        + "……还有6项，回复“更多”看下一页")
    last = season.say("sec2", "更多")
    assert last == (
        "第二党支部 2022年度协作组评分扣分项（续，第17至22项，共22项）：\n"
        + "".join(f"· 2.3 主题党日 2022年{m}月未开展 -0.5\n" for m in range(7, 13)) + "以上是全部22项，共扣26分。")
    lines = [x for x in "\n".join((reply, rest, last)).split("\n") if x.startswith("· ") and " -" in x]
    assert len(lines) == 22 and sum(float(x.rsplit(" -", 1)[1]) for x in lines) == 26  # they add up to 100 - 74
    assert season.say("sec2", "更多") == "现在没有可以接着看的列表。看扣分项请发“还有哪些扣分项”。"
    reply = season.say("sec1", "我们支部现在多少分")
    assert reply == (
        "第一党支部 2022年度协作组评分 68分（合格），待办公室确认。\n" + ASSUMED + SECTIONS.format(three=12) +
        "协作组评分扣分项（共扣32分）：\n" + TOP_SIX + "……还有29项，回复“更多”看下一页\n2023年：已开支委会1次。")
    assert season.say("sec1", "还有几天截止") == "2022年度自评已于1月8日提交。"

    # Jan 25 and Feb 3: the office's review of 2022, group by group; the second closes the year
    season.day(date(2023, 1, 25))
    assert season.say("office1", "提交第一协作组") == (
        "确认第一协作组 2022年度最终得分（2个支部）。\n办公室没有单独打分的项目沿用协作组评分，再扣除办公室登记的事项（通报批评等）。确认请回复“确认”，不确认回复“取消”。")
    assert season.say("office1", "确认") == "已确认：第一协作组 2022年度最终得分（2个支部），已通知3人。"
    season.day(date(2023, 2, 3))
    assert season.say("office1", "提交第二协作组") == (
        "确认第二协作组 2022年度最终得分（1个支部）。\n办公室没有单独打分的项目沿用协作组评分，再扣除办公室登记的事项（通报批评等）。确认请回复“确认”，不确认回复“取消”。")
    assert season.say("office1", "确认") == (
        "已确认：第二协作组 2022年度最终得分（1个支部），已通知2人。2022年度考核已关闭，此后只读。")
    assert season.notes("final score") == [
        (ids["sec1"], "第一党支部 2022年度最终得分：68分（合格，假定分档）。"),
        (ids["sec2"], "第二党支部 2022年度最终得分：74分（合格，假定分档）。"),
        (ids["sec3"], "第三党支部 2022年度最终得分：68分（合格，假定分档）。"),
    ]
    assert season.notes("final scores") == [
        (ids["lead1"], "综合党委办公室已确认第一协作组 2022年度最终得分，发“本组排名”查看。"),
        (ids["lead2"], "综合党委办公室已确认第二协作组 2022年度最终得分，发“本组排名”查看。"),
    ]

    # March: last year's final score; this year's score is 2023's
    season.day(date(2023, 3, 10))
    assert season.say("sec2", "去年我们支部多少分") == (
        "第二党支部 2022年度最终得分 74分（合格），2022年度考核已关闭。\n" + ASSUMED + SECTIONS.format(three=18) +
        "最终得分扣分项（共扣26分）：\n" + TOP_SIX + "……还有16项，回复“更多”看下一页")
    assert season.say("sec2", "更多").startswith("第二党支部 2022年度最终得分扣分项（续，第7至16项，共22项）：\n")
    assert season.say("sec1", "我们支部现在多少分") == (
        "第一党支部 2023年 现在97.5分（优秀），截至3月10日。\n" + ASSUMED + "· 一、政治建设 25/25\n· 二、思想建设 24/25\n"
        "· 三、组织建设 23.5/25\n· 四、作风和纪律建设 25/25\n扣分项（共扣2.5分）：\n"
        "· 2.3 主题党日 2023年1月未开展 -0.5\n· 2.3 主题党日 2023年2月未开展 -0.5\n· 3.3 支委会 2023年2月未开展 -0.5\n"
        "· 3.3 党小组会 2023年1月未开展 -0.5\n· 3.3 党小组会 2023年2月未开展 -0.5")

    # attempts to change the closed year: a record dated in it, a grade (goes to 2023), closing it again
    assert season.say("sec1", "2022年12月20日开了支委会") == (
        "2022年12月20日属于2022年度，这一年度的评价已经结束，没有记录。现在登记的是2023年度；确需补登请联系综合党委办公室。")
    assert season.say("lead1", "给第二党支部 3.3 打5分") == "已评分：第二党支部 3.3 三会一课 5分（满分7分）。协作组评分合计97分。"
    # nor is a submission: 2022's are in; 2023's group table is not due before its end (it offered a 2023 self-
    # evaluation of 100分, "截止1月10日，还有306天", and the office's confirmation would have closed 2023 in March)
    assert season.say("lead2", "提交") == (
        "2022年度考核已经关闭。2023年度还没结束，协作组评分汇总表在年底提交（2024年1月19日前报综合党委办公室），现在没有提交。\n"
        "现在可以发“本组排名”看截至今天的得分。")
    early = season.say("sec3", "提交自评")
    assert early.startswith("2023年度还没结束，自评在年底提交（2024年1月10日前报协作组组长）。以下是截至3月10日的得分，"
                            "现在提交的话，年底还可以再提交一次覆盖。\n第三党支部 2023年度自评：")
    assert early.endswith("确认提交给协作组组长请回复“确认”，不提交回复“取消”。")
    assert season.say("sec3", "取消") == "好的，已取消。"
    assert season.say("sec1", "关闭2022年度考核") == (
        "抱歉，书记不能关闭年度考核：只有综合党委办公室可以操作。没有做任何改动。\n发“帮助”看看您可以做什么。")
    assert season.say("office1", "关闭2022年度考核") == "2022年度考核已经关闭了。"
    # the office reopens it (audited) and closes it again
    assert season.say("office1", "重新打开2022年度考核") == (
        "确认重新打开2022年度考核？打开后可以修改2022年度的评分和提交，改完请再发送“关闭2022年度考核”。\n"
        "确认请回复“确认”，不确认回复“取消”。")
    assert season.say("office1", "确认") == (
        "已重新打开2022年度考核：提交、评分和得分问答又计入2022年度，改完请发送“关闭2022年度考核”。")
    assert season.say("office1", "关闭2022年度考核") == (
        "确认关闭2022年度考核？关闭后2022年度的记录、评分和提交都只读，需要修改时由办公室发送“重新打开2022年度考核”。\n"
        "确认请回复“确认”，不确认回复“取消”。")
    assert season.say("office1", "确认") == "已关闭2022年度考核：2022年度的记录和评分现为只读，新的评分和提交都计入2023年度。"

    # every stored row
    assert [(r.branch_id, r.code, r.date, r.expected, r.present) for r in _rows(sessions, ActivityRecord, ActivityRecord.id)] == [
        (b["第一党支部"], "branch_committee", date(2022, 12, 10), 7, 7),
        (b["第二党支部"], "branch_committee", date(2022, 12, 10), 5, 5),
        (b["第三党支部"], "member_assembly", date(2022, 12, 10), 9, 9),
        (b["第一党支部"], "branch_committee", date(2023, 1, 9), None, None),
    ]
    assert sorted((x.year, x.tier, x.branch_id, x.group_id, x.total, x.submitted_at.date())
                  for x in _rows(sessions, Submission, Submission.id)) == sorted([
        (2022, "self", b["第一党支部"], None, 68, date(2023, 1, 8)),
        (2022, "self", b["第二党支部"], None, 68, date(2023, 1, 8)),
        (2022, "self", b["第三党支部"], None, 68, date(2023, 1, 12)),
        (2022, "group", None, g["第一协作组"], None, date(2023, 1, 18)),
        (2022, "group", None, g["第二协作组"], None, date(2023, 1, 18)),
        (2022, "office", None, g["第一协作组"], None, date(2023, 1, 25)),
        (2022, "office", None, g["第二协作组"], None, date(2023, 2, 3)),
    ])
    entries = {(e.year, e.tier, e.branch_id, e.item_id): e.points for e in _rows(sessions, ScoreEntry, ScoreEntry.id)}
    n_items = sum(1 for k in entries if k[:3] == (2022, "self", b["第一党支部"]))
    assert n_items == 15
    # self, group and office columns of 2022 full for every branch; the only 2023 entry is March's grade
    assert _score_years(sessions) == {(2022, "self"): 3 * n_items, (2022, "group"): 3 * n_items,
                                      (2022, "office"): 3 * n_items, (2023, "group"): 1}
    assert entries[(2022, "group", b["第二党支部"], "3.3")] == 6 and entries[(2022, "office", b["第二党支部"], "3.3")] == 6
    assert entries[(2023, "group", b["第二党支部"], "3.3")] == 5
    assert [(x.year, x.status, x.changed_by) for x in _rows(sessions, Season, Season.id)] == [(2022, "closed", ids["office1"])]
    assert [(r.kind, r.day, r.payload["recipient_id"], r.status) for r in _rows(sessions, ReminderDelivery, ReminderDelivery.id)] == [
        ("deadline_self", date(2023, 1, 3), ids["sec1"], "sent"), ("deadline_self", date(2023, 1, 3), ids["sec2"], "sent"),
        ("deadline_self", date(2023, 1, 3), ids["sec3"], "sent"), ("deadline_self", date(2023, 1, 9), ids["sec3"], "sent")]
    messages = _rows(sessions, InboundMessage, InboundMessage.id)
    assert len(messages) == season.n and all(m.reply_text for m in messages)  # every message stored and answered
    assert [(m.account, m.text) for m in messages if m.status != "handled"] == [  # the attempts on the closed year
        ("sec1", "2022年12月20日开了支委会"), ("sec1", "关闭2022年度考核"), ("office1", "关闭2022年度考核")]
    assert {m.status for m in messages} == {"handled", "refused"}
    # no question left open; March's list of 2022's deductions still has its last page for sec2 (for 30 minutes)
    assert [(x.person_id, x.kind, x.payload) for x in _rows(sessions, ConversationState, ConversationState.id)] == [
        (ids["sec2"], "more_deductions", {"branch_id": b["第二党支部"], "year": 2022, "shown": 16})]
    with sessions() as s:
        trail = [(a.action, a.before, a.after, a.actor_id) for a in s.scalars(
            select(AuditLog).where(AuditLog.entity == "season").order_by(AuditLog.id))]
    closed = {"org_id": 1, "year": 2022, "status": "closed"}
    assert trail == [("close", None, closed, ids["office1"]),
                     ("reopen", {"status": "closed"}, {**closed, "status": "reopened"}, ids["office1"]),
                     ("close", {"status": "reopened"}, closed, ids["office1"])]
