"""An organisation's year-end calendar and the deadline reminders due on a given day. Pure.

Seed 000: branches hand their self-evaluation (自评表) to the group leader unit by Jan 10, group
leaders hand the group table (附件2) to the office by Jan 19 — of the year after the evaluation year.
An organisation may move both dates, the lead times and the quiet hours in its settings:

    settings = {"reminders": {"self_deadline": "01-10", "group_deadline": "2023-01-19",
                              "lead_days": [7, 3, 1, 0], "send_at": "09:00",
                              "quiet_hours": "21:00-08:00", "nudge_days_before": 7,
                              "plan_followup_days": 1, "enabled": true}}

A deadline reminder lists who has handed in and who has not, and stops once everyone has.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping

from .types import BranchRef, GroupRef, OrgState, PersonRef, Reminder

DEFAULT_LEAD_DAYS = (7, 3, 1, 0)  # 0: the morning of the day itself
DEFAULT_SEND_AT = time(9, 0)
DEFAULT_QUIET = (time(21, 0), time(8, 0))
TIER_LABELS = {"self": "党支部自评表", "group": "协作组评分结果汇总表"}


class CalendarError(ValueError):
    """An organisation's reminder settings cannot be understood; the message says which and why."""


@dataclass(frozen=True, slots=True)
class OrgCalendar:
    year: int  # the evaluation year
    self_deadline: date
    group_deadline: date
    lead_days: tuple[int, ...] = DEFAULT_LEAD_DAYS
    send_at: time = DEFAULT_SEND_AT
    quiet_start: time | None = DEFAULT_QUIET[0]
    quiet_end: time | None = DEFAULT_QUIET[1]
    nudge_days_before: int = 7
    plan_followup_days: int = 1
    enabled: bool = True

    def deadline(self, tier: str) -> date:
        return self.self_deadline if tier == "self" else self.group_deadline

    def is_quiet(self, at: time) -> bool:
        """Inside quiet hours? The window may wrap midnight (21:00-08:00)."""
        if self.quiet_start is None or self.quiet_end is None or self.quiet_start == self.quiet_end:
            return False
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= at < self.quiet_end
        return at >= self.quiet_start or at < self.quiet_end

    def defer(self, when: datetime) -> datetime:
        """The first moment at or after `when` (local, naive) outside quiet hours: quiet sends wait for the morning."""
        if not self.is_quiet(when.time()):
            return when
        assert self.quiet_end is not None  # is_quiet said so
        morning = datetime.combine(when.date(), self.quiet_end)
        return morning if morning > when else morning + timedelta(days=1)

    def send_time(self, day: date) -> datetime:
        """When the reminders of `day` go out (local, naive): the send hour, pushed out of quiet hours."""
        return self.defer(datetime.combine(day, self.send_at))


def _parse_time(value: Any, what: str) -> time:
    if isinstance(value, time):
        return value
    try:
        hh, mm = str(value).strip().split(":")
        return time(int(hh), int(mm))
    except (ValueError, TypeError):
        raise CalendarError(f"{what}「{value}」不是有效的时间，应写成 HH:MM，如 09:00") from None


def season_of(day: date) -> int:
    """The evaluation year a full-date deadline belongs to: a date in July–December closes that year's work, a
    date in January–June the year before's ("2022-12-30" and "2023-01-19" are both deadlines of 2022)."""
    return day.year if day.month >= 7 else day.year - 1


