"""The office dashboard's reads (bot/web/): every query its pages and forms make, scoped to one organisation.

Beside bot/store.py (the chat's unit of work, whose writes the dashboard uses too: records, incidents, awards,
audit), so the web package holds no SQLAlchemy query of its own and a page's scope can be read in one place.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Award, Branch, Group, Incident, InboundMessage, Organisation, Person, Submission

DASHBOARD_ROLES = ("office", "group_leader")  # who may log in to the dashboard


@dataclass
class OfficeQueries:
    session: Session

    # ---------------------------------------------------------------- rows by id (the caller checks the scope)
    def person(self, person_id: int | None) -> Person | None:
        return self.session.get(Person, person_id) if person_id is not None else None

    def organisation(self, org_id: int) -> Organisation | None:
        return self.session.get(Organisation, org_id)

    def group(self, group_id: int) -> Group | None:
        return self.session.get(Group, group_id)

    def branch(self, branch_id: int) -> Branch | None:
        return self.session.get(Branch, branch_id)

    def message(self, message_id: int) -> InboundMessage | None:
        return self.session.get(InboundMessage, message_id)

    def incident_of(self, org_id: int, incident_id: int) -> Incident | None:
        """The incident if it belongs to a branch of this organisation."""
        row = self.session.get(Incident, incident_id)
        branch = self.session.get(Branch, row.branch_id) if row else None
        return row if branch is not None and branch.org_id == org_id else None

    def live_award_of(self, org_id: int, award_id: int) -> Award | None:
        """The award (not deleted) if it belongs to a branch of this organisation."""
        row = self.session.get(Award, award_id)
        branch = self.session.get(Branch, row.branch_id) if row else None
        if row is None or row.deleted_at is not None or branch is None or branch.org_id != org_id:
            return None
        return row

    # ---------------------------------------------------------------- login
    def dashboard_person(self, name: str) -> Person | None:
        """The active office member or group leader of this name (password login)."""
        return self.session.scalars(select(Person).where(Person.name == name, Person.role.in_(DASHBOARD_ROLES),
                                                         Person.active.is_(True)).limit(1)).first()

    def dashboard_people(self, limit: int = 50) -> list[Person]:
        """Who may log in, office first (the demo's login page lists them; never shown for a real roster)."""
        return list(self.session.scalars(select(Person).where(Person.role.in_(DASHBOARD_ROLES), Person.active.is_(True))
                                         .order_by(Person.role.desc(), Person.id).limit(limit)))

    def people(self, ids: Sequence[int]) -> dict[int, Person]:
        ids = [i for i in ids if i]
        return {p.id: p for p in self.session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}

    # ---------------------------------------------------------------- an organisation's groups and branches
    def groups(self, org_id: int, only: int | None = None) -> list[Group]:
        """The organisation's groups (a group leader: `only` their own)."""
        q = select(Group).where(Group.org_id == org_id).order_by(Group.id)
        if only is not None:
            q = q.where(Group.id == only)
        return list(self.session.scalars(q))

    def active_branches(self, org_id: int) -> list[Branch]:
        """Active branches, group by group (the forms' branch choices)."""
        return list(self.session.scalars(select(Branch).where(Branch.org_id == org_id, Branch.active.is_(True))
                                         .order_by(Branch.group_id, Branch.id)))

    def group_branches(self, group_id: int) -> list[Branch]:
        return list(self.session.scalars(select(Branch).where(Branch.group_id == group_id, Branch.active.is_(True))
                                         .order_by(Branch.id)))

    # ---------------------------------------------------------------- the year's rows
    def submissions(self, org_id: int, year: int, tier: str | None = None) -> list[Submission]:
        q = select(Submission).where(Submission.org_id == org_id, Submission.year == year)
        return list(self.session.scalars(q.where(Submission.tier == tier) if tier else q))

    def pending_award_count(self, org_id: int) -> int:
        """Declared awards waiting for the office (待确认), every year."""
        return self.session.scalar(select(func.count(Award.id)).join(Branch, Branch.id == Award.branch_id).where(
            Branch.org_id == org_id, Award.pending.is_(True), Award.deleted_at.is_(None))) or 0

    def awards_in_year(self, org_id: int, year: int) -> list[Award]:
        return list(self.session.scalars(select(Award).join(Branch, Branch.id == Award.branch_id).where(
            Branch.org_id == org_id, Award.deleted_at.is_(None), Award.date >= date(year, 1, 1),
            Award.date <= date(year, 12, 31)).order_by(Award.date, Award.id)))
