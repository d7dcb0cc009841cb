"""The pure calendar: settings, quiet hours, and the exact deadline pushes on each day of the season."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from bot.reminders.calendar import CalendarError, calendar_for, deadline_reminders, reminder_days
from bot.reminders.render import render
from bot.reminders.types import BranchRef, GroupRef, OrgState, PersonRef

P = PersonRef


def org(self_submitted=(), group_submitted=()) -> OrgState:
    """Two groups: group 1 has a chat (target 100), group 2 has none; the committee chat is target 200."""
    return OrgState(
        org_id=1, name="测试综合党委", year=2022,
        groups=(GroupRef(1, "第一协作组", (P(10, "王组长", "group_leader"),), (100,)),
                GroupRef(2, "第二协作组", (P(11, "李组长", "group_leader"),), ())),
        branches=(BranchRef(1, "机械协会党支部", 1, (P(20, "张书记"), P(30, "孙委员", "organiser"))),
                  BranchRef(2, "电子协会党支部", 1, (P(21, "赵书记"),)),
                  BranchRef(3, "汽车协会党支部", 2, (P(22, "钱书记"),))),
        committee_targets=(200,), self_submitted=frozenset(self_submitted), group_submitted=frozenset(group_submitted))


def season() -> list[date]:
    d, out = date(2022, 12, 1), []
    while d <= date(2023, 1, 20):
        out.append(d)
        d += timedelta(days=1)
    return out


def test_defaults_follow_seed_000():
    cal = calendar_for(2022)
    assert (cal.self_deadline, cal.group_deadline) == (date(2023, 1, 10), date(2023, 1, 19))
    assert cal.lead_days == (7, 3, 1, 0)
    assert reminder_days(cal) == [date(2023, 1, d) for d in (3, 7, 9, 10, 12, 16, 18, 19)]


def test_settings_override_columns_and_validate():
    cal = calendar_for(2022, "01-08", "01-20", {"reminders": {"group_deadline": "2023-01-25", "lead_days": [2, 0],
                                                              "quiet_hours": "22:00-07:30", "send_at": "10:15"}})
    assert (cal.self_deadline, cal.group_deadline) == (date(2023, 1, 8), date(2023, 1, 25))
    assert cal.lead_days == (2, 0) and cal.send_at == time(10, 15) and cal.quiet_end == time(7, 30)
    assert calendar_for(2022, settings={"lead_days": [5]}).lead_days == (5,)  # top-level keys work too
    with pytest.raises(CalendarError, match="有效的时间"):
        calendar_for(2022, settings={"reminders": {"send_at": "九点"}})
    with pytest.raises(CalendarError, match="早于"):
        calendar_for(2022, "01-20", "01-10")
    with pytest.raises(CalendarError, match="负数"):
        calendar_for(2022, settings={"lead_days": [3, -1]})


def test_quiet_hours_defer_to_the_morning():
    cal = calendar_for(2022)  # 21:00-08:00
    assert cal.defer(datetime(2023, 1, 7, 22, 30)) == datetime(2023, 1, 8, 8, 0)
    assert cal.defer(datetime(2023, 1, 7, 6, 0)) == datetime(2023, 1, 7, 8, 0)
    assert cal.defer(datetime(2023, 1, 7, 14, 0)) == datetime(2023, 1, 7, 14, 0)
    late = calendar_for(2022, settings={"send_at": "22:00"})
    assert late.send_time(date(2023, 1, 7)) == datetime(2023, 1, 8, 8, 0)
    assert not calendar_for(2022, settings={"quiet_hours": None}).is_quiet(time(3, 0))


def test_whole_season_exact_pushes_per_day():
    """Dec 1 to Jan 20 with branches submitting along the way: the exact keys on each day, none on others."""
    cal = calendar_for(2022)
    submitted_self = {date(2023, 1, 5): {1}, date(2023, 1, 9): {1, 3}, date(2023, 1, 11): {1, 2, 3}}
    submitted_group = {date(2023, 1, 17): {1}}
    got: dict[date, list[str]] = {}
    for day in season():
        s = set().union(*(v for d, v in submitted_self.items() if d <= day))
        g = set().union(*(v for d, v in submitted_group.items() if d <= day))
        keys = [r.key for r in deadline_reminders(org(s, g), cal, day)]
        if keys:
            got[day] = keys
    selfk = "deadline:self:2023-01-10"
    groupk = "deadline:group:2023-01-19"
    assert got == {
        date(2023, 1, 3): [f"{selfk}:lead7:group:1", f"{selfk}:lead7:person:22", f"{selfk}:lead7:org:1"],
        # branch 1 handed in on Jan 5: group 1's chat still reminded for branch 2
        date(2023, 1, 7): [f"{selfk}:lead3:group:1", f"{selfk}:lead3:person:22", f"{selfk}:lead3:org:1"],
        # branch 3 (group 2, no chat) handed in on Jan 9: no direct message any more
        date(2023, 1, 9): [f"{selfk}:lead1:group:1", f"{selfk}:lead1:org:1"],
        date(2023, 1, 10): [f"{selfk}:lead0:group:1", f"{selfk}:lead0:org:1"],
        date(2023, 1, 12): [f"{groupk}:lead7:group:1", f"{groupk}:lead7:person:11", f"{groupk}:lead7:org:1"],
        date(2023, 1, 16): [f"{groupk}:lead3:group:1", f"{groupk}:lead3:person:11", f"{groupk}:lead3:org:1"],
        # group 1 handed in its table on Jan 17
        date(2023, 1, 18): [f"{groupk}:lead1:person:11", f"{groupk}:lead1:org:1"],
        date(2023, 1, 19): [f"{groupk}:lead0:person:11", f"{groupk}:lead0:org:1"],
    }


def test_nothing_once_everyone_has_submitted():
    cal = calendar_for(2022)
    done = org({1, 2, 3}, {1, 2})
    assert all(deadline_reminders(done, cal, d) == [] for d in season())


def test_group_chat_push_names_and_mentions_the_missing():
    rs = deadline_reminders(org({1}), calendar_for(2022), date(2023, 1, 7))
    chat = rs[0]
    assert (chat.to, chat.recipient_id, chat.mentions) == ("target", 100, (21,))
    text = render(chat).text
    assert "截止 1月10日（还有3天）" in text
    assert "已提交 1/2：机械协会党支部" in text
    assert "未提交 1：电子协会党支部（赵书记）" in text
    committee = render(rs[2]).text
    assert "全委已提交 1/3" in committee and "第二协作组：0/1，未提交：汽车协会党支部" in committee
    direct = render(rs[1]).text
    assert direct.startswith("钱书记您好：汽车协会党支部") and "请报送第二协作组组长单位" in direct


def test_group_deadline_mentions_leaders_and_lists_late_branches():
    rs = deadline_reminders(org({1, 3}), calendar_for(2022), date(2023, 1, 19))
    by_key = {r.key: r for r in rs}
    chat = by_key["deadline:group:2023-01-19:lead0:group:1"]
    assert chat.mentions == (10,)
    assert "今天" in render(chat).text and "尚未提交自评表的支部：电子协会党支部" in render(chat).text
    committee = by_key["deadline:group:2023-01-19:lead0:org:1"]
    assert committee.mentions == (10, 11)
    assert "未报送：第一协作组（王组长）、第二协作组（李组长）" in render(committee).text


def test_two_chats_for_one_group_get_distinct_keys():
    state = org()
    state = OrgState(**{**{f: getattr(state, f) for f in state.__slots__},
                        "groups": (GroupRef(1, "第一协作组", (), (105, 100)),) + state.groups[1:]})
    keys = [r.key for r in deadline_reminders(state, calendar_for(2022), date(2023, 1, 3)) if r.to == "target"]
    assert keys[:2] == ["deadline:self:2023-01-10:lead7:group:1", "deadline:self:2023-01-10:lead7:group:1:target:105"]


def test_disabled_calendar_sends_nothing():
    cal = calendar_for(2022, settings={"reminders": {"enabled": False}})
    assert deadline_reminders(org(), cal, date(2023, 1, 10)) == []
