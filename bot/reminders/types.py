"""Plain values the reminder rules work on: a snapshot of an organisation and the reminders it yields.

The planner builds these from the store; tests build them by hand. Nothing here touches the DB or clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Recipient = Literal["target", "person"]


@dataclass(frozen=True, slots=True)
class PersonRef:
    id: int
    name: str
    role: str = "secretary"  # bot.models.ROLES


@dataclass(frozen=True, slots=True)
class BranchRef:
    id: int
    name: str
    group_id: int | None = None
    contacts: tuple[PersonRef, ...] = ()  # secretaries first, then 组织委员: who is @-mentioned / nudged


@dataclass(frozen=True, slots=True)
class GroupRef:
    id: int
    name: str
    leaders: tuple[PersonRef, ...] = ()  # 协作组组长
    targets: tuple[int, ...] = ()  # PushTarget ids of this group's chat(s)


@dataclass(frozen=True, slots=True)
class OrgState:
    """Who is in the organisation and who has handed in what, for one evaluation year."""

    org_id: int
    name: str
    year: int
    groups: tuple[GroupRef, ...] = ()
    branches: tuple[BranchRef, ...] = ()  # active branches only
    committee_targets: tuple[int, ...] = ()  # PushTarget ids with group_id NULL (the committee's chat)
    office: tuple[PersonRef, ...] = ()
    self_submitted: frozenset[int] = frozenset()  # branch ids with a `self` submission
    group_submitted: frozenset[int] = frozenset()  # group ids with a `group` submission

    def group(self, group_id: int | None) -> GroupRef | None:
        for g in self.groups:
            if g.id == group_id:
                return g
        return None


@dataclass(frozen=True, slots=True)
class PlanRef:
    """A planned activity (table `plan`) as the follow-up rule needs it."""

    id: int
    branch_id: int
    branch_name: str
    code: str
    label: str
    date: date
    status: str = "pending"
    topic: str | None = None
    recorded: bool = False  # an activity record of that code already exists for that day
    ask: tuple[PersonRef, ...] = ()  # who is asked: the person who announced it, else the secretaries


@dataclass(frozen=True)
class Reminder:
    """One message to send: to a chat (PushTarget) or a person, under a stable idempotency key."""

    key: str  # e.g. "deadline:self:2023-01-10:lead3:group:5"
    kind: str  # deadline_self / deadline_group / nudge / plan
    to: Recipient
    recipient_id: int
    recipient_name: str  # for the dry run: the chat's or person's name
    template: str  # templates/reminders/<template>.j2
    context: dict[str, Any] = field(default_factory=dict, hash=False)
    mentions: tuple[int, ...] = ()  # person ids to @-mention (chats only)
    reason: str = ""  # why it is sent, in Chinese, for the log and the dry run
    day: date | None = None  # the day it is due
