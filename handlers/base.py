"""The handlers' one small contract: `handle(parsed, ctx) -> ReplyData`.

Side effects go through `Context` (store, clock, sender, scorer), so a test hands in a Store over a
test database, a fixed clock and a RecordingSender, and reads back a transcript. Notifications to
other people are queued on the context and sent by the conversation core after the commit, so a
rolled-back message never notifies anyone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Protocol

import yaml

from bot.models import ROLE_LABELS, Branch, Organisation, Person
from bot import season
from bot.store import Store

BRANCH_ROLES = frozenset({"secretary", "organiser"})
# How long after a record was reported its reporter may still undo or correct it in chat ("刚才那条" never reaches
# a record weeks old); older records are changed by the office, audited (docs/conversation.md).
EDIT_WINDOW = timedelta(days=7)
READ_ROLES = frozenset({"secretary", "organiser", "member"})
ALL_ROLES = frozenset(ROLE_LABELS)


@dataclass
class ReplyData:
    """What a handler returns: a template under templates/replies/ and the data it renders."""

    template: str
    data: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    status: str = "handled"  # handled / not_understood / refused
    secrets: list[str] = field(default_factory=list)  # cut out of the copy stored on the message (login links)


@dataclass
class Notification:
    person_id: int
    template: str
    data: dict[str, Any]
    key: str
    reason: str


class Scorer(Protocol):
    """The scoring core as the handlers see it (bot.facts implements it over the store)."""

    def score_cards(self, session: Any, org: Organisation, year: int, as_of: date,
                    group_id: int | None = None) -> list: ...

    def branch_card(self, session: Any, org: Organisation, branch: Branch, year: int, as_of: date) -> Any: ...

    def rubric(self, org: Organisation) -> Any: ...

    def rank(self, cards: list) -> list: ...

    def pending_awards(self, session: Any, branch: Branch, year: int) -> tuple:
        """A branch's own declared awards the office has not confirmed yet (待确认: no part of the card)."""
        ...


@dataclass
class Context:
    store: Store
    person: Person
    org: Organisation
    message_id: int | None
    now: datetime  # UTC, naive (as stored)
    today: date  # the local date (organisation time zone)
    scorer: Scorer
    text: str = ""
    kind: str = "text"
    media: dict | None = None
    is_group: bool = False  # the message came from a group chat: nothing private is answered there
    sender: Any = None  # the process's Sender (bot/push): what a handler sends after the commit goes through it
    config: Any = None  # the serving process's Config (its public URL and secret key sign the links it sends)
    outbox: list[Notification] = field(default_factory=list)
    _season: season.SeasonView | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def season(self) -> season.SeasonView:
        """Which years are open, under review or closed today (read once per message)."""
        if self._season is None or self._season.today != self.today:
            self._season = season.view(self.store, self.org, self.today)
        return self._season

    @property
    def year(self) -> int:
        """The evaluation year under review: last year until the office closes it, on any date (bot/season.py)."""
        return self.season.review_year

    def open_year_for(self, day: date) -> int:
        """`check_day`'s open year for a date: a day in today's year or later is never in a closed year, so the
        record hot path reads the seasons only for a date of an earlier year."""
        return self.today.year if day.year >= self.today.year else self.season.review_year

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.person.role, self.person.role)

    def notify(self, person_id: int, template: str, key: str, reason: str = "", **data: Any) -> None:
        self.outbox.append(Notification(person_id, template, data, key, reason))

    def cards(self, group_id: int | None = None) -> list:
        return self.scorer.score_cards(self.store.session, self.org, self.year, self.as_of, group_id=group_id)

    def card(self, branch: Branch) -> Any:
        return self.scorer.branch_card(self.store.session, self.org, branch, self.year, self.as_of)

    @property
    def as_of(self) -> date:
        """Score 'as of' today, or the year's end once the year is over."""
        end = date(self.year, 12, 31)
        return min(self.today, end)

    @property
    def edit_since(self) -> datetime:
        """The oldest report time undo/correct may reach (EDIT_WINDOW back from now)."""
        return self.now - EDIT_WINDOW

    def expires(self, minutes: int = 30) -> datetime:
        return self.now + timedelta(minutes=minutes)


Handler = Callable[[Any, Context], ReplyData]


@lru_cache(maxsize=1)
def words() -> dict[str, frozenset[str]]:
    data = yaml.safe_load((Path(__file__).with_name("words.yaml")).read_text(encoding="utf-8"))
    return {k: frozenset(str(w).lower() for w in v) for k, v in data.items()}


def answer_kind(text: str) -> str | None:
    """'yes' / 'no' for a short answer to a question, else None."""
    t = (text or "").strip().strip("。.!！~～ ").lower()
    if not t or len(t) > 8:
        return None
    w = words()
    if t in w["affirm"]:
        return "yes"
    if t in w["deny"]:
        return "no"
    return None


def refused(ctx: Context, what: str, why: str = "") -> ReplyData:
    """The person acted outside their role: say so, change nothing."""
    return ReplyData("not_allowed", {"role": ctx.role_label, "what": what, "why": why}, status="refused")


def fmt_points(x: float | None) -> str:
    if x is None:
        return "—"
    r = round(float(x), 2)
    return str(int(r)) if r == int(r) else f"{r:g}"


def not_found(ctx: Context, name: str) -> ReplyData:
    """No branch or group is called `name`: say so, with a branch and a group of the asker's own scope as examples
    (the demo's branches are named after associations: a fixed "第二党支部" example named one that does not exist)."""
    groups = [g for g in ctx.store.groups(ctx.org.id) if ctx.person.group_id in (None, g.id)]
    branch = a_branch_in_scope(ctx)
    return ReplyData("branch_not_found", {"name": name, "branch_example": branch.name if branch else None,
                                          "group_example": groups[0].name if groups else None})


def a_branch_in_scope(ctx: Context) -> Branch | None:
    """A branch the asker may ask about or act on (their own, their group's first, the committee's first), to
    name in an example they can send as it is."""
    if ctx.person.branch is not None:
        return ctx.person.branch
    found = ctx.store.branches(ctx.org.id, ctx.person.group_id if ctx.person.role == "group_leader" else None)
    return found[0] if found else None


def example_branch(ctx: Context) -> str:
    """The name of a branch in the asker's scope, for an example line."""
    found = a_branch_in_scope(ctx)
    return found.name if found else "第一党支部"


def target_branch(parsed: Any, ctx: Context) -> tuple[Branch | None, ReplyData | None]:
    """The branch a message is about, within what the asker may see.

    Branch people: their own branch (naming another is refused). Group leaders: a branch of their
    group, or None for the group as a whole. The office: any branch, or None for the committee.
    """
    person, store = ctx.person, ctx.store
    name = getattr(parsed, "target", None)
    named = store.find_branch(ctx.org.id, name) if name else None
    if person.role in READ_ROLES:
        own = person.branch
        if own is None:
            return None, refused(ctx, "查看支部情况", "您的账号没有关联党支部")
        if named is not None and named.id != own.id:
            return None, refused(ctx, f"查看{named.name}的情况", "只能查看本支部")
        return own, None
    if name and named is None and store.find_group(ctx.org.id, name) is None:
        return None, not_found(ctx, name)
    if named is None:
        return None, None
    if person.role == "group_leader" and named.group_id != person.group_id:
        return None, refused(ctx, f"查看{named.name}的情况", "只能查看本协作组的支部")
    return named, None
