"""The evaluation season: which year a message is about, whether a year is still open, and its deadlines.

An evaluation year opens on Jan 1 and stays *under review* after Dec 31 until the office closes it (its final
scores confirmed for every group, or "关闭2022年度考核"); January's self-evaluations, group tables and the
office's review all belong to it, whatever the date. Only the year before today's can still be under review:
older years are closed, and so is last year for an organisation that started with this year (`Organisation.year`
is the first year it evaluates). A closed year is read-only until the office reopens it (audited).

The deadlines of a year come from one calendar (`calendar`): the organisation's settings over its columns over
seed 000's defaults (self-evaluation material by Jan 10, group tables by Jan 19 of the next year). The chat,
the reminders, the score cards and the exports all ask it.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Callable, Iterable

from bot.models import Organisation
from bot.reminders.calendar import CalendarError, OrgCalendar, calendar_for
from bot.store import Store

OPEN, REVIEW, CLOSED = "open", "review", "closed"


class SeasonView:
    """What a message needs to know about the seasons on `today`: the year its evaluation work goes to. The closed
    years are read only when the answer depends on them (last year is one the organisation evaluates)."""

    def __init__(self, today: date, first_year: int, closed: Callable[[], Iterable[int]] | Iterable[int]) -> None:
        self.today = today
        self.first_year = first_year  # the organisation's first evaluation year
        self._closed = closed

    @property
    def closed(self) -> frozenset[int]:
        """Years the office closed (a reopened year is not in it)."""
        if callable(self._closed):
            self._closed = self._closed()
        return frozenset(self._closed)

    @property
    def review_year(self) -> int:
        """The year submissions, grading, scores, rankings and exports go to: last year until it is closed."""
        prev = self.today.year - 1
        return prev if prev >= self.first_year and prev not in self.closed else self.today.year

    def state(self, year: int) -> str:
        """open (today's year), review (last year, not closed yet) or closed."""
        if year >= self.today.year:
            return OPEN
        return REVIEW if year == self.review_year else CLOSED

    def is_closed(self, year: int) -> bool:
        return self.state(year) == CLOSED

    @property
    def under_review(self) -> bool:
        """Whether last year is still under review (then questions that could mean either year say both)."""
        return self.review_year < self.today.year


def view(store: Store, org: Organisation, today: date) -> SeasonView:
    """The season view of `org` on `today` (at most one query, made when first needed)."""
    first = org.year if org.year is not None else today.year - 1
    return SeasonView(today, first, lambda: store.closed_years(org.id))


def local_today() -> date:
    """Today in the organisation's time zone (ZHIBU_TIMEZONE), as the chat counts it: what a command run on the
    machine's clock calls today."""
    from zoneinfo import ZoneInfo

    from bot.config import Config

    return datetime.now(ZoneInfo(Config.from_env().timezone)).date()


def review_year_without_org(today: date) -> int:
    """The year under review when there is no organisation to ask (a command run without a database): nobody can
    have closed last year, so seed 000's calendar says — last year until its group tables are due, then this year."""
    return today.year - 1 if today <= calendar_for(today.year - 1).group_deadline else today.year


def calendar(org: Organisation, year: int) -> OrgCalendar:
    """The one calendar of `org`'s evaluation year `year` (reminders, chat, score cards and exports)."""
    return calendar_for(year, org.self_deadline, org.group_deadline, org.settings or {})


def deadlines(org: Organisation, year: int) -> dict[str, date]:
    """{"self": …, "group": …} of `year` from `calendar`; seed 000's defaults if the settings cannot be read
    (the reminders report that error to the office; a chat answer should still say something)."""
    try:
        cal = calendar(org, year)
    except CalendarError:
        cal = calendar_for(year)
    return {"self": cal.self_deadline, "group": cal.group_deadline}


def close(store: Store, org: Organisation, year: int, *, actor_id: int | None, message_id: int | None,
          now: datetime) -> bool:
    """Close `year` (audited). False if it was already closed."""
    return store.set_season(org.id, year, "closed", actor_id=actor_id, message_id=message_id, now=now)


def reopen(store: Store, org: Organisation, year: int, *, actor_id: int | None, message_id: int | None,
           now: datetime) -> bool:
    """Reopen a closed `year` for a correction (audited). False if it was not closed."""
    return store.set_season(org.id, year, "reopened", actor_id=actor_id, message_id=message_id, now=now)
