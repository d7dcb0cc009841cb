"""Issue 13 points 2 and 3: one calendar (a full-date deadline inside the year is that year's, for the reminders
and the chat alike) and dates that need a question (more than two months back: asked; in a closed year: refused)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.models import ActivityRecord, Organisation, Season
from bot.reminders.calendar import calendar_for

from .test_season import Season13, season  # noqa: F401  (the fixture)


def test_a_full_date_deadline_in_the_year_is_that_years(season, sessions):  # noqa: F811
    """Before: "2022-12-30" was also read as 2021's deadline (reminders "2021年…尚未提交", 0/14), and the chat's
    answer ignored the override (Jan 10)."""
    with sessions() as s:
        org = s.scalars(select(Organisation)).one()
        org.settings = {"reminders": {"self_deadline": "2022-12-30"}}
        s.commit()
    assert calendar_for(2022, settings={"self_deadline": "2022-12-30"}).self_deadline == date(2022, 12, 30)
    assert calendar_for(2021, settings={"self_deadline": "2022-12-30"}).self_deadline == date(2022, 1, 10)
    sent = season.push(date(2022, 12, 23))
    assert [t for _, t in sent] == [
        f"{p}您好：{b}的2022年党支部自评表尚未提交，截止 12月30日（还有7天），请报送{g}组长单位。已提交请忽略。"
        for p, b, g in (("王建国", "第一党支部", "第一协作组"), ("孙志强", "第二党支部", "第一协作组"),
                        ("周海燕", "第三党支部", "第二协作组"))]
    season.day(date(2022, 12, 23))
    assert season.say("sec1", "还有几天截止").startswith("自评表报协作组组长：2022年12月30日截止，还有7天。准备好了发“提交自评”。")


def test_a_date_long_ago_is_asked_and_a_closed_years_refused(season, sessions):  # noqa: F811
    season.day(date(2023, 3, 2))
    line = "12月20日的党员大会开了，应到9人实到8人"
    ask = "记为：党员大会 2022年12月20日，应到9人，实到8人？回复“是”，或直接说正确的。"
    assert season.say("sec1", line) == ask
    assert season.say("sec1", "不是") == "好的，这条没有记录。"
    assert season.say("sec1", line) == ask
    assert season.say("sec1", "是").startswith("已记录：党员大会 12月20日（2022年第1次），应到9人、实到8人")
    # within two months: stored at once; more than two months: asked
    assert season.say("sec1", "1月10日开了支委会").startswith("已记录：支委会 1月10日（今年第1次）")
    assert season.say("sec1", "12月29日开了支委会") == "记为：支委会 2022年12月29日？回复“是”，或直接说正确的。"
    assert season.say("sec1", "取消") == "好的，这条没有记录。"
    # a batch of old lines: each is asked about in turn; the next line is not taken as a correction of the last
    assert season.say("sec1", "12月29日开了支委会") == "记为：支委会 2022年12月29日？回复“是”，或直接说正确的。"
    assert season.say("sec1", "12月30日开了党小组会") == "记为：党小组会 2022年12月30日？回复“是”，或直接说正确的。"
    assert season.say("sec1", "不是") == "好的，这条没有记录。"
    with sessions() as s:
        assert [(r.code, r.date) for r in s.scalars(select(ActivityRecord).order_by(ActivityRecord.id))] == [
            ("member_assembly", date(2022, 12, 20)), ("branch_committee", date(2023, 1, 10))]
        s.add(Season(org_id=1, year=2022, status="closed"))
        s.commit()
    # 2022 closed: not asked, refused, nothing stored
    assert season.say("sec1", "12月29日开了支委会") == (
        "2022年12月29日属于2022年度，这一年度的评价已经结束，没有记录。现在登记的是2023年度；确需补登请联系综合党委办公室。")
    with sessions() as s:
        assert s.scalar(select(ActivityRecord.id).where(ActivityRecord.date == date(2022, 12, 29))) is None
