"""A branch's whole year through chat, with the real parser (nlp.parse) and scoring core, on every backend.

The secretary reports a year of meetings (with a correction, a duplicate and an undo), asks progress
and score along the way; the group leader ranks, scores an item and submits; the office finalises.
Replies are checked for the numbers they must contain; scores against the scoring core itself.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import select

from bot.cli import main
from bot.conversation import Conversation
from bot.facts import score_cards
from bot.messages import Inbound, RecordingSender
from bot.models import ActivityRecord, Branch, Organisation, ScoreEntry, Submission
from bot.roster import ensure_organisation, import_roster, read_rows
from handlers.base import fmt_points

ROSTER = [
    ["第一协作组", "第一党支部", "王建国", "书记", "sec1", "dt-sec1"],
    ["第一协作组", "第一党支部", "李秀英", "组织委员", "org1", ""],
    ["第一协作组", "第二党支部", "孙志强", "书记", "sec2", ""],
    ["第二协作组", "第三党支部", "周海燕", "书记", "sec3", ""],
    ["第一协作组", "", "吴德华", "协作组组长", "lead1", ""],
    ["", "", "钱玉兰", "办公室", "office1", ""],
]


class Phone:
    """Sends chat lines as someone on a given day, like `zhibu chat --as … --today …`."""

    def __init__(self, sessions) -> None:
        self.now = datetime(2022, 1, 1, 2, tzinfo=timezone.utc)
        self.sender = RecordingSender()
        self.conv = Conversation(sessions, lambda: self.now, self.sender)
        self.n = 0

    def day(self, d: date, hour: int = 10) -> None:
        self.now = datetime(d.year, d.month, d.day, hour - 8, tzinfo=timezone.utc)

    def say(self, account: str, text: str, **kw) -> str:
        self.n += 1
        self.now += timedelta(seconds=30)
        reply = self.conv.handle(Inbound(channel="wecom", account=account, dedup_key=f"s{self.n}", text=text, **kw))
        assert "抱歉，刚才处理" not in reply.text, (text, reply.text)
        return reply.text


@pytest.fixture()
def phone(sessions, tmp_path):
    wb = Workbook()
    wb.active.append(["协作组", "党支部", "姓名", "角色", "企业微信账号", "钉钉账号"])
    for row in ROSTER:
        wb.active.append(row)
    wb.save(tmp_path / "roster.xlsx")
    with sessions() as s:
        org = ensure_organisation(s, date(2022, 12, 26), "测试综合党委")
        report = import_roster(s, org, read_rows(tmp_path / "roster.xlsx"))
        s.commit()
    assert report.created == 6 and not report.refused
    return Phone(sessions)


def _card(sessions, name: str, as_of: date):
    with sessions() as s:
        org = s.scalars(select(Organisation)).one()
        return next(c for c in score_cards(s, org, 2022, as_of) if c.name == name)


def _quarter_end(m: int) -> bool:
    return m % 3 == 0


def test_a_branch_year(phone, sessions, monkeypatch, tmp_path):
    monkeypatch.setenv("ZHIBU_EXPORT_DIR", str(tmp_path / "exports"))
    counts = {"支委会": 0, "党课": 0}
    for m in range(1, 13):
        phone.day(date(2022, m, 8))
        counts["支委会"] += 1
        reply = phone.say("sec1", f"{m}月8日开了支委会，应到7人实到{6 + m % 2}人")
        assert f"已记录：支委会 {m}月8日（今年第{counts['支委会']}次）" in reply
        assert f"实到{6 + m % 2}人" in reply
        if m == 3:  # a photo of the sign-in sheet right after the record
            assert "佐证资料" in phone.say("sec1", "", kind="image", media={"media_id": "M3"})
        phone.day(date(2022, m, 15))
        phone.say("org1", "今天开展了主题党日活动")
        phone.day(date(2022, m, 18))
        phone.say("sec1", "今天开了党小组会")
        if _quarter_end(m):
            phone.day(date(2022, m, 20))
            reply = phone.say("sec1", f"{m}月20日召开支部党员大会，应到15人，实到13人")
            assembly_no = m // 3 + (1 if m > 7 else 0)  # the July record corrected into a 党员大会 counts too
            assert f"已记录：党员大会 {m}月20日（今年第{assembly_no}次）" in reply
            phone.day(date(2022, m, 22))
            counts["党课"] += 1
            reply = phone.say("sec1", f"{m}月22日王书记讲党课，主题是学习二十大精神")
            assert f"党课 {m}月22日（今年第{counts['党课']}次）" in reply
            phone.day(date(2022, m, 24))
            phone.say("sec1", "今天组织了集中学习")
        if m == 2:
            phone.day(date(2022, 2, 20))
            assert "已登记：年度党建工作计划" in phone.say("sec1", "年度工作计划已制定")
        if m == 4:  # a duplicate is pointed out, a mistaken record undone
            phone.day(date(2022, 4, 9))
            assert "已经记录过了" in phone.say("sec1", "4月8日开了支委会")
            assert "已记录：党课 4月9日" in phone.say("sec1", "今天讲了党课")
            reply = phone.say("sec1", "撤销")
            assert "已撤销：党课 4月9日" in reply and "党课现为1次" in reply
        if m == 5:  # progress in the middle of the year
            reply = phone.say("sec1", "我的党课还差几次")
            assert "已完成1次" in reply and "本季度还差1次" in reply and "6月30日前" in reply
        if m == 7:  # a wrong activity corrected
            phone.day(date(2022, 7, 28))
            assert "已记录：支委会 7月28日（今年第8次）" in phone.say("sec1", "今天开了支委会")
            reply = phone.say("sec1", "刚才那条改成党员大会")
            assert "支委会 7月28日 → 党员大会 7月28日" in reply
            counts_after = phone.say("sec1", "支委会开了几次")
            assert counts_after  # any answer; the numbers are checked by the December score below
        if m == 9:
            card = _card(sessions, "第一党支部", date(2022, 9, 30))
            reply = phone.say("sec1", "我们支部现在多少分")
            assert f"现在{fmt_points(card.total)}分" in reply
    phone.day(date(2022, 12, 10))
    phone.say("sec1", "今天召开了专题组织生活会")
    phone.say("sec1", "今天开展了民主评议党员")
    assert "4A" in phone.say("sec1", "保持4A等级")
    # the other branch of the group: only a few meetings
    phone.say("sec2", "12月10日开了支委会，应到5人实到5人")
    phone.day(date(2022, 12, 26))
    with sessions() as s:
        live = s.scalars(select(ActivityRecord).where(ActivityRecord.deleted_at.is_(None))).all()
        b1_id = s.scalars(select(Branch.id).where(Branch.name == "第一党支部")).one()
        b1 = [r for r in live if r.branch_id == b1_id]
        assert sum(r.code == "branch_committee" for r in b1) == 12
        assert sum(r.code == "member_assembly" for r in b1) == 5  # 4 quarters + the corrected one
        assert sum(r.code == "party_lecture" for r in b1) == 4
    card1 = _card(sessions, "第一党支部", date(2022, 12, 26))
    card2 = _card(sessions, "第二党支部", date(2022, 12, 26))
    assert card1.base_total == 100 and card1.bonus_total == 3 and card1.total == 103  # everything held, 4A bonus
    assert card2.total < card1.total
    reply = phone.say("sec1", "我们支部现在多少分")
    assert "现在103分" in reply and "加分3分" in reply and "没有扣分项" in reply
    assert "全委第1名（共3个）" in phone.say("sec1", "排名")
    assert "还有15天" in phone.say("sec1", "还有几天截止")
    # year end: self-evaluation, group table, office final
    reply = phone.say("sec1", "提交自评")
    assert "自评：103分" in reply
    assert "已提交：第一党支部 2022年度自评 103分" in phone.say("sec1", "确认")
    assert phone.sender.sent[-1]["text"].startswith("第一党支部已提交2022年度自评：103分")
    reply = phone.say("lead1", "本组排名")
    assert reply.index("1. 第一党支部 103分") < reply.index(f"2. 第二党支部 {fmt_points(card2.total)}分")
    assert "6分（满分7分）" in phone.say("lead1", "给第二党支部 3.3 打6分")
    assert "只能给本协作组" in phone.say("lead1", "给第三党支部 3.3 打6分")
    reply = phone.say("lead1", "提交")
    assert "第一党支部 103 / 103" in reply and "还没交自评：第二党支部" in reply
    assert "已提交：第一协作组" in phone.say("lead1", "确认")
    reply = phone.say("office1", "全委排名前十")
    assert "共3个支部" in reply and "1. 第一党支部 103分" in reply
    phone.say("office1", "提交")
    reply = phone.say("office1", "确认")
    assert "已确认：测试综合党委 2022年度最终得分（3个支部）" in reply
    finals = {m["text"] for m in phone.sender.sent if m["reason"] == "final score"}
    assert "第一党支部 2022年度最终得分：103分（优秀，假定分档）。" in finals
    with sessions() as s:
        assert {x.tier for x in s.scalars(select(Submission))} == {"self", "group", "office"}
        b2_id = s.scalars(select(Branch.id).where(Branch.name == "第二党支部")).one()
        entries = {(e.branch_id, e.tier, e.item_id): e.points for e in s.scalars(select(ScoreEntry))}
        assert entries[(b2_id, "group", "3.3")] == 6 and entries[(b2_id, "office", "3.3")] == 6
    files = phone.conv.handle(Inbound(channel="wecom", account="office1", dedup_key="exp", text="导出汇总表")).files
    assert len(files) == 2 and all(f.exists() for f in files)


def test_zhibu_chat_console(engine, db_url, monkeypatch, tmp_path):
    """The same handlers from a terminal: `zhibu chat --as … --today …`, one message per line."""
    monkeypatch.setenv("ZHIBU_DATABASE_URL", db_url)
    script = "\n".join(["12月20日召开支部党员大会，应到15人，实到13人", "/image 签到表.jpg", "刚才那条改成支委会",
                        "撤销", "我的党课还差几次", "天气不错"]) + "\n"
    result = CliRunner().invoke(main, ["chat", "--as", "demo-sec-1", "--today", "2022-12-26"], input=script)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "已记录：党员大会 12月20日" in out and "应到15人、实到13人" in out
    assert "佐证资料附到：党员大会 12月20日" in out
    assert "党员大会 12月20日 → 支委会 12月20日" in out
    assert "已撤销：支委会 12月20日" in out
    assert "党课: 要求每季度1次" in out
    assert "没看懂" in out
    stranger = CliRunner().invoke(main, ["chat", "--as", "nobody", "--today", "2022-12-26"], input="你好\n")
    assert "名册" in stranger.output
