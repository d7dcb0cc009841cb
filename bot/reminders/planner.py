"""The glue: read the store, ask the pure rules what is due on a day, word it, and deliver it once.

`Planner.preview(day)` is the dry run (nothing written, nothing sent); `Planner.run_day(day)` sends.
Idempotency keys are stable (`deadline:self:2023-01-10:lead3:group:5`, `nudge:2022-12-31:branch:7:person:42`,
`plan:12:confirm:person:42`), so running a day twice, in two processes or after a restart, sends nothing new.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.messages import Sender
from bot.models import (
    ActivityRecord, Branch, Group, Organisation, Person, Plan, PushTarget, ReminderDelivery, Submission, utcnow,
)
from scoring.card import ScoreCard

from .calendar import CalendarError, OrgCalendar, deadline_reminders
from .delivery import Delivery, RetryPolicy
from .nudges import period_end_nudges, plan_followups
from .render import Rendered, render, render_named
from .types import BranchRef, GroupRef, OrgState, PersonRef, PlanRef, Reminder

log = logging.getLogger(__name__)

VOCABULARY = Path(__file__).resolve().parents[2] / "scoring" / "vocabulary.yaml"

# (session, org, year, as_of) -> [(branch id, score card)]; the default asks the conversation core (bot/facts.py)
CardSource = Callable[[Session, Organisation, int, date], Sequence[tuple[int, ScoreCard]]]


@lru_cache(maxsize=1)
def activity_labels() -> dict[str, str]:
    with open(VOCABULARY, encoding="utf-8") as fh:
        return dict((yaml.safe_load(fh) or {}).get("activities") or {})


def default_cards(session: Session, org: Organisation, year: int, as_of: date) -> list[tuple[int, ScoreCard]]:
    """Score cards of the committee, for the period-end nudges."""
    from bot.facts import score_cards

    cards = score_cards(session, org, year, as_of)
    items = cards.items() if isinstance(cards, dict) else ((c.branch_id, c) for c in cards)
    return [(int(bid), card) for bid, card in items]


def org_calendar(org: Organisation, year: int) -> OrgCalendar:
    """The organisation's one calendar (bot/season.py): the chat's deadline answers ask the same."""
    from bot import season

    return season.calendar(org, year)


# --- reading the store ------------------------------------------------------------------------

def _person(p: Person) -> PersonRef:
    return PersonRef(id=p.id, name=p.name, role=p.role)


def org_state(session: Session, org: Organisation, year: int) -> OrgState:
    """Who is in the organisation, their chats, and who has submitted what for `year`."""
    people = list(session.scalars(select(Person).where(Person.org_id == org.id, Person.active.is_(True))
                                  .order_by(Person.id)))
    contacts: dict[int, list[Person]] = {}
    leaders: dict[int, list[Person]] = {}
    for p in people:
        if p.role in ("secretary", "organiser") and p.branch_id is not None:
            contacts.setdefault(p.branch_id, []).append(p)
        if p.role == "group_leader" and p.group_id is not None:
            leaders.setdefault(p.group_id, []).append(p)
    targets: dict[int | None, list[int]] = {}
    for t in session.scalars(select(PushTarget).where(PushTarget.org_id == org.id).order_by(PushTarget.id)):
        targets.setdefault(t.group_id, []).append(t.id)
    branches = []
    for b in session.scalars(select(Branch).where(Branch.org_id == org.id, Branch.active.is_(True)).order_by(Branch.id)):
        cs = sorted(contacts.get(b.id, []), key=lambda p: (p.role != "secretary", p.id))
        branches.append(BranchRef(id=b.id, name=b.name, group_id=b.group_id, contacts=tuple(_person(p) for p in cs)))
    groups = tuple(GroupRef(id=g.id, name=g.name, leaders=tuple(_person(p) for p in leaders.get(g.id, [])),
                            targets=tuple(targets.get(g.id, [])))
                   for g in session.scalars(select(Group).where(Group.org_id == org.id).order_by(Group.id)))
    subs = list(session.scalars(select(Submission).where(Submission.org_id == org.id, Submission.year == year)))
    return OrgState(
        org_id=org.id, name=org.name, year=year, groups=groups, branches=tuple(branches),
        committee_targets=tuple(targets.get(None, [])),
        office=tuple(_person(p) for p in people if p.role == "office"),
        self_submitted=frozenset(s.branch_id for s in subs if s.tier == "self" and s.branch_id is not None),
        group_submitted=frozenset(s.group_id for s in subs if s.tier == "group" and s.group_id is not None),
    )


def plan_refs(session: Session, org: Organisation, state: OrgState, held_on: date) -> list[PlanRef]:
    """Plans of the organisation's branches dated `held_on`, with whether the activity was recorded."""
    branches = {b.id: b for b in state.branches}
    if not branches:
        return []
    rows = list(session.scalars(select(Plan).where(Plan.branch_id.in_(list(branches)), Plan.date == held_on)
                                .order_by(Plan.id)))
    if not rows:
        return []
    recorded = set(session.execute(select(ActivityRecord.branch_id, ActivityRecord.code).where(
        ActivityRecord.branch_id.in_(list(branches)), ActivityRecord.date == held_on,
        ActivityRecord.deleted_at.is_(None))).all())
    people = {p.id: p for p in session.scalars(select(Person).where(
        Person.id.in_([r.created_by for r in rows if r.created_by]), Person.active.is_(True)))}
    labels = activity_labels()
    out = []
    for r in rows:
        b = branches[r.branch_id]
        ask = (_person(people[r.created_by]),) if r.created_by in people else \
            tuple(p for p in b.contacts if p.role == "secretary") or b.contacts
        out.append(PlanRef(id=r.id, branch_id=b.id, branch_name=b.name, code=r.code, label=labels.get(r.code, r.code),
                           date=r.date, status=r.status, topic=r.topic, recorded=(b.id, r.code) in recorded, ask=ask))
    return out


