"""Repository functions over bot/models.py: the only place handlers touch SQLAlchemy.

`Store` wraps one Session (one unit of work). Every change that matters for the evaluation
(create, undo, correct, score, submit) writes an AuditLog row through `audit()`: the rubrics deduct
for false or sloppy records, so the history must show who changed what, from which message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Sequence

from sqlalchemy import and_, bindparam, case, func, insert, or_, select
from sqlalchemy.orm import Session

from .accounts import attach, person_by_account
from .media import is_web_url
from .models import (
    ActivityRecord, AuditLog, Award, Branch, ConversationState, Declaration, Evidence, Group, InboundMessage,
    Incident, Organisation, Person, Plan, ScoreEntry, Season, Submission, utcnow,
)

# Statements of the message hot path, built once (building a statement costs about as much as running it).
_INSERT_ACTIVITY = insert(ActivityRecord.__table__)
_INSERT_AUDIT = insert(AuditLog.__table__)
_STATE_OF = select(*ConversationState.__table__.c).where(ConversationState.person_id == bindparam("person_id"))
_ACTIVE_PEOPLE = select(*Person.__table__.c).where(Person.active.is_(True)).order_by(Person.id)
_DUE_PLANNERS = select(Plan.created_by).where(Plan.status == "pending", Plan.date < bindparam("today")).distinct()
_DUE_PLAN = select(Plan.id).where(Plan.status == "pending", Plan.date < bindparam("today"),
                                  Plan.created_by == bindparam("person_id")).limit(1)
_TALLY = select(
    func.count(ActivityRecord.id),
    func.coalesce(func.sum(case((ActivityRecord.date == bindparam("day"), 1), else_=0)), 0),
).where(ActivityRecord.branch_id == bindparam("branch_id"), ActivityRecord.code == bindparam("code"),
        ActivityRecord.deleted_at.is_(None), ActivityRecord.date >= bindparam("start"),
        ActivityRecord.date <= bindparam("end"))

# Keys of the shared vocabulary's `awards` section: a declared award is stored as an Award row.
AWARD_KEYS = frozenset({"commendation", "media_report", "demonstration", "leader_instruction", "article"})


def evaluation_year(today: date, group_deadline: str = "01-19") -> int:
    """The year an organisation created on `today` evaluates first (its `Organisation.year`). Which year a message
    is about is bot/season.py's to say: a year stays under review until the office closes it."""
    month, day = (int(x) for x in group_deadline.split("-"))
    return today.year - 1 if (today.month, today.day) <= (month, day) else today.year


def row_dict(obj: Any, fields: Iterable[str]) -> dict:
    """A JSON-safe snapshot of some columns, for the audit log."""
    out = {}
    for f in fields:
        val = getattr(obj, f)
        out[f] = val.isoformat() if isinstance(val, (date, datetime)) else val
    return out


ACTIVITY_FIELDS = ("branch_id", "code", "date", "expected", "present", "hours", "speaker", "topic", "deleted_at")

BRANCH_SUFFIXES = ("党支部", "支部")
GROUP_SUFFIXES = ("党建协作组", "协作组", "组")