def _parse_deadline(value: Any, year: int, what: str) -> date:
    """"01-10" means Jan 10 of the year after the evaluation year; "2023-01-10" is taken as written."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        month, day = text.split("-")
        return date(year + 1, int(month), int(day))
    except (ValueError, TypeError):
        raise CalendarError(f"{what}「{value}」不是有效的日期，应写成 MM-DD 或 YYYY-MM-DD") from None


def calendar_for(year: int, self_deadline: str | date | None = None, group_deadline: str | date | None = None,
                 settings: Mapping[str, Any] | None = None) -> OrgCalendar:
    """Build an organisation's calendar from its columns (`self_deadline`, `group_deadline`) and `settings`.

    Keys under settings["reminders"] win over the same keys at the top level of settings, which win
    over the columns; anything unset takes seed 000's defaults.
    """
    settings = dict(settings or {})
    conf: dict[str, Any] = {k: v for k, v in settings.items() if k != "reminders"}
    nested = settings.get("reminders") or {}
    if not isinstance(nested, Mapping):
        raise CalendarError("settings.reminders 应为一个对象（键值表）")
    conf.update(nested)

    def _deadline(key: str, column: str | date | None, default: str, what: str) -> date:
        """The settings' value, then the column, then the default; a full date of another year's season is
        that year's override only, so this year takes the next one down."""
        for value in (conf.get(key), column, default):
            if not value:
                continue
            day = _parse_deadline(value, year, what)
            if isinstance(value, date) or len(str(value).strip()) == 10:
                if season_of(day) != year:
                    continue
            return day
        return _parse_deadline(default, year, what)

    self_d = _deadline("self_deadline", self_deadline, "01-10", "自评截止日期")
    group_d = _deadline("group_deadline", group_deadline, "01-19", "协作组汇总截止日期")
    if group_d < self_d:
        raise CalendarError(f"协作组汇总截止日期 {group_d} 早于支部自评截止日期 {self_d}")

    leads = conf.get("lead_days", DEFAULT_LEAD_DAYS)
    try:
        lead_days = tuple(sorted({int(x) for x in leads}, reverse=True))
    except (TypeError, ValueError):
        raise CalendarError(f"提前提醒天数「{leads}」应为一组非负整数，如 [7, 3, 1, 0]") from None
    if any(d < 0 for d in lead_days):
        raise CalendarError(f"提前提醒天数「{leads}」不能为负数")

    quiet = conf.get("quiet_hours", DEFAULT_QUIET)
    if quiet in (None, "", False, []):
        q_start = q_end = None
    else:
        parts = quiet.split("-") if isinstance(quiet, str) else list(quiet)
        if len(parts) != 2:
            raise CalendarError(f"免打扰时段「{quiet}」应写成 21:00-08:00")
        q_start, q_end = (_parse_time(p, "免打扰时段") for p in parts)

    def _int(key: str, default: int) -> int:
        try:
            val = int(conf.get(key, default))
        except (TypeError, ValueError):
            raise CalendarError(f"{key}「{conf.get(key)}」应为整数") from None
        if val < 0:
            raise CalendarError(f"{key} 不能为负数")
        return val

    return OrgCalendar(
        year=year, self_deadline=self_d, group_deadline=group_d, lead_days=lead_days,
        send_at=_parse_time(conf.get("send_at", DEFAULT_SEND_AT), "提醒发送时间"),
        quiet_start=q_start, quiet_end=q_end,
        nudge_days_before=_int("nudge_days_before", 7), plan_followup_days=_int("plan_followup_days", 1),
        enabled=bool(conf.get("enabled", True)),
    )


# --- deadline reminders -------------------------------------------------------------------------

def _when(lead: int) -> str:
    return "今天" if lead == 0 else ("明天" if lead == 1 else f"还有{lead}天")


def _key(tier: str, deadline: date, lead: int, scope: str, scope_id: int, target: int | None = None) -> str:
    key = f"deadline:{tier}:{deadline.isoformat()}:lead{lead}:{scope}:{scope_id}"
    return key if target is None else f"{key}:target:{target}"


def _mentions(people: tuple[PersonRef, ...]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(p.id for p in people))


def first_role(branch: BranchRef) -> tuple[PersonRef, ...]:
    """Who a direct message goes to: the secretaries; without one, the 组织委员; else whoever is listed."""
    for role in ("secretary", "organiser"):
        people = tuple(p for p in branch.contacts if p.role == role)
        if people:
            return people
    return branch.contacts


def _branch_line(b: BranchRef) -> dict[str, Any]:
    return {"name": b.name, "contacts": [p.name for p in b.contacts]}


def _to_chats(targets: tuple[int, ...], key: str, name: str, **kw: Any) -> list[Reminder]:
    """One reminder per chat of the scope; the first chat keeps the plain key (the usual case: one chat)."""
    return [Reminder(key=key if i == 0 else f"{key}:target:{t}", to="target", recipient_id=t,
                     recipient_name=name, **kw) for i, t in enumerate(sorted(targets))]


def deadline_reminders(state: OrgState, cal: OrgCalendar, day: date) -> list[Reminder]:
    """The year-end pushes due on `day`: one per group chat still missing something, one to the committee.

    Nothing on a day that is not a lead day, nothing for whoever has handed in, nothing at all once
    everyone has. A group without a chat: its missing secretaries (or leaders) get a direct message.
    """
    if not cal.enabled:
        return []
    out: list[Reminder] = []
    for tier in ("self", "group"):
        deadline = cal.deadline(tier)
        lead = (deadline - day).days
        if lead not in cal.lead_days:
            continue
        out.extend(_self_reminders(state, cal, day, deadline, lead) if tier == "self"
                   else _group_reminders(state, cal, day, deadline, lead))
    return out


def _common(state: OrgState, cal: OrgCalendar, deadline: date, lead: int, tier: str) -> dict[str, Any]:
    return {"org": state.name, "year": cal.year, "deadline": deadline, "lead": lead, "when": _when(lead),
            "what": TIER_LABELS[tier]}