# --- the planner ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Planned:
    org_id: int
    org_name: str
    reminder: Reminder
    rendered: Rendered


@dataclass
class RunReport:
    day: date
    statuses: dict[str, str] = field(default_factory=dict)  # key -> sent / failed / dead / …
    errors: list[str] = field(default_factory=list)  # organisations whose settings could not be read

    def count(self, status: str) -> int:
        return sum(1 for s in self.statuses.values() if s == status)


class Planner:
    def __init__(self, sessions: sessionmaker[Session], sender: Sender | None = None, *, tz: str = "Asia/Shanghai",
                 policy: RetryPolicy | None = None, clock: Callable[[], datetime] = utcnow,
                 cards: CardSource | None = None) -> None:
        self.sessions = sessions
        self.sender = sender
        self.tz = ZoneInfo(tz)
        self.clock = clock
        self.cards = cards or default_cards
        self.delivery = Delivery(sessions, sender, policy=policy, clock=clock, defer=self._defer_utc,
                                 on_dead=self._tell_office) if sender is not None else None

    # -- time ------------------------------------------------------------------------------------
    def local(self, utc: datetime) -> datetime:
        """UTC naive (the store's convention) -> local naive."""
        return utc.replace(tzinfo=timezone.utc).astimezone(self.tz).replace(tzinfo=None)

    def utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.tz).astimezone(timezone.utc).replace(tzinfo=None)

    def calendar(self, org_id: int | None, day: date | None = None) -> OrgCalendar | None:
        with self.sessions() as s:
            org = s.get(Organisation, org_id) if org_id is not None else None
            if org is None:
                return None
            try:
                return org_calendar(org, (day or self.local(self.clock()).date()).year - 1)
            except CalendarError:
                return None

    def _defer_utc(self, org_id: int | None, when: datetime) -> datetime:
        cal = self.calendar(org_id)
        return when if cal is None else self.utc(cal.defer(self.local(when)))

    # -- what is due -----------------------------------------------------------------------------
    def orgs(self, org_ids: Iterable[int] | None = None) -> list[int]:
        with self.sessions() as s:
            q = select(Organisation.id).order_by(Organisation.id)
            if org_ids is not None:
                q = q.where(Organisation.id.in_(list(org_ids)))
            return list(s.scalars(q))

    def reminders_for(self, session: Session, org: Organisation, day: date) -> list[Reminder]:
        """Everything due for one organisation on `day`: deadlines, period-end nudges, plan follow-ups."""
        out: dict[str, Reminder] = {}
        # the deadlines of evaluation year Y fall in Y+1; a calendar may also set full dates; a closed year has none
        from bot.store import Store

        closed = Store(session).closed_years(org.id)
        for year in (day.year - 1, day.year):
            if year in closed:
                continue
            cal = org_calendar(org, year)
            state = org_state(session, org, year)
            for r in deadline_reminders(state, cal, day):
                out.setdefault(r.key, r)
        cal = org_calendar(org, day.year - 1)
        state = org_state(session, org, day.year)
        due = day + timedelta(days=cal.nudge_days_before)
        if cal.enabled and cal.nudge_days_before > 0 and (due + timedelta(days=1)).day == 1:
            refs = {b.id: b for b in state.branches}
            cards = [(refs[bid], card) for bid, card in self.cards(session, org, due.year, day) if bid in refs]
            for r in period_end_nudges(cards, cal, day):
                out.setdefault(r.key, r)
        held_on = day - timedelta(days=cal.plan_followup_days)
        for r in plan_followups(plan_refs(session, org, state, held_on), cal, day):
            out.setdefault(r.key, r)
        chats = dict(session.execute(select(PushTarget.id, PushTarget.name).where(PushTarget.org_id == org.id)).all())
        return [replace(r, recipient_name=chats.get(r.recipient_id) or r.recipient_name) if r.to == "target" else r
                for r in out.values()]

    def preview(self, day: date, org_ids: Iterable[int] | None = None) -> tuple[list[Planned], list[str]]:
        """The dry run: what would be sent on `day` and why. Reads only."""
        planned: list[Planned] = []
        errors: list[str] = []
        for org_id in self.orgs(org_ids):
            with self.sessions() as s:
                org = s.get(Organisation, org_id)
                try:
                    reminders = self.reminders_for(s, org, day)
                except CalendarError as exc:
                    errors.append(f"{org.name}：提醒设置有误，{exc}")
                    continue
                planned += [Planned(org.id, org.name, r, render(r)) for r in reminders]
        return planned, errors

    # -- sending ---------------------------------------------------------------------------------
    def run_day(self, day: date, org_ids: Iterable[int] | None = None, *, by_hand: bool = False,
                wait_seconds: float = 0.0) -> RunReport:
        """Send what is due on `day`, once: keys already delivered are left alone, so running a day again (a new
        leader, a restart, `zhibu remind --date` run twice) sends exactly what is missing.

        `by_hand` (the office ran `zhibu remind --date`): failed rows are tried now instead of after their
        backoff. `wait_seconds`: rows another process still holds are waited for (a killed process's claim
        lapses within the claim's TTL) and then sent by this run if that process died."""
        if self.delivery is None:
            raise RuntimeError("Planner without a sender can only preview")
        planned, errors = self.preview(day, org_ids)
        report = RunReport(day=day, errors=errors)
        for p in planned:
            report.statuses[p.reminder.key] = self.delivery.deliver(p.reminder, p.rendered, p.org_id, force=by_hand)
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline and any(v == "sending" for v in report.statuses.values()):
            time.sleep(min(1.0, max(0.05, self.delivery.policy.claim_seconds / 10)))
            for key, status in list(report.statuses.items()):
                if status == "sending":
                    report.statuses[key] = self.delivery.attempt(key)
        for p in planned:
            if p.reminder.kind == "plan" and report.statuses[p.reminder.key] == "sent":
                self._mark_asked(int(p.reminder.context["plan_id"]))
        for e in errors:
            log.error("reminders %s: %s", day, e)
        return report

    def retry_due(self) -> dict[str, str]:
        return self.delivery.retry_due() if self.delivery is not None else {}

    def _mark_asked(self, plan_id: int) -> None:
        with self.sessions() as s:
            s.execute(update(Plan).where(Plan.id == plan_id, Plan.status == "pending")
                      .values(status="asked", asked_at=self.clock()).execution_options(synchronize_session=False))
            s.commit()

    def _tell_office(self, row: ReminderDelivery) -> None:
        """A reminder was given up on: each office member gets a direct message saying what and why."""
        if self.sender is None or row.org_id is None:
            return
        with self.sessions() as s:
            office = list(s.scalars(select(Person).where(Person.org_id == row.org_id, Person.role == "office",
                                                          Person.active.is_(True)).order_by(Person.id)))
        p = row.payload or {}
        text = render_named("delivery_failed", reason=p.get("reason") or row.key,
                            target=p.get("recipient_name") or f"{p.get('to')}:{p.get('recipient_id')}",
                            attempts=row.attempts, error=(row.last_error or "")[:200])
        for person in office:
            if p.get("to") == "person" and p.get("recipient_id") == person.id:
                continue  # the failing channel is this person's own
            try:
                self.sender.send_to_person(person.id, text, key=f"failed:{row.key}:person:{person.id}",
                                           reason=f"提醒发送失败：{row.key}")
            except Exception:  # noqa: BLE001 - best effort; the row stays `dead` and is listed
                log.exception("could not tell office member %s about %s", person.id, row.key)


def latest_run_day(cal: OrgCalendar, now_local: datetime) -> date:
    """The day whose send time is the latest one at or before `now_local` (a late run serves that day)."""
    day = now_local.date()
    return day if cal.send_time(day) <= now_local else day - timedelta(days=1)