def _norm(name: str, suffixes: Sequence[str] = BRANCH_SUFFIXES) -> str:
    name = re.sub(r"\s+", "", name or "")
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@dataclass
class Store:
    session: Session
    # person id -> their ConversationState (or None), as read in this unit of work
    _states: dict[int, ConversationState | None] = field(default_factory=dict, init=False, repr=False, compare=False)

    # ---------------------------------------------------------------- organisation, people
    def organisation(self, org_id: int | None = None) -> Organisation | None:
        if org_id is not None:
            return self.session.get(Organisation, org_id)
        return self.session.scalars(select(Organisation).order_by(Organisation.id).limit(1)).first()

    def person_by_account(self, channel: str, account: str) -> Person | None:
        """Who writes from this account on this channel (bot/accounts.py)."""
        return person_by_account(self.session, channel, account)

    def active_people(self, limit: int) -> list[dict]:
        """Column values of active people (every organisation), at most `limit`: the directory cache's snapshot."""
        return [dict(row._mapping) for row in self.session.execute(_ACTIVE_PEOPLE.limit(limit))]

    def people(self, org_id: int, *, roles: Sequence[str] = (), branch_id: int | None = None,
               group_id: int | None = None) -> list[Person]:
        q = select(Person).where(Person.org_id == org_id, Person.active.is_(True))
        if roles:
            q = q.where(Person.role.in_(list(roles)))
        if branch_id is not None:
            q = q.where(Person.branch_id == branch_id)
        if group_id is not None:
            q = q.where(Person.group_id == group_id)
        return list(self.session.scalars(q.order_by(Person.id)))

    def group_leaders(self, group_id: int | None) -> list[Person]:
        if group_id is None:
            return []
        return list(self.session.scalars(select(Person).where(
            Person.group_id == group_id, Person.role == "group_leader", Person.active.is_(True)).order_by(Person.id)))

    def office_people(self, org_id: int) -> list[Person]:
        return self.people(org_id, roles=("office",))

    def branches(self, org_id: int, group_id: int | None = None) -> list[Branch]:
        q = select(Branch).where(Branch.org_id == org_id, Branch.active.is_(True))
        if group_id is not None:
            q = q.where(Branch.group_id == group_id)
        return list(self.session.scalars(q.order_by(Branch.id)))

    def groups(self, org_id: int) -> list[Group]:
        return list(self.session.scalars(select(Group).where(Group.org_id == org_id).order_by(Group.id)))

    def find_branch(self, org_id: int, name: str | None, group_id: int | None = None, *,
                    among: Sequence[Branch] | None = None) -> Branch | None:
        """A branch named in a message: exact name, then the same name without 党支部, then containment.
        `among`: the branches already read (a table names many: one query for all its rows)."""
        if not name:
            return None
        if _is_group_name(name):
            return None
        return _best_match(self.branches(org_id, group_id) if among is None else among, name, BRANCH_SUFFIXES)

    def find_group(self, org_id: int, name: str | None) -> Group | None:
        if not name:
            return None
        if name.endswith("支部"):
            return None
        return _best_match(self.groups(org_id), name, GROUP_SUFFIXES)

    # ---------------------------------------------------------------- raw messages
    def message(self, message_id: int) -> InboundMessage | None:
        return self.session.get(InboundMessage, message_id)

    def not_understood(self, org_id: int, limit: int = 100, *, message_id: int | None = None) -> list[InboundMessage]:
        """What an office should look at: its own people's messages the bot did not understand or failed on
        (a failed message may lack its person: then the sender's account names them)."""
        people = select(Person.id).where(Person.org_id == org_id)
        accounts = select(Person.wecom_userid).where(Person.org_id == org_id, Person.wecom_userid.is_not(None)).union(
            select(Person.dingtalk_userid).where(Person.org_id == org_id, Person.dingtalk_userid.is_not(None)))
        mine = or_(InboundMessage.person_id.in_(people),
                   and_(InboundMessage.person_id.is_(None), InboundMessage.account.in_(accounts)))
        if message_id is not None:
            mine = and_(mine, InboundMessage.id == message_id)
        return list(self.session.scalars(select(InboundMessage).where(
            InboundMessage.status.in_(("not_understood", "failed")), mine).order_by(InboundMessage.id.desc()).limit(limit)))

    # ---------------------------------------------------------------- activities
    def find_activity(self, branch_id: int, code: str, day: date, *, exclude_id: int | None = None) -> ActivityRecord | None:
        q = select(ActivityRecord).where(ActivityRecord.branch_id == branch_id, ActivityRecord.code == code,
                                         ActivityRecord.date == day, ActivityRecord.deleted_at.is_(None))
        if exclude_id is not None:
            q = q.where(ActivityRecord.id != exclude_id)
        return self.session.scalars(q.limit(1)).first()

    def add_activity(self, *, branch_id: int, code: str, day: date, reported_by: int | None, message_id: int | None,
                     expected: int | None = None, present: int | None = None, hours: float | None = None,
                     speaker: str | None = None, speaker_role: str | None = None, topic: str | None = None,
                     now: datetime | None = None) -> ActivityRecord:
        """INSERT the record (a Core statement: the ORM's unit of work costs more than the rest of a message)
        and hand back the same row as a persistent ActivityRecord of this session, without another query."""
        values = dict(branch_id=branch_id, code=code, date=day, expected=expected, present=present, hours=hours,
                      speaker=speaker, speaker_role=speaker_role, topic=(topic or None) and topic[:500],
                      reported_by=reported_by, message_id=message_id, created_at=now or utcnow(), deleted_at=None)
        rec_id = self.session.execute(_INSERT_ACTIVITY, values).inserted_primary_key[0]
        rec = attach(self.session, ActivityRecord, {"id": rec_id, **values})
        self.audit(reported_by, "create", "activity_record", rec_id, None, row_dict(rec, ACTIVITY_FIELDS), message_id, now)
        return rec

    def activity_tally(self, branch_id: int, code: str, day: date) -> tuple[bool, int]:
        """(a live record of `code` on `day` exists, live records of `code` in `day`'s year), in one query:
        what `find_activity` and `count_activities` answer, for the record handler's hot path."""
        row = self.session.execute(_TALLY, {"branch_id": branch_id, "code": code, "day": day,
                                            "start": date(day.year, 1, 1), "end": date(day.year, 12, 31)}).one()
        return bool(row[1]), int(row[0] or 0)

    def count_activities(self, branch_id: int, code: str, year: int) -> int:
        return self.session.scalar(select(func.count(ActivityRecord.id)).where(
            ActivityRecord.branch_id == branch_id, ActivityRecord.code == code, ActivityRecord.deleted_at.is_(None),
            ActivityRecord.date >= date(year, 1, 1), ActivityRecord.date <= date(year, 12, 31))) or 0

    def activities(self, branch_id: int, year: int | None = None, *, include_deleted: bool = False) -> list[ActivityRecord]:
        q = select(ActivityRecord).where(ActivityRecord.branch_id == branch_id)
        if year is not None:
            q = q.where(ActivityRecord.date >= date(year, 1, 1), ActivityRecord.date <= date(year, 12, 31))
        if not include_deleted:
            q = q.where(ActivityRecord.deleted_at.is_(None))
        return list(self.session.scalars(q.order_by(ActivityRecord.date, ActivityRecord.id)))

    def last_activity_by(self, person_id: int, *, code: str | None = None, day: date | None = None,
                         branch_id: int | None = None, since: datetime | None = None) -> ActivityRecord | None:
        """The reporter's most recent live record of that branch (optionally the one with that activity and/or
        date; a named record may be anyone's of the branch), reported at or after `since`."""
        q = select(ActivityRecord).where(ActivityRecord.deleted_at.is_(None))
        if branch_id is not None:
            q = q.where(ActivityRecord.branch_id == branch_id)
        if not (branch_id is not None and (code or day)):
            q = q.where(ActivityRecord.reported_by == person_id)
        if code:
            q = q.where(ActivityRecord.code == code)
        if day:
            q = q.where(ActivityRecord.date == day)
        if since is not None:
            q = q.where(ActivityRecord.created_at >= since)
        return self.session.scalars(q.order_by(ActivityRecord.id.desc()).limit(1)).first()  # the last one reported

    def soft_delete_activity(self, rec: ActivityRecord, actor_id: int | None, message_id: int | None,
                             now: datetime | None = None) -> None:
        before = row_dict(rec, ACTIVITY_FIELDS)
        rec.deleted_at = now or utcnow()
        self.session.flush()
        self.audit(actor_id, "undo", "activity_record", rec.id, before, row_dict(rec, ACTIVITY_FIELDS), message_id, now)

    def update_activity(self, rec: ActivityRecord, changes: dict, actor_id: int | None, message_id: int | None,
                        now: datetime | None = None) -> None:
        before = row_dict(rec, ACTIVITY_FIELDS)
        for key, val in changes.items():
            setattr(rec, key, val)
        self.session.flush()
        self.audit(actor_id, "correct", "activity_record", rec.id, before, row_dict(rec, ACTIVITY_FIELDS), message_id, now)

    def recent_activity_for_evidence(self, person_id: int, since: datetime) -> ActivityRecord | None:
        return self.session.scalars(select(ActivityRecord).where(
            ActivityRecord.reported_by == person_id, ActivityRecord.deleted_at.is_(None),
            ActivityRecord.created_at >= since).order_by(ActivityRecord.id.desc()).limit(1)).first()

    def add_evidence(self, rec: ActivityRecord, *, kind: str, message_id: int | None, media: dict | None,
                     actor_id: int | None, now: datetime | None = None) -> Evidence:
        media = media or {}
        ev = Evidence(activity=rec, message_id=message_id, kind=kind,
                      media_id=(media.get("media_id") or None), filename=media.get("filename"),
                      url=next((u for u in (media.get("url"), media.get("pic_url")) if is_web_url(u)), None),
                      path=media.get("path") or None,
                      created_at=now or utcnow())
        self.session.add(ev)
        self.session.flush()
        self.audit(actor_id, "attach", "evidence", ev.id, None, {"activity_id": rec.id, "kind": kind}, message_id, now)
        return ev

    # ---------------------------------------------------------------- declarations, awards, incidents
    def add_declaration(self, *, branch_id: int, year: int, key: str, value: str | None, day: date | None,
                        reported_by: int | None, message_id: int | None, now: datetime | None = None) -> tuple[Declaration, bool]:
        """Returns (row, created). The same key and value again is not stored twice."""
        existing = self.session.scalars(select(Declaration).where(
            Declaration.branch_id == branch_id, Declaration.year == year, Declaration.key == key,
            Declaration.deleted_at.is_(None))).all()
        for row in existing:
            if (row.value or None) == (value or None):
                return row, False
        row = Declaration(branch_id=branch_id, year=year, key=key, value=value, date=day, reported_by=reported_by,
                          message_id=message_id, created_at=now or utcnow())
        self.session.add(row)
        self.session.flush()
        self.audit(reported_by, "create", "declaration", row.id, None,
                   row_dict(row, ("branch_id", "year", "key", "value", "date")), message_id, now)
        return row, True

    def add_award(self, *, branch_id: int, key: str, level: str, day: date, note: str | None,
                  recorded_by: int | None, message_id: int | None, now: datetime | None = None,
                  pending: bool = False) -> Award:
        """`pending`: a branch's own declaration, not counted until the office confirms it (`confirm_award`)."""
        row = Award(branch_id=branch_id, key=key, level=level, date=day, note=note, recorded_by=recorded_by,
                    message_id=message_id, created_at=now or utcnow(), pending=pending)
        self.session.add(row)
        self.session.flush()
        self.audit(recorded_by, "create", "award", row.id, None,
                   row_dict(row, ("branch_id", "key", "level", "date", "pending")), message_id, now)
        return row

    def awards(self, branch_ids: Sequence[int], year: int, *, key: str | None = None,
               pending: bool | None = None) -> list[Award]:
        """Live awards of these branches dated in `year` (of one key; only pending or only confirmed ones)."""
        if not branch_ids:
            return []
        q = select(Award).where(Award.branch_id.in_(list(branch_ids)), Award.deleted_at.is_(None),
                                Award.date >= date(year, 1, 1), Award.date <= date(year, 12, 31))
        if key is not None:
            q = q.where(Award.key == key)
        if pending is not None:
            q = q.where(Award.pending.is_(pending))
        return list(self.session.scalars(q.order_by(Award.date, Award.id)))

    def confirm_award(self, row: Award, actor_id: int | None, now: datetime | None = None) -> None:
        """The office has checked a declared award: from now on it counts (audited with who confirmed it)."""
        row.pending, row.confirmed_by, row.confirmed_at = False, actor_id, now or utcnow()
        self.session.flush()
        self.audit(actor_id, "confirm", "award", row.id, {"pending": True},
                   {"pending": False, "confirmed_by": actor_id}, None, now)

    def add_incident(self, *, branch_id: int, key: str, day: date, count: int = 1, event: str | None = None,
                     note: str | None = None, recorded_by: int | None = None, now: datetime | None = None) -> Incident:
        row = Incident(branch_id=branch_id, key=key, date=day, count=count, event=event, note=note,
                       recorded_by=recorded_by, created_at=now or utcnow())
        self.session.add(row)
        self.session.flush()
        self.audit(recorded_by, "create", "incident", row.id, None,
                   row_dict(row, ("branch_id", "key", "date", "count", "event", "note")), None, now)
        return row

    def incidents(self, org_id: int, year: int | None = None) -> list[Incident]:
        q = select(Incident).join(Branch, Branch.id == Incident.branch_id).where(
            Branch.org_id == org_id, Incident.deleted_at.is_(None))
        if year is not None:
            q = q.where(Incident.date >= date(year, 1, 1), Incident.date <= date(year, 12, 31))
        return list(self.session.scalars(q.order_by(Incident.date, Incident.id)))

    def delete_incident(self, incident_id: int, actor_id: int | None, now: datetime | None = None) -> Incident | None:
        row = self.session.get(Incident, incident_id)
        if row is None or row.deleted_at is not None:
            return None
        before = row_dict(row, ("branch_id", "key", "date", "count", "event", "note", "deleted_at"))
        row.deleted_at = now or utcnow()
        self.audit(actor_id, "undo", "incident", row.id, before, {"deleted_at": row.deleted_at.isoformat()}, None, now)
        return row

    def last_declaration_by(self, person_id: int, *, branch_id: int | None = None,
                            since: datetime | None = None) -> Declaration | None:
        return self._last_fact(Declaration, Declaration.reported_by, person_id, branch_id, since)

    def last_award_by(self, person_id: int, *, branch_id: int | None = None, since: datetime | None = None) -> Award | None:
        return self._last_fact(Award, Award.recorded_by, person_id, branch_id, since)

    def _last_fact(self, model: Any, by: Any, person_id: int, branch_id: int | None, since: datetime | None) -> Any:
        """The person's most recent live declaration or award (of that branch, reported since `since`)."""
        q = select(model).where(by == person_id, model.deleted_at.is_(None))
        if branch_id is not None:
            q = q.where(model.branch_id == branch_id)
        if since is not None:
            q = q.where(model.created_at >= since)
        return self.session.scalars(q.order_by(model.created_at.desc(), model.id.desc()).limit(1)).first()

    def soft_delete(self, row: Declaration | Award, actor_id: int | None, message_id: int | None,
                    now: datetime | None = None) -> None:
        row.deleted_at = now or utcnow()
        self.session.flush()
        self.audit(actor_id, "undo", row.__tablename__, row.id, {"deleted_at": None},
                   {"deleted_at": row.deleted_at.isoformat()}, message_id, now)

    # ---------------------------------------------------------------- plans
    def add_plan(self, *, branch_id: int, code: str, day: date, topic: str | None, created_by: int | None,
                 message_id: int | None, now: datetime | None = None) -> tuple[Plan, bool]:
        existing = self.session.scalars(select(Plan).where(
            Plan.branch_id == branch_id, Plan.code == code, Plan.date == day,
            Plan.status.in_(("pending", "asked")))).first()
        if existing is not None:
            return existing, False
        plan = Plan(branch_id=branch_id, code=code, date=day, topic=topic, created_by=created_by, message_id=message_id,
                    created_at=now or utcnow())
        self.session.add(plan)
        self.session.flush()
        self.audit(created_by, "create", "plan", plan.id, None, {"code": code, "date": day.isoformat()}, message_id, now)
        return plan, True

    def has_due_plan(self, person_id: int, today: date) -> bool:
        """Whether `due_plans(today, person_id=…)` would return anything (one cheap Core query)."""
        return self.session.execute(_DUE_PLAN, {"today": today, "person_id": person_id}).first() is not None

    def due_planners(self, today: date) -> set[int]:
        """Everyone with a plan whose day has passed and that nobody has been asked about yet (one query)."""
        return {pid for (pid,) in self.session.execute(_DUE_PLANNERS, {"today": today}) if pid is not None}

    def due_plans(self, today: date, *, person_id: int | None = None) -> list[Plan]:
        """Plans whose day has passed and that nobody has been asked about yet."""
        q = select(Plan).where(Plan.status == "pending", Plan.date < today)
        if person_id is not None:
            q = q.where(Plan.created_by == person_id)
        return list(self.session.scalars(q.order_by(Plan.date, Plan.id)))

    def plan(self, plan_id: int) -> Plan | None:
        return self.session.get(Plan, plan_id)

    # ---------------------------------------------------------------- conversation state
    def state(self, person_id: int, now: datetime) -> ConversationState | None:
        """What the bot waits for from this person. Read once per unit of work, then remembered (the
        dispatcher, the handler and the plan question all ask); set_state/clear_state keep it current."""
        st = self._loaded_state(person_id)
        if st is not None and st.expires_at < now:
            self.session.delete(st)
            self.session.flush()
            self._states[person_id] = None
            return None
        return st

    def _loaded_state(self, person_id: int) -> ConversationState | None:
        if person_id in self._states:
            return self._states[person_id]
        row = self.session.execute(_STATE_OF, {"person_id": person_id}).first()
        st = attach(self.session, ConversationState, dict(row._mapping)) if row is not None else None
        self._states[person_id] = st
        return st

    def set_state(self, person_id: int, kind: str, payload: dict, expires_at: datetime) -> ConversationState:
        st = self._loaded_state(person_id)
        if st is None:
            st = ConversationState(person_id=person_id, kind=kind, payload=payload, expires_at=expires_at)
            self.session.add(st)
        else:
            st.kind, st.payload, st.expires_at = kind, dict(payload), expires_at
        self.session.flush()
        self._states[person_id] = st
        return st

    def clear_state(self, person_id: int) -> None:
        st = self._loaded_state(person_id)
        if st is not None:
            self.session.delete(st)
            self.session.flush()
        self._states[person_id] = None

    # ---------------------------------------------------------------- scores and submissions
    def score_entries(self, branch_ids: Sequence[int], year: int) -> dict[int, dict[str, dict[str, float]]]:
        """{branch_id: {tier: {item_id: points}}} for the given branches, in one query."""
        out: dict[int, dict[str, dict[str, float]]] = {}
        if not branch_ids:
            return out
        rows = self.session.execute(select(ScoreEntry.branch_id, ScoreEntry.tier, ScoreEntry.item_id, ScoreEntry.points)
                                    .where(ScoreEntry.year == year, ScoreEntry.branch_id.in_(list(branch_ids))))
        for branch_id, tier, item_id, points in rows:
            out.setdefault(branch_id, {}).setdefault(tier, {})[item_id] = points
        return out

    def set_score(self, *, branch_id: int, year: int, tier: str, item_id: str, points: float, given_by: int | None,
                  note: str | None = None, message_id: int | None = None, now: datetime | None = None) -> ScoreEntry:
        """One score per (branch, year, tier, item): a new score replaces the old, the audit log keeps both."""
        row = self.session.scalars(select(ScoreEntry).where(
            ScoreEntry.branch_id == branch_id, ScoreEntry.year == year, ScoreEntry.tier == tier,
            ScoreEntry.item_id == item_id)).first()
        before = None
        if row is None:
            row = ScoreEntry(branch_id=branch_id, year=year, tier=tier, item_id=item_id, points=points, note=note,
                             given_by=given_by, created_at=now or utcnow())
            self.session.add(row)
        else:
            before = {"points": row.points, "given_by": row.given_by}
            row.points, row.given_by, row.note, row.created_at = points, given_by, note, now or utcnow()
        self.session.flush()
        self.audit(given_by, "score", "score_entry", row.id, before,
                   {"branch_id": branch_id, "year": year, "tier": tier, "item_id": item_id, "points": points},
                   message_id, now)
        return row

    def set_scores(self, *, year: int, tier: str, scores: Sequence[tuple[int, str, float]], given_by: int | None,
                   message_id: int | None = None, now: datetime | None = None) -> int:
        """Many `set_score`s (branch id, item id, points) in a handful of statements: one read of the scores they
        replace, then the writes back to back, so a grading table holds the write lock for milliseconds, not a
        statement round per row. Scores that do not change are not written. Returns how many were written."""
        if not scores:
            return 0
        at = now or utcnow()
        existing = {(b, i): (rid, pts, by) for rid, b, i, pts, by in self.session.execute(select(
            ScoreEntry.id, ScoreEntry.branch_id, ScoreEntry.item_id, ScoreEntry.points, ScoreEntry.given_by).where(
            ScoreEntry.year == year, ScoreEntry.tier == tier,
            ScoreEntry.branch_id.in_(sorted({b for b, _, _ in scores}))))}
        new, changed = [], []
        for branch_id, item_id, points in scores:
            old = existing.get((branch_id, item_id))
            if old is None:
                new.append((branch_id, item_id, points))
            elif old[1] != points or old[2] != given_by:
                changed.append((old, branch_id, item_id, points))
        audits = []
        if new:
            # RETURNING the key, not in parameter order: SQLite can batch only an unordered RETURNING
            ids = {(b, i): rid for rid, b, i in self.session.execute(
                insert(ScoreEntry).returning(ScoreEntry.id, ScoreEntry.branch_id, ScoreEntry.item_id), [
                    {"branch_id": b, "year": year, "tier": tier, "item_id": i, "points": p, "note": None,
                     "given_by": given_by, "created_at": at} for b, i, p in new])}
            audits += [(ids[b, i], None, b, i, p) for b, i, p in new]
        if changed:
            table = ScoreEntry.__table__
            self.session.execute(table.update().where(table.c.id == bindparam("rid")).values(
                points=bindparam("p"), given_by=bindparam("by"), note=None, created_at=bindparam("at")),
                [{"rid": old[0], "p": p, "by": given_by, "at": at} for old, _, _, p in changed])
            audits += [(old[0], {"points": old[1], "given_by": old[2]}, b, i, p) for old, b, i, p in changed]
        if audits:
            self.session.execute(_INSERT_AUDIT, [
                {"at": at, "actor_id": given_by, "action": "score", "entity": "score_entry", "entity_id": rid,
                 "before": before, "after": {"branch_id": b, "year": year, "tier": tier, "item_id": i, "points": p},
                 "message_id": message_id} for rid, before, b, i, p in audits])
        return len(audits)

    def submission(self, org_id: int, year: int, tier: str, *, branch_id: int | None = None,
                   group_id: int | None = None) -> Submission | None:
        q = select(Submission).where(Submission.org_id == org_id, Submission.year == year, Submission.tier == tier)
        q = q.where(Submission.branch_id.is_(None) if branch_id is None else Submission.branch_id == branch_id)
        q = q.where(Submission.group_id.is_(None) if group_id is None else Submission.group_id == group_id)
        return self.session.scalars(q.limit(1)).first()

    def submissions(self, org_id: int, year: int, tier: str) -> list[Submission]:
        return list(self.session.scalars(select(Submission).where(
            Submission.org_id == org_id, Submission.year == year, Submission.tier == tier)))

    def submit(self, *, org_id: int, year: int, tier: str, branch_id: int | None = None, group_id: int | None = None,
               total: float | None, submitted_by: int | None, message_id: int | None = None,
               now: datetime | None = None) -> Submission:
        """Idempotent per (org, year, tier, branch, group): a resubmission updates the row (NULLs are not unique in SQL)."""
        row = self.submission(org_id, year, tier, branch_id=branch_id, group_id=group_id)
        before = None
        if row is None:
            row = Submission(org_id=org_id, year=year, tier=tier, branch_id=branch_id, group_id=group_id, total=total,
                             submitted_by=submitted_by, submitted_at=now or utcnow())
            self.session.add(row)
        else:
            before = {"total": row.total, "submitted_by": row.submitted_by}
            row.total, row.submitted_by, row.submitted_at = total, submitted_by, now or utcnow()
        self.session.flush()
        self.audit(submitted_by, "submit", "submission", row.id, before,
                   {"tier": tier, "year": year, "branch_id": branch_id, "group_id": group_id, "total": total},
                   message_id, now)
        return row

    # ---------------------------------------------------------------- seasons
    def closed_years(self, org_id: int) -> set[int]:
        """The evaluation years the office closed (and did not reopen)."""
        return set(self.session.scalars(select(Season.year).where(Season.org_id == org_id, Season.status == "closed")))

    def set_season(self, org_id: int, year: int, status: str, *, actor_id: int | None, message_id: int | None,
                   now: datetime | None = None) -> bool:
        """Mark `year` closed or reopened (audited); False if it already was."""
        row = self.session.scalars(select(Season).where(Season.org_id == org_id, Season.year == year)).first()
        if row is not None and row.status == status or row is None and status != "closed":
            return False
        before = None if row is None else {"status": row.status}
        if row is None:
            row = Season(org_id=org_id, year=year, status=status, changed_by=actor_id, changed_at=now or utcnow())
            self.session.add(row)
        else:
            row.status, row.changed_by, row.changed_at = status, actor_id, now or utcnow()
        self.session.flush()
        self.audit(actor_id, "close" if status == "closed" else "reopen", "season", row.id, before,
                   {"org_id": org_id, "year": year, "status": status}, message_id, now)
        return True

    # ---------------------------------------------------------------- audit
    def audit(self, actor_id: int | None, action: str, entity: str, entity_id: int | None, before: dict | None,
              after: dict | None, message_id: int | None = None, now: datetime | None = None) -> None:
        """One audit_log row, inserted at once (a Core statement; nothing reads the row back in the same unit)."""
        self.session.execute(_INSERT_AUDIT, {"at": now or utcnow(), "actor_id": actor_id, "action": action,
                                             "entity": entity, "entity_id": entity_id, "before": before,
                                             "after": after, "message_id": message_id})

    def audit_trail(self, entity: str, entity_id: int) -> list[AuditLog]:
        return list(self.session.scalars(select(AuditLog).where(
            AuditLog.entity == entity, AuditLog.entity_id == entity_id).order_by(AuditLog.id)))


def _is_group_name(name: str) -> bool:
    return name.endswith("协作组") or name.endswith("组") and not name.endswith("党小组")


def _best_match(candidates: Sequence[Any], name: str, suffixes: Sequence[str]) -> Any | None:
    wanted = re.sub(r"\s+", "", name)
    for c in candidates:
        if c.name == wanted:
            return c
    core = _norm(wanted, suffixes)
    exact = [c for c in candidates if _norm(c.name, suffixes) == core]
    if len(exact) == 1:
        return exact[0]
    contains = [c for c in candidates if core and (core in c.name or _norm(c.name, suffixes) in wanted)]
    if len(contains) == 1:
        return contains[0]
    return None


def plan_expiry(now: datetime, minutes: int = 60 * 24 * 3) -> datetime:
    return now + timedelta(minutes=minutes)