def _self_reminders(state: OrgState, cal: OrgCalendar, day: date, deadline: date, lead: int) -> list[Reminder]:
    missing = [b for b in state.branches if b.id not in state.self_submitted]
    if not missing:
        return []
    base = _common(state, cal, deadline, lead, "self")
    out: list[Reminder] = []
    by_group: dict[int | None, list[BranchRef]] = {}
    for b in state.branches:
        by_group.setdefault(b.group_id, []).append(b)
    ordered = sorted(by_group, key=lambda g: (g is None, g or 0))
    for gid in ordered:
        branches = by_group[gid]
        g_missing = [b for b in branches if b.id not in state.self_submitted]
        if not g_missing:
            continue
        group = state.group(gid)
        done = [b for b in branches if b.id in state.self_submitted]
        if group is not None and group.targets:
            ctx = {**base, "group": group.name, "total": len(branches),
                   "submitted": [b.name for b in done], "missing": [_branch_line(b) for b in g_missing]}
            reason = (f"{TIER_LABELS['self']}{deadline.month}月{deadline.day}日截止，{_when(lead)}："
                      f"{group.name} {len(g_missing)}/{len(branches)} 个支部未提交")
            out += _to_chats(group.targets, _key("self", deadline, lead, "group", group.id), group.name,
                             kind="deadline_self", template="deadline_self_group", context=ctx,
                             mentions=_mentions(tuple(p for b in g_missing for p in b.contacts)),
                             reason=reason, day=day)
            continue
        for b in g_missing:  # no group chat: tell the branch's secretaries directly
            for p in first_role(b):
                ctx = {**base, "branch": b.name, "person": p.name,
                       "to_whom": f"{group.name}组长单位" if group else "综合党委办公室"}
                out.append(Reminder(
                    key=_key("self", deadline, lead, "person", p.id), kind="deadline_self", to="person",
                    recipient_id=p.id, recipient_name=f"{p.name}（{b.name}）", template="deadline_self_person",
                    context=ctx, reason=f"{TIER_LABELS['self']}{deadline.month}月{deadline.day}日截止，"
                                        f"{_when(lead)}：{b.name}未提交（所在协作组无群聊）", day=day))
    if state.committee_targets:
        groups = []
        for gid in ordered:
            branches = by_group[gid]
            g_missing = [b.name for b in branches if b.id not in state.self_submitted]
            group = state.group(gid)
            groups.append({"name": group.name if group else "未分组", "total": len(branches),
                           "done": len(branches) - len(g_missing), "missing": g_missing})
        ctx = {**base, "total": len(state.branches), "done": len(state.branches) - len(missing), "groups": groups}
        reason = (f"{TIER_LABELS['self']}{deadline.month}月{deadline.day}日截止，{_when(lead)}："
                  f"全委 {len(missing)}/{len(state.branches)} 个支部未提交")
        out += _to_chats(state.committee_targets, _key("self", deadline, lead, "org", state.org_id), "党委群",
                         kind="deadline_self", template="deadline_self_org", context=ctx, reason=reason, day=day)
    return out


def _group_reminders(state: OrgState, cal: OrgCalendar, day: date, deadline: date, lead: int) -> list[Reminder]:
    groups = [g for g in state.groups if any(b.group_id == g.id for b in state.branches)]
    missing = [g for g in groups if g.id not in state.group_submitted]
    if not missing:
        return []
    base = _common(state, cal, deadline, lead, "group")
    out: list[Reminder] = []
    for g in missing:
        late = [b.name for b in state.branches if b.group_id == g.id and b.id not in state.self_submitted]
        reason = f"{TIER_LABELS['group']}{deadline.month}月{deadline.day}日截止，{_when(lead)}：{g.name}未报送"
        if g.targets:
            ctx = {**base, "group": g.name, "leaders": [p.name for p in g.leaders], "late_branches": late}
            out += _to_chats(g.targets, _key("group", deadline, lead, "group", g.id), g.name,
                             kind="deadline_group", template="deadline_group_group", context=ctx,
                             mentions=_mentions(g.leaders), reason=reason, day=day)
        else:
            for p in g.leaders:
                ctx = {**base, "group": g.name, "person": p.name, "late_branches": late}
                out.append(Reminder(
                    key=_key("group", deadline, lead, "person", p.id), kind="deadline_group", to="person",
                    recipient_id=p.id, recipient_name=f"{p.name}（{g.name}组长）", template="deadline_group_person",
                    context=ctx, reason=reason + "（协作组无群聊）", day=day))
    if state.committee_targets:
        ctx = {**base, "total": len(groups), "done": len(groups) - len(missing),
               "submitted": [g.name for g in groups if g.id in state.group_submitted],
               "missing": [{"name": g.name, "leaders": [p.name for p in g.leaders]} for g in missing]}
        reason = (f"{TIER_LABELS['group']}{deadline.month}月{deadline.day}日截止，{_when(lead)}："
                  f"{len(missing)}/{len(groups)} 个协作组未报送")
        out += _to_chats(state.committee_targets, _key("group", deadline, lead, "org", state.org_id), "党委群",
                         kind="deadline_group", template="deadline_group_org", context=ctx,
                         mentions=_mentions(tuple(p for g in missing for p in g.leaders)), reason=reason, day=day)
    return out


def reminder_days(cal: OrgCalendar) -> list[date]:
    """Every day with a deadline reminder, in order (the dry run and the docs show them)."""
    days = {cal.deadline(t) - timedelta(days=lead) for t in ("self", "group") for lead in cal.lead_days}
    return sorted(days)


__all__ = ["CalendarError", "OrgCalendar", "calendar_for", "deadline_reminders", "reminder_days",
           "GroupRef", "BranchRef", "PersonRef", "OrgState"]
